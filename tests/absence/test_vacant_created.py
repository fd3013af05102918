"""A shift created vacant (`roster add --vacant`, `vacancy.create_vacant_shift`): no assistant,
the checks of a shift otherwise, listed, ranked, filled and paid as any vacant shift, on SQLite
and PostgreSQL; the CLI refuses an ambiguous line in one line."""

from __future__ import annotations

import pytest
from absence_world import WEEK, world

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import OutboxMessage, Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import payroll, roster, vacancy

SATURDAY = "2027-01-16"


def test_a_shift_created_vacant_names_nobody_until_it_is_filled(db, admin):
    w = world(db, admin)
    saved = vacancy.create_vacant_shift(db, admin, w["client"].id, f"{SATURDAY} 10:00", "14:00")
    (sh,) = saved.shifts
    assert (sh.status, sh.assistant_id, sh.replaces_assistant_id) == ("vacant", None, None)
    (row,) = vacancy.list_vacant(db, admin, WEEK[0], WEEK[-1].replace(day=17))
    assert (row.id, row.client, row.was_assistant, row.hours) == (sh.id, w["client"].ref, "", 4.0)
    ranked = vacancy.candidates(db, admin, sh.id)
    # Nobody is absent: the client's regular assistant is a candidate too, and the one who knows
    # the client well; the one without a police certificate is not eligible.
    assert {c.assistant for c in ranked if c.eligible} == {w["sick"].ref, w["known"].ref, w["new"].ref}
    assert [c.assistant for c in ranked if not c.eligible] == [w["nocert"].ref]
    # Not paid to anyone while vacant; its hours are the substitute's ordinary work once filled.
    assert w["known"].ref not in {r.assistant_ref for r in payroll.payroll_preview(db, admin, 2027, 1).rows}
    roster.update_shift(db, admin, sh.id, None, end="15:00")  # a vacant shift can be changed
    roster.reassign_shift(db, admin, sh.id, None, w["known"].id)
    with db.read() as s:
        filled = s.get(Shift, sh.id)
        assert (filled.status, filled.assistant_id, filled.replaces_assistant_id) == ("planned", w["known"].id, None)
        assert (
            s.query(OutboxMessage)
            .filter(OutboxMessage.kind == "shift_confirmed", OutboxMessage.recipient_id == w["known"].id)
            .count()
            == 1
        )
    kjell = {r.assistant_ref: r for r in payroll.payroll_preview(db, admin, 2027, 1).rows}[w["known"].ref]
    assert (kjell.hours, kjell.weekend, kjell.sick_employer_period) == (5.0, 5.0, 0.0)  # a Saturday


def test_a_vacant_shift_is_checked_like_any_other_and_can_be_cancelled(db, admin):
    w = world(db, admin)
    with pytest.raises(ValidationError) as exc:
        vacancy.create_vacant_shift(db, admin, w["client"].id, f"{SATURDAY} 10:00", "xx")
    assert exc.value.for_field("end")
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, w["client"].id, w["known"].id, f"{SATURDAY} 10:00", "14:00", vacant=True)
    assert "no assistant" in exc.value.message
    with pytest.raises(ValidationError):
        roster.create_shift(db, admin, w["client"].id, None, f"{SATURDAY} 10:00", "14:00")  # not vacant: whose?
    (sh,) = vacancy.create_vacant_shift(db, admin, w["client"].id, f"{SATURDAY} 10:00", "14:00").shifts
    roster.cancel_shift(db, admin, sh.id, None)  # nobody to tell
    assert vacancy.list_vacant(db, admin, WEEK[0], WEEK[-1].replace(day=17)) == []


def test_cli_adds_a_vacant_shift(tmp_path, sqlite_template, capsys):
    import json
    import shutil

    from bpa_provider.cli import main
    from bpa_provider.db.engine import make_engine
    from bpa_provider.identity import current_login
    from bpa_provider.services.users import ensure_first_admin

    path = tmp_path / "v.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    w = world(database, Actor("admin", "admin"))
    ensure_first_admin(database, current_login())
    database.dispose()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", f"sqlite:///{path}", "--lang", "en", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("roster", "add", w["client"].ref, "--vacant", "--start", f"{SATURDAY}T10:00", "--end", "14:00")
    assert (code, err) == (0, "") and "4.00 h" in out
    code, out, err = run("roster", "vacant", "--from", SATURDAY, "--to", SATURDAY, "--format", "json")
    (row,) = json.loads(out)
    assert row["was_assistant"] == "" and row["client"] == w["client"].ref
    for argv in ((), (w["known"].ref, "--vacant")):
        code, out, err = run("roster", "add", w["client"].ref, *argv, "--start", f"{SATURDAY}T10:00", "--end", "14:00")
        assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
