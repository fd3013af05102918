"""Telling people: an outbox of messages, delivered by e-mail with calendar invitations
(docs/notify.md).

A message is written to `outbox_message` in the same transaction as what it tells (a shift
offered, confirmed, changed or cancelled; an absence that left shifts vacant; hours waiting for
approval), so nothing is told that did not happen and nothing that happened is forgotten. Each
fact has a `dedupe_key`: telling it twice is a no-op. `send_due` delivers what is due outside any
database transaction (no lock is held while an SMTP server answers), marks each message in its
own short transaction, and retries a failure with back-off (1 min, 5 min, 30 min, 2 h, 12 h; then
`failed`). Delivery is at least once: a process killed between the SMTP server's acceptance and
the mark sends that one message again.

Nothing is sent without an e-mail address and consent (`email_consent`); such a message is
`skipped` with the reason. Messages are written in the recipient's language (`language`, else
their client's country's: Norway nb, Sweden sv) and name no health detail: an absence is "away".
"""

from __future__ import annotations

import json
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, OutboxMessage, Shift, Supervision, Supervisor
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, service

# The texts, the e-mail and the SMTP target, and the outbox's read side, live in their own modules;
# they are named here too, where every caller imports them from.
from bpa_provider.services.notify_mail import (
    BACKOFF_MINUTES,
    DEFAULT_TZ,
    PERMISSION,
    STATUSES,
    TEXTS,
    SmtpTarget,
    _connect,
    compose,
    parse_smtp_url,
)
from bpa_provider.services.notify_outbox import DeliveryProblem, OutboxRow, delivery_problems, list_outbox


def _country_language(s: Session, client_id: int) -> str:
    country = s.execute(
        select(Municipality.country)
        .join(Client, Client.municipality_id == Municipality.id)
        .where(Client.id == client_id)
    ).scalar()
    return "sv" if country == "SE" else "nb"


def enqueue(
    s: Session,
    *,
    key: str,
    kind: str,
    recipient_kind: str,
    recipient_id: int,
    params: dict[str, Any],
    ical_uid: str = "",
    ical_sequence: int = 0,
    ical_method: str = "",
) -> OutboxMessage | None:
    """Add a message in the caller's transaction; None when this fact was told already."""
    if kind not in TEXTS:
        raise ValueError(kind)
    if s.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).scalar() is not None:
        return None
    row = OutboxMessage(
        dedupe_key=key[:120],
        kind=kind,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        params=json.dumps(params, ensure_ascii=False, default=str),
        ical_uid=ical_uid,
        ical_sequence=ical_sequence,
        ical_method=ical_method,
    )
    s.add(row)
    s.flush()
    return row


def shift_uid(shift_id: int) -> str:
    """The invitation's UID: stable for the shift's whole life, so updates replace it."""
    return f"shift-{shift_id}@bpa-provider"


def _shift_params(s: Session, sh: Shift) -> dict[str, Any]:
    client = s.get_one(Client, sh.client_id)
    tz = s.execute(select(Municipality.timezone).where(Municipality.id == client.municipality_id)).scalar()
    return {
        "client": client.name,
        "client_ref": client.ref,
        "tz": tz,
        "start_utc": sh.start_utc.isoformat(),
        "end_utc": sh.end_utc.isoformat(),
    }


def tell_shift(s: Session, kind: str, sh: Shift, assistant_id: int, *, method: str) -> OutboxMessage | None:
    """Tell an assistant about a shift (offered, confirmed, changed, cancelled), with the invitation
    (REQUEST) or its cancellation (CANCEL) at the shift's version as SEQUENCE."""
    assert sh.id is not None  # a saved shift
    return enqueue(
        s,
        key=f"{kind}:{sh.id}:{assistant_id}:{sh.version}",
        kind=kind,
        recipient_kind="assistant",
        recipient_id=assistant_id,
        params=_shift_params(s, sh),
        ical_uid=shift_uid(sh.id),
        ical_sequence=sh.version or 0,
        ical_method=method,
    )


