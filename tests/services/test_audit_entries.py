"""One way to write the access log: `record()` and the bulk `record_entries()` make the same rows.

`record_entries` used to have a twin (`record_many`, with snapshots, through the ORM); they were
merged. These tests hold the bulk path to `record()`'s chain: the same columns, snapshots masked,
salted and erasable, a chain that verifies across single and bulk rows, and a row whose text is
changed afterwards breaks it.
"""

from __future__ import annotations

from sqlalchemy import select, text

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import AuditEvent

ADMIN = Actor("admin", "admin", connection="10.0.0.1 5000 10.0.0.2 22")


def _rows(db) -> list[AuditEvent]:  # noqa: ANN001
    with db.read() as s:
        return list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def test_bulk_rows_chain_between_single_rows_and_verify(db):
    with db.write() as s:
        audit.record(s, ADMIN, "create", "client", 1, subject="K-1", after={"name": "Kari"})
        n = audit.record_entries(
            s,
            ADMIN,
            "lock",
            "period_approval",
            [
                audit.Entry(10, "K-1", "week 10 locked", {"locked_at": None}, {"locked_at": "2026-03-09"}),
                audit.Entry(11, "K-2", "week 10 locked"),
                audit.Entry(12, "K-3", "x" * 900, None, {"national_id": "01010112345"}),
            ],
        )
        audit.record(s, ADMIN, "update", "client", 1, subject="K-1", before={"a": 1}, after={"a": 2})
    assert n == 3
    rows = _rows(db)
    assert [r.action for r in rows] == ["create", "lock", "lock", "lock", "update"]
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
    with db.read() as s:
        assert audit.verify_chain(s).ok
    bulk = rows[1:4]
    assert {r.role for r in bulk} == {"admin"} and {r.connection for r in bulk} == {ADMIN.connection}
    assert bulk[0].before == '{"locked_at": null}' and bulk[0].snapshot_salt and bulk[0].before_digest
    assert bulk[1].before is None and bulk[1].snapshot_salt is None and bulk[1].after_digest is None
    assert len(bulk[2].summary) == 500  # cut like record()'s
    assert "01010112345" not in (bulk[2].after or "")  # national IDs masked like record()'s


def test_an_empty_bulk_writes_nothing(db):
    with db.write() as s:
        assert audit.record_entries(s, ADMIN, "lock", "period_approval", []) == 0
    assert _rows(db) == []


def test_a_bulk_row_changed_afterwards_breaks_the_chain(db):
    with db.write() as s:
        audit.record_entries(
            s, ADMIN, "lock", "period_approval", [audit.Entry(i, f"K-{i}", "locked", None, {"i": i}) for i in range(3)]
        )
    middle = _rows(db)[1].id
    with db.write() as s:
        # The guards refuse an UPDATE; switch them off the way an attacker with the file would.
        if s.get_bind().dialect.name == "sqlite":
            names = [
                r[0]
                for r in s.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
                )
            ]
            for name in names:
                s.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        s.execute(text("UPDATE audit_event SET summary = 'unlocked' WHERE id = :i"), {"i": middle})
        if s.get_bind().dialect.name != "sqlite":
            # PostgreSQL's test database is reused by the next test: leave its guards on.
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    with db.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.broken_at == middle
