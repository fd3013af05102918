"""The shell-completion script describes commands and options in the language in force (shtab
reads the parser's help words, so they are translated on a parser of its own first)."""

from __future__ import annotations

import argparse

import pytest

from bpa_provider import cli


def _script(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert cli.main([*argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nb", "vis brukere, assistenter, arbeidsledere, vedtak"),
        ("sv", "visa kunder, assistenter, arbetsledare, beslut"),
    ],
)
def test_the_zsh_script_describes_commands_in_the_language(capsys, lang, words):
    from bpa_provider import i18n

    i18n.set_language(lang)
    try:
        expected = i18n._("list clients, assistants, supervisors, decisions, …")
        helpwords = i18n._("show this help message and exit")
    finally:
        i18n.set_language("en")
    script = _script(capsys, "--lang", lang, "completion", "zsh")
    assert f"list:'{expected}'" in script and helpwords in script
    assert "show this help message and exit" not in script and words in script


def test_english_stays_english_and_the_running_parser_is_untouched(capsys):
    from bpa_provider.cli.commands.completion import in_language

    assert "list:'list clients, assistants, supervisors, decisions, …'" in _script(capsys, "completion", "zsh")
    parser = cli.build_parser()
    helps = [a.help for a in parser._actions]
    other = cli.build_parser()
    in_language(other)  # a copy is translated; a parser built again keeps its English message ids
    assert [a.help for a in cli.build_parser()._actions] == helps
    assert isinstance(other, argparse.ArgumentParser)