def tell_reassigned(s: Session, sh: Shift, previous: int | None) -> None:
    """A shift given to someone: they get the invitation; whoever had it, or had been offered it,
    gets its cancellation."""
    assert sh.id is not None and sh.assistant_id is not None  # a saved shift, given to someone
    tell_shift(s, "shift_confirmed", sh, sh.assistant_id, method="REQUEST")
    told = {previous} if previous is not None and previous != sh.assistant_id else set()
    offered = s.execute(
        select(OutboxMessage.recipient_id).where(
            OutboxMessage.kind == "shift_offered", OutboxMessage.ical_uid == shift_uid(sh.id)
        )
    ).scalars()
    told |= {r for r in offered if r != sh.assistant_id}
    for other in sorted(told):
        tell_shift(s, "shift_cancelled", sh, other, method="CANCEL")


def tell_supervisors_absence(
    s: Session, client_id: int, assistant_name: str, first: Any, last: Any, count: int, absence_id: int
) -> None:
    """The client's supervisors learn that shifts are vacant (no kind of absence: no health detail)."""
    client = s.get_one(Client, client_id)
    for sup_id in s.execute(
        select(Supervision.supervisor_id).where(Supervision.client_id == client_id, Supervision.until.is_(None))
    ).scalars():
        enqueue(
            s,
            key=f"absence:{absence_id}:{client_id}:{sup_id}:{count}",
            kind="absence",
            recipient_kind="supervisor",
            recipient_id=sup_id,
            params={
                "assistant": assistant_name,
                "client": client.name,
                "a": str(first),
                "b": str(last),
                "n": count,
            },
        )


