"""The one validation module: free text, dates, references and money, as every path checks them.

A value typed into a form, given on the command line, read from an imported file or found in a
handover package is checked here, by the same rule and in the same words, so a rule changes in one
place. Each check comes in two shapes:

- `*_problem(...)` / `*_value(...)`: pure, no field name: the problem as an `Invalid` (a message id
  with parameters) or the parsed value. Forms call these as the person types.
- `check_*(raw, field, ...)`: a service's parameter. It returns the clean value, or reports a
  `FieldError` about `field`: raised as `ValidationError`, or appended to `errors` when the caller
  collects every problem before refusing (then the return value is "" or None).

`label=` words a problem with the field's English label ("Reason is required"; translated where
it is shown); without it the message is the bare problem ("is required"), for forms that show it
beside the field. `messages=` keeps a service's own wording for a check, keyed by what went wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bpa_provider.errors import FieldError, Invalid, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules import money as money_rules
from bpa_provider.rules.dates import parse_date

__all__ = [
    "CONTROL",
    "LINE_BREAKS",
    "REF_PATTERN",
    "REF_WORDS",
    "check_date",
    "check_money",
    "check_ref",
    "check_text",
    "date_value",
    "money_value",
    "ref_problem",
    "text_problem",
]

# Control characters (escape codes would reach terminals), and bidirectional overrides that make
# a name display as something else. Line breaks and tabs only in multi-line fields.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")

# References name records in file names (exports, handover packages) and on command lines: letters,
# digits, '-' and '_', starting with a letter or digit — never `../../etc/passwd`.
REF_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_REF = re.compile(REF_PATTERN, re.ASCII)
REF_WORDS = N_("may contain only letters, digits, '-' and '_', and starts with a letter or digit")
REF_MAX_LEN = 20

# Larger than any wage, rate or invoice line: the money columns are NUMERIC(12, 2), 10 digits before the point.
_MONEY_CEILING = Decimal(10) ** 10


def _report(
    problem: tuple[str, Invalid],
    field: str,
    label: str | None,
    messages: Mapping[str, str] | None,
    errors: list[FieldError] | None,
) -> None:
    """Raise or collect one field's problem, in the caller's own words if it keeps some."""
    what, invalid = problem
    own = (messages or {}).get(what)
    if own:
        error = FieldError.about(field, label, own) if label else FieldError(field, own)
    else:
        error = FieldError.about(field, label, invalid) if label else invalid.field_error(field)
    if errors is None:
        raise ValidationError([error])
    errors.append(error)


# --------------------------------------------------------------------------- text


def text_problem(text: str, max_len: int, multiline: bool = False) -> tuple[str, Invalid] | None:
    """The first thing wrong with (already trimmed) text as a stored value: (what, problem), or None.

    `what` is "invalid" (a lone surrogate: what undecodable bytes become in argv or files),
    "control" (escape codes, bidi overrides), "lines" (a line break or tab where the field has one
    line) or "long"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid", Invalid(N_("contains characters that are not valid text"))
    if CONTROL.search(text):
        return "control", Invalid(N_("contains control characters (such as escape codes); remove them"))
    if not multiline and LINE_BREAKS.search(text):
        return "lines", Invalid(N_("must be on one line (no line breaks or tabs)"))
    if len(text) > max_len:
        return "long", Invalid(N_("is too long ({n} characters, at most {limit})"), n=len(text), limit=max_len)
    return None


