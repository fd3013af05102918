"""Sweden: a provider change whose form 3079 deadline falls before the notice is flagged, with the
earliest change date the deadline still allows (issue 18, defect 5)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from transfer_builders import build

from bpa_provider.rules.calendar import fk_provider_change_deadline, fk_provider_change_earliest
from bpa_provider.services import transfers


@pytest.mark.parametrize(
    ("notice", "earliest"),
    [
        (date(2027, 1, 31), date(2027, 3, 1)),
        (date(2027, 1, 15), date(2027, 2, 1)),
        (date(2027, 1, 16), date(2027, 3, 1)),
        (date(2026, 12, 20), date(2027, 2, 1)),
        (date(2026, 11, 30), date(2027, 1, 1)),
    ],
)
def test_earliest_change_date_whose_deadline_is_not_before_the_notice(notice, earliest):
    assert fk_provider_change_earliest(notice) == earliest
    assert fk_provider_change_deadline(earliest) >= notice
    assert fk_provider_change_deadline(earliest - timedelta(days=1)) < notice  # a day earlier is late


def test_notice_on_31_january_with_a_february_change_warns(db, admin):
    w = build(db, admin, country="se", muni="Bjuv")
    v = transfers.open_transfer(
        db, admin, w.client, "out", "Fjordtun Assistans AB", "2027-01-31", "2027-02-28", today=date(2027, 1, 31)
    )
    fk = next(s for s in v.steps if s.code == "fk_notice")
    assert fk.due_date == date(2027, 1, 15)
    (warning,) = map(str, v.warnings)
    assert "15.01.2027" in warning and "31.01.2027" in warning and "01.03.2027" in warning
    assert transfers.get_transfer(db, admin, v.id, today=date(2027, 2, 1)).warnings == v.warnings


def test_the_usual_three_months_notice_gives_no_warning(db, admin):
    w = build(db, admin, country="se", muni="Bjuv")
    v = transfers.open_transfer(
        db, admin, w.client, "out", "Fjordtun Assistans AB", "2027-01-31", today=date(2027, 1, 31)
    )
    assert v.effective_date == date(2027, 4, 30) and v.warnings == ()


def test_the_cli_prints_the_warning_on_open_and_show(sqlite_db, admin, capsys):
    from bpa_provider.cli import main
    from bpa_provider.identity import current_login
    from bpa_provider.services.users import ensure_first_admin

    ensure_first_admin(sqlite_db, current_login())
    w = build(sqlite_db, admin, country="se", muni="Bjuv")
    path = sqlite_db.engine.url.database
    argv = [
        "--db",
        path,
        "transfer",
        "open",
        w.client,
        "--direction",
        "out",
        "--counterpart",
        "Fjordtun AB",
        "--notice-date",
        "2027-01-31",
        "--agreed-date",
        "2027-02-28",
    ]
    assert main(argv + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["warnings"]) == 1 and "01.03.2027" in data["warnings"][0]
    assert main(["--db", path, "transfer", "show", str(data["id"])]) == 0
    out = capsys.readouterr().out
    assert "warning: Försäkringskassan's deadline for form 3079 (15.01.2027)" in out
    assert main(["--db", path, "transfer", "show", str(data["id"]), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)  # the warnings are message values: written as text
    assert len(shown["warnings"]) == 1 and "15.01.2027" in shown["warnings"][0]