def queue_approval_reminders(s: Session, today: Any, payroll_day: int, days_before: int) -> int:
    """From `days_before` days before payroll day (the `payroll_day` of the month after), remind
    the supervisors of every client whose last month has shifts but no approval; once per client,
    month and supervisor. Returns how many were queued."""
    from datetime import date as _date

    from dateutil.relativedelta import relativedelta

    from bpa_provider.db.models import PeriodApproval

    first = today.replace(day=1) - relativedelta(months=1)
    after = today.replace(day=1)
    deadline = _date(after.year, after.month, min(max(payroll_day, 1), 28))
    if today < deadline - timedelta(days=days_before) or today > deadline:
        return 0
    lo = datetime.combine(first, datetime.min.time()).replace(tzinfo=utcnow().tzinfo) - timedelta(days=1)
    hi = datetime.combine(after, datetime.min.time()).replace(tzinfo=utcnow().tzinfo) + timedelta(days=1)
    approved = select(PeriodApproval.client_id).where(
        PeriodApproval.period_start <= first, PeriodApproval.period_end >= after, PeriodApproval.approved_by != ""
    )
    clients = (
        s.execute(
            select(Shift.client_id)
            .where(
                Shift.start_utc >= lo,
                Shift.start_utc < hi,
                Shift.status.not_in(("cancelled", "vacant")),
                Shift.client_id.not_in(approved),
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    queued = 0
    for client_id in sorted(clients):
        client = s.get_one(Client, client_id)
        for sup_id in s.execute(
            select(Supervision.supervisor_id).where(Supervision.client_id == client_id, Supervision.until.is_(None))
        ).scalars():
            if (
                enqueue(
                    s,
                    key=f"approval_due:{client_id}:{first:%Y-%m}:{sup_id}",
                    kind="approval_due",
                    recipient_kind="supervisor",
                    recipient_id=sup_id,
                    params={
                        "client": client.name,
                        "month": f"{first:%Y-%m}",
                        "deadline": deadline.isoformat(),
                    },
                )
                is not None
            ):
                queued += 1
    return queued


@service
def remind(db: Database, actor: Actor, today: Any, payroll_day: int, days_before: int) -> int:
    """Queue the reminders of hours waiting for approval that are due today (see above)."""
    require(actor, PERMISSION, what=N_("send notices"))
    with db.write() as s:
        return queue_approval_reminders(s, today, payroll_day, days_before)


def _recipient(s: Session, row: OutboxMessage) -> tuple[str, str, bool, str]:
    """(name, address, consent, language) of a message's recipient."""
    person: Assistant | Supervisor | None = (
        s.get(Assistant, row.recipient_id) if row.recipient_kind == "assistant" else s.get(Supervisor, row.recipient_id)
    )
    if person is None:
        return "", "", False, "en"
    lang = person.language or ""
    if not lang:
        if row.recipient_kind == "assistant":
            client_id = s.execute(
                select(Shift.client_id).where(Shift.assistant_id == person.id).order_by(Shift.start_utc.desc()).limit(1)
            ).scalar()
        else:
            client_id = s.execute(
                select(Supervision.client_id).where(Supervision.supervisor_id == person.id).limit(1)
            ).scalar()
        lang = _country_language(s, client_id) if client_id else "nb"
    return person.name, (person.email or "").strip(), bool(person.email_consent), lang


@dataclass(frozen=True)
class SendReport:
    """What one `notify send` did."""

    sent: int
    skipped: int
    retried: int
    failed: int


@service
def send_due(
    db: Database,
    actor: Actor,
    smtp_url: str | None,
    sender: str,
    *,
    now: datetime | None = None,
    limit: int = 500,
    timeout: float = 30.0,
    connect: Callable[[SmtpTarget, float], Any] = _connect,
) -> SendReport:
    """Deliver the messages that are due; idempotent (a sent message is never sent again)."""
    require(actor, PERMISSION, what=N_("send notices"))
    if not smtp_url:
        raise ValidationError(N_("no smtp_url in the configuration: nothing can be sent"), field="smtp_url")
    target = parse_smtp_url(smtp_url)
    now = now or utcnow()
    with db.read() as s:
        due = (
            s.execute(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_utc <= now)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    counts = {"sent": 0, "skipped": 0, "retried": 0, "failed": 0}
    conn = None
    try:
        for message_id in due:
            with db.read() as s:
                row = s.get_one(OutboxMessage, message_id)
                name, address, consent, lang = _recipient(s, row)
                s.expunge(row)
            if not address or not consent:
                _mark(db, message_id, "skipped", N_("no e-mail address") if not address else N_("no consent to e-mail"))
                counts["skipped"] += 1
                continue
            try:
                if conn is None:
                    conn = connect(target, timeout)
                conn.send_message(compose(row, name, lang, address, sender))
            except (OSError, smtplib.SMTPException) as exc:
                conn = None
                attempts = row.attempts + 1
                if attempts > len(BACKOFF_MINUTES):
                    _mark(db, message_id, "failed", str(exc)[:300], attempts=attempts)
                    counts["failed"] += 1
                else:
                    _mark(
                        db,
                        message_id,
                        "pending",
                        str(exc)[:300],
                        attempts=attempts,
                        retry_at=now + timedelta(minutes=BACKOFF_MINUTES[attempts - 1]),
                    )
                    counts["retried"] += 1
                continue
            _mark(db, message_id, "sent", "", sent_at=now)
            counts["sent"] += 1
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return SendReport(**counts)


def _mark(
    db: Database,
    message_id: int,
    status: str,
    error: str,
    *,
    attempts: int | None = None,
    retry_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    with db.write() as s:
        row = s.get_one(OutboxMessage, message_id)
        row.status, row.last_error = status, error
        if attempts is not None:
            row.attempts = attempts
        if retry_at is not None:
            row.next_attempt_utc = retry_at
        if sent_at is not None:
            row.sent_at = sent_at


__all__ = [
    "BACKOFF_MINUTES",
    "DEFAULT_TZ",
    "DeliveryProblem",
    "OutboxRow",
    "PERMISSION",
    "STATUSES",
    "SendReport",
    "SmtpTarget",
    "TEXTS",
    "compose",
    "delivery_problems",
    "enqueue",
    "list_outbox",
    "parse_smtp_url",
    "remind",
    "send_due",
    "shift_uid",
    "tell_reassigned",
    "tell_shift",
    "tell_supervisors_absence",
]
