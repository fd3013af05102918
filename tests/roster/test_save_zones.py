"""A roster save returns the time zone of each client its shifts are for (`SaveResult.zones`), so
the CLI prints local times from the result alone, without a database session of its own."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

from roster_world import make_world, utc
from sqlalchemy import update

from bpa_provider.cli.commands.roster import _print_saved
from bpa_provider.db.models import Municipality
from bpa_provider.i18n import render_message
from bpa_provider.services import roster


def _reykjavik(w) -> None:
    """The world's municipality on UTC all year, so a local time read in Oslo's zone would show."""
    with w.db.write() as s:
        s.execute(update(Municipality).where(Municipality.id == w.muni.id).values(timezone="Atlantic/Reykjavik"))


def test_every_kind_of_save_names_the_zone_of_its_client(db, admin):
    w = make_world(db, admin)
    se = make_world(db, admin, muni_name="Malmö", country="se")
    _reykjavik(w)
    added = roster.create_shift(db, admin, w.client.id, w.regular.id, "2026-03-02T08:00", "16:00")
    assert added.zones == {w.client.id: "Atlantic/Reykjavik"}
    sh = added.shift
    assert sh is not None and sh.start_utc == utc(2026, 3, 2, 8)
    changed = roster.update_shift(db, admin, sh.id, None, end="17:00", now=utc(2026, 1, 1))
    assert changed.zones == {w.client.id: "Atlantic/Reykjavik"}
    unchanged = roster.update_shift(db, admin, sh.id, None, end="17:00", now=utc(2026, 1, 1))
    assert unchanged.zones == {w.client.id: "Atlantic/Reykjavik"}
    moved = roster.reassign_shift(db, admin, sh.id, None, w.substitute.id)
    assert moved.zones == {w.client.id: "Atlantic/Reykjavik"}
    copied = roster.copy_week(db, admin, w.client.id, date(2026, 3, 2))
    assert copied.shifts and copied.zones == {w.client.id: "Atlantic/Reykjavik"}
    pattern = roster.create_pattern(
        db,
        admin,
        se.client.id,
        se.regular.id,
        weekdays="mon",
        start_time="08:00",
        end_time="12:00",
        valid_from=date(2026, 3, 2),
        today=date(2026, 3, 2),
        now=utc(2026, 3, 1),
    )
    assert pattern.zones == {se.client.id: "Europe/Stockholm"}
    roster.create_pattern(
        db,
        admin,
        w.client.id,
        w.regular.id,
        weekdays="tue",
        start_time="08:00",
        end_time="12:00",
        valid_from=date(2026, 3, 2),
        today=date(2026, 3, 2),
        now=utc(2026, 3, 1),
    )
    extended = roster.extend_patterns(db, admin, today=date(2026, 4, 6), now=utc(2026, 4, 5))
    assert {sh.client_id for sh in extended.shifts} == {w.client.id, se.client.id}
    assert extended.zones == {w.client.id: "Atlantic/Reykjavik", se.client.id: "Europe/Stockholm"}


def test_the_cli_prints_a_save_on_the_clients_clock_without_a_session(db, admin):
    w = make_world(db, admin)
    _reykjavik(w)
    res = roster.create_shift(db, admin, w.client.id, w.regular.id, "2026-03-02T08:00", "16:00")
    out = io.StringIO()
    # No `database`: a context that would open a session fails here (it did before the zones came
    # with the result).
    ctx = SimpleNamespace(out=out, say=lambda template, **params: out.write(render_message(template, params) + "\n"))
    _print_saved(ctx, res)
    assert out.getvalue() == f"Shift {res.shifts[0].id}: Mon 02.03.2026 08:00–16:00 (8.00 h)\n"
