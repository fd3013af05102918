"""Command-line conventions: `--version`, `python -m bpa_provider`, and shell completion generated
from the parser (shtab) that really completes commands and options in bash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bpa_provider import __version__, cli

ROOT = Path(__file__).resolve().parents[2]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"bpa-provider {__version__}\n"


def test_version_over_ssh_is_allowed():
    assert cli.remote_argv("--version", {"list"}) == ["--version"]
    assert cli.remote_argv("bpa-provider --version", {"list"}) == ["--version"]


def test_python_dash_m_bpa_provider_is_the_program(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "BPA_CONFIG": "/nonexistent"}
    p = subprocess.run(
        [sys.executable, "-m", "bpa_provider", "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    assert (p.returncode, p.stdout, p.stderr) == (0, f"bpa-provider {__version__}\n", "")
    p = subprocess.run(
        [sys.executable, "-m", "bpa_provider", "report", "hours", "--month", "2026-13"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert p.returncode == 2 and "month" in p.stderr and "Traceback" not in p.stderr


def _completion(capsys, shell: str) -> str:
    assert cli.main(["completion", shell]) == 0
    return capsys.readouterr().out


def _complete_in_bash(script: Path, *words: str) -> list[str]:
    line = " ".join(words)
    probe = (
        f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
        f"COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _shtab_bpa_provider; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    p = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_bash_completion_completes_commands_and_options(capsys, tmp_path):
    script = tmp_path / "bpa-provider.bash"
    script.write_text(_completion(capsys, "bash"))
    assert _complete_in_bash(script, "bpa-provider", "exp") == ["export"]
    assert _complete_in_bash(script, "bpa-provider", "export", "pay") == ["payroll"]
    assert _complete_in_bash(script, "bpa-provider", "export", "payroll", "--mo") == ["--month"]
    assert "completion" in _complete_in_bash(script, "bpa-provider", "co")


def test_zsh_completion_names_every_command(capsys):
    text = _completion(capsys, "zsh")
    assert text.startswith("#compdef bpa-provider")
    for command in ("export", "report", "roster", "completion", "--version"):
        assert command in text


def test_an_unknown_shell_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["completion", "fish"])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1
