"""The dashboard's stored day counts (`day_count`, services/day_counts.py, migration 0017c) equal
the live lists' lengths for an admin after writes to each input table through raw SQL and through
the services, across a day change; a stored count is reused (a number planted in it is shown) until
one of its own input tables is written, and only its own (a shift or another section's table leaves
it); a supervisor's counts stay live; a count made before a change it did not see is never stored
as valid — on SQLite a writer committing between the count and the store, on PostgreSQL a writer
whose transaction is open while the count is made and stored; a busy database shows the count
unstored; a migrated database has every trigger db/guards.py names. On SQLite and PostgreSQL."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Date, bindparam, select, text

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.models import Client, Decision, Employment, Supervision
from bpa_provider.services import dashboard, day_counts, records
from bpa_provider.services.base import scoped_actor

LOADED = date(2026, 5, 14)  # the demo's today
TODAY = LOADED + timedelta(days=200)  # a day with rows in every counted section
POLICY = Policy(course_expiry_reminders=(400, 90, 30, 7))
COUNTED = (dashboard.DECISIONS_ENDING, dashboard.REVIEWS_DUE, dashboard.COURSES_EXPIRING, dashboard.COURSES_OVERDUE)
PLANTED = 100_000  # added to every stored total: shown only while the stored count is reused


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=LOADED)
    return db


def _live(db, actor, today=TODAY) -> dict[str, int]:
    """Each section's whole list (no limit: nothing stored is read), its length."""
    return {k: len(dashboard.gather_section(db, actor, today, k, POLICY).items) for k in COUNTED}


def _shown(db, actor, today=TODAY) -> dict[str, int]:
    """Each section as the dashboard asks for it (50 rows and the count)."""
    return {k: dashboard.gather_section(db, actor, today, k, POLICY, 50).total for k in COUNTED}


def _valid(db, today=TODAY) -> set[str]:
    """The counts stored for `today` that a view would reuse."""
    sql = (
        "SELECT key FROM day_count WHERE as_of = :d AND computed_changes = changes"
        if db.dialect == "sqlite"
        else "SELECT key FROM day_count c WHERE as_of = :d AND counted_xmin IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM day_count_change x WHERE x.key = c.key AND x.xid >= c.counted_xmin)"
    )
    with db.read() as s:
        return set(s.execute(text(sql).bindparams(bindparam("d", type_=Date)), {"d": today}).scalars())


def _plant(db) -> None:
    with db.write() as s:
        s.execute(text("UPDATE day_count SET total = total + :n WHERE total IS NOT NULL"), {"n": PLANTED})


def test_the_stored_counts_equal_the_live_lists_and_are_reused(demo, admin):
    live = _live(demo, admin)
    assert sum(live.values()) > 0 and all(live.values())  # every count is about real rows
    assert _valid(demo) == set()
    assert _shown(demo, admin) == live  # counted live, then stored
    assert _valid(demo) == set(COUNTED)
    assert _shown(demo, admin) == live
    _plant(demo)
    assert _shown(demo, admin) == {k: n + PLANTED for k, n in live.items()}  # read, not counted


def test_a_supervisors_counts_stay_live(demo, admin):
    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    _shown(demo, admin)
    _plant(demo)
    assert _shown(demo, supervisor) == _live(demo, supervisor)
    assert _valid(demo) == set(COUNTED)  # nothing stored nor spoilt by the scoped reader


