"""Absence of assistants as pure rules: kinds, the employer period, self-certification limits and
holiday entitlement (docs/domain.md, "Absence (Norway)").

- The employer period (folketrygdloven § 8-19) is the first 16 calendar days of sickness; sick
  periods less than 16 days apart are one employer period, so their sick days are counted together;
  from the day after the employer period NAV pays, and an employer who keeps paying wages claims
  those days back (the refund days).
- Self-certification (§§ 8-23 to 8-27): after 2 months of employment, up to 3 calendar days at a
  time, up to 4 times in 12 months (an IA agreement allows more: every number is policy).
- Sick pay from the employer needs 4 weeks of employment (§ 8-18).
- Holidays (ferieloven § 5): 25 working days (Monday-Saturday, public holidays not counted), six
  more from the year the employee turns 60. Sweden (semesterlagen 4 §): 25 days, Monday-Friday.

Every function takes its numbers from `AbsencePolicy`; nothing here reads a database or a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from bpa_provider.i18n import N_

KINDS = ("self-cert", "sick-note", "sick-child", "holiday", "welfare", "unpaid", "parental")
SICK_KINDS = ("self-cert", "sick-note")  # the kinds that make an employer period
KIND_LABELS = {
    "self-cert": N_("self-certified sick leave"),
    "sick-note": N_("sick note"),
    "sick-child": N_("sick child"),
    "holiday": N_("holiday"),
    "welfare": N_("welfare leave"),
    "unpaid": N_("unpaid leave"),
    "parental": N_("parental leave"),
}


@dataclass(frozen=True)
class AbsencePolicy:
    """The numbers of the absence rules; defaults from the law (docs/domain.md), all configurable."""

    self_cert_max_days: int = 3  # § 8-24: up to 3 calendar days at a time (IA: 8)
    self_cert_max_times: int = 4  # § 8-24: up to 4 times in 12 months
    self_cert_after_months: int = 2  # § 8-23: after 2 months of employment
    sick_pay_after_days: int = 28  # § 8-18: 4 weeks of employment
    employer_period_days: int = 16  # § 8-19
    join_gap_days: int = 16  # § 8-19: periods less than 16 days apart are one
    holiday_days: int = 25  # ferieloven § 5 (the tariff's 5 weeks: 30 working days)
    holiday_days_over_60: int = 6  # ferieloven § 5(1)


@dataclass(frozen=True)
class Span:
    """One absence as the rules see it: its first and last day (inclusive) and its grade in %."""

    start: date
    end: date
    grade: int = 100

    def days(self) -> Iterable[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class EmployerPeriod:
    """How one sick span falls between the employer and NAV."""

    employer_days: tuple[date, ...]  # the span's days paid by the employer
    refund_days: tuple[date, ...]  # the span's days after the employer period (NAV's)
    employer_period_end: date | None  # the 16th employer day of the chain (None: not reached)


@dataclass(frozen=True)
class Finding:
    """A rule's remark on an absence: a message id with parameters and the law it cites."""

    rule: str
    message: str
    params: dict[str, Any]
    law: str


def employer_periods(spans: list[Span], policy: AbsencePolicy = AbsencePolicy()) -> list[EmployerPeriod]:
    """For each sick span (in the order given), its employer days and refund days.

    Spans are taken in date order; a span that starts less than `join_gap_days` after the previous
    one ended continues its employer period, so the 16 days are counted across both."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    out: dict[int, EmployerPeriod] = {}
    used = 0
    prev_end: date | None = None
    chain: list[int] = []
    chain_end: date | None = None
    for i in order:
        span = spans[i]
        gap = None if prev_end is None else (span.start - prev_end).days - 1
        if gap is None or gap >= policy.join_gap_days:
            used, chain, chain_end = 0, [], None
        employer, refund = [], []
        for day in span.days():
            if used < policy.employer_period_days:
                used += 1
                employer.append(day)
                if used == policy.employer_period_days:
                    chain_end = day
            else:
                refund.append(day)
        chain.append(i)
        out[i] = EmployerPeriod(tuple(employer), tuple(refund), chain_end)
        # The chain's employer period end is known once reached: earlier spans of it learn it too.
        if chain_end is not None:
            for j in chain:
                if out[j].employer_period_end is None:
                    out[j] = EmployerPeriod(out[j].employer_days, out[j].refund_days, chain_end)
        prev_end = max(prev_end, span.end) if prev_end else span.end
    return [out[i] for i in range(len(spans))]


def self_cert_findings(
    span: Span, employed_from: date | None, earlier_self_certs: list[Span], policy: AbsencePolicy = AbsencePolicy()
) -> list[Finding]:
    """What the law says about one self-certification: too long, too often, too early."""
    found = []
    length = (span.end - span.start).days + 1
    if length > policy.self_cert_max_days:
        found.append(
            Finding(
                "NO-SELF-CERT-LENGTH",
                N_(
                    "A self-certification covers at most {max} calendar days; this one is {days}: "
                    "a sick note is needed from day {first}"
                ),
                {"max": policy.self_cert_max_days, "days": length, "first": policy.self_cert_max_days + 1},
                "folketrygdloven § 8-24",
            )
        )
    window_start = span.start - relativedelta(months=12)
    times = 1 + sum(1 for s in earlier_self_certs if window_start < s.start <= span.start)
    if times > policy.self_cert_max_times:
        found.append(
            Finding(
                "NO-SELF-CERT-TIMES",
                N_("Self-certified {times} times in 12 months; at most {max} are allowed"),
                {"times": times, "max": policy.self_cert_max_times},
                "folketrygdloven § 8-24",
            )
        )
    if employed_from is None or span.start < employed_from + relativedelta(months=policy.self_cert_after_months):
        found.append(
            Finding(
                "NO-SELF-CERT-EARLY",
                N_("Self-certification needs {months} months of employment; a sick note is needed"),
                {"months": policy.self_cert_after_months},
                "folketrygdloven § 8-23",
            )
        )
    return found


def sick_pay_findings(span: Span, employed_from: date | None, policy: AbsencePolicy = AbsencePolicy()) -> list[Finding]:
    """Sick pay from the employer needs four weeks of employment."""
    if employed_from is None or (span.start - employed_from).days < policy.sick_pay_after_days:
        return [
            Finding(
                "NO-SICK-PAY-EARLY",
                N_("No sick pay from the employer before {days} days of employment"),
                {"days": policy.sick_pay_after_days},
                "folketrygdloven § 8-18",
            )
        ]
    return []


def holiday_entitlement(year: int, birth_date: date | None, policy: AbsencePolicy = AbsencePolicy()) -> int:
    """Holiday days in a year: the base, and six more from the year the employee turns 60."""
    extra = policy.holiday_days_over_60 if birth_date is not None and year - birth_date.year >= 60 else 0
    return policy.holiday_days + extra


def holiday_working_days(span: Span, country: str, public_holidays: set[date]) -> int:
    """Working days a holiday absence uses: Norway counts Monday-Saturday (ferieloven § 5),
    Sweden Monday-Friday (semesterlagen); public holidays are not counted in either."""
    last_weekday = 5 if country == "NO" else 4
    return sum(1 for d in span.days() if d.weekday() <= last_weekday and d not in public_holidays)


def days_in(span: Span, first: date, last: date) -> int:
    """Calendar days of a span inside [first, last]."""
    lo, hi = max(span.start, first), min(span.end, last)
    return max(0, (hi - lo).days + 1)
