"""Erasable access-log snapshots, on SQLite and PostgreSQL.

Retention erases the before/after text of the log rows about a person it anonymises; the chain
still verifies (it covers salted digests of the snapshots) and reports the erased ones as a count.
A snapshot still present must match its digest. The database lets exactly one UPDATE through
(erasing a format-2 row's snapshots) and no DELETE. Rows written before migration 0003 keep
verifying with the old formula and are never erased. Migration 0003 goes up and down, and the
models match the migrations.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime

import factories as f
import pytest
from sechelpers import sqlite_file
from sqlalchemy import bindparam, inspect, or_, select, text
from sqlalchemy.exc import DBAPIError

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import AuditEvent, Review
from bpa_provider.db.types import UTCDateTime
from bpa_provider.services import audit_log, records, retention

TODAY = date(2026, 6, 1)
POLICY = retention.RetentionPolicy()
AUDITOR = Actor("audit", "auditor")
NEW_COLUMNS = {"hash_format", "before_digest", "after_digest", "snapshot_salt"}


def _people(db, admin) -> dict[str, int]:
    """Kari (ended 2019: due for anonymisation) with a change, a decision note and a review in the
    log; Ola (active: stays) with a change of his own."""
    f.municipality(db, admin)
    kari = f.client(db, admin, start_date="2015-01-01", phone="+47 900 00 000", address="Storgata 1")
    ola = f.client(db, admin, name="Ola Nordmann", start_date="2015-01-01")
    kari = records.update(db, admin, "client", kari.id, kari.version, {"phone": "+47 911 11 111"})
    records.update(db, admin, "client", ola.id, ola.version, {"phone": "+47 922 22 222"})
    f.decision(db, admin, kari.ref, note="Kari needs two helpers at night")
    per = f.assistant(db, admin)
    with db.write() as s:
        # A review of Kari's: its log row is about the assistant (subject), not about Kari.
        review = Review(
            assistant_id=per.id,
            client_id=kari.id,
            held_on=date(2018, 5, 1),
            summary="Kari prefers mornings",
            participants="Per, Kari Nordmann",
        )
        s.add(review)
        s.flush()
        audit.record(s, admin, "create", "review", review.id, subject=per.ref, after=review)
    kari = records.get(db, admin, "client", kari.id)
    records.end(db, admin, "client", kari.id, kari.version, "2019-06-30", reason="moved away")
    return {"kari": kari.id, "ola": ola.id, "review": review.id}


def _snapshots_about_kari(s, ids) -> list[AuditEvent]:
    return list(
        s.execute(
            select(AuditEvent).where(
                or_(
                    AuditEvent.subject == "K-0001",
                    (AuditEvent.entity == "client") & (AuditEvent.entity_id == ids["kari"]),
                    (AuditEvent.entity == "review") & (AuditEvent.entity_id == ids["review"]),
                ),
                or_(AuditEvent.before_digest.is_not(None), AuditEvent.after_digest.is_not(None)),
            )
        ).scalars()
    )


def _count(ev: AuditEvent) -> int:
    return (ev.before_digest is not None) + (ev.after_digest is not None)


def test_anonymising_erases_the_snapshots_about_the_person_and_the_chain_still_verifies(db, admin):
    ids = _people(db, admin)
    with db.read() as s:
        about = _snapshots_about_kari(s, ids)
        expected = sum(_count(ev) for ev in about)
    assert len(about) == 5 and expected == 7  # create, update (2), decision, review, end (2)
    assert [d.ref for d in retention.apply(db, admin, today=TODAY, policy=POLICY)] == ["K-0001"]

    with db.read() as s:
        for ev in _snapshots_about_kari(s, ids):
            assert (ev.before, ev.after, ev.snapshot_salt) == (None, None, None)
            assert ev.hash_format == audit.FORMAT_DIGESTS
        snapshots = " ".join((ev.before or "") + (ev.after or "") for ev in s.execute(select(AuditEvent)).scalars())
    for personal in ("Kari", "Storgata", "+47 9", "two helpers", "mornings"):
        assert personal not in snapshots.replace("+47 922 22 222", "")  # Ola's own number stays
    assert "Ola Nordmann" in snapshots  # rows about someone else keep theirs

    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.erased) == (True, expected)
    assert [r.summary for r in audit_log.query(db, admin, action="erase")] == [
        f"access-log snapshots erased after retention: {expected}"
    ]
    # The reader sees the erasure, not a row that never had a snapshot.
    changed = next(ev for ev in about if ev.action == "update")
    row = audit_log.row(db, AUDITOR, changed.id)
    assert (row.before, row.after, row.before_erased, row.after_erased) == (None, None, True, True)
    created = audit_log.query(db, AUDITOR, action="create", subject="K-0001")[0]
    assert (created.before_erased, created.after_erased) == (False, True)


def _behind_the_app(db: Database, statement: str, **params) -> None:
    """Change the log the way someone who can get round the rule could (the file's writer on
    SQLite; the table's owner on PostgreSQL, who can switch the trigger off)."""
    with db.write() as s:
        if db.dialect == "sqlite":
            s.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            s.execute(text(statement), params)
        else:
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            s.execute(text(statement), params)
            s.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def _ola_update(db) -> int:
    with db.read() as s:
        return s.execute(
            select(AuditEvent.id).where(AuditEvent.subject == "K-0002", AuditEvent.action == "update")
        ).scalar_one()


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        # The snapshot is rewritten: its row hash still matches (it covers the digest), the digest not.
        (
            """UPDATE audit_event SET "after" = replace("after", 'Ola', 'Per') WHERE id = :id""",
            "a snapshot does not match its digest",
        ),
        # A snapshot put back into an erased row (no salt left to make it match).
        ("""UPDATE audit_event SET "before" = NULL, "after" = NULL, snapshot_salt = NULL WHERE id = :id""", None),
        # The digest replaced along with the text: the row hash shows it.
        (
            """UPDATE audit_event SET "after" = '{}', after_digest = :digest WHERE id = :id""",
            "row content does not match its hash",
        ),
        # An erasure passed off as "never had a snapshot": the digest is covered by the row hash.
        (
            """UPDATE audit_event SET "before" = NULL, before_digest = NULL, snapshot_salt = NULL WHERE id = :id""",
            "row content does not match its hash",
        ),
    ],
    ids=["edited", "put back after erasure", "digest replaced too", "erasure hidden"],
)
def test_changing_a_snapshot_behind_the_app_is_found(db, admin, statement, reason):
    _people(db, admin)
    target = _ola_update(db)
    params = {"id": target}
    if ":digest" in statement:
        with db.read() as s:
            salt = s.get(AuditEvent, target).snapshot_salt
        params["digest"] = audit.snapshot_digest(salt, "{}")  # as if whoever did it knew the salt
    _behind_the_app(db, statement, **params)
    if reason is None:  # the erasure keeps the chain, but no retention run made it; now put a snapshot back
        assert audit_log.verify(db, AUDITOR).reason == "2 snapshots erased outside a retention run"
        _behind_the_app(db, """UPDATE audit_event SET "after" = '{"name": "Ola Nordmann"}' WHERE id = :id""", id=target)
        reason = "a snapshot does not match its digest"
    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.broken_at, report.reason) == (False, target, reason)