# (table, raw SQL writing it, the counts it must mark changed). Parameters: :today, :soon, :gone.
RAW_WRITES = [
    (
        "decision",
        "UPDATE decision SET valid_to = :soon WHERE id = (SELECT min(id) FROM decision)",
        {"decisions_ending"},
    ),
    (
        "client",
        "UPDATE client SET status = 'ended' WHERE id = "
        "(SELECT client_id FROM decision WHERE valid_to >= :today ORDER BY valid_to, id LIMIT 1)",
        {"decisions_ending"},
    ),
    ("client name", "UPDATE client SET name = name || 'x'", set()),  # not its status: no count moves
    ("shift", "UPDATE shift SET note = 'x' WHERE id = (SELECT min(id) FROM shift)", set()),
    (
        "review_due",
        "DELETE FROM review_due WHERE id = (SELECT min(id) FROM review_due WHERE next_due <= :soon)",
        {"reviews_due"},
    ),
    ("review_due_basis", "UPDATE review_due_basis SET first_months = first_months", {"reviews_due"}),
    (
        "credential_expiry",
        "DELETE FROM credential_expiry WHERE enrollment_id = "
        "(SELECT enrollment_id FROM credential_expiry WHERE expires_on >= :today ORDER BY expires_on LIMIT 1)",
        {"courses_expiring"},
    ),
    (
        "employment",
        "UPDATE employment SET end_date = :gone WHERE assistant_id IN (SELECT assistant_id FROM credential_expiry)",
        {"courses_expiring"},
    ),
    (
        "supervision",
        "UPDATE supervision SET until = :gone WHERE id IN (SELECT supervision_id FROM onboarding_due)",
        {"courses_expiring", "courses_overdue"},
    ),
    (
        "onboarding_due",
        "DELETE FROM onboarding_due WHERE supervision_id = (SELECT min(supervision_id) FROM onboarding_due)",
        {"courses_overdue"},
    ),
]


@pytest.mark.parametrize(("table", "sql", "marked"), RAW_WRITES, ids=[w[0] for w in RAW_WRITES])
def test_a_raw_sql_write_marks_only_its_tables_counts(demo, admin, table, sql, marked):
    live = _live(demo, admin)
    _shown(demo, admin)
    _plant(demo)
    days = {"today": TODAY, "soon": TODAY + timedelta(days=3), "gone": TODAY - timedelta(days=1)}
    used = {k: v for k, v in days.items() if f":{k}" in sql}
    with demo.write() as s:
        s.execute(text(sql).bindparams(*(bindparam(k, type_=Date) for k in used)), used)
    assert _valid(demo) == set(COUNTED) - marked
    now = _live(demo, admin)
    assert {k: now[k] for k in COUNTED if k not in marked} == {k: live[k] for k in COUNTED if k not in marked}
    assert _shown(demo, admin) == {k: n + (0 if k in marked else PLANTED) for k, n in now.items()}
    assert _valid(demo) == set(COUNTED)  # the changed ones counted and stored again


def test_writes_through_the_services_and_a_new_day_keep_the_counts_exact(demo, admin):
    """A decision ending soon, a client ended, an employment and a supervision ended: each view
    after equals the live lists, and so does the next day's first view."""
    assert _shown(demo, admin) == _live(demo, admin)
    with demo.read() as s:
        # The client's latest decision, ending after the window: brought into it.
        latest = (
            s.execute(
                select(Decision)
                .join(Client, Client.id == Decision.client_id)
                .where(Client.status != "ended", Decision.valid_from <= TODAY)
                .order_by(Decision.valid_from.desc(), Decision.id)
            )
            .scalars()
            .first()
        )
        ending = s.execute(
            select(Decision.client_id).where(Decision.valid_to >= TODAY).order_by(Decision.valid_to, Decision.id)
        ).scalar()
        other = s.get_one(Client, ending)
        emp = (
            s.execute(select(Employment).where(Employment.end_date.is_(None)).order_by(Employment.id)).scalars().first()
        )
        sup = (
            s.execute(select(Supervision).where(Supervision.until.is_(None)).order_by(Supervision.id)).scalars().first()
        )
    before = _live(demo, admin)
    records.update(demo, admin, "decision", latest.id, latest.version, {"valid_to": str(TODAY + timedelta(days=5))})
    assert _shown(demo, admin) == _live(demo, admin)
    records.end(
        demo, admin, "client", other.id, other.version, (TODAY - timedelta(days=1)).strftime("%d.%m.%Y"), "moved"
    )
    assert _shown(demo, admin) == _live(demo, admin)
    records.end(
        demo, admin, "employment", emp.id, emp.version, (TODAY - timedelta(days=1)).strftime("%d.%m.%Y"), "left"
    )
    assert _shown(demo, admin) == _live(demo, admin)
    records.end(demo, admin, "supervision", sup.id, sup.version, (TODAY - timedelta(days=1)).strftime("%d.%m.%Y"))
    after = _live(demo, admin)
    assert _shown(demo, admin) == after
    assert after != before  # the writes moved the counts
    for days in (1, 40, 400):
        day = TODAY + timedelta(days=days)
        assert _shown(demo, admin, day) == _live(demo, admin, day), day
        assert _valid(demo, day) == set(COUNTED) and _valid(demo) == set()


