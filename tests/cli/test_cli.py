"""The CLI in-process (`bpa_provider.cli.main`) for demo, import and `report hours`: exit 0 on
success; exit 2 with a clear message and never a traceback on bad input. One subprocess test runs
the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bpa_provider.cli import main
from bpa_provider.cli.commands import importcsv
from bpa_provider.services import importer

DATA = Path(__file__).resolve().parent.parent / "data" / "import"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A small demo company, made once through the CLI (migrates and makes the OS user admin)."""
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite3"
    assert main(["--db", str(path), "demo", "--clients", "6", "--months", "2", "--seed", "4"]) == 0
    return str(path)


def test_demo_creates_schema_admin_and_company(demo_db, capsys):
    code, out, _ = run(capsys, "--db", demo_db, "list", "clients", "--format", "json")
    assert code == 0
    assert [c["ref"] for c in json.loads(out)] == [f"K-{i:04d}" for i in range(1, 7)]


def test_demo_refuses_a_database_with_clients(demo_db, capsys):
    code, out, err = run(capsys, "--db", demo_db, "demo", "--clients", "2")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "already has clients" in err
    assert out == ""


def test_demo_bad_sizes_touch_nothing(tmp_path, capsys):
    path = tmp_path / "never.sqlite3"
    code, _, err = run(capsys, "--db", str(path), "demo", "--clients", "0")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_report_hours_formats(demo_db, capsys):
    from datetime import date

    month = date.today().strftime("%Y-%m")
    code, out, _ = run(capsys, "--db", demo_db, "report", "hours", "--month", month, "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith(
        "client,name,municipality,decided_hours,planned_hours,covered_hours,uncovered_hours,worked_hours,balance"
    )
    assert len(lines) >= 6
    code, out, _ = run(capsys, "--db", demo_db, "report", "hours", "--month", month, "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {"client", "decided_hours", "planned_hours", "worked_hours", "flag"} <= set(rows[0])
    # The year-end projection is made as of the end of the month or today, whichever is earlier.
    assert rows[0]["projected_as_of"] == date.today().isoformat()
    code, out, _ = run(capsys, "--db", demo_db, "report", "hours", "--month", month)
    assert code == 0 and "Worked hours" in out.splitlines()[0]  # a translated heading
    assert f"Year-end projection as of {date.today():%d.%m.%Y}" in out
    code, out, _ = run(capsys, "--db", demo_db, "report", "hours", "--month", month, "--no-outlook", "--format", "csv")
    assert (
        code == 0
        and out.splitlines()[0]
        == "client,name,municipality,decided_hours,planned_hours,covered_hours,uncovered_hours,worked_hours,balance"
    )


@pytest.mark.parametrize("month", ["2026-13", "March", "２０２６-03"])
def test_report_hours_bad_month_is_one_line_exit_2(capsys, month, tmp_path):
    code, out, err = run(capsys, "--db", str(tmp_path / "none.sqlite3"), "report", "hours", "--month", month)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "month" in err


def test_import_every_kind_then_a_bad_file(tmp_path, capsys):
    db = str(tmp_path / "imp.sqlite3")
    assert run(capsys, "--db", db, "init")[0] == 0
    for kind in importer.KINDS:
        code, out, err = run(capsys, "--db", db, "import", kind, str(DATA / f"{kind}.csv"))
        assert (code, err) == (0, ""), err
        assert out.startswith("Imported ")
    code, out, _ = run(capsys, "--db", db, "report", "hours", "--month", "2026-03", "--format", "json")
    assert {r["client"]: r["worked_hours"] for r in json.loads(out)} == {"K-0101": 17.0, "K-0102": 1.0}
    code, out, err = run(capsys, "--db", db, "import", "clients", str(DATA / "clients_bad.csv"))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert "nothing was written" in lines[0]
    assert any(ln.strip().startswith("line 3: name") for ln in lines)
    assert any(ln.strip().startswith("line 4: municipality") for ln in lines)
    code, out, _ = run(capsys, "--db", db, "list", "clients", "--format", "json")
    assert "K-0201" not in out


def test_import_bad_usage(tmp_path, capsys):
    db = str(tmp_path / "x.sqlite3")
    assert run(capsys, "--db", db, "init")[0] == 0
    code, _, err = run(capsys, "--db", db, "import", "clients", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    with pytest.raises(SystemExit) as exc:
        main(["--db", db, "import", "patients", "x.csv"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_import_kinds_match_the_service():
    assert set(importcsv.KINDS) == set(importer.KINDS) | {"handover"}


def test_console_script_bad_month(tmp_path):
    script = Path(sys.executable).parent / "bpa-provider"
    proc = subprocess.run(
        [str(script), "--db", str(tmp_path / "c.sqlite3"), "report", "hours", "--month", "2026-00"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_a_mistyped_database_path_is_refused_and_not_created(tmp_path, capsys):
    missing = tmp_path / "typo" / "bpa.sqlite3"
    for argv in (["list", "clients"], []):  # a command, and opening the app
        code, out, err = run(capsys, "--db", str(missing), *argv)
        assert code == 1 and out == ""
        assert (
            err
            == f"bpa-provider: there is no database at {missing}: create it with 'bpa-provider init' (or 'bpa-provider demo')\n"
        )
    assert not missing.parent.exists()


def test_the_console_script_flushes_and_exits_with_the_commands_code(demo_db):
    """The script ends its process without the interpreter's teardown (cli.end_process): output
    must still arrive whole, with the command's exit code, also when the reader stops early."""
    script = str(Path(sys.executable).parent / "bpa-provider")
    proc = subprocess.run(
        [script, "--db", demo_db, "list", "clients", "--format", "csv"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.count("\n") == 7 and proc.stderr == ""
    help_ = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert help_.returncode == 0 and "usage: bpa-provider" in help_.stdout
    head = subprocess.run(
        f"'{script}' --db '{demo_db}' report hours --month 2026-01 --format csv | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert head.stdout.startswith("client,") and "Traceback" not in head.stderr
