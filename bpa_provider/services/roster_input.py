"""Reading what a person types for a shift or a pattern: local times (the DST gap refused, a
bare `HH:MM` end after the start), weekdays in three languages, times of day and kinds. Each
`read_*` adds `FieldError`s to the list it is given, so one save reports every problem at once;
nothing here touches the database but `find_assistant`. Texts and dates are checked by the one
validation module (`services/validation.py`).

Shared by `services.roster` (single shifts), `roster_patterns` and the shift import
(`import_fast`, `import_rows`, through the names `services.roster` re-exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bpa_provider.db.models import Assistant
from bpa_provider.errors import FieldError, Invalid
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import local_to_utc, parse_local_datetime
from bpa_provider.rules.worktime import SHIFT_KINDS

# A typo in a date (a month too far) must not become a month-long shift; respite agreements allow
# up to 56 h continuous, so 72 h is the sanity limit.
MAX_SHIFT = timedelta(hours=72)
_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")
WEEKDAY_NAMES = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "man": 0,
    "tir": 1,
    "ons": 2,
    "tor": 3,
    "fre": 4,
    "lør": 5,
    "lor": 5,
    "søn": 6,
    "son": 6,
    "mån": 0,
    "tis": 1,
    "lör": 5,
    "sön": 6,
}


# --------------------------------------------------------------------------- parsing


def to_utc(value: str | datetime, tz: str) -> datetime:
    """A typed local time (string or naive datetime) or an aware instant → UTC; ValueError if
    the local time does not exist or cannot be read."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return local_to_utc(value, tz)
        return value.astimezone(UTC)
    return parse_local_datetime(str(value), tz)


def end_to_utc(value: str | datetime, start_utc: datetime, tz: str) -> datetime:
    """Like `to_utc`, but a bare `HH:MM` means that time after the start (the next day if earlier)."""
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            hh, mm = int(m.group(1)), int(m.group(2))
            if hh > 23 or mm > 59:
                raise Invalid(N_("'{v}' is not a time of day: use HH:MM"), v=value)
            local_start = start_utc.astimezone(ZoneInfo(tz))
            day = local_start.date()
            if (hh, mm) <= (local_start.hour, local_start.minute):
                day += timedelta(days=1)
            return local_to_utc(datetime.combine(day, time(hh, mm)), tz)
    return to_utc(value, tz)


def parse_time_of_day(value: str | time) -> time:
    if isinstance(value, time):
        return value
    m = _HHMM.match(str(value).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise Invalid(N_("'{v}' is not a time of day: use HH:MM"), v=value)
    return time(int(m.group(1)), int(m.group(2)))


def parse_weekdays(value: str | Iterable[int]) -> tuple[int, ...]:
    """'mon,wed,fri', 'man,ons,fre', '0,2,4' or [0, 2, 4] → (0, 2, 4)."""
    items: list[Any] = (
        [p for p in re.split(r"[,\s/]+", value.strip().lower()) if p] if isinstance(value, str) else list(value)
    )
    days = set()
    for item in items:
        if isinstance(item, int) or str(item).isdigit():
            n = int(item)
            if not 0 <= n <= 6:
                raise Invalid(N_("weekday numbers are 0 (Monday) to 6 (Sunday)"))
            days.add(n)
        elif str(item)[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES[str(item)[:3]])
        else:
            raise Invalid(N_("'{v}' is not a weekday (use mon,tue,… or 0-6)"), v=item)
    if not days:
        raise Invalid(N_("at least one weekday is required"))
    return tuple(sorted(days))


def read_times(start: Any, end: Any, tz: str, errors: list[FieldError]) -> tuple[datetime | None, datetime | None]:
    a = b = None
    try:
        a = to_utc(start, tz)
    except ValueError as exc:
        errors.append(FieldError.of("start", exc))
    if a is not None:
        try:
            b = end_to_utc(end, a, tz)
        except ValueError as exc:
            errors.append(FieldError.of("end", exc))
    if a is not None and b is not None:
        if b <= a:
            errors.append(FieldError("end", N_("The shift must end after it starts")))
        elif b - a > MAX_SHIFT:
            errors.append(
                FieldError(
                    "end",
                    N_("A shift can be at most {h} hours long"),
                    params={"h": int(MAX_SHIFT.total_seconds() // 3600)},
                )
            )
    return a, b


def find_assistant(
    s: Session, assistant_id: int | None, errors: list[FieldError], name: str = "assistant_id"
) -> Assistant | None:
    person = s.get(Assistant, assistant_id) if assistant_id is not None else None
    if person is None:
        errors.append(FieldError(name, N_("No assistant with id {id}"), params={"id": assistant_id}))
    return person


def read_kind(kind: str, errors: list[FieldError]) -> str:
    k = (kind or "active").strip().lower()
    if k not in SHIFT_KINDS:
        errors.append(
            FieldError("kind", N_("Kind must be one of: {kinds}"), params={"kinds": ", ".join(sorted(SHIFT_KINDS))})
        )
    return k
