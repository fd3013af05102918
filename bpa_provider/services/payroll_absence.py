"""Payroll's absence lines (docs/payroll.md, "Absence"): the hours an absent assistant was
rostered for (`services.absence_hours`, the basis the NAV refund uses too) on the absent days of
the month, as wage kinds of their own:

- `sick_employer_period`: self-certified or sick-note days inside the employer period, the
  employer's to pay (Norway: the first 16 calendar days, periods less than 16 days apart joined,
  folketrygdloven § 8-19; Sweden: days 1-14 of the sick-pay period, a new sickness within five
  days continuing it, sjuklönelagen 7 §), times the sick note's grade. The days after are NAV's
  (`report nav-refund`) or Försäkringskassan's and carry no line.
- `holiday_absence`: holiday days (paid from holiday pay, ferieloven § 10 / semesterlagen: the
  payroll system pays it, the line registers the hours);
- `unpaid_leave`: unpaid leave (a zero-paid line: the hours are registered, nothing is paid).

Other kinds (a sick child, welfare and parental leave) are paid or not by the provider's policy
in the payroll system and carry no line. Nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy
from bpa_provider.db.models import Absence
from bpa_provider.rules import absence as rules
from bpa_provider.services.absence import absence_policy, assistant_country
from bpa_provider.services.absence_hours import rostered_hours

#: The absence wage kinds, in the order the files write them (after the kinds of work).
ABSENCE_KINDS = ("sick_employer_period", "holiday_absence", "unpaid_leave")
_WAGE_KIND = {
    "self-cert": "sick_employer_period",
    "sick-note": "sick_employer_period",
    "holiday": "holiday_absence",
    "unpaid": "unpaid_leave",
}


@dataclass(frozen=True)
class AbsenceHours:
    """Hours of one absence wage kind for one assistant at one client on one local day."""

    assistant_id: int
    client_id: int
    day: date
    kind: str
    hours: float


def sick_policy(country: str, policy: Policy | None) -> rules.AbsencePolicy:
    """The employer period's numbers in the assistant's country: Norway's from the policy, Sweden's
    from sjuklönelagen (days 1-14; a new sickness within five days continues the period, 7 §)."""
    base = absence_policy(policy)
    if country == "SE":
        return replace(base, employer_period_days=14, join_gap_days=5)
    return base


def month_absence(s: Session, first: date, last_exclusive: date, policy: Policy | None = None) -> list[AbsenceHours]:
    """Every absence line of the month, in assistant, day and kind order."""
    last = last_exclusive - timedelta(days=1)
    people = (
        s.execute(
            select(Absence.assistant_id)
            .where(
                Absence.kind.in_(tuple(_WAGE_KIND)),
                Absence.cancelled.is_(False),
                Absence.from_date <= last,
                Absence.to_date >= first,
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    out: list[AbsenceHours] = []
    for assistant_id in sorted(people):
        # Every earlier sick absence too: an employer period can begin in an earlier month.
        rows = (
            s.execute(
                select(Absence)
                .where(
                    Absence.assistant_id == assistant_id,
                    Absence.kind.in_(tuple(_WAGE_KIND)),
                    Absence.cancelled.is_(False),
                    Absence.from_date <= last,
                )
                .order_by(Absence.from_date, Absence.id)
            )
            .scalars()
            .all()
        )
        sick = [r for r in rows if r.kind in rules.SICK_KINDS]
        periods = rules.employer_periods(
            [rules.Span(r.from_date, r.to_date, r.grade) for r in sick],
            sick_policy(assistant_country(s, assistant_id), policy),
        )
        employer_days = {r.id: set(p.employer_days) for r, p in zip(sick, periods)}
        hours = rostered_hours(s, assistant_id, first, last)
        for row in rows:
            if row.to_date < first:
                continue
            days = (
                employer_days[row.id] if row.id in employer_days else set(rules.Span(row.from_date, row.to_date).days())
            )
            for (client_id, day), h in sorted(hours.items()):
                if day in days and row.from_date <= day <= row.to_date:
                    out.append(
                        AbsenceHours(assistant_id, client_id, day, _WAGE_KIND[row.kind], float(h * row.grade / 100))
                    )
    return sorted(out, key=lambda a: (a.assistant_id, a.day, ABSENCE_KINDS.index(a.kind), a.client_id))
