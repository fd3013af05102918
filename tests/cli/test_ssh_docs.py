"""The one-line commands the docs show for a laptop (`ssh bpa@server …`) are commands the forced
command accepts as written: our parser takes them and none names a file on the server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpa_provider import cli

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> list[tuple[str, str]]:
    found = []
    for doc in ("README.md", "docs/deploy-ssh.md"):
        for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
            m = re.search(r"`?ssh bpa@server ([^`#\n]*)", line)
            if m and m.group(1).strip():
                command = re.split(r"\s[<>]\s?", m.group(1))[0].strip()  # the redirection is the laptop's
                found.append((doc, command))
    return found


DOCUMENTED = _documented()
NOT_OURS = ("sh -c id",)  # shown as what is refused


def test_the_docs_show_the_file_commands():
    commands = " | ".join(c for _doc, c in DOCUMENTED)
    for needed in (
        "export payroll --month 2026-11 --out -",
        "import clients -",
        "export handover 12 --out -",
        "import handover -",
        "--layout lines",
        "--lang nb",
        "--help --lang sv",
    ):
        assert needed in commands


@pytest.mark.parametrize("doc, command", [d for d in DOCUMENTED if d[1] not in NOT_OURS])
def test_each_documented_command_runs_over_ssh(doc, command):
    parser = cli.build_parser()
    words = cli.remote_argv(command, cli._subcommands(parser))  # noqa: SLF001 - raises Refused if not allowed
    assert words is not None
    if words == ["--version"]:
        return
    words, _lang = cli.take_lang(words)  # --lang may stand anywhere, as the forced command allows
    if "--help" in words:
        with pytest.raises(SystemExit) as shown:  # the help is written, nothing runs
            parser.parse_args(words)
        assert shown.value.code == 0
        return
    args = parser.parse_args(words)
    assert cli.server_paths(args) == [], f"{doc}: {command}"
