"""What a form says about a typed date or text before it asks a service, by the services' own rule
(`bpa_provider.services.validation`), so a form never restates a check in other words.

Every form words a date's problem the same way, after the field's label, so a form with several
dates (a review's held date and its actions' due dates) says which one: "Held on: “31.02.2026” is
not a real calendar date", "End date is required". A text's problem reads as the service would
say it ("Summary is too long (2100 characters, at most 2000)"); a service that keeps its own
words (the roster's "at most {n} characters") passes them as `own`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_
from bpa_provider.screens.ui import field_message
from bpa_provider.services import validation


def date_problem(raw: str, label: str, *, required: bool = False) -> tuple[date | None, str | None]:
    """A typed date: (the date or None when empty, None), or (None, the problem in words).
    `label` is the field's label in the person's language."""
    try:
        day = validation.date_value(raw)
    except Invalid as exc:
        return None, f"{label}: {exc.localized()}"
    if day is None and required:
        return None, field_message(label, N_("is required"))
    return day, None


def text_problem(
    value: str, label: str, limit: int, *, multiline: bool = False, own: Mapping[str, str] | None = None
) -> str | None:
    """What is wrong with typed text as the service will store it (trimmed): control characters, a
    line break in a one-line field, more than `limit` characters; None when nothing is. `own`: the
    service's own words for a problem (keyed as `validation.text_problem` names it: "control",
    "long", ...), a sentence already in the person's language."""
    problem = validation.text_problem(value.strip(), limit, multiline)
    if problem is None:
        return None
    what, invalid = problem
    return (own or {}).get(what) or field_message(label, invalid)
