"""Retention: find personal data past its period, and anonymise it while keeping the hour totals.

A record is kept until the end of the Nth calendar year after the year it ended (the way the
accounting laws count), so it is due when `end.year + N < today.year`. The periods and their basis
are in docs/privacy.md; each is configurable (`[retention]` in config.toml, or
`BPA_RETENTION_<NAME>` variables, e.g. BPA_RETENTION_CLIENT_YEARS=10).

Anonymising keeps every row that hour totals, invoices and payroll are computed from (shifts,
decisions' hours, employments' dates) and replaces what identifies a person: names become
"Anonymised K-0042", national IDs, birth dates, phone, address and e-mail are cleared, free-text
notes about the person are emptied. Each anonymisation is one access-log row without a snapshot
(the log must not become a copy of what was erased). The before/after snapshots of earlier log rows
about the record (its own rows, rows whose subject is its reference, rows of its reviews) are
erased in the same transaction (`audit.erase_snapshots`: the digests stay, so the chain still
verifies), and one more row says how many were erased. SQLite runs with secure_delete, and the WAL
is checkpointed afterwards so old page images leave the WAL file too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import RetentionPolicy, load_settings
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    AuditEvent,
    Client,
    Decision,
    Employment,
    HourBalanceEntry,
    Municipality,
    OnboardingStep,
    Review,
    ReviewAction,
    Shift,
    SickPeriod,
    Supervision,
    Supervisor,
    Transfer,
    TransferAssistant,
    User,
)
from bpa_provider.db.types import utcnow
from bpa_provider.services.base import require, service


def load_policy(env: Mapping[str, str] | None = None, path: Path | None = None) -> RetentionPolicy:
    """Defaults, then `[retention]` in the config file, then BPA_RETENTION_* variables (checked
    with every other setting in `bpa_provider.config`: ConfigError, a ValueError, when unusable)."""
    return load_settings(path, env).retention


@dataclass(frozen=True)
class Due:
    """One record past its retention period."""

    category: str  # client, assistant, supervisor, review
    record_id: int
    ref: str
    ended: date
    keep_years: int
    basis: str
    action: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_BASIS = {
    "client": "ended client: accounting records (NO bokføringsloven § 13 / SE bokföringslagen 7:2)",
    "assistant": "last employment ended: payroll records (policy on the accounting basis)",
    "supervisor": "all supervisions ended (policy)",
    "review": "review notes after the assignment ended (policy)",
}


def _due(ended: date | None, years: int, today: date) -> TypeGuard[date]:
    return ended is not None and ended.year + years < today.year


def _client_candidates(s: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    out = []
    rows = s.execute(
        select(Client.id, Client.ref, Client.end_date, Municipality.country)
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(Client.anonymised.is_(False), Client.end_date.is_not(None), Client.status == "ended")
        .order_by(Client.ref)
    ).all()
    for cid, ref, ended, country in rows:
        years = policy.client_years_se if country == "SE" else policy.client_years
        if _due(ended, years, today):
            out.append(Due("client", cid, ref, ended, years, _BASIS["client"], "anonymise"))
    return out


def _assistant_candidates(s: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    out = []
    open_work = (
        select(Employment.assistant_id)
        .where(Employment.end_date.is_(None))
        .union(select(Assignment.assistant_id).where(Assignment.end_date.is_(None)))
    )
    last_end = (
        select(Employment.assistant_id, func.max(Employment.end_date).label("ended"))
        .group_by(Employment.assistant_id)
        .subquery()
    )
    rows = s.execute(
        select(Assistant.id, Assistant.ref, last_end.c.ended)
        .join(last_end, last_end.c.assistant_id == Assistant.id)
        .where(Assistant.anonymised.is_(False), Assistant.id.not_in(open_work))
        .order_by(Assistant.ref)
    ).all()
    for aid, ref, ended in rows:
        countries = set(
            s.execute(
                select(Municipality.country)
                .join(Client, Client.municipality_id == Municipality.id)
                .join(Assignment, Assignment.client_id == Client.id)
                .where(Assignment.assistant_id == aid)
            ).scalars()
        )
        years = policy.assistant_years_se if "SE" in countries else policy.assistant_years
        if _due(ended, years, today):
            out.append(Due("assistant", aid, ref, ended, years, _BASIS["assistant"], "anonymise"))
    return out


def _supervisor_candidates(s: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    out = []
    open_sup = select(Supervision.supervisor_id).where(Supervision.until.is_(None))
    active_user = select(User.supervisor_id).where(User.disabled.is_(False), User.supervisor_id.is_not(None))
    last = (
        select(Supervision.supervisor_id, func.max(Supervision.until).label("ended"))
        .group_by(Supervision.supervisor_id)
        .subquery()
    )
    rows = s.execute(
        select(Supervisor.id, Supervisor.ref, Supervisor.name, last.c.ended)
        .join(last, last.c.supervisor_id == Supervisor.id)
        .where(Supervisor.id.not_in(open_sup), Supervisor.id.not_in(active_user))
        .order_by(Supervisor.ref)
    ).all()
    for sid, ref, name, ended in rows:
        if name != _anon(ref) and _due(ended, policy.supervisor_years, today):
            out.append(Due("supervisor", sid, ref, ended, policy.supervisor_years, _BASIS["supervisor"], "anonymise"))
    return out


def _review_candidates(s: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    out = []
    pair_end = (
        select(
            Assignment.assistant_id,
            Assignment.client_id,
            func.max(Assignment.end_date).label("ended"),
            func.count().label("n"),
            func.count(Assignment.end_date).label("n_ended"),
        )
        .group_by(Assignment.assistant_id, Assignment.client_id)
        .subquery()
    )
    rows = s.execute(
        select(Review.id, Client.ref, pair_end.c.ended)
        .join(Client, Client.id == Review.client_id)
        .join(pair_end, (pair_end.c.assistant_id == Review.assistant_id) & (pair_end.c.client_id == Review.client_id))
        .where(pair_end.c.n == pair_end.c.n_ended, (Review.summary != "") | (Review.participants != ""))
        .order_by(Review.id)
    ).all()
    for rid, client_ref, ended in rows:
        if _due(ended, policy.review_years, today):
            out.append(Due("review", rid, client_ref, ended, policy.review_years, _BASIS["review"], "clear notes"))
    return out


def _candidates(s: Session, policy: RetentionPolicy, today: date) -> list[Due]:
    return (
        _client_candidates(s, policy, today)
        + _assistant_candidates(s, policy, today)
        + _supervisor_candidates(s, policy, today)
        + _review_candidates(s, policy, today)
    )


@service
def find_due(
    db: Database, actor: Actor, *, today: date | None = None, policy: RetentionPolicy | None = None
) -> list[Due]:
    """What `apply` would anonymise today (the dry run)."""
    require(actor, "retention.run", what="run retention")
    with db.read() as s:
        return _candidates(s, policy or load_policy(), today or date.today())


def _anon(ref: str) -> str:
    return f"Anonymised {ref}"


def _blank(s: Session, model: Any, values: dict[str, Any], *where: Any) -> None:
    # Bulk updates bypass the ORM's version counter: bump it so open forms see a conflict.
    stmt = update(model).where(*where).values(**values)
    if "version" in model.__table__.columns:
        stmt = stmt.values(version=model.__table__.c.version + 1)
    s.execute(stmt.execution_options(synchronize_session=False))


def _anonymise_client(s: Session, cid: int) -> None:
    c = s.get_one(Client, cid)
    c.name, c.national_id, c.birth_date = _anon(c.ref), None, None
    c.phone = c.address = c.end_reason = ""
    c.anonymised, c.updated_at = True, utcnow()
    _blank(s, Decision, {"note": ""}, Decision.client_id == cid)
    _blank(s, Shift, {"note": ""}, Shift.client_id == cid)
    _blank(s, HourBalanceEntry, {"note": ""}, HourBalanceEntry.client_id == cid)
    _blank(s, OnboardingStep, {"note": ""}, OnboardingStep.client_id == cid)
    _blank(s, Transfer, {"cancelled_reason": ""}, Transfer.client_id == cid)
    _clear_reviews(s, Review.client_id == cid)


def _anonymise_assistant(s: Session, aid: int) -> None:
    a = s.get_one(Assistant, aid)
    a.name, a.national_id, a.birth_date = _anon(a.ref), None, None
    a.phone = a.email = ""
    a.anonymised, a.updated_at = True, utcnow()
    _blank(s, Employment, {"end_reason": ""}, Employment.assistant_id == aid)
    _blank(s, SickPeriod, {"note": ""}, SickPeriod.assistant_id == aid)  # health data (Art. 9)
    _blank(s, TransferAssistant, {"note": ""}, TransferAssistant.assistant_id == aid)
    _clear_reviews(s, Review.assistant_id == aid)


def _anonymise_supervisor(s: Session, sid: int) -> None:
    sup = s.get_one(Supervisor, sid)
    sup.name, sup.phone, sup.email, sup.updated_at = _anon(sup.ref), "", "", utcnow()
    _blank(s, OnboardingStep, {"note": ""}, OnboardingStep.supervisor_id == sid)


def _clear_reviews(s: Session, *where: Any) -> None:
    ids = select(Review.id).where(*where)
    _blank(s, ReviewAction, {"text": ""}, ReviewAction.review_id.in_(ids))
    _blank(s, Review, {"summary": "", "participants": ""}, *where)


_APPLY = {
    "client": (_anonymise_client, "client"),
    "assistant": (_anonymise_assistant, "assistant"),
    "supervisor": (_anonymise_supervisor, "supervisor"),
    "review": (lambda s, rid: _clear_reviews(s, Review.id == rid), "review"),
}

# Which reviews a category's anonymisation clears (their log rows carry the assistant's reference
# as subject, so a client's reviews are not found by the client's reference).
_REVIEWS_OF = {
    "client": lambda rid: Review.client_id == rid,
    "assistant": lambda rid: Review.assistant_id == rid,
    "review": lambda rid: Review.id == rid,
}


def _log_rows_about(d: Due) -> list[ColumnElement[bool]]:
    """The access-log rows whose snapshots hold what anonymising `d` erases."""

    def rows_of(entity: str, ids: Any) -> ColumnElement[bool]:
        return (AuditEvent.entity == entity) & AuditEvent.entity_id.in_(ids)

    about: list[ColumnElement[bool]] = []
    if d.category != "review":  # a review's `ref` is its client's: that client is not anonymised
        about += [AuditEvent.subject == d.ref, rows_of(d.category, [d.record_id])]
    if d.category in _REVIEWS_OF:
        reviews = select(Review.id).where(_REVIEWS_OF[d.category](d.record_id))
        about += [
            rows_of("review", reviews),
            rows_of("review_action", select(ReviewAction.id).where(ReviewAction.review_id.in_(reviews))),
        ]
    return about


@service
def apply(db: Database, actor: Actor, *, today: date | None = None, policy: RetentionPolicy | None = None) -> list[Due]:
    """Anonymise everything past its period, in one transaction, one access-log row per record,
    erasing the snapshots of the log rows about each record, and one row counting those."""
    require(actor, "retention.run", what="run retention")
    policy = policy or load_policy()
    today = today or date.today()
    with db.write() as s:
        due = _candidates(s, policy, today)
        erased = kept = 0
        for d in due:
            fn, entity = _APPLY[d.category]
            fn(s, d.record_id)
            s.flush()
            gone, old = audit.erase_snapshots(s, *_log_rows_about(d))
            erased, kept = erased + gone, kept + old
            audit.record(
                s,
                actor,
                "anonymise",
                entity,
                d.record_id,
                subject=d.ref,
                summary=f"{d.action} after retention: ended {d.ended.isoformat()}, "
                f"kept {d.keep_years} years ({d.basis})",
            )
        if due:
            # Counts only: which records they were about is in the anonymise rows just written.
            audit.record(
                s,
                actor,
                "erase",
                "audit_event",
                summary=f"access-log snapshots erased after retention: {erased}"
                + (f"; {kept} kept in rows written before erasable snapshots (these cannot be erased)" if kept else ""),
            )
    if due and db.dialect == "sqlite":
        # Old page images of the erased values may sit in the WAL until a checkpoint overwrites them.
        # Outside any transaction (a checkpoint inside BEGIN is refused): the raw driver connection.
        raw = db.engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None  # an open connection has its driver's
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return due