ERASE = """"before" = NULL, "after" = NULL, snapshot_salt = NULL"""
REFUSED = {
    "another column": "UPDATE audit_event SET summary = 'nothing happened' WHERE id = :id",
    "a snapshot rewritten": """UPDATE audit_event SET "after" = '{}' WHERE id = :id""",
    "the salt kept": """UPDATE audit_event SET "before" = NULL, "after" = NULL WHERE id = :id""",
    "one snapshot only": """UPDATE audit_event SET "after" = NULL, snapshot_salt = NULL WHERE id = :id""",
    "erased with another column": f"UPDATE audit_event SET {ERASE}, actor = 'nobody' WHERE id = :id",
    "erased with its digest": f"UPDATE audit_event SET {ERASE}, after_digest = NULL WHERE id = :id",
    "erased as the old format": f"UPDATE audit_event SET {ERASE}, hash_format = 1 WHERE id = :id",
    "the hash": "UPDATE audit_event SET hash = prev_hash WHERE id = :id",
    "every row": "UPDATE audit_event SET connection = ''",
    "a delete": "DELETE FROM audit_event WHERE id = :id",
    "every delete": "DELETE FROM audit_event",
}


@pytest.mark.parametrize("change", list(REFUSED))
def test_the_database_refuses_every_change_but_erasing_snapshots(db, admin, change):
    _people(db, admin)
    target = _ola_update(db)
    with db.read() as s:
        rows_before = s.execute(text("SELECT count(*) FROM audit_event")).scalar()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.write() as s:
            s.execute(text(REFUSED[change]), {"id": target} if ":id" in REFUSED[change] else {})
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_event")).scalar() == rows_before
    assert audit_log.verify(db, AUDITOR).ok
    # The one permitted change goes through: the chain holds, but no retention run accounts for
    # the erasure, and verify says so.
    with db.write() as s:
        s.execute(text(f"UPDATE audit_event SET {ERASE} WHERE id = :id"), {"id": target})
    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.erased, report.broken_at) == (False, 2, None)
    assert report.reason == "2 snapshots erased outside a retention run"


