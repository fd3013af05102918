"""`audit --verify` resumes after the last checkpoint (issue 19: the full check is linear in the
log); `--full` re-hashes every row. On SQLite and PostgreSQL, read-only: a row edited before the
checkpoint (its later hashes left alone) is not re-read by the incremental check and is found by
`--full` — the documented trade (docs/privacy.md); a row edited after it is found by both; a
history rewritten with every later hash recomputed changes the checkpointed row and is found by
both."""

from __future__ import annotations

import factories as f
from sqlalchemy import func, select, text

from bpa_provider import audit_anchor
from bpa_provider.access import Actor
from bpa_provider.db.models import AuditEvent
from bpa_provider.services import audit_log

AUDITOR = Actor("audit", "auditor")


def _seed(db, admin, names) -> None:
    for name in names:
        f.client(db, admin, name=name)


def _edit(db, row_id: int, summary: str) -> None:
    """One row's summary changed behind the app's back (guards off, nothing recomputed)."""
    with db.write() as s:
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            saved = []
        else:
            saved = s.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
            ).all()
            for name, _sql in saved:
                s.execute(text(f"DROP TRIGGER {name}"))
        s.execute(text("UPDATE audit_event SET summary = :x WHERE id = :id"), {"x": summary, "id": row_id})
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        for _name, sql in saved:
            s.execute(text(sql))


def _last_id(db) -> int:
    with db.read() as s:
        return s.execute(select(func.max(AuditEvent.id))).scalar_one()


def test_incremental_resumes_after_the_checkpoint_and_full_rechecks_everything(db, admin, tmp_path):
    f.municipality(db, admin)
    _seed(db, admin, ["Kari Nordmann", "Ola Nordmann"])
    anchor = tmp_path / "anchor"
    first = audit_log.verify(db, AUDITOR, anchor, full=True)  # writes the checkpoint
    assert first.ok and first.resumed_after == 0
    checkpoint = audit_anchor.read(anchor)[-1]
    assert checkpoint.id == first.last_id
    _seed(db, admin, ["Per Hansen", "Liv Hansen"])
    report = audit_log.verify(db, AUDITOR, anchor, full=False)
    assert report.ok and report.resumed_after == checkpoint.id
    assert report.rows == audit_log.verify(db, AUDITOR, full=True).rows  # the same count of rows
    assert report.last_id == _last_id(db)
    assert audit_anchor.read(anchor)[-1].id == report.last_id  # an intact head is checkpointed

    # A row before the checkpoint edited, later hashes left alone: not re-read incrementally.
    _edit(db, 2, "nothing to see")
    assert audit_log.verify(db, AUDITOR, anchor, full=False).ok
    full = audit_log.verify(db, AUDITOR, anchor, full=True)
    assert not full.ok and full.broken_at == 2 and "does not match its hash" in full.reason


def test_a_row_after_the_checkpoint_is_found_by_both(db, admin, tmp_path):
    f.municipality(db, admin)
    _seed(db, admin, ["Kari Nordmann"])
    anchor = tmp_path / "anchor"
    assert audit_log.verify(db, AUDITOR, anchor, full=True).ok
    cp = audit_anchor.read(anchor)[-1].id
    _seed(db, admin, ["Per Hansen", "Liv Hansen"])
    _edit(db, cp + 1, "nothing to see")
    for full in (False, True):
        report = audit_log.verify(db, AUDITOR, anchor, full=full)
        assert not report.ok and report.broken_at == cp + 1, (full, report)
    assert len(audit_anchor.read(anchor)) == 1  # a broken log is never checkpointed


def test_a_checkpointed_row_rewritten_or_rows_removed_is_found_incrementally(db, admin, tmp_path):
    f.municipality(db, admin)
    _seed(db, admin, ["Kari Nordmann", "Ola Nordmann"])
    anchor = tmp_path / "anchor"
    assert audit_log.verify(db, AUDITOR, anchor, full=True).ok
    cp = audit_anchor.read(anchor)[-1].id
    with db.write() as s:  # the checkpointed row's hash no longer what the checkpoint says
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            s.execute(text("DROP TRIGGER audit_event_no_update"))
        s.execute(text("UPDATE audit_event SET hash = :h WHERE id = :id"), {"h": "0" * 64, "id": cp})
        if db.dialect == "postgresql":
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    report = audit_log.verify(db, AUDITOR, anchor, full=False)
    assert not report.ok and report.broken_at == cp and "no longer matches the checkpoint" in report.reason


def test_without_a_checkpoint_the_incremental_check_is_the_full_one(db, admin):
    f.municipality(db, admin)
    _seed(db, admin, ["Kari Nordmann"])
    report = audit_log.verify(db, AUDITOR, None, full=False)
    assert report.ok and report.resumed_after == 0


def test_cli_verify_and_verify_full(tmp_path, capsys):
    from bpa_provider.cli import main

    path = str(tmp_path / "c.sqlite3")
    assert main(["--db", path, "init"]) == 0  # starts the checkpoints
    assert main(["--db", path, "list", "clients"]) == 0
    capsys.readouterr()
    assert main(["--db", path, "audit", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "every hash after the last one (row" in out and "after the checkpoint: 0" in out
    assert main(["--db", path, "audit", "--verify", "--full"]) == 0
    out = capsys.readouterr().out
    assert "every hash matches" in out and "Snapshots erased by retention: 0" in out
