"""The courses expiring section's last day shown is read in reference order from the reference
stored beside each expiry (`credential_expiry.person_ref`, kept by migration 0017c's triggers):
it follows a person's reference changed by raw SQL, a stored reference overwritten by raw SQL is
put back, and every limit across days with ties gives `course_credentials.expiring_credentials`'
first rows. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bpa_provider.services import course_credentials, dashboard_reads

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=TODAY)
    return db


def _refs_kept(db) -> list[tuple]:
    """Rows whose stored person reference is not their person's (none, when the triggers hold)."""
    from sqlalchemy import text

    with db.read() as s:
        return s.execute(
            text(
                "SELECT e.enrollment_id, e.person_ref FROM credential_expiry e WHERE e.person_ref IS DISTINCT FROM"
                " COALESCE((SELECT ref FROM supervisor WHERE id = e.supervisor_id),"
                " (SELECT ref FROM assistant WHERE id = e.assistant_id))"
                if db.dialect != "sqlite"
                else "SELECT e.enrollment_id, e.person_ref FROM credential_expiry e WHERE e.person_ref IS NOT"
                " COALESCE((SELECT ref FROM supervisor WHERE id = e.supervisor_id),"
                " (SELECT ref FROM assistant WHERE id = e.assistant_id))"
            )
        ).all()


def test_courses_expiring_ties_follow_each_persons_reference_through_raw_sql(demo, admin):
    """The last day shown is read in reference order from the reference stored beside the expiry
    (migration 0017c's triggers): it follows a person's reference changed by raw SQL, a row's
    reference overwritten by raw SQL is put back, and every limit on days with ties gives the
    service's first rows (which read the people's references themselves)."""
    from sqlalchemy import text

    assert _refs_kept(demo) == []
    with demo.read() as s:
        tied = s.execute(
            text(
                "SELECT expires_on, assistant_id, supervisor_id FROM credential_expiry WHERE expires_on IN"
                " (SELECT expires_on FROM credential_expiry GROUP BY expires_on HAVING count(*) > 1)"
                " ORDER BY expires_on, enrollment_id"
            )
        ).all()
    assert len(tied) >= 4  # the demo has days with ties
    with demo.write() as s:
        for _day, aid, sid in tied[::2]:  # every other tied person sorts last now, then first
            person, pid = ("assistant", aid) if aid else ("supervisor", sid)
            s.execute(text(f"UPDATE {person} SET ref = 'ZZ' || ref WHERE id = :i AND ref NOT LIKE 'ZZ%'"), {"i": pid})
        s.execute(
            text(
                "UPDATE credential_expiry SET person_ref = 'A' WHERE enrollment_id = (SELECT min(enrollment_id) FROM credential_expiry)"
            )
        )
    assert _refs_kept(demo) == []
    checked = 0
    for day in sorted({date.fromisoformat(str(t[0])) for t in tied}):  # SQLite gives text
        today = day - timedelta(days=20)  # within the reminders: the tied day among the first rows
        whole = course_credentials.expiring_credentials(demo, admin, today)
        for limit in range(1, len(whole) + 1):
            first = dashboard_reads.expiring_credentials(demo, admin, today, limit=limit)
            assert (list(first), first.total) == (whole[:limit], len(whole)), (today, limit)
            checked += 1
    assert checked > 5


def test_the_migration_fills_each_stored_reference_and_the_counts_rows(demo, admin):
    """Down to 0016g (the column, the counts' tables and every trigger gone) and up again: each
    stored expiry gets its person's reference, each stored count its row, and the section is the
    service's again."""
    from sqlalchemy import text

    from bpa_provider.db import migrate

    migrate.downgrade(demo.engine, "0016g")
    migrate.upgrade(demo.engine)
    with demo.read() as s:
        filled = s.execute(text("SELECT count(*), count(person_ref) FROM credential_expiry")).one()
        keys = set(s.execute(text("SELECT key FROM day_count")).scalars())
    assert filled[0] > 0 and filled[0] == filled[1]
    assert _refs_kept(demo) == []
    assert keys == {"decisions_ending", "reviews_due", "courses_expiring", "courses_overdue", "assistants_unemployed"}
    today = TODAY + timedelta(days=400)
    whole = course_credentials.expiring_credentials(demo, admin, today)
    first = dashboard_reads.expiring_credentials(demo, admin, today, limit=2)
    assert (list(first), first.total) == (whole[:2], len(whole)) and whole