def check_text(
    raw: Any,
    field: str,
    max_len: int,
    *,
    multiline: bool = False,
    required: bool = False,
    label: str | None = None,
    messages: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> str:
    """A free-text value (a note, a reason, a name): trimmed, or a problem about `field`.

    Refused: empty text if `required` ("is required"), and whatever `text_problem` finds. `messages`
    may keep a service's own wording, keyed "required", "invalid", "control", "lines" or "long"."""
    text = "" if raw is None else str(raw).strip()
    problem = (
        ("required", Invalid(N_("is required"))) if required and not text else text_problem(text, max_len, multiline)
    )
    if problem is None:
        return text
    _report(problem, field, label, messages, errors)
    return ""


# --------------------------------------------------------------------------- dates


def date_value(value: date | str | None) -> date | None:
    """A date given as a date, a datetime (its day) or text (`YYYY-MM-DD` or `dd.mm.yyyy`); empty
    text or None is "no date". Raises `Invalid` with a message a person can act on."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    return parse_date(text) if text else None


def check_date(
    value: Any,
    field: str,
    *,
    required: bool = False,
    label: str | None = None,
    messages: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> date | None:
    """A date parameter: the date, None when it is absent and optional, or a problem about `field`
    ("is required"; not a date; not a real calendar date)."""
    try:
        parsed = date_value(value)
    except Invalid as exc:
        _report(("invalid", exc), field, label, messages, errors)
        return None
    if parsed is None and required:
        _report(("required", Invalid(N_("is required"))), field, label, messages, errors)
    return parsed


# --------------------------------------------------------------------------- references


def ref_problem(text: str, max_len: int = REF_MAX_LEN) -> Invalid | None:
    """What is wrong with (trimmed) text as a record's reference, or None. References appear in
    file names and on command lines, so only letters, digits, '-' and '_' are allowed."""
    problem = text_problem(text, max_len)
    if problem is not None:
        return problem[1]
    if text and not _REF.fullmatch(text):
        return Invalid(REF_WORDS)
    return None


def check_ref(
    raw: Any,
    field: str,
    *,
    required: bool = True,
    max_len: int = REF_MAX_LEN,
    label: str | None = None,
    errors: list[FieldError] | None = None,
) -> str:
    """A record's reference as given (K-0001, A-0042, a provider's own code): trimmed, or a problem."""
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        _report(("required", Invalid(N_("is required"))), field, label, None, errors)
        return ""
    problem = ref_problem(text, max_len)
    if problem is not None:
        _report(("invalid", problem), field, label, None, errors)
        return ""
    return text


# --------------------------------------------------------------------------- money


def money_value(raw: Any, *, minimum: Decimal | float | None = None, maximum: Decimal | float | None = None) -> Decimal:
    """An amount as an exact Decimal (never through a float; a decimal comma is accepted): at most
    two decimals, NaN and infinities refused, within [minimum, maximum]. Raises `Invalid`."""
    text = raw if isinstance(raw, (int, float, Decimal)) else str(raw).strip().replace(",", ".")
    try:
        value = money_rules.to_decimal(text)
    except ValueError:
        if isinstance(text, str) and text.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise Invalid(N_("is not a number")) from None
        raise Invalid(N_("“{raw}” is not a number"), raw=str(raw)) from None
    if abs(value) >= _MONEY_CEILING:  # "1e999999" is a Decimal, not an amount (nor fits a column)
        raise Invalid(N_("is too large to be an amount"))
    if minimum is not None and value < Decimal(str(minimum)):
        raise Invalid(N_("must be at least {n}"), n=minimum)
    if maximum is not None and value > Decimal(str(maximum)):
        raise Invalid(N_("must be at most {n}"), n=maximum)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(money_rules.CENT):
        raise Invalid(N_("may have at most two decimals"))
    return value


def check_money(
    raw: Any,
    field: str,
    *,
    required: bool = False,
    minimum: Decimal | float | None = None,
    maximum: Decimal | float | None = None,
    label: str | None = None,
    errors: list[FieldError] | None = None,
) -> Decimal | None:
    """A money parameter (a wage, a rate): the Decimal, None when absent and optional, or a problem."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            _report(("required", Invalid(N_("is required"))), field, label, None, errors)
        return None
    try:
        return money_value(raw, minimum=minimum, maximum=maximum)
    except Invalid as exc:
        _report(("invalid", exc), field, label, None, errors)
        return None
