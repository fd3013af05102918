"""A small iCalendar (RFC 5545) writer for shifts, course dates and reviews.

Only VEVENTs with UTC or all-day times are needed, so a few lines here beat a dependency. Text is
escaped per RFC 5545 §3.3.11 and lines are folded at 75 octets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class Event:
    """One calendar entry: timed (UTC datetimes) or all-day (dates; `end` exclusive)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    description: str = ""
    location: str = ""
    sequence: int = 0  # RFC 5545 §3.8.7.4: raised on every change, so calendars take the newest
    status: str = ""  # CONFIRMED, TENTATIVE or CANCELLED (with METHOD:CANCEL)
    organizer: str = ""  # mailto: address; iTIP (RFC 5546) wants it on REQUEST and CANCEL
    attendee: str = ""  # mailto: address of the one person the invitation is for


def _escape(text: str) -> str:
    text = "".join(ch for ch in text if ch >= " " or ch == "\n")  # no control characters
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    out, current = [], b""
    for ch in line:
        enc = ch.encode("utf-8")
        if len(current) + len(enc) > 75:
            out.append(current.decode("utf-8"))
            current = b" " + enc
        else:
            current += enc
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def _when(name: str, value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def calendar(events: Iterable[Event], name: str = "bpa-provider", method: str = "") -> str:
    """A complete VCALENDAR text with CRLF line ends; `method` (REQUEST, CANCEL) makes it an
    iTIP invitation or cancellation (RFC 5546) that mail clients apply to the same UID."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//bpa-provider//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    if method:
        lines.append(f"METHOD:{method}")
    for ev in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(ev.uid)}",
            f"DTSTAMP:{stamp}",
            _when("DTSTART", ev.start),
            _when("DTEND", ev.end),
            f"SUMMARY:{_escape(ev.summary)}",
        ]
        if ev.sequence:
            lines.append(f"SEQUENCE:{ev.sequence}")
        if ev.status:
            lines.append(f"STATUS:{ev.status}")
        if ev.organizer:
            lines.append(f"ORGANIZER:mailto:{_escape(ev.organizer)}")
        if ev.attendee:
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{_escape(ev.attendee)}")
        if ev.description:
            lines.append(f"DESCRIPTION:{_escape(ev.description)}")
        if ev.location:
            lines.append(f"LOCATION:{_escape(ev.location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
