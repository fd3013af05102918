"""Reports on absence: the year per assistant (`report absence`) and the month's refund claim to
NAV (`report nav-refund`); docs/absence.md.

The refund: from the day after the employer period (16 calendar days, periods less than 16 days
apart joined; folketrygdloven § 8-19) NAV pays sick pay; an employer who keeps paying wages claims
it back in the employer's report. Per sick absence of a Norwegian assistant, the report gives the
employer period's end and the refundable days and hours in the month; the hours are those the
assistant was rostered for on those days (their own shifts, and shifts a substitute took over from
them), times the sick note's grade.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, select

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Absence, Assistant
from bpa_provider.i18n import N_
from bpa_provider.rules import absence as rules
from bpa_provider.rules.hours import month_bounds
from bpa_provider.services import absence_hours
from bpa_provider.services.absence import PERMISSION, absence_policy, assistant_country, holiday_left
from bpa_provider.services.base import require, service

_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class RefundRow:
    """One sick absence's refundable part in a month (JSON field names as the issue states them)."""

    assistant: str
    name: str
    kind: str
    grade: int
    period_from: date
    period_to: date
    employer_period_end: date | None
    refund_days: int
    refund_hours: Decimal


@service
def nav_refund(db: Database, actor: Actor, year: int, month: int, policy: Policy | None = None) -> list[RefundRow]:
    """Per sick absence of a Norwegian assistant: refundable days and hours in the month."""
    require(actor, PERMISSION, what=N_("see absence"))
    rule_policy = absence_policy(policy)
    first, after = month_bounds(year, month)
    last = after - timedelta(days=1)  # month_bounds gives the next month's first day
    out: list[RefundRow] = []
    with db.read() as s:
        people = s.execute(
            select(Assistant.id, Assistant.ref, Assistant.name)
            .join(Absence, Absence.assistant_id == Assistant.id)
            .where(
                Absence.kind.in_(rules.SICK_KINDS),
                Absence.cancelled.is_(False),
                Absence.from_date <= last,
                Absence.to_date >= first,
            )
            .distinct()
            .order_by(Assistant.ref)
        ).all()
        for assistant_id, ref, name in people:
            if assistant_country(s, assistant_id) != "NO":
                continue
            # Every earlier sick absence too: an employer period can begin in an earlier month.
            rows = (
                s.execute(
                    select(Absence)
                    .where(
                        Absence.assistant_id == assistant_id,
                        Absence.kind.in_(rules.SICK_KINDS),
                        Absence.cancelled.is_(False),
                        Absence.from_date <= last,
                    )
                    .order_by(Absence.from_date)
                )
                .scalars()
                .all()
            )
            spans = [rules.Span(r.from_date, r.to_date, r.grade) for r in rows]
            periods = rules.employer_periods(spans, rule_policy)
            hours_by_day = absence_hours.by_day(absence_hours.rostered_hours(s, assistant_id, first, last))
            for row, period in zip(rows, periods):
                if row.to_date < first or row.from_date > last:
                    continue
                days = [d for d in period.refund_days if first <= d <= last]
                hours = sum((hours_by_day.get(d, Decimal(0)) for d in days), Decimal(0))
                hours = (hours * row.grade / 100).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
                out.append(
                    RefundRow(
                        ref,
                        name,
                        row.kind,
                        row.grade,
                        row.from_date,
                        row.to_date,
                        period.employer_period_end,
                        len(days),
                        hours,
                    )
                )
    return out


@dataclass(frozen=True)
class YearRow:
    """An assistant's absence in a year: calendar days by kind (holiday in working days), the
    holiday left and the self-certifications used."""

    assistant: str
    name: str
    self_cert: int
    sick_note: int
    sick_child: int
    holiday: int
    welfare: int
    unpaid: int
    parental: int
    holiday_entitlement: int
    holiday_left: int
    self_certs_used: int


@service
def absence_year(db: Database, actor: Actor, year: int, policy: Policy | None = None) -> list[YearRow]:
    """Every assistant with an absence in the year, by reference."""
    from bpa_provider.rules.payroll import public_holidays

    require(actor, PERMISSION, what=N_("see absence"))
    rule_policy = absence_policy(policy)
    first, last = date(year, 1, 1), date(year, 12, 31)
    with db.read() as s:
        rows = s.execute(
            select(
                Absence.assistant_id,
                Absence.kind,
                Absence.from_date,
                Absence.to_date,
                Assistant.ref,
                Assistant.name,
                Assistant.birth_date,
            )
            .join(Assistant, Assistant.id == Absence.assistant_id)
            .where(and_(Absence.cancelled.is_(False), Absence.from_date <= last, Absence.to_date >= first))
            .order_by(Assistant.ref, Absence.from_date)
        ).all()
        people: dict[int, dict[str, Any]] = {}
        for assistant_id, kind, a, b, ref, name, birth in rows:
            p = people.setdefault(
                assistant_id, {"ref": ref, "name": name, "birth": birth, "days": defaultdict(int), "certs": 0}
            )
            span = rules.Span(max(a, first), min(b, last))
            if kind == "holiday":
                country = p.setdefault("country", assistant_country(s, assistant_id))
                p["days"][kind] += rules.holiday_working_days(span, country, set(public_holidays(country, [year])))
            else:
                p["days"][kind] += rules.days_in(span, first, last)
            if kind == "self-cert" and first <= a:
                p["certs"] += 1
        out = []
        for assistant_id, p in people.items():
            d = p["days"]
            out.append(
                YearRow(
                    p["ref"],
                    p["name"],
                    d["self-cert"],
                    d["sick-note"],
                    d["sick-child"],
                    d["holiday"],
                    d["welfare"],
                    d["unpaid"],
                    d["parental"],
                    rules.holiday_entitlement(year, p["birth"], rule_policy),
                    holiday_left(s, assistant_id, year, rule_policy),
                    p["certs"],
                )
            )
    return out
