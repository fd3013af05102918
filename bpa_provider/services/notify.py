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

import gettext
import json
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, OutboxMessage, Shift, Supervision, Supervisor
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import DOMAIN, LOCALE_DIR, N_
from bpa_provider.ical import Event, calendar
from bpa_provider.services.base import require, service

DEFAULT_TZ = "Europe/Oslo"  # the providers' zone when a message names no client (Norway and Sweden share it)

PERMISSION = "notify.send"
BACKOFF_MINUTES = (1, 5, 30, 120, 720)  # then failed
STATUSES = ("pending", "sent", "failed", "skipped")

# What each kind of message says: (subject, body), English message ids translated per recipient.
TEXTS: dict[str, tuple[str, str]] = {
    "shift_offered": (
        N_("Can you take a shift for {client} on {day}?"),
        N_(
            "Hello {name},\n\nA shift for {client} is vacant: {day} {start}–{end}. "
            "Reply to your coordinator if you can take it; the invitation is attached.\n"
        ),
    ),
    "shift_confirmed": (
        N_("Your shift for {client} on {day}"),
        N_(
            "Hello {name},\n\nYou have a shift for {client}: {day} {start}–{end}. "
            "It is in the attached calendar invitation.\n"
        ),
    ),
    "shift_changed": (
        N_("Your shift for {client} on {day} has changed"),
        N_(
            "Hello {name},\n\nYour shift for {client} is now {day} {start}–{end}. "
            "The attached invitation updates your calendar.\n"
        ),
    ),
    "shift_cancelled": (
        N_("Your shift for {client} on {day} is cancelled"),
        N_(
            "Hello {name},\n\nYour shift for {client} on {day} {start}–{end} is cancelled. "
            "The attachment removes it from your calendar.\n"
        ),
    ),
    "absence": (
        N_("{assistant} is away: {n} shifts for {client} are vacant"),
        N_(
            "Hello {name},\n\n{assistant} is away {a}–{b}. {n} shifts for {client} are vacant "
            "until a substitute takes them; your coordinator is on it.\n"
        ),
    ),
    "approval_due": (
        N_("Hours for {client} in {month} are waiting for your approval"),
        N_(
            "Hello {name},\n\nThe hours for {client} in {month} are not approved yet. "
            "Payroll is run on {deadline}: please approve them before then.\n"
        ),
    ),
}


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
    client = s.get(Client, sh.client_id)
    tz = s.execute(select(Municipality.timezone).where(Municipality.id == client.municipality_id)).scalar()  # type: ignore[union-attr]
    return {
        "client": client.name,
        "client_ref": client.ref,
        "tz": tz,  # type: ignore[union-attr]
        "start_utc": sh.start_utc.isoformat(),
        "end_utc": sh.end_utc.isoformat(),
    }


def tell_shift(s: Session, kind: str, sh: Shift, assistant_id: int, *, method: str) -> OutboxMessage | None:
    """Tell an assistant about a shift (offered, confirmed, changed, cancelled), with the invitation
    (REQUEST) or its cancellation (CANCEL) at the shift's version as SEQUENCE."""
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
    client = s.get(Client, client_id)
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
                "client": client.name,  # type: ignore[union-attr]
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
        client = s.get(Client, client_id)
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
                        "month": f"{first:%Y-%m}",  # type: ignore[union-attr]
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


# --------------------------------------------------------------------------- composing


def _format_day(value: datetime, lang: str) -> str:
    return value.strftime("%Y-%m-%d" if lang == "sv" else "%d.%m.%Y")


def compose(row: OutboxMessage, name: str, lang: str, address: str, sender: str) -> EmailMessage:
    """The e-mail for one message in the recipient's language, with its calendar part."""
    tr = (
        gettext.NullTranslations()
        if lang == "en"
        else gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    )
    params: dict[str, Any] = json.loads(row.params)
    values = {k: v for k, v in params.items()}
    values["name"] = name
    start = end = None
    if "start_utc" in params:
        zone = ZoneInfo(params.get("tz") or "Europe/Oslo")
        start = datetime.fromisoformat(params["start_utc"])
        end = datetime.fromisoformat(params["end_utc"])
        values.update(
            day=_format_day(start.astimezone(zone), lang),
            start=f"{start.astimezone(zone):%H:%M}",
            end=f"{end.astimezone(zone):%H:%M}",
        )
    subject_id, body_id = TEXTS[row.kind]
    msg = EmailMessage()
    msg["Subject"] = tr.gettext(subject_id).format(**values)
    msg["From"] = sender
    msg["To"] = address
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="bpa-provider")
    msg.set_content(tr.gettext(body_id).format(**values))
    if row.ical_method and start is not None and end is not None:
        cancelled = row.ical_method == "CANCEL"
        event = Event(
            uid=row.ical_uid,
            summary=values["client"],
            start=start,
            end=end,
            sequence=row.ical_sequence,
            status="CANCELLED" if cancelled else ("TENTATIVE" if row.kind == "shift_offered" else "CONFIRMED"),
            organizer=sender,
            attendee=address,
        )
        text = calendar([event], method=row.ical_method)
        msg.add_attachment(
            text.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="shift.ics",
            params={"method": row.ical_method, "charset": "utf-8"},
        )
    return msg


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class SmtpTarget:
    """Where mail goes, from `smtp_url`: smtp://, smtp+starttls:// or smtps://, user and password
    in the URL, `?cafile=PATH` to trust a private certificate authority."""

    host: str
    port: int
    mode: str  # plain, starttls, tls
    user: str = ""
    password: str = ""
    cafile: str | None = None


