"""The dashboard's hours section read from the stored outlook (`hour_outlook`,
services/hour_outlook.py) equals `hours.usage_flags` computed directly as of the start of today,
for an admin and a supervisor, after every path that writes a client's inputs — a shift planned,
edited, cancelled, deleted or moved to another client, an import, a decision added or changed, a
balance entry, a client's end date, a municipality's time zone, raw SQL — and over a seeded
random mix of those writes with views in between (the stored rows reused must stay right). A new
day and other thresholds recompute; the triggers bump the right clients; a writer that commits
between the computation and the store leaves the row stale, never wrong; the migration gives
every existing client a row. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.models import Client, Decision, HourBalanceEntry, HourOutlook, Municipality, Shift, Supervision
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.services import dashboard, hour_outlook, hours, roster
from bpa_provider.services.base import scoped_actor

TODAY = date(2026, 5, 14)
POLICY = Policy()


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=7, clients=8, assistants=20, months=14, today=TODAY)
    return db


def _supervisor(db) -> Actor:
    """The supervisor of a client flagged today (so the scoped section has rows to compare)."""
    flagged = [r[0] for r in _direct(db, Actor("admin", "admin"))] or [0]
    with db.read() as s:
        q = select(Supervision.supervisor_id).order_by(Supervision.client_id.in_(flagged).desc(), Supervision.id)
        sup_id = s.execute(q).scalars().first()
    return scoped_actor(db, Actor("sup", "supervisor", supervisor_id=sup_id))


def _direct(db, actor, today=TODAY, policy=POLICY) -> list[tuple]:
    now = local_day_start_utc(today, hour_outlook.ZONE)
    rows = hours.usage_flags(db, actor, today.year, today.month, today=today, now=now, policy=policy)
    return [(r.client_id, r.client, r.name, r.flag, r.year_projected, r.year_decided, r.usage_pct) for r in rows]


def _same(db, actor, today=TODAY, policy=POLICY) -> int:
    """The section from the table equals the direct computation, whole and limited; its size."""
    expected = _direct(db, actor, today, policy)
    got = hour_outlook.usage_outlook(db, actor, today, policy=policy)
    assert [tuple(r.__dict__.values()) for r in got] == expected, actor.role
    assert got.total == len(expected)
    first = hour_outlook.usage_outlook(db, actor, today, policy=policy, limit=2)
    assert [tuple(r.__dict__.values()) for r in first] == expected[:2] and first.total == len(expected)
    return len(expected)


def _stale(db, today=TODAY) -> set[int]:
    with db.read() as s:
        return {
            cid
            for cid, as_of, done, changes in s.execute(
                select(HourOutlook.client_id, HourOutlook.as_of, HourOutlook.computed_changes, HourOutlook.changes)
            )
            if as_of != today or done != changes
        }


def _changes(db) -> dict[int, int]:
    with db.read() as s:
        return dict(s.execute(select(HourOutlook.client_id, HourOutlook.changes)).all())


def test_the_section_from_the_table_equals_the_direct_computation(demo, admin):
    """The first view computes and stores every client; the next reads them all, computing none."""
    assert _stale(demo) == set(_changes(demo))  # every client has a row, none computed yet
    assert _same(demo, admin) > 0
    assert _stale(demo) == set()
    assert _same(demo, _supervisor(demo)) > 0
    section = dashboard.gather_section(demo, admin, TODAY, dashboard.HOURS_USAGE, POLICY, limit=50)
    assert [i.ref for i in section.items] == [r[1] for r in _direct(demo, admin)]


def test_a_fresh_table_is_read_not_computed(demo, admin, monkeypatch):
    _same(demo, admin)
    calls = []
    monkeypatch.setattr(hour_outlook, "_report_rows", lambda *a, **k: calls.append(a) or [])
    before = hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY)
    assert calls == [] and len(before) > 0
    with demo.write() as s:  # one shift of one client changes: that client alone is computed
        shift = s.execute(select(Shift).order_by(Shift.id)).scalars().first()
        shift.note = "edited"
        cid = shift.client_id
    hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY)
    assert [a[-1] for a in calls] == [[cid]]


def test_a_new_day_and_other_thresholds_recompute(demo, admin):
    _same(demo, admin)
    assert _same(demo, admin, TODAY + timedelta(days=1)) >= 0
    assert _stale(demo, TODAY + timedelta(days=1)) == set()
    strict = Policy(usage_warn=0.5, usage_alert=0.6, usage_under=0.1)
    assert _same(demo, admin, TODAY + timedelta(days=1), strict) > 0
    assert _same(demo, admin, TODAY + timedelta(days=1)) >= 0  # and back


def _client_ids(db) -> list[int]:
    with db.read() as s:
        return list(s.execute(select(Client.id).order_by(Client.id)).scalars())


def _a_shift(db, rng: random.Random) -> Shift:
    with db.read() as s:
        # This month's and later shifts: the demo locks the months before (a locked shift cannot change).
        unlocked = Shift.start_utc >= datetime(TODAY.year, TODAY.month, 2, tzinfo=UTC)
        ids = list(s.execute(select(Shift.id).where(Shift.status != "cancelled", unlocked)).scalars())
        shift = s.get_one(Shift, rng.choice(ids))
        s.expunge(shift)
    return shift


def _write(db, admin, move: str, rng: random.Random) -> set[int]:
    """One write of kind `move`; the clients whose inputs it changed."""
    clients = _client_ids(db)
    cid = rng.choice(clients)
    day = TODAY + timedelta(days=rng.randint(-120, 60))
    if move == "plan":  # a vacant shift: the roster's checks of the client's plan, no assistant's
        start = datetime.combine(TODAY + timedelta(days=rng.randint(1, 60)), datetime.min.time()).replace(
            hour=rng.choice((6, 9, 12))
        )
        got = roster.create_shift(db, admin, cid, None, start, start + timedelta(hours=rng.randint(3, 8)), vacant=True)
        assert got.shifts
        return {cid}
    shift = _a_shift(db, rng)
    if move == "edit":
        with db.write() as s:
            row = s.get_one(Shift, shift.id)
            row.end_utc = row.end_utc + timedelta(hours=rng.choice((-2, 3, 30)))
        return {shift.client_id}
    if move == "cancel":
        roster.cancel_shift(db, admin, shift.id, shift.version, "ill")
        return {shift.client_id}
    if move == "delete":
        with db.write() as s:
            s.execute(delete(Shift).where(Shift.id == shift.id))
        return {shift.client_id}
    if move == "move":
        other = rng.choice([c for c in clients if c != shift.client_id])
        with db.write() as s:
            s.execute(text("UPDATE shift SET client_id = :c WHERE id = :i"), {"c": other, "i": shift.id})
        return {shift.client_id, other}
    if move == "decision":
        with db.write() as s:
            d = s.execute(select(Decision).where(Decision.client_id == cid)).scalars().first()
            if d is None:
                return set()
            d.hours = d.hours * rng.choice((0.5, 0.8, 1.3))
        return {cid}
    if move == "new_decision":  # through the records service, as the decision form saves it
        from bpa_provider.services import records

        with db.read() as s:
            ends: dict[int, list] = {}
            for c, end in s.execute(select(Decision.client_id, Decision.valid_to)):
                ends.setdefault(c, []).append(end)
            closed = sorted(c for c, e in ends.items() if None not in e)
            if not closed:
                return set()
            cid = rng.choice(closed)
            ref, after = s.get_one(Client, cid).ref, max(ends[cid]) + timedelta(days=1)
        records.create(db, admin, "decision", {"client_id": ref, "hours": 10.0, "valid_from": after.isoformat()})
        return {cid}
    if move == "balance":
        with db.write() as s:
            s.add(HourBalanceEntry(client_id=cid, entry_date=day, hours=rng.choice((-300.0, 150.0)), source="manual"))
        return {cid}
    if move == "end":
        with db.write() as s:
            s.get_one(Client, cid).end_date = day
        return {cid}
    raise AssertionError(move)


MOVES = ("plan", "edit", "cancel", "delete", "move", "decision", "new_decision", "balance", "end")


@pytest.mark.parametrize("move", MOVES)
def test_each_write_bumps_its_clients_and_the_section_follows(demo, admin, move):
    rng = random.Random(MOVES.index(move))
    _same(demo, admin)
    before = _changes(demo)
    touched = _write(demo, admin, move, rng)
    after = _changes(demo)
    assert touched and {c for c in after if after[c] != before.get(c)} == touched
    assert _stale(demo) == touched
    _same(demo, admin)
    _same(demo, _supervisor(demo))
    assert _stale(demo) == set()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_mix_of_writes_with_views_between(demo, admin, seed):
    rng = random.Random(seed)
    supervisor = _supervisor(demo)
    seen = _same(demo, admin)
    for _ in range(14):
        for _ in range(rng.randint(1, 3)):
            _write(demo, admin, rng.choice(MOVES), rng)
        viewer = rng.choice((admin, supervisor))
        seen += _same(demo, viewer)
    assert seen > 0


def test_an_import_and_a_municipality_zone_bump_their_clients(db, admin):
    from pathlib import Path

    from bpa_provider.services import importer

    data = Path(__file__).resolve().parent.parent / "data" / "import"
    for kind in ("municipalities", "clients", "decisions", "assistants", "employments", "assignments"):
        importer.import_csv(db, admin, kind, data / f"{kind}.csv")
    _same(db, admin, date(2026, 3, 20))
    before = _changes(db)
    assert before and _stale(db, date(2026, 3, 20)) == set()
    importer.import_csv(db, admin, "shifts", data / "shifts.csv")
    with db.read() as s:
        shifted = set(s.execute(select(Shift.client_id)).scalars())
    assert shifted and {c for c, n in _changes(db).items() if n != before[c]} == shifted
    _same(db, admin, date(2026, 3, 20))
    with db.write() as s:
        muni = s.execute(select(Municipality)).scalars().first()
        muni.timezone = "Europe/Stockholm" if muni.timezone != "Europe/Stockholm" else "Europe/Oslo"
        of_muni = set(s.execute(select(Client.id).where(Client.municipality_id == muni.id)).scalars())
    assert of_muni and _stale(db, date(2026, 3, 20)) == of_muni
    _same(db, admin, date(2026, 3, 20))


def test_a_new_client_gets_its_row(db, admin):
    import factories as f

    f.municipality(db, admin)
    c = f.client(db, admin)
    assert _changes(db) == {c.id: 1}  # type: ignore[attr-defined]


def test_a_write_between_computing_and_storing_leaves_the_row_stale(demo, admin, monkeypatch):
    """compute (its snapshot) → another connection commits a change of the client → store: the
    row is not marked fresh with the old figure, and the next view gives the new one."""
    _same(demo, admin)
    rng = random.Random(5)
    shift = _a_shift(demo, rng)
    with demo.write() as s:
        s.get_one(Shift, shift.id).note = "touched"  # the client is stale
    real = hour_outlook._compute

    def compute_then_write(*args, **kwargs):
        got = real(*args, **kwargs)
        with demo.write() as s:  # committed after the computation's snapshot, before the store
            s.add(HourBalanceEntry(client_id=shift.client_id, entry_date=TODAY, hours=-5000.0, source="manual"))
        return got

    monkeypatch.setattr(hour_outlook, "_compute", compute_then_write)
    hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY)
    monkeypatch.setattr(hour_outlook, "_compute", real)
    assert _stale(demo) == {shift.client_id}
    assert shift.client_id in {r[0] for r in _direct(demo, admin)}  # -5,000 h: flagged now
    _same(demo, admin)


def test_a_busy_database_shows_the_computed_rows_unstored(db, admin):
    """Another connection holds the write lock (SQLite) or every row's lock (PostgreSQL): the view
    does not wait for it, shows the right rows and stores nothing; the next view stores them."""
    import time

    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=7, clients=4, assistants=8, months=6, today=TODAY)
    with db.engine.connect() as other:
        other.begin()  # SQLite: BEGIN IMMEDIATE, the write lock (db/engine.py)
        if db.dialect != "sqlite":
            other.execute(text("UPDATE hour_outlook SET basis = basis"))
        t0 = time.perf_counter()
        got = hour_outlook.usage_outlook(db, admin, TODAY, policy=POLICY)
        waited = time.perf_counter() - t0
        other.rollback()
    assert waited < 3  # SQLite's busy wait is 10 s, PostgreSQL's lock wait unbounded
    if db.dialect == "sqlite":  # the pooled connection's busy wait put back for everyone else
        with db.engine.connect() as c:
            assert c.connection.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert [tuple(r.__dict__.values()) for r in got] == _direct(db, admin)
    assert _stale(db) == set(_changes(db))
    _same(db, admin)
    assert _stale(db) == set()


def test_the_migration_gives_every_client_a_row(demo):
    from bpa_provider.db import migrate

    clients = set(_client_ids(demo))
    demo.engine.dispose()
    migrate.downgrade(demo.engine, "0014r")
    migrate.upgrade(demo.engine)
    assert _changes(demo) == dict.fromkeys(clients, 0)
    assert _stale(demo) == clients


def test_a_migrated_database_has_every_outlook_trigger(db):
    """db/guards.py names them; the migration makes exactly those (and nothing else of the name)."""
    from bpa_provider.db.guards import OUTLOOK_TRIGGERS

    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'hour_outlook%'"
        if db.dialect == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'hour_outlook%' AND tgenabled = 'O'"
    )
    with db.read() as s:
        assert sorted(s.execute(text(query)).scalars()) == sorted(OUTLOOK_TRIGGERS)


def test_every_row_fresh_is_told_by_counts_and_one_stale_still_found(demo, admin, monkeypatch):
    """With every client's row fresh the section joins no client to its row to look for stale
    ones: one statement says so (as many rows as clients, none of another day or thresholds, none
    changed since computed) and counts the flagged. One client made stale, or a client without a
    row, is found and computed again."""
    from sqlalchemy import event

    _same(demo, admin)
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        fresh = hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY, limit=2)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    selects = [st for st in seen if st.lstrip().startswith("SELECT")]
    assert not any("LEFT OUTER JOIN hour_outlook" in st for st in selects), selects
    assert len(selects) == 2, selects  # the counts and probes, the rows shown
    assert (list(fresh), fresh.total) == (
        list(hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY))[:2],
        fresh.total,
    )
    calls: list[object] = []
    real = hour_outlook._report_rows
    monkeypatch.setattr(hour_outlook, "_report_rows", lambda *a, **k: calls.append(a[-1]) or real(*a, **k))
    with demo.write() as s:  # one client's row stale, another's gone
        cid, gone = s.execute(select(Client.id).order_by(Client.id).limit(2)).scalars().all()
        s.execute(text("UPDATE hour_outlook SET as_of = NULL WHERE client_id = :c"), {"c": cid})
        s.execute(delete(HourOutlook).where(HourOutlook.client_id == gone))
    assert _same(demo, admin) > 0
    assert sorted(calls[0]) == sorted([cid, gone])  # type: ignore[call-overload]


def test_freshness_is_told_by_index_probes_and_one_narrow_pass(demo, admin):
    """Every row fresh is told without reading every row's day, thresholds and flag: "another day
    or other thresholds" are probes of `ix_hour_outlook_day`, the flagged are counted from
    `ix_hour_outlook_flag_listed` alone (migration 0018d); only "changed since computed" passes over
    the rows (issue 19: the one pass that judged each row grew with the clients). Then a row of
    another day, of other thresholds, changed since computed, or flagged anew is each told."""
    from sqlalchemy import event

    if demo.dialect != "sqlite":
        pytest.skip("SQLite's query plan")
    _same(demo, admin)
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        hour_outlook.usage_outlook(demo, admin, TODAY, policy=POLICY, limit=2)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    statement, parameters = next((st, p) for st, p in seen if "count" in st and "hour_outlook" in st)
    with demo.read() as s:
        plan = [str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    outlook = [step for step in plan if "hour_outlook" in step]
    assert sum("ix_hour_outlook_day" in step for step in outlook) == 6, plan
    assert sum("ix_hour_outlook_flag_listed" in step and "SEARCH" in step for step in outlook) == 2, plan
    assert [step for step in outlook if step.startswith("SCAN hour_outlook") and "COVERING" not in step] == [
        "SCAN hour_outlook"
    ], plan  # the changes compared: the one pass
    with demo.write() as s:
        ids = s.execute(select(Client.id).order_by(Client.id).limit(4)).scalars().all()
    for sql in (
        "UPDATE hour_outlook SET as_of = '2026-05-13' WHERE client_id = :c",
        "UPDATE hour_outlook SET basis = 'other' WHERE client_id = :c",
        "UPDATE hour_outlook SET changes = changes + 1 WHERE client_id = :c",
        "UPDATE hour_outlook SET basis = NULL WHERE client_id = :c",
    ):
        with demo.write() as s:
            s.execute(text(sql), {"c": ids[0]})
        with demo.read() as s:
            assert hour_outlook._all_fresh(s, TODAY, hour_outlook.basis(POLICY))[0] is False, sql
        assert _same(demo, admin) >= 0  # computed again and stored: fresh once more
        with demo.read() as s:
            assert hour_outlook._all_fresh(s, TODAY, hour_outlook.basis(POLICY))[0] is True, sql
    with demo.read() as s:
        flagged = s.execute(
            select(func.count()).select_from(HourOutlook).where(HourOutlook.listed.is_(True), HourOutlook.flag != "ok")
        ).scalar_one()
        assert hour_outlook._all_fresh(s, TODAY, hour_outlook.basis(POLICY))[1] == flagged
