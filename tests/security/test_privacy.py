"""Data protection: revealing a national ID (logged), retention dry run and anonymisation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factories as f
import pytest
from sechelpers import sqlite_file
from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db.models import Assistant, Client, Review, ReviewAction, Shift
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import audit_log, records, retention
from bpa_provider.services.users import ensure_first_admin

TODAY = date(2026, 6, 1)
POLICY = retention.RetentionPolicy()


def test_reveal_cli_shows_the_number_to_a_coordinator_and_logs_it(sqlite_db, admin, capsys, monkeypatch):
    from bpa_provider import cli, identity
    from bpa_provider.services import users

    ensure_first_admin(sqlite_db, "root")
    users.add_user(sqlite_db, admin, "coord", "coordinator")
    users.add_user(sqlite_db, admin, "aud", "auditor")
    f.municipality(sqlite_db, admin)
    fnr = f.valid_fnr(date(1990, 1, 2))
    f.client(sqlite_db, admin, national_id=fnr)
    path = sqlite_file(sqlite_db)
    monkeypatch.setattr(identity, "current_login", lambda: "coord")
    assert cli.main(["--db", path, "reveal", "client", "K-0001"]) == 0
    assert capsys.readouterr().out == fnr + "\n"
    assert cli.main(["--db", path, "list", "clients", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert fnr not in out and "020190*****" in out
    monkeypatch.setattr(identity, "current_login", lambda: "aud")
    assert cli.main(["--db", path, "reveal", "client", "K-0001"]) == 1
    assert "may not see national IDs" in capsys.readouterr().err
    rows = audit_log.query(sqlite_db, admin, subject="K-0001", action="reveal_id")
    assert [(r.actor, r.role) for r in rows] == [("coord", "coordinator")]
    assert [r.actor for r in audit_log.query(sqlite_db, admin, action="refused")] == ["aud"]


def _history(db, admin) -> dict[str, int]:
    """Clients and assistants whose periods ended at different times, with shifts and reviews."""
    f.municipality(db, admin)
    f.municipality(db, admin, name="Bjuv", country="se")
    old = f.client(
        db, admin, start_date="2015-01-01", national_id=f.valid_fnr(), phone="+47 900 00 000", address="Storgata 1"
    )
    recent = f.client(db, admin, name="Nylig Avsluttet", start_date="2015-01-01")
    swede = f.client(db, admin, name="Sven Svensson", muni="Bjuv", start_date="2015-01-01")
    active = f.client(db, admin, name="Aktiv Bruker", start_date="2015-01-01")
    for c, ended in ((old, "2019-06-30"), (recent, "2021-01-15"), (swede, "2020-12-31")):
        records.end(db, admin, "client", c.id, c.version, ended, reason="moved to another provider")
    gone = f.assistant(db, admin, name="Per Gammel", phone="123", email="per@example.org", national_id=f.valid_fnr())
    staying = f.assistant(db, admin, name="Anne Aktiv")
    f.employment(db, admin, gone.ref, start_date="2015-01-01", end_date="2019-03-31")
    f.employment(db, admin, staying.ref, start_date="2015-01-01")
    f.assignment(db, admin, gone.ref, old.ref, start_date="2015-01-01", end_date="2019-03-31")
    pair = f.assignment(db, admin, staying.ref, active.ref, start_date="2015-01-01", end_date="2023-05-31")
    f.assignment(db, admin, staying.ref, active.ref, start_date="2024-01-01")  # a new period: notes stay
    f.assignment(db, admin, staying.ref, recent.ref, start_date="2015-01-01", end_date="2020-12-31")
    with db.write() as s:
        for cid in (old.id, old.id, recent.id):
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=gone.id,
                    note="Kari was unwell",
                    start_utc=datetime(2019, 1, 7, 7, tzinfo=UTC),
                    end_utc=datetime(2019, 1, 7, 15, tzinfo=UTC),
                )
            )
        s.add(
            Review(
                assistant_id=staying.id,
                client_id=active.id,
                held_on=date(2022, 5, 1),
                summary="Active pair: kept",
                participants="Anne",
            )
        )
        rev = Review(
            assistant_id=staying.id,
            client_id=recent.id,
            held_on=date(2020, 5, 1),
            summary="Talked about her back pain",
            participants="Anne, Nylig",
        )
        s.add(rev)
        s.flush()
        s.add(ReviewAction(review_id=rev.id, text="Lifting course"))
    assert pair.end_date == date(2023, 5, 31)
    return {"old": old.id, "recent": recent.id, "swede": swede.id, "gone": gone.id, "review": rev.id}


def test_dry_run_lists_what_is_due_and_changes_nothing(db, admin):
    ids = _history(db, admin)
    due = retention.find_due(db, admin, today=TODAY, policy=POLICY)
    assert [(d.category, d.ref) for d in due] == [("client", "K-0001"), ("assistant", "A-0001"), ("review", "K-0002")]
    assert due[0].keep_years == 5 and "bokføringsloven" in due[0].basis
    # The Swedish client (ended 2020, 7 years) and the one ended in 2021 are not due yet; in 2027 the
    # latter is, while a Norwegian client ended in 2020 would already be due today.
    later = retention.find_due(db, admin, today=date(2027, 1, 1), policy=POLICY)
    assert ("client", "K-0002") in [(d.category, d.ref) for d in later]
    with db.read() as s:
        assert s.get(Client, ids["old"]).name == "Kari Nordmann"


def test_apply_anonymises_keeps_hours_and_is_audited(db, admin):
    ids = _history(db, admin)
    with db.read() as s:
        hours_before = s.execute(select(func.count(), func.min(Shift.start_utc)).select_from(Shift)).one()
    done = retention.apply(db, admin, today=TODAY, policy=POLICY)
    assert len(done) == 3
    with db.read() as s:
        c = s.get(Client, ids["old"])
        assert (c.name, c.national_id, c.birth_date, c.phone, c.address, c.end_reason, c.anonymised) == (
            "Anonymised K-0001",
            None,
            None,
            "",
            "",
            "",
            True,
        )
        a = s.get(Assistant, ids["gone"])
        assert (a.name, a.national_id, a.phone, a.email, a.anonymised) == ("Anonymised A-0001", None, "", "", True)
        assert s.get(Client, ids["recent"]).name == "Nylig Avsluttet"
        assert s.execute(select(func.count(), func.min(Shift.start_utc)).select_from(Shift)).one() == hours_before
        assert {sh.note for sh in s.execute(select(Shift).where(Shift.client_id == ids["old"])).scalars()} == {""}
        review = s.get(Review, ids["review"])
        assert (review.summary, review.participants, review.held_on) == ("", "", date(2020, 5, 1))
        assert s.execute(select(ReviewAction.text)).scalar() == ""
        kept = s.execute(select(Review).where(Review.summary == "Active pair: kept")).scalar_one()
        assert kept.participants == "Anne"
    log = audit_log.query(db, admin, action="anonymise")
    assert [(r.entity, r.subject) for r in log] == [("client", "K-0001"), ("assistant", "A-0001"), ("review", "K-0002")]
    assert retention.find_due(db, admin, today=TODAY, policy=POLICY) == []  # nothing left to do
    assert audit_log.verify(db, admin).ok


def test_erased_values_are_gone_from_the_sqlite_file_tables(sqlite_db, admin):
    _history(sqlite_db, admin)
    retention.apply(sqlite_db, admin, today=TODAY, policy=POLICY)
    raw = sqlite_db.engine.raw_connection()
    try:
        con = raw.driver_connection
        hits = con.execute(
            "SELECT count(*) FROM client WHERE name LIKE '%Kari%' OR address LIKE '%Storgata%'"
        ).fetchone()
        assert hits == (0,)
        # secure_delete is on, and the WAL was checkpointed: old page images are not kept around.
        assert con.execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        raw.close()
    wal = sqlite_file(sqlite_db) + "-wal"
    import os

    assert not os.path.exists(wal) or os.path.getsize(wal) == 0


def test_retention_is_for_admins_and_policy_is_configurable(db, tmp_path):
    with pytest.raises(PermissionDenied):
        retention.find_due(db, Actor("c", "coordinator"))
    cfg = tmp_path / "config.toml"
    cfg.write_text("[retention]\nclient_years = 10\nreview_years = 3\n")
    policy = retention.load_policy({"BPA_RETENTION_REVIEW_YEARS": "4"}, cfg)
    assert (policy.client_years, policy.review_years, policy.assistant_years) == (10, 4, 5)
    with pytest.raises(ValueError):
        retention.load_policy({"BPA_RETENTION_CLIENT_YEARS": "-1"}, cfg)
