"""A small iCalendar (RFC 5545) writer for shifts, course dates and reviews.

Only VEVENTs with UTC or all-day times are needed, so a few lines here beat a dependency. Text is
escaped per RFC 5545 §3.3.11 and lines are folded at 75 octets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable


@dataclass(frozen=True)
class Event:
    """One calendar entry: timed (UTC datetimes) or all-day (dates; `end` exclusive)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    description: str = ""
    location: str = ""


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
        return f"{name}:{value.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def calendar(events: Iterable[Event], name: str = "bpa-provider") -> str:
    """A complete VCALENDAR text with CRLF line ends."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bpa-provider//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(name)}"]
    for ev in events:
        lines += ["BEGIN:VEVENT", f"UID:{_escape(ev.uid)}", f"DTSTAMP:{stamp}",
                  _when("DTSTART", ev.start), _when("DTEND", ev.end), f"SUMMARY:{_escape(ev.summary)}"]
        if ev.description:
            lines.append(f"DESCRIPTION:{_escape(ev.description)}")
        if ev.location:
            lines.append(f"LOCATION:{_escape(ev.location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