def _old_hash(
    prev: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    subject: str,
    summary: str,
    before: str | None,
    after: str | None,
) -> str:
    """The row hash as written before migration 0003 (a copy, so a change of the code that
    verifies it cannot go unnoticed). Role "admin", no connection."""
    body = json.dumps(
        [prev, at.isoformat(), actor, "admin", action, entity, entity_id, subject, summary, before, after, ""],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _write_old_rows(db: Database) -> None:
    """Two rows as an app at revision 0002 wrote them: a client created (name in the snapshot)
    and a view. The database must be at 0002 (no digest columns yet)."""
    insert = text(
        """INSERT INTO audit_event (at, actor, role, action, entity, entity_id, subject, summary,
                                    "before", "after", connection, prev_hash, hash)
           VALUES (:at, 'admin', 'admin', :action, 'client', 1, 'K-0001', :summary, NULL, :after, '',
                   :prev, :hash)"""
    ).bindparams(bindparam("at", type_=UTCDateTime))
    prev = ""
    with db.write() as s:
        for minute, action, summary, after in (
            (0, "create", "Client created", json.dumps({"id": 1, "ref": "K-0001", "name": "Kari Gammel"})),
            (1, "view", "client record opened", None),
        ):
            at = datetime(2025, 3, 1, 10, minute, tzinfo=UTC)
            digest = _old_hash(prev, at, "admin", action, "client", 1, "K-0001", summary, None, after)
            s.execute(
                insert, {"at": at, "action": action, "summary": summary, "after": after, "prev": prev, "hash": digest}
            )
            prev = digest


def test_rows_of_the_old_format_keep_verifying_and_are_never_erased(db, admin):
    migrate.downgrade(db.engine, "0002")
    try:
        _write_old_rows(db)
        with db.read() as s:  # a backup from before 0003 is checked before it is migrated
            assert audit.verify_chain(s) == audit.ChainReport(2, True)
    finally:
        migrate.upgrade(db.engine)
    with db.read() as s:
        assert [ev.hash_format for ev in s.execute(select(AuditEvent)).scalars()] == [1, 1]
    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.rows, report.erased) == (True, 2, 0)

    # New rows chain on to the old ones; retention erases the new snapshots and keeps the old one.
    f.municipality(db, admin)
    kari = f.client(db, admin, start_date="2015-01-01")
    assert kari.ref == "K-0001"
    records.end(db, admin, "client", kari.id, kari.version, "2019-06-30")
    retention.apply(db, admin, today=TODAY, policy=POLICY)
    assert [r.summary for r in audit_log.query(db, admin, action="erase")] == [
        "access-log snapshots erased after retention: 3; 1 kept in rows written before erasable "
        "snapshots (these cannot be erased)"
    ]
    with db.read() as s:
        assert "Kari Gammel" in s.get(AuditEvent, 1).after
    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.erased) == (True, 3)

    # The database refuses to erase an old row, and erasing one behind its back breaks the chain.
    with pytest.raises(DBAPIError, match="append-only"):
        with db.write() as s:
            s.execute(text(f"UPDATE audit_event SET {ERASE} WHERE id = 1"))
    _behind_the_app(db, f"UPDATE audit_event SET {ERASE} WHERE id = 1")
    report = audit_log.verify(db, AUDITOR)
    assert (report.ok, report.broken_at, report.reason) == (False, 1, "row content does not match its hash")


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("audit_event")}


def test_migration_0003_up_and_down(db):
    assert migrate.current_revision(db.engine) == migrate.head_revision()  # 0003 or a later revision
    assert NEW_COLUMNS <= _columns(db.engine)
    migrate.downgrade(db.engine, "0002")
    try:
        assert migrate.current_revision(db.engine) == "0002"
        assert not NEW_COLUMNS & _columns(db.engine)
        _write_old_rows(db)
        # 0002's rule is back: no UPDATE at all, not even an erasure; no DELETE.
        for statement in ("""UPDATE audit_event SET "after" = NULL""", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError, match="append-only"):
                with db.write() as s:
                    s.execute(text(statement))
    finally:
        migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert NEW_COLUMNS <= _columns(db.engine)
    with pytest.raises(DBAPIError, match="append-only"):  # old rows are format 1 after the upgrade
        with db.write() as s:
            s.execute(text(f"UPDATE audit_event SET {ERASE}"))
    assert audit_log.verify(db, AUDITOR).ok


