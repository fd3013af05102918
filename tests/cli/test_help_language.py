"""`--help` of every command and sub-command in the person's language (issue 14 item 2).

A walk of the whole parser tree collects every word a person reads in --help (descriptions,
epilogs, each option's help and metavar, each sub-command's line in its group's list) and proves
each is a message id of our catalog, translated in nb and sv; then every sub-command's --help is
run in Norwegian and Swedish — with `--lang` before and after the command, and inside an SSH forced
command — and no English help line is left in it."""

from __future__ import annotations

import argparse
import getpass
import re
from pathlib import Path

import pytest

from bpa_provider import i18n
from bpa_provider.cli import build_parser, main
from bpa_provider.locale import extract

SSH = "127.0.0.1 50000 127.0.0.1 22"

#: Words that are the same in every language: names, units and forms typed as they stand.
SAME_IN_EVERY_LANGUAGE = {"URL", "ID", "REF", "N", "SEK"}


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(path, parser) for the top parser and every sub-command below it."""
    yield path, parser
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def _words(parser: argparse.ArgumentParser) -> list[str]:
    """Every string of one parser that --help shows and that is ours (not argparse's own)."""
    found = [parser.description, parser.epilog]
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):  # noqa: SLF001
            continue
        codes = ", ".join(map(str, action.choices or ()))
        # A help that lists the choices' codes ("notice, client_signed, …") is typed as it stands.
        found += [
            action.help if action.help != codes else None,
            action.metavar if isinstance(action.metavar, str) else None,
        ]
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            found += [choice.help for choice in action._choices_actions]  # noqa: SLF001
    return [w for w in found if isinstance(w, str) and w and w != argparse.SUPPRESS]


TREE = list(_parsers(build_parser()))


@pytest.fixture(scope="module")
def catalogs() -> dict[str, dict[str, str]]:
    locale = Path(extract.__file__).parent
    return {
        lang: extract.po_entries((locale / lang / "LC_MESSAGES" / "bpa.po").read_text(encoding="utf-8"))
        for lang in ("nb", "sv")
    }


def test_every_help_word_is_a_marked_message_translated_in_nb_and_sv(catalogs):
    marked = {m.msgid for m in extract.collect()}
    words = {w for _path, parser in TREE for w in _words(parser)}
    assert len(words) > 200  # the walk saw the whole tree
    assert sorted(words - marked) == []  # a help text the extractor cannot see is never translated
    for lang, entries in catalogs.items():
        assert sorted(w for w in words if not entries.get(w)) == [], lang
        same = sorted(w for w in words if entries[w] == w and w not in SAME_IN_EVERY_LANGUAGE)
        assert same == [], f"{lang}: left in English"


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    assert ended.value.code == 0 and err == ""
    return out


def _english_left(out: str, parser: argparse.ArgumentParser) -> list[str]:
    """The parser's English help words (longer than a name, not a list of codes such as
    "basic_course, first_rota, …") that still stand in `out`."""
    return [
        w for w in _words(parser) if " " in w and not re.fullmatch(r"[a-z_]+(, [a-z_]+)*(, …)?", w) and w[:30] in out
    ]


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_every_sub_command_help_is_in_the_language(capsys, lang):
    i18n.set_language(lang)
    headings = {"nb": "valg:", "sv": "alternativ:"}
    try:
        for path, parser in TREE:
            # --lang before the command for half of them, after it for the rest
            argv = ("--lang", lang, *path, "--help") if len(path) % 2 else (*path, "--help", "--lang", lang)
            out = _help(capsys, *argv)
            assert _english_left(out, parser) == [], path
            assert headings[lang] in out and "show this help" not in out, path
    finally:
        i18n.set_language("en")


def test_help_over_ssh_follows_the_language_in_the_command(capsys, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    parser = dict(TREE)[("export", "payroll")]
    for command in ("export payroll --help --lang nb", "--lang nb export payroll -h"):
        monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)
        out = _help(capsys, "--as", getpass.getuser())
        assert out.startswith("bruk: bpa-provider export payroll") and _english_left(out, parser) == []
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "export payroll --help")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert "alternativ:" in _help(capsys, "--as", getpass.getuser())


def test_english_help_stays_english(capsys):
    out = _help(capsys, "list", "--help", "--lang", "en")
    assert "part of a name or reference" in out and "options:" in out


def test_a_refusal_names_an_argument_as_its_help_does(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "nb", "absence", "add"])
    err = capsys.readouterr().err
    assert "følgende argumenter mangler: ASSISTENT_REF" in err and "ASSISTANT_REF" not in err
