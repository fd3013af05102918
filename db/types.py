"""Column types shared by the tables.

`UTCDateTime` stores instants as naive UTC (SQLite has no time zones; PostgreSQL's `timestamp`
is used the same way so both engines behave alike) and hands back aware UTC datetimes.

`Money` stores an exact `Decimal`: NUMERIC(12,4) on PostgreSQL, the decimal's text on SQLite
(SQLite's NUMERIC affinity would turn it into a float). It never passes through a float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import DateTime, Numeric, Text
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
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL results on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


MONEY_SCALE = 4
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_CENT = Decimal("0.01")


def to_money_value(value: object) -> Decimal:
    """`value` as the exact Decimal a money column holds; floats go through `str`, NaN refused."""
    if isinstance(value, bool):
        raise ValueError("a truth value is not an amount")
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, (int, float, str)):
        try:
            out = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not out.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if out != out.quantize(_QUANTUM):
        raise ValueError(f"more than {MONEY_SCALE} decimals: {value!r}")
    if abs(out) >= Decimal(10) ** (12 - MONEY_SCALE):
        raise ValueError(f"amount too large: {value!r}")
    return canonical_money(out)


def canonical_money(value: Decimal) -> Decimal:
    """Two decimals, or up to four when they matter: 332.6 and PostgreSQL's 332.6000 both read
    332.60, so the two engines hand out the same text for the same amount."""
    cents = value.quantize(_CENT)
    return cents if cents == value else value.quantize(_QUANTUM).normalize()


class Money(TypeDecorator):
    """An exact amount: NUMERIC(12,4) on PostgreSQL, decimal text on SQLite; Decimal both ways."""

    impl = Numeric(12, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):  # noqa: ANN001
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(12, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: object, dialect):  # noqa: ANN001
        if value is None:
            return None
        out = to_money_value(value)
        return str(out) if dialect.name == "sqlite" else out

    def process_result_value(self, value: object, dialect):  # noqa: ANN001
        if value is None:
            return None
        return to_money_value(value)

    def process_literal_param(self, value: object, dialect):  # noqa: ANN001
        return self.process_bind_param(value, dialect)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)
