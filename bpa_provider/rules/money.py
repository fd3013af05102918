"""Money and billed quantities as `Decimal`: the one place the rounding rule is stated.

The rule: **amounts are rounded per line, to whole øre/öre (0.01), half up** (`ROUND_HALF_UP`:
1558.215 becomes 1558.22, as a person rounds on paper and as the municipalities' invoices do).
A line's amount is its quantity (hours, rounded first to 0.01 h the same way) times the rate;
totals are the sums of the rounded lines, so a total always equals the sum of what is printed.

Every report, invoice and payroll file computes amounts through `line_amount` and prints them
with `as_text`, so two reports over the same hours and rate cannot disagree by an øre. Rates and
wages are stored as exact decimals (`db.types.Money`) and arrive as `Decimal`; floats still arrive
as SQL sums of elapsed hours, and are turned into decimals through their shortest repr
(`Decimal(repr(x))`), never `Decimal(x)`, whose binary expansion would make 4.5 h x 346.27 round
down.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["CENT", "ROUNDING", "ZERO", "as_text", "line_amount", "money", "quantity", "to_decimal"]

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
ZERO = Decimal("0.00")


def to_decimal(value: object) -> Decimal:
    """`value` (Decimal, int, float or numeric text) as a Decimal; NaN and infinities refused."""
    if isinstance(value, bool):
        raise ValueError("a truth value is not an amount")
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, int):
        out = Decimal(value)
    elif isinstance(value, float):
        out = Decimal(repr(value))  # the shortest text that reads back as this float: 346.27, not 346.2699…
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not out.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return out


def money(value: object) -> Decimal:
    """An amount rounded to 0.01 by the rule of this module."""
    return to_decimal(value).quantize(CENT, rounding=ROUNDING)


def quantity(hours: object) -> Decimal:
    """A billed or paid number of hours, rounded to 0.01 h by the same rule."""
    return to_decimal(hours).quantize(CENT, rounding=ROUNDING)


def line_amount(hours: object, rate: object) -> Decimal:
    """One line's amount: hours (rounded to 0.01 h) x rate, rounded to 0.01."""
    return money(quantity(hours) * to_decimal(rate))


def as_text(value: Decimal | None, decimal_comma: bool = False) -> str:
    """Two decimals as text ('' for None): machine files use a point, `decimal_comma` for people."""
    if value is None:
        return ""
    text = f"{money(value):.2f}"
    return text.replace(".", ",") if decimal_comma else text