def test_a_count_made_before_a_committed_write_is_not_stored(demo, admin, monkeypatch):
    """Count (its snapshot) → another connection commits a change of its input → store: the
    count is not stored as valid, and the next view counts the new one."""
    _shown(demo, admin)
    with demo.write() as s:  # decisions ending: stale
        s.execute(text("UPDATE decision SET hours = hours WHERE id = (SELECT min(id) FROM decision)"))
    real = day_counts.store

    def write_then_store(db, key, *args):  # noqa: ANN001, ANN202
        if key == day_counts.DECISIONS_ENDING:
            with db.write() as s:  # committed after the count's snapshot, before the store
                s.execute(
                    text("UPDATE decision SET valid_to = :soon WHERE id = (SELECT max(id) FROM decision)"),
                    {"soon": TODAY + timedelta(days=2)},
                )
        return real(db, key, *args)

    monkeypatch.setattr(day_counts, "store", write_then_store)
    dashboard.gather_section(demo, admin, TODAY, dashboard.DECISIONS_ENDING, POLICY, 50)
    monkeypatch.setattr(day_counts, "store", real)
    assert day_counts.DECISIONS_ENDING not in _valid(demo)
    assert _shown(demo, admin) == _live(demo, admin)


def test_a_busy_database_shows_the_count_unstored(demo, admin):
    """Another connection holds the write lock (SQLite) or the counts' rows (PostgreSQL): the
    view does not wait, shows the right counts and stores nothing; the next view stores them."""
    live = _live(demo, admin)
    _shown(demo, admin, TODAY - timedelta(days=1))  # every count has its row (stored for another day)
    with demo.engine.connect() as other:
        other.begin()  # SQLite: BEGIN IMMEDIATE, the write lock (db/engine.py)
        if demo.dialect != "sqlite":
            other.execute(text("UPDATE day_count SET basis = basis"))
        t0 = clock.perf_counter()
        shown = _shown(demo, admin)
        waited = clock.perf_counter() - t0
        other.rollback()
    assert waited < 3  # SQLite's busy wait is 10 s, PostgreSQL's lock wait unbounded
    if demo.dialect == "sqlite":  # the pooled connection's busy wait put back for everyone else
        with demo.engine.connect() as c:
            assert c.connection.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert shown == live and _valid(demo) == set()
    assert _shown(demo, admin) == live and _valid(demo) == set(COUNTED)


def test_a_writer_open_while_the_count_is_stored_spoils_it_at_its_commit(demo, admin, request):
    """PostgreSQL: a writer's transaction is open (uncommitted: the count does not see it) while
    the count is made and stored. The stored count holds until the writer commits, and not after."""
    if demo.dialect == "sqlite":
        pytest.skip("SQLite has one writer at a time: a count is stored only between two writers")
    first = dashboard.decisions_ending(demo, admin, TODAY, POLICY.decision_ending_days)[0]
    with demo.engine.connect() as writer:
        writer.begin()
        # One decision counted moved past the window: one fewer once committed.
        writer.execute(
            text("UPDATE decision SET valid_to = :far WHERE client_id = :c AND valid_to = :when").bindparams(
                bindparam("far", type_=Date), bindparam("when", type_=Date)
            ),
            {"far": TODAY + timedelta(days=400), "c": first.record_id, "when": first.when},
        )
        live = _live(demo, admin)
        assert _shown(demo, admin) == live
        assert day_counts.DECISIONS_ENDING in _valid(demo)  # stored, and valid while it is open
        writer.commit()
    assert day_counts.DECISIONS_ENDING not in _valid(demo)
    now = _live(demo, admin)
    assert now[day_counts.DECISIONS_ENDING] == live[day_counts.DECISIONS_ENDING] - 1
    assert _shown(demo, admin) == now