def test_the_models_match_the_migrations(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with db.engine.connect() as c:
        context = MigrationContext.configure(c, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_recommended_postgres_app_role_can_erase_and_nothing_more(pg_db, admin):
    """docs/privacy.md's role set-up: the app's login may set the three erasable columns (to NULL:
    the trigger allows nothing else) and cannot UPDATE anything else, DELETE or TRUNCATE."""
    db = pg_db
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("DROP ROLE IF EXISTS bpa_app_erase"))
        c.execute(text("CREATE ROLE bpa_app_erase LOGIN"))
        c.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bpa_app_erase"))
        c.execute(text("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO bpa_app_erase"))
        c.execute(text("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM bpa_app_erase"))
        c.execute(text('GRANT UPDATE ("before", "after", snapshot_salt) ON audit_event TO bpa_app_erase'))
    app = Database(make_engine(db.engine.url.set(username="bpa_app_erase").render_as_string(hide_password=False)))
    try:
        _people(app, admin)
        assert [d.ref for d in retention.apply(app, admin, today=TODAY, policy=POLICY)] == ["K-0001"]
        assert audit_log.verify(app, AUDITOR).erased == 7
        for statement in ("UPDATE audit_event SET summary = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
            with pytest.raises(DBAPIError, match="permission denied"):
                with app.write() as s:
                    s.execute(text(statement))
        with pytest.raises(DBAPIError, match="append-only"):  # the column grant, but not the trigger
            with app.write() as s:
                s.execute(text("""UPDATE audit_event SET "after" = '{}' WHERE "after" IS NOT NULL"""))
    finally:
        app.dispose()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("DROP OWNED BY bpa_app_erase"))
            c.execute(text("DROP ROLE bpa_app_erase"))


def test_cli_verify_counts_erased_snapshots_apart_from_breaks(sqlite_db, admin, capsys):
    from bpa_provider.cli import main
    from bpa_provider.services.users import ensure_first_admin

    ensure_first_admin(sqlite_db, "root")
    _people(sqlite_db, admin)
    retention.apply(sqlite_db, admin, today=TODAY, policy=POLICY)
    path = sqlite_file(sqlite_db)
    assert main(["--db", path, "audit", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "Access log intact:" in out and "Snapshots erased by retention: 7" in out
    target = _ola_update(sqlite_db)
    _behind_the_app(sqlite_db, """UPDATE audit_event SET "after" = '{}' WHERE id = :id""", id=target)
    assert main(["--db", path, "audit", "--verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at row {target}: a snapshot does not match its digest" in out


@pytest.mark.slow
async def test_the_screens_say_erased_instead_of_a_snapshot(sqlite_db, admin):
    from rich.console import Console
    from textual.app import App
    from textual.widgets import Static

    from bpa_provider import i18n
    from bpa_provider.screens.app import BpaApp
    from bpa_provider.screens.audit_log import AuditLogView, AuditRowScreen

    ids = _people(sqlite_db, admin)
    retention.apply(sqlite_db, admin, today=TODAY, policy=POLICY)
    with sqlite_db.read() as s:
        changed = next(ev.id for ev in _snapshots_about_kari(s, ids) if ev.action == "update")
    row = audit_log.row(sqlite_db, AUDITOR, changed)

    def everything(screen) -> str:
        console = Console(width=100, record=True, file=io.StringIO())
        for static in screen.query(Static):
            console.print(static.content)
        return console.export_text()

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(AuditRowScreen(row))

    try:
        for lang, word in (("en", "erased"), ("nb", "slettet"), ("sv", "raderad")):
            i18n.set_language(lang)
            host = Host()
            async with host.run_test(size=(100, 40)) as pilot:
                await pilot.pause()
                shown = everything(host.screen)
                assert shown.count(word) == 2, shown  # under Before and under After
                assert "{" not in shown  # no JSON left to show

        # The chain check in the audit area counts them, apart from the verdict.
        app = BpaApp(sqlite_db, AUDITOR, lang="en", today=TODAY)
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            await pilot.press("9")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            view = app.screen.query_one("#audit", AuditLogView)
            await pilot.press("v")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            chain = str(view.query_one("#chain", Static).render())
            assert chain.startswith("Chain intact:") and chain.endswith("7 snapshots erased by retention.")
    finally:
        i18n.set_language("en")