def parse_smtp_url(url: str) -> SmtpTarget:
    """An `smtp_url` as a target, or ValidationError naming what is wrong (never the password)."""
    parts = urlsplit(url or "")
    modes = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
    if parts.scheme not in modes or not parts.hostname:
        raise ValidationError(N_("smtp_url must look like smtp+starttls://user:password@host:587"), field="smtp_url")
    default_port = {"plain": 25, "starttls": 587, "tls": 465}[modes[parts.scheme]]
    query = parse_qs(parts.query)
    return SmtpTarget(
        parts.hostname,
        parts.port or default_port,
        modes[parts.scheme],
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        (query.get("cafile") or [None])[0],
    )


def _connect(target: SmtpTarget, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=target.cafile)
    if target.mode == "tls":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        conn = smtplib.SMTP(target.host, target.port, timeout=timeout)
        if target.mode == "starttls":
            conn.starttls(context=context)
    if target.user:
        conn.login(target.user, target.password)
    return conn


def _recipient(s: Session, row: OutboxMessage) -> tuple[str, str, bool, str]:
    """(name, address, consent, language) of a message's recipient."""
    model = Assistant if row.recipient_kind == "assistant" else Supervisor
    person = s.get(model, row.recipient_id)
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
                row = s.get(OutboxMessage, message_id)
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
        row = s.get(OutboxMessage, message_id)
        row.status, row.last_error = status, error  # type: ignore[union-attr]
        if attempts is not None:
            row.attempts = attempts  # type: ignore[union-attr]
        if retry_at is not None:
            row.next_attempt_utc = retry_at  # type: ignore[union-attr]
        if sent_at is not None:
            row.sent_at = sent_at  # type: ignore[union-attr]


@dataclass(frozen=True)
class OutboxRow:
    """A message as `notify list` shows it (no message text: it may name people)."""

    id: int
    kind: str
    recipient: str
    status: str
    attempts: int
    next_attempt: datetime
    last_error: str
    sent_at: datetime | None = None  # when the server took it (None until sent)
    tz: str = DEFAULT_TZ  # the zone its times are shown in: the client's it is about, else the default


def _message_tz(s: Session, row: OutboxMessage, params: dict[str, Any]) -> str:
    """The zone a message's times read in: the shift's client's (its params carry it), a
    supervisor's client's, else the providers' default."""
    if params.get("tz"):
        return str(params["tz"])
    if row.recipient_kind == "supervisor":
        tz = s.execute(
            select(Municipality.timezone)
            .join(Client, Client.municipality_id == Municipality.id)
            .join(Supervision, Supervision.client_id == Client.id)
            .where(Supervision.supervisor_id == row.recipient_id)
            .order_by(Supervision.until.is_not(None), Supervision.id.desc())
            .limit(1)
        ).scalar()
        if tz:
            return str(tz)
    return DEFAULT_TZ


@service
def list_outbox(db: Database, actor: Actor, status: str | None = None) -> list[OutboxRow]:
    """The outbox, newest first; `status` narrows it (failed ones are what needs a look)."""
    require(actor, PERMISSION, what=N_("see notices"))
    if status is not None and status not in STATUSES:
        raise ValidationError(N_("must be one of: {values}"), field="status", values=", ".join(STATUSES))
    with db.read() as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id.desc())
        if status:
            q = q.where(OutboxMessage.status == status)
        out = []
        for row in s.execute(q.limit(1000)).scalars():
            model = Assistant if row.recipient_kind == "assistant" else Supervisor
            ref = s.execute(select(model.ref).where(model.id == row.recipient_id)).scalar() or "?"
            try:
                params = json.loads(row.params)
            except ValueError:
                params = {}
            out.append(
                OutboxRow(
                    row.id,
                    row.kind,
                    ref,
                    row.status,
                    row.attempts,
                    row.next_attempt_utc,
                    row.last_error,
                    row.sent_at,
                    _message_tz(s, row, params if isinstance(params, dict) else {}),
                )
            )
        return out


@dataclass(frozen=True)
class DeliveryProblem:
    """A message that could not be delivered: `failed` (given up) or `retrying` (pending after a
    failed attempt), with whom it was for and the server's last answer."""

    id: int
    kind: str
    state: str  # failed, retrying
    recipient_kind: str  # assistant, supervisor
    recipient_id: int
    recipient: str  # their reference
    name: str
    attempts: int
    created: datetime
    last_error: str


@service
def delivery_problems(db: Database, actor: Actor, limit: int = 200) -> list[DeliveryProblem]:
    """Messages that failed or are being retried, oldest first (what the dashboard shows)."""
    require(actor, PERMISSION, what=N_("see notices"))
    with db.read() as s:
        rows = (
            s.execute(
                select(OutboxMessage)
                .where(
                    (OutboxMessage.status == "failed")
                    | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts > 0))
                )
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        out = []
        for row in rows:
            model = Assistant if row.recipient_kind == "assistant" else Supervisor
            ref, name = s.execute(select(model.ref, model.name).where(model.id == row.recipient_id)).one_or_none() or (
                "?",
                "",
            )
            out.append(
                DeliveryProblem(
                    row.id,
                    row.kind,
                    "failed" if row.status == "failed" else "retrying",
                    row.recipient_kind,
                    row.recipient_id,
                    ref,
                    name,
                    row.attempts,
                    row.created_at,
                    row.last_error,
                )
            )
        return out


__all__ = [
    "DeliveryProblem",
    "OutboxRow",
    "delivery_problems",
    "SendReport",
    "SmtpTarget",
    "compose",
    "enqueue",
    "list_outbox",
    "parse_smtp_url",
    "send_due",
    "shift_uid",
    "tell_reassigned",
    "tell_shift",
    "tell_supervisors_absence",
]
