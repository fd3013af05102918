"""The wheel, as a person installs it: built from the sources, installed in a fresh venv, run.

`pip wheel . --no-deps` builds it (from a copy of the sources, so the checkout gets no `build/`),
a fresh venv without pip receives it (`pip --python`), and the dependencies come from the venv
running the tests through a path line (not its site folder: its editable install of this checkout
must not answer instead of the wheel). Offline apart from pip fetching the build backend.

The top-level names the wheel installs must be `bpa_provider` alone: `db` and `screens` as
packages of their own would collide with anything else of those names (issue 20): the folders
stay at the top level of the repository and are `bpa_provider.db` / `bpa_provider.screens`
through two symlinks inside the package (docs/architecture.md, "Packaging").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # builds a wheel and a venv: ~30 s

# What the wheel is built from: the package folders and the files pyproject.toml names.
SOURCES = ("pyproject.toml", "README.md", "bpa_provider", "db", "screens")


def _clean_env() -> dict[str, str]:
    """The environment without anything that would import this checkout instead of the wheel."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (found,) = out.glob("bpa_provider-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel in it; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies, after the venv's own packages (so the wheel's bpa_provider wins).
    Path(site, "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "bpa-provider"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean_env() | {"BPA_CONFIG": "/nonexistent"},
        timeout=120,
    )


def test_the_installed_wheel_runs_from_its_own_files(installed, tmp_path):
    version = _run(installed, tmp_path, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("bpa-provider ")
    where = subprocess.run(
        [str(installed / "python"), "-c", "import bpa_provider; print(bpa_provider.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(),
        check=True,
    )
    assert str(installed.parent) in where.stdout, "the checkout answered instead of the wheel"
    # The migrations (package data) and the database layer come with it: `init` builds a database.
    made = _run(installed, tmp_path, "--db", str(tmp_path / "new.sqlite3"), "init")
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "new.sqlite3").stat().st_size > 0


def _top_level(wheel: Path) -> set[str]:
    """The names the wheel puts at the top of site-packages, from its RECORD and top_level.txt."""
    with zipfile.ZipFile(wheel) as z:
        record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        rows = z.read(record).decode("utf-8").splitlines()
        top = [n for n in z.namelist() if n.endswith(".dist-info/top_level.txt")]
        declared = set(z.read(top[0]).decode("utf-8").split()) if top else set()
    installed = {row.split(",")[0].split("/")[0] for row in rows if row}
    return {n for n in installed if not n.endswith(".dist-info")} | declared


def test_the_wheel_claims_no_global_name_but_bpa_provider(wheel):
    assert _top_level(wheel) == {"bpa_provider"}
