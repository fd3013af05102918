"""What an outbox message says and how it reaches the mail server (services/notify.py writes
and sends the messages).

The texts of every kind of message (English message ids, translated per recipient), the e-mail
built from one message with its iCalendar part, and the SMTP target read from `smtp_url`. Nothing
here touches the database.
"""

from __future__ import annotations

import gettext
import json
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from bpa_provider.db.models import OutboxMessage
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import DOMAIN, LOCALE_DIR, N_
from bpa_provider.ical import Event, calendar

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
        next(iter(query.get("cafile") or []), None),
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
