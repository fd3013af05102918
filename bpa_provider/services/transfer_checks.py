"""What a person types for a transfer, checked without the database: each rule written once.

The transfer services call these first and refuse with every problem found; the transfer forms
(screens/transfer_forms.py) call the same functions as the person types, so a form never words a
rule of its own. Each returns the values as the service uses them and a list of `FieldError`s
(message ids with the field's English label, translated where they are shown); an empty list
means the input may go to the service, which then checks what needs the database (the client,
the transfer's state, the assistant's dates).

`as_date` and `as_text` are the field-level rules of `services.validation` (a date in
`dd.mm.yyyy` or ISO, free text), worded with the field's label; the `check_*` functions are one
per form and service.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bpa_provider.errors import FieldError, Invalid
from bpa_provider.i18n import N_
from bpa_provider.rules import transfer_steps
from bpa_provider.rules.dates import format_date
from bpa_provider.rules.transfer_steps import earliest_refusal_deadline as earliest_deadline
from bpa_provider.services import validation

# --------------------------------------------------------------------------- fields


def as_date(value: Any, name: str, label: str, errors: list[FieldError], *, required: bool = True) -> date | None:
    """A date field by the one date rule (`validation.check_date`), its problem worded with the
    field's English `label`; None when absent or not a date."""
    return validation.check_date(value, name, required=required, label=label, errors=errors)


def as_text(
    value: Any,
    name: str,
    label: str,
    max_len: int,
    errors: list[FieldError],
    *,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Free text by the one text rule (`validation.check_text`), each problem named by the field's
    English `label` (a message id: "Reason is required", translated where it is shown)."""
    return validation.check_text(
        value, name, max_len, multiline=multiline, required=required, label=label, errors=errors
    )


def day_or_none(value: Any) -> date | None:
    """The date typed in a field, or None when it is empty or not a date (a form's default that
    follows another field)."""
    try:
        return validation.date_value(value)
    except Invalid:
        return None


def _not_after_today(day: date | None, today: date, message: str, errors: list[FieldError]) -> None:
    if day is not None and day > today:
        errors.append(FieldError("on", message, params={"today": format_date(today)}))


# --------------------------------------------------------------------------- one per service


def check_open(
    direction: str, counterpart: Any, notice_date: Any, agreed_date: Any
) -> tuple[str, date | None, date | None, list[FieldError]]:
    """Opening a transfer: (the other provider's name, notice date, agreed date, problems)."""
    errors: list[FieldError] = []
    if direction not in transfer_steps.DIRECTIONS:
        errors.append(FieldError("direction", N_("Direction must be 'in' or 'out'")))
    name = as_text(counterpart, "counterpart", N_("Other provider"), 200, errors, required=True)
    notice = as_date(notice_date, "notice_date", N_("Notice date"), errors)
    agreed = as_date(agreed_date, "agreed_date", N_("Agreed date"), errors, required=False)
    if notice and agreed and agreed < notice:
        errors.append(
            FieldError(
                "agreed_date", N_("The agreed date cannot be before the notice date ({date})"), params={"date": notice}
            )
        )
    return name, notice, agreed, errors


def check_step(on: Any, note: Any, today: date) -> tuple[date | None, str, list[FieldError]]:
    """Recording a step: (the day it was done, the note, problems)."""
    errors: list[FieldError] = []
    day = as_date(on, "on", N_("Date"), errors)
    text = as_text(note, "note", N_("Note"), 500, errors, multiline=True)
    # A step is recorded when it has happened: a cut-over "done" months ahead would end
    # employments and the client's assignments now (issue 13, fix 8).
    _not_after_today(day, today, N_("cannot be after today ({today}): record a step when it is done"), errors)
    return day, text, errors


def check_inform(on: Any, deadline: Any, min_days: int) -> tuple[date | None, date | None, list[FieldError]]:
    """Informing an assistant: (informed on, refusal deadline, problems); the deadline gives at
    least `min_days` days (aml. § 16-3)."""
    errors: list[FieldError] = []
    informed = as_date(on, "on", N_("Informed on"), errors)
    until = as_date(deadline, "deadline", N_("Refusal deadline"), errors)
    if informed and until and not transfer_steps.refusal_deadline_valid(informed, until, min_days):
        errors.append(
            FieldError(
                "deadline",
                N_(
                    "The refusal deadline must be at least {n} days after the assistant was informed ({informed}): "
                    "{earliest} or later"
                ),
                params={"n": min_days, "informed": informed, "earliest": earliest_deadline(informed, min_days)},
            )
        )
    return informed, until, errors


def check_refusal(on: Any) -> tuple[date | None, list[FieldError]]:
    """Recording a written refusal: (the day it was received, problems)."""
    errors: list[FieldError] = []
    day = as_date(on, "on", N_("Refused on"), errors)
    return day, errors


def check_consent(on: Any, withdraw: bool, today: date) -> tuple[date | None, list[FieldError]]:
    """Recording the client's consent (nothing to check when it is withdrawn): (day, problems)."""
    errors: list[FieldError] = []
    day = None if withdraw else as_date(on, "on", N_("Consent date"), errors)
    _not_after_today(day, today, N_("cannot be after today ({today})"), errors)
    return day, errors


def check_cancel(reason: Any, on: Any, today: date) -> tuple[str, date, list[FieldError]]:
    """Cancelling a transfer: (the reason, the day, today when none is given; problems)."""
    errors: list[FieldError] = []
    text = as_text(reason, "reason", N_("Reason"), 500, errors, required=True)
    day = as_date(on, "on", N_("Date"), errors, required=False) or today
    return text, day, errors
