"""Vacant shifts, end to end through the services on SQLite and PostgreSQL: an absence empties the
assistant's planned shifts, the candidates are ranked with the roster's own checks, a fill is a
reassignment with those checks, and cancelling the absence gives the shifts back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from absence_world import WEEK
from absence_world import world as _world

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import absence, roster, vacancy


def _statuses(db: Database) -> list[str]:
    with db.read() as s:
        return [
            sh.status
            for sh in s.query(Shift)
            .filter(Shift.start_utc >= datetime(2027, 1, 1, tzinfo=UTC))
            .order_by(Shift.start_utc)
        ]


def test_an_absence_makes_the_week_vacant_and_a_known_substitute_is_proposed_first(db, admin):
    w = _world(db, admin)
    saved = absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], WEEK[-1])
    assert saved.vacated == 5 and _statuses(db) == ["vacant"] * 5
    rows = vacancy.list_vacant(db, admin, WEEK[0], WEEK[-1])
    assert [r.was_assistant for r in rows] == [w["sick"].ref] * 5 and rows[0].hours == 7.5
    ranked = vacancy.candidates(db, admin, rows[0].id, now=datetime(2026, 12, 6, tzinfo=UTC))
    assert [c.assistant for c in ranked if c.eligible] == [w["known"].ref, w["new"].ref]
    excluded = {c.assistant: c for c in ranked if not c.eligible}
    assert set(excluded) == {w["nocert"].ref}
    assert any("NO-POLICE-CERT" in str(r) for r in excluded[w["nocert"].ref].reasons)
    assert w["sick"].ref not in {c.assistant for c in ranked}


def test_filling_applies_the_roster_rules_and_keeps_whom_it_replaces(db, admin):
    w = _world(db, admin)
    absence.add_absence(db, admin, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])
    with pytest.raises(ValidationError):
        roster.reassign_shift(db, admin, row.id, None, w["nocert"].id)
    with pytest.raises(ValidationError) as exc:
        roster.reassign_shift(db, admin, row.id, None, w["sick"].id)  # the absent one herself
    assert "absent" in exc.value.message
    roster.reassign_shift(db, admin, row.id, None, w["known"].id)
    with db.read() as s:
        sh = s.get(Shift, row.id)
        assert (sh.status, sh.assistant_id, sh.replaces_assistant_id) == ("planned", w["known"].id, w["sick"].id)
    assert vacancy.list_vacant(db, admin, WEEK[0], WEEK[0]) == []


def test_an_absent_assistant_cannot_be_rostered(db, admin):
    w = _world(db, admin)
    absence.add_absence(db, admin, w["known"].ref, "unpaid", date(2027, 2, 1), date(2027, 2, 5))
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, w["client"].id, w["known"].id, "2027-02-03 08:00", "12:00")
    assert "absent" in exc.value.message


def test_cancelling_or_shortening_the_absence_gives_the_shifts_back(db, admin):
    w = _world(db, admin)
    saved = absence.add_absence(db, admin, w["sick"].ref, "self-cert", WEEK[0], WEEK[2])
    assert _statuses(db) == ["vacant"] * 3 + ["planned"] * 2
    shorter = absence.end_absence(db, admin, saved.absence.id, WEEK[0])
    assert shorter.restored == 2 and _statuses(db) == ["vacant"] + ["planned"] * 4
    absence.cancel_absence(db, admin, saved.absence.id)
    assert _statuses(db) == ["planned"] * 5


def test_a_graded_sick_note_leaves_the_plan_alone(db, admin):
    w = _world(db, admin)
    saved = absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], WEEK[-1], grade=50)
    assert saved.vacated == 0 and _statuses(db) == ["planned"] * 5


def test_cli_lists_vacant_shifts_ranks_candidates_and_fills(tmp_path, sqlite_template, capsys):
    import json
    import shutil

    from bpa_provider.cli import main
    from bpa_provider.db.engine import make_engine
    from bpa_provider.identity import current_login
    from bpa_provider.services.users import ensure_first_admin

    path = tmp_path / "v.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    w = _world(database, Actor("admin", "admin"))
    ensure_first_admin(database, current_login())
    database.dispose()
    url = f"sqlite:///{path}"

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", url, "--lang", "en", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run(
        "absence", "add", w["sick"].ref, "--kind", "sick-note", "--from", "11.01.2027", "--to", "15.01.2027"
    )
    assert code == 0 and "5 planned shifts are now vacant" in out
    code, out, err = run("roster", "vacant", "--from", "2027-01-11", "--to", "2027-01-17", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert {"id", "client", "start", "end", "was_assistant"} <= set(rows[0]) and rows[0]["was_assistant"] == w[
        "sick"
    ].ref
    code, out, err = run("roster", "candidates", str(rows[0]["id"]), "--format", "json")
    ranked = json.loads(out)
    assert code == 0 and [c["assistant"] for c in ranked][:2] == [w["known"].ref, w["new"].ref]
    assert all(set(c) == {"assistant", "eligible", "reasons"} for c in ranked)
    assert [c["eligible"] for c in ranked] == [True, True, False]
    code, out, err = run("roster", "fill", str(rows[0]["id"]), "--assistant", w["nocert"].ref)
    assert code == 2 and "NO-POLICE-CERT" in err and len(err.strip().splitlines()) == 1
    code, out, err = run("roster", "fill", str(rows[0]["id"]), "--assistant", w["known"].ref)
    assert (code, err) == (0, "")
    code, out, err = run("roster", "vacant", "--from", "2027-01-11", "--to", "2027-01-17", "--format", "json")
    assert len(json.loads(out)) == 4


def test_a_locked_period_keeps_its_vacant_shifts_when_the_absence_is_cancelled(db, admin):
    """A locked (approved, exported) period's figures do not change behind its back: cancelling the
    absence gives back only the shifts outside it (the hour ledger of a locked month stays true)."""
    from bpa_provider.services import periods

    w = _world(db, admin)
    saved = absence.add_absence(db, admin, w["sick"].ref, "self-cert", WEEK[0], WEEK[2])
    assert _statuses(db) == ["vacant"] * 3 + ["planned"] * 2
    with db.write() as s:  # the first day's period locked, as a month end would
        periods.lock_rows(
            s, admin, w["client"].id, WEEK[0], WEEK[1], w["client"].ref, datetime(2027, 1, 12, tzinfo=UTC)
        )
    absence.cancel_absence(db, admin, saved.absence.id)
    assert _statuses(db) == ["vacant"] + ["planned"] * 4
