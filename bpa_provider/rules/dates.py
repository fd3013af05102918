"""Parsing and formatting of the dates and months people type.

Coordinators type `dd.mm.yyyy` (the Norwegian habit) or ISO `YYYY-MM-DD`; both are accepted
everywhere (forms, CLI, import) through this one module. `format_date` here is the fixed
`dd.mm.yyyy` of files and the access log; what a person reads goes through `bpa_provider.formats`
(the language's way: `2026-12-31` in Swedish). Refusals are `errors.Invalid`: a message id with
parameters, translated where shown.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NORWEGIAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _ascii(text: str) -> str:
    # str.isdigit() and \d accept non-ASCII digits such as '１'; refuse them before parsing.
    if not text.isascii():
        raise Invalid(N_("“{raw}” contains characters that are not allowed in a date"), raw=text)
    return text


def parse_date(text: str) -> date:
    """Parse `YYYY-MM-DD` or `dd.mm.yyyy`; raise ValueError with a message a person can act on."""
    raw = _ascii((text or "").strip())
    if not raw:
        raise Invalid(N_("a date is required (dd.mm.yyyy or YYYY-MM-DD)"))
    m = _ISO.match(raw)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _NORWEGIAN.match(raw)
        if not m:
            raise Invalid(N_("“{raw}” is not a date: use dd.mm.yyyy or YYYY-MM-DD"), raw=raw)
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        raise Invalid(N_("“{raw}” is not a real calendar date"), raw=raw) from None


def parse_optional_date(text: str | None) -> date | None:
    """Like parse_date, but an empty value means "no date" (an open end)."""
    if text is None or not str(text).strip():
        return None
    return parse_date(str(text))


def parse_month(text: str) -> tuple[int, int]:
    """Parse `YYYY-MM` into (year, month)."""
    raw = _ascii((text or "").strip())
    m = _MONTH.match(raw)
    if not m:
        raise Invalid(N_("“{raw}” is not a month: use YYYY-MM"), raw=raw)
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        raise Invalid(N_("“{raw}” is not a month: the month must be 01-12"), raw=raw)
    return y, mo


def format_date(value: date | None) -> str:
    """Show a date the Norwegian way, `dd.mm.yyyy`; an absent date is an empty string."""
    return value.strftime("%d.%m.%Y") if value else ""


def parse_local_datetime(text: str, tz: str) -> datetime:
    """Parse an ISO 8601 local time (`2026-03-29T01:30`, or `dd.mm.yyyy HH:MM`) in zone `tz` to UTC.

    A time with an explicit offset is taken as given. Times that do not exist on the local clock
    (the spring-forward gap) are refused rather than silently moved.
    """
    raw = _ascii((text or "").strip())
    if not raw:
        raise Invalid(N_("a time is required (YYYY-MM-DDTHH:MM)"))
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})$", raw)
    try:
        if m:
            d, mo, y, hh, mm = (int(g) for g in m.groups())
            naive = datetime(y, mo, d, hh, mm)
        else:
            naive = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(N_("“{raw}” is not a time: use YYYY-MM-DDTHH:MM"), raw=raw) from None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return local_to_utc(naive, tz)


def local_to_utc(naive: datetime, tz: str) -> datetime:
    """Interpret a wall-clock time in `tz` and return it in UTC, refusing non-existent times."""
    zone = ZoneInfo(tz)
    aware = naive.replace(tzinfo=zone)
    # A wall time in the DST gap does not survive a round trip through UTC.
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise Invalid(
            N_("{time} does not exist in {zone} (clocks move forward)"), time=f"{naive:%d.%m.%Y %H:%M}", zone=tz
        )
    return aware.astimezone(UTC)


def local_day_start_utc(day: date, tz: str) -> datetime:
    """The UTC instant of local midnight at the start of `day` in `tz`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def to_local(instant: datetime, tz: str) -> datetime:
    """An aware UTC instant shown on the local clock of `tz`."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(tz))
