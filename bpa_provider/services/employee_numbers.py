"""Employee numbers: the payroll system's number for an assistant, kept on the employment.

A number is short text of ASCII letters, digits, `.`, `_` and `-` (Visma Lønn wants digits only;
PAXml's `anstid` is text). One number belongs to one assistant: a rehired assistant keeps theirs on
the new employment, but two people never share one. Payroll reads the employment in force in the
month (the latest one that started before the month ends and had not ended before it began).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Assistant, Employment
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_

_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass(frozen=True)
class PayEmployment:
    """What payroll needs from the employment in force: the number and the hourly wage."""

    employee_number: str
    hourly_wage: Decimal | None


def check_employee_number(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    """Problems with the `employee_number` in `values` (a create or an update of an employment)."""
    number = values.get("employee_number")
    if not number:
        return []
    if not _NUMBER.match(number):
        return [
            FieldError(
                "employee_number",
                N_(
                    "An employee number is letters, digits, '.', '_' or '-' (at most 20), starting with a "
                    "letter or digit"
                ),
            )
        ]
    assistant_id = values.get("assistant_id", getattr(row, "assistant_id", None))
    taken = session.execute(
        select(Assistant.ref)
        .join(Employment, Employment.assistant_id == Assistant.id)
        .where(Employment.employee_number == number, Employment.assistant_id != assistant_id)
        .limit(1)
    ).scalar()
    if taken is not None:
        return [
            FieldError(
                "employee_number",
                N_("Employee number {number} belongs to assistant {ref}"),
                params={"number": number, "ref": taken},
            )
        ]
    return []


def in_force(
    session: Session, assistant_ids: Iterable[int], first: date, last_exclusive: date
) -> dict[int, PayEmployment]:
    """Per assistant, the employment in force in [first, last_exclusive): the latest started."""
    ids = sorted(set(assistant_ids))
    if not ids:
        return {}
    out: dict[int, PayEmployment] = {}
    for aid, number, wage in session.execute(
        select(Employment.assistant_id, Employment.employee_number, Employment.hourly_wage)
        .where(
            Employment.assistant_id.in_(ids),
            Employment.start_date < last_exclusive,
            or_(Employment.end_date.is_(None), Employment.end_date >= first),
        )
        .order_by(Employment.assistant_id, Employment.start_date, Employment.id)
    ):
        out[aid] = PayEmployment(number or "", wage)  # ordered: the latest start wins
    return out


__all__ = ["PayEmployment", "check_employee_number", "in_force"]
