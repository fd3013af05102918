"""The roster CLI on SQLite: exit codes (0 ok, 1 refused, 2 bad input), one-line errors, and the
reports and exports on the fixed month."""

from __future__ import annotations

import csv
import json

import pytest
from roster_world import make_world, may_dataset

from bpa_provider.cli import main
from bpa_provider.identity import current_login
from bpa_provider.services.users import ensure_first_admin


@pytest.fixture
def cli(sqlite_db, admin, capsys):
    """Run `bpa-provider --db … ARGS` as the OS login (made admin); returns (code, stdout, stderr)."""
    ensure_first_admin(sqlite_db, current_login())
    world = make_world(sqlite_db, admin)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", sqlite_db.url, *args])
        except SystemExit as exc:  # argparse refuses bad usage this way
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    run.world = world
    return run


def test_planning_commands_and_their_exit_codes(cli):
    code, out, err = cli("roster", "add", "K-0001", "A-0001", "--start", "2026-03-02T08:00", "--end", "16:00")
    assert (code, err) == (0, "") and "Mon 02.03.2026 08:00–16:00 (8.00 h)" in out
    code, out, err = cli("roster", "add", "K-0001", "A-0001", "--start", "2026-03-29T02:30", "--end", "08:00")
    assert code == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1
    assert cli("roster", "add", "K-0001", "A-0404", "--start", "2026-03-03T08:00", "--end", "12:00")[0] == 2
    code, out, _ = cli("roster", "week", "K-0001", "--week", "2026-W10")
    assert code == 0 and "Mon 02.03" in out and "Per Hansen (A-0001)" in out
    assert cli("roster", "week", "K-0001", "--week", "2026-W99")[0] == 2
    code, _, err = cli("roster", "lock", "K-0001", "--week", "2026-W10")
    assert code == 2 and "not approved" in err
    assert cli("roster", "approve", "K-0001", "--week", "2026-W10")[0] == 0
    assert cli("roster", "lock", "K-0001", "--week", "2026-W10")[0] == 0
    code, _, err = cli("roster", "edit", "1", "--end", "17:00")
    assert code == 1 and "locked" in err
    assert cli("roster", "reopen", "K-0001", "--week", "2026-W10")[0] == 2  # --reason is required
    assert cli("roster", "reopen", "K-0001", "--week", "2026-W10", "--reason", "wrong end")[0] == 0
    code, out, _ = cli("roster", "edit", "1", "--end", "17:00")
    assert code == 0 and "deviation" in out


def test_payroll_reports_and_exports(cli, tmp_path):
    made = may_dataset(cli.world)
    code, out, _ = cli("report", "rest", "--from", "2026-05-01", "--to", "2026-05-31", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {"assistant", "rule", "shifts", "detail"} <= set(rows[0])
    assert "NO-REST-DAILY" in {r["rule"] for r in rows}
    code, _, err = cli("export", "payroll", "--month", "2026-05", "--check")
    assert code == 2 and "not approved" in err and "NO-REST-DAILY" in err
    target = tmp_path / "pay.csv"
    assert cli("export", "payroll", "--month", "2026-05", "--out", str(target))[0] == 2
    assert not target.exists()
    assert cli("roster", "approve", "K-0001", "--month", "2026-05")[0] == 0
    for rule in ("NO-REST-DAILY", "NO-NORMAL-DAY"):
        assert cli("roster", "ack", str(made["sat"].id), rule, "--comment", "asked for it")[0] == 0
    code, out, _ = cli("export", "payroll", "--month", "2026-05", "--out", str(target))
    assert code == 0, out
    with target.open(encoding="utf-8") as fh:
        pay = {r["assistant_ref"]: r for r in csv.DictReader(fh)}
    assert (pay["A-0001"]["hours"], pay["A-0001"]["holiday"], pay["A-0001"]["passive_paid"]) == ("31.0", "4.0", "3.0")
    assert cli("export", "payroll", "--month", "2026-05", "--check")[0] == 2  # exported and locked
    ics = tmp_path / "a.ics"
    assert (
        cli("export", "ics", "--assistant", "A-0001", "--from", "2026-05-01", "--to", "2026-05-31", "--out", str(ics))[
            0
        ]
        == 0
    )
    assert ics.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 5
    code, out, _ = cli("export", "roster", "K-0001", "--week", "2026-W20")
    assert code == 0 and "Thu 14.05 *" in out
    code, out, _ = cli("report", "invoice", "--month", "2026-05", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("Hamar,NO,K-0001,Kari Nordmann,39.00,")
    code, out, _ = cli("report", "continuity", "--date", "2026-05-20", "--format", "json")
    assert code == 0 and json.loads(out)[0]["substitutes_never_met"] == "A-0002"
    assert cli("report", "invoice", "--month", "2026-13")[0] == 2


def test_payroll_layouts_on_the_command_line(cli, tmp_path):
    import xml.etree.ElementTree as ET

    from sqlalchemy import update

    from bpa_provider.db.models import Employment

    made = may_dataset(cli.world)
    assert cli("roster", "approve", "K-0001", "--month", "2026-05")[0] == 0
    for rule in ("NO-REST-DAILY", "NO-NORMAL-DAY"):
        assert cli("roster", "ack", str(made["sat"].id), rule, "--comment", "asked for it")[0] == 0
    target = tmp_path / "pay.xml"
    code, _, err = cli("export", "payroll", "--month", "2026-05", "--layout", "paxml", "--excel", "--out", str(target))
    assert code == 2 and "--excel" in err and not target.exists()
    code, _, err = cli("export", "payroll", "--month", "2026-05", "--layout", "lines", "--check")
    assert code == 2 and sum(line.startswith("  no employee number") for line in err.splitlines()) == 2  # both
    code, _, err = cli("export", "payroll", "--month", "2026-05", "--layout", "paxml", "--out", str(target))
    assert code == 2 and not target.exists()
    with cli.world.db.write() as s:
        for person, number in ((cli.world.regular, "1001"), (cli.world.substitute, "1002")):
            s.execute(update(Employment).where(Employment.assistant_id == person.id).values(employee_number=number))
    code, out, err = cli("export", "payroll", "--month", "2026-05", "--layout", "paxml", "--out", str(target))
    assert code == 0, err
    root = ET.parse(target).getroot()
    hours = sum(float(t.findtext("timmar")) for t in root.iter("tidtrans") if t.findtext("tidkod") == "TID")
    assert hours == 20.0  # the regular's 14 h and the substitute's 6 h on ordinary days
    assert {t.get("anstid") for t in root.iter("tidtrans")} == {"1001", "1002"}
