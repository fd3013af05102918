"""Column types shared by the tables.

`UTCDateTime` stores instants as naive UTC (SQLite has no time zones; PostgreSQL's `timestamp`
is used the same way so both engines behave alike) and hands back aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC; naive values coming in are refused, not guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column: attach a time zone first")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL results on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)