def test_postgresql_keeps_the_newest_count_and_prunes_older_changes(demo, admin):
    """A count stored with an older snapshot never replaces a newer one; the change rows below the
    stored count's snapshot are deleted when it is stored."""
    if demo.dialect == "sqlite":
        pytest.skip("PostgreSQL's change rows")
    _shown(demo, admin)
    with demo.read() as s:
        counted_xmin = s.execute(text("SELECT counted_xmin FROM day_count WHERE key = 'decisions_ending'")).scalar_one()
        older = s.execute(
            text("SELECT count(*) FROM day_count_change WHERE key = 'decisions_ending' AND xid < :x"),
            {"x": counted_xmin},
        ).scalar_one()
    assert older == 0  # the demo's writes were there before the first view
    assert not day_counts.store(
        demo, day_counts.DECISIONS_ENDING, TODAY, f"days={POLICY.decision_ending_days}", counted_xmin - 1, 7
    )
    assert _shown(demo, admin) == _live(demo, admin)


def test_a_migrated_database_has_every_day_count_trigger(db):
    from bpa_provider.db.guards import PG_DAY_COUNT_TRIGGERS, SQLITE_DAY_COUNT_TRIGGERS

    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'day_count%'"
        if db.dialect == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'day_count%' AND tgenabled = 'O'"
    )
    with db.read() as s:
        names = set(s.execute(text(query)).scalars())
    assert names == set(SQLITE_DAY_COUNT_TRIGGERS if db.dialect == "sqlite" else PG_DAY_COUNT_TRIGGERS)
    if db.dialect == "sqlite":  # the PostgreSQL fixture truncates every table (its rows are upserted)
        with db.read() as s:
            assert set(s.execute(text("SELECT key FROM day_count")).scalars()) == {
                *COUNTED,
                day_counts.ASSISTANTS_UNEMPLOYED,
            }


def test_an_assistant_left_without_employment_is_checked_for_credentials(demo, admin):
    """Credentials missing reads the shifts of assistants without any employment only when there
    are some (a count stored for the day): an employment moved to another assistant by raw SQL
    marks it, and the assistant left without one is listed at their next shift (lacking both)."""
    from bpa_provider.db.models import Shift
    from bpa_provider.services import worktime

    before = {g.assistant_id for g in worktime.missing_credentials(demo, admin, LOADED)}
    with demo.read() as s:
        aid = s.execute(
            select(Shift.assistant_id)
            .where(
                Shift.assistant_id.is_not(None),
                Shift.start_utc >= datetime.combine(LOADED + timedelta(days=1), time(), tzinfo=UTC),
            )
            .where(Shift.assistant_id.not_in(before))
            .order_by(Shift.start_utc)
        ).scalar()
        other = s.execute(select(Employment.assistant_id).where(Employment.assistant_id != aid)).scalar()
    assert aid is not None
    assert day_counts.ASSISTANTS_UNEMPLOYED in _valid(demo, LOADED)
    with demo.write() as s:
        s.execute(text("UPDATE employment SET assistant_id = :o WHERE assistant_id = :a"), {"o": other, "a": aid})
    assert day_counts.ASSISTANTS_UNEMPLOYED not in _valid(demo, LOADED)
    after = {g.assistant_id: g.missing for g in worktime.missing_credentials(demo, admin, LOADED)}
    assert aid in after
    assert day_counts.ASSISTANTS_UNEMPLOYED in _valid(demo, LOADED)
