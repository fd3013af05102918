"""Payroll for a month: a pre-run check of what blocks it, then each assistant's hours split into
the pay categories of `rules.payroll.split_pay`, with each client's country's public holidays.

A shift belongs to the month its local start date is in (as for approvals). Kinds: `passive` is
paid by the passive rule (20 min per hour unless active time reaches a third); `active` and
`night` (an awake night) are active time. Overtime is `rules.payroll.overtime_by_shift`: NO-OVERTIME's
count of each week's overtime (the working-time rule set of the client), shared out over the shifts
in time order; the week before the month is read for it, so a week that began in the last month
counts whole and what that month paid is not paid again. Exporting
marks each client's month exported and locks it, in the same transaction as the file is written: a
failed write leaves nothing marked.

Besides one row per assistant (`PayrollRow`, the summary file) the month is kept as `PayEntry`s:
hours of one wage kind for one assistant at one client on one local day, from which the payroll
files (`payroll_files`) are written. The month's shifts are read once, as plain rows, by
`payroll_check.read_month`, which the pre-run check (`payroll_check.blockers`) shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import PAY_KEYS, PayRules, overtime_by_shift, public_holidays, split_pay
from bpa_provider.rules.worktime import ShiftFact
from bpa_provider.services import employee_numbers
from bpa_provider.services.base import require, service
from bpa_provider.services.payroll_absence import ABSENCE_KINDS, month_absence
from bpa_provider.services.payroll_check import (
    Blocker,
    MonthRows,
    PayrollBlocked,
    blockers,
    month_bounds,
    month_shifts,
    people,
    read_month,
)
from bpa_provider.services.periods import lock_many
from bpa_provider.services.worktime import client_infos, local_date, policy_or_default, rule_set


@dataclass(frozen=True)
class PayrollRow:
    """One assistant's month: hours per pay category (see rules.payroll for how they overlap)."""

    assistant_ref: str
    assistant_name: str
    shifts: int
    hours: float
    ordinary: float
    evening: float
    night: float
    weekend: float
    holiday: float
    passive: float
    passive_paid: float
    overtime: float = 0.0  # active hours beyond the normal day or week (also in the day kinds)
    employee_number: str = ""
    # Absence (services/payroll_absence.py): hours the assistant was rostered for and did not work.
    sick_employer_period: float = 0.0
    holiday_absence: float = 0.0
    unpaid_leave: float = 0.0


#: The summary file's columns: the first ones as before employee numbers, overtime and absence came.
COLUMNS = [
    "assistant_ref",
    "assistant_name",
    "shifts",
    "hours",
    *PAY_KEYS,
    "overtime",
    "employee_number",
    *ABSENCE_KINDS,
]
#: Wage kinds of work in a `PayEntry`: the hour categories, then overtime.
WORK_KINDS = (*PAY_KEYS, "overtime")
#: Every wage kind of a `PayEntry`: work, then absence.
ENTRY_KINDS = (*WORK_KINDS, *ABSENCE_KINDS)
_KIND_ORDER = {kind: n for n, kind in enumerate(ENTRY_KINDS)}
MIN_OVERTIME_SUPPLEMENT = 40.0  # arbeidsmiljøloven § 10-6 (11): at least 40 %


@dataclass(frozen=True)
class PayEntry:
    """Hours of one wage kind (`ENTRY_KINDS`: work or absence) for one assistant at one client on
    one local day."""

    assistant_ref: str
    employee_number: str
    client_ref: str
    day: date
    kind: str
    hours: float


@dataclass(frozen=True)
class PayrollMonth:
    """A month's payroll: one row per assistant, the entries the files are made of, and each
    assistant's hourly wage from the employment in force (None: not recorded)."""

    first: date
    rows: list[PayrollRow]
    entries: list[PayEntry]
    hourly_wages: dict[str, Decimal | None]
    overtime_supplement_percent: float
    clients: dict[int, str]  # id -> reference of every client with a shift in the month


def _aware(instant: datetime) -> datetime:
    # The rules want aware instants (a driver that hands back naive UTC is read as UTC).
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _check_supplement(policy: Policy) -> None:
    if policy.overtime_supplement_percent < MIN_OVERTIME_SUPPLEMENT:
        raise ValidationError(
            N_("The overtime supplement must be at least 40 % (arbeidsmiljøloven § 10-6); the config says {percent}"),
            field="overtime_supplement_percent",
            percent=policy.overtime_supplement_percent,
        )


def pay_month(
    s: Session,
    first: date,
    last_exclusive: date,
    policy: Policy,
    rules: PayRules = PayRules(),
    *,
    month: MonthRows | None = None,
) -> PayrollMonth:
    """The month's payroll: per shift, its pay categories and overtime, gathered per assistant,
    client and local day. Uses the week before the month too, for the overtime of its first week;
    `month`: the rows `payroll_check.read_month` gave (read here when not given)."""
    _check_supplement(policy)
    context_first = first - timedelta(days=7)
    month = month or read_month(s, first, last_exclusive, policy)
    infos = dict(month.infos)
    totals: dict[int, dict[str, float]] = {}
    counts: dict[int, int] = {}
    per_day: dict[tuple[int, int, date, str], float] = {}
    clients: dict[int, str] = {}

    def account(aid: int) -> dict[str, float]:
        return totals.setdefault(aid, dict.fromkeys(("hours", *ENTRY_KINDS), 0.0))

    # One assistant at a time: their shifts' facts, overtime and pay categories are summed and
    # dropped before the next, so memory holds the month's rows and the sums, not a copy per shift.
    found = sorted(month.shifts, key=lambda r: (r.assistant_id, r.start_utc, r.id))
    for aid, group in groupby(found, key=lambda r: r.assistant_id):
        pieces: list[ShiftFact] = []
        mine: list[tuple[Any, date]] = []
        for r in group:
            info = infos[r.client_id]
            day = r.day
            if not context_first <= day < last_exclusive:
                continue
            pieces.append(
                ShiftFact(
                    r.id,
                    r.assistant_id,
                    r.client_id,
                    _aware(r.start_utc),
                    _aware(r.end_utc),
                    r.kind,
                    info.tz,
                    client_ref=info.ref,  # a finding names the client by its reference, never "client 3"
                )
            )
            if day >= first:  # the week before counts towards overtime; last month paid it
                mine.append((r, day))
        if not mine:
            continue
        # The rule set of the assistant's first shift's client, as NO-OVERTIME reads weeks in it.
        overtime = overtime_by_shift(pieces, rule_set(infos[pieces[0].client_id].profile, policy))
        acc = account(aid)
        for r, day in mine:
            info = infos[r.client_id]
            years = {day.year, local_date(r.end_utc, info.tz).year}
            hours = split_pay(
                r.start_utc,
                r.end_utc,
                info.tz,
                "passive" if r.kind == "passive" else "active",
                public_holidays(info.country, years),
                rules,
                active_hours_in_passive_shift=r.active_minutes / 60.0,
            )
            hours["overtime"] = overtime[r.id]
            acc["hours"] += shift_hours(r.start_utc, r.end_utc)
            counts[aid] = counts.get(aid, 0) + 1
            clients[r.client_id] = info.ref
            for kind in WORK_KINDS:
                acc[kind] += hours[kind]
                if hours[kind]:
                    key = (aid, r.client_id, day, kind)
                    per_day[key] = per_day.get(key, 0.0) + hours[kind]
    absent = month_absence(s, first, last_exclusive, policy)
    who = people(s, set(totals) | {a.assistant_id for a in absent})
    employment = employee_numbers.in_force(s, who, first, last_exclusive)
    number = {aid: e.employee_number for aid, e in employment.items()}
    # Absence is the absent assistant's, never the substitute's: their hours on a shift they
    # took over are ordinary work above.
    infos.update(client_infos(s, {a.client_id for a in absent} - infos.keys(), policy))
    for a in absent:
        account(a.assistant_id)[a.kind] += a.hours
        key = (a.assistant_id, a.client_id, a.day, a.kind)
        per_day[key] = per_day.get(key, 0.0) + a.hours
    out = sorted(
        (
            PayrollRow(
                who[aid].ref,
                who[aid].name,
                counts.get(aid, 0),
                **{k: round(v, 2) for k, v in acc.items()},
                employee_number=number.get(aid, ""),
            )
            for aid, acc in totals.items()
        ),
        key=lambda row: row.assistant_ref,
    )
    entries = sorted(
        (
            PayEntry(who[aid].ref, number.get(aid, ""), infos[cid].ref, day, kind, round(h, 6))
            for (aid, cid, day, kind), h in per_day.items()
        ),
        key=lambda e: (e.assistant_ref, e.day, e.client_ref, _KIND_ORDER[e.kind]),
    )
    wages = {who[aid].ref: (employment[aid].hourly_wage if aid in employment else None) for aid in totals}
    return PayrollMonth(first, out, entries, wages, policy.overtime_supplement_percent, clients)


def rows(
    s: Session, first: date, last_exclusive: date, policy: Policy, rules: PayRules = PayRules()
) -> list[PayrollRow]:
    """Hours per assistant per pay category for the month."""
    return pay_month(s, first, last_exclusive, policy, rules).rows


@service
def payroll_check(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
    need_numbers: bool = False,
    digits_only: bool = False,
) -> list[Blocker]:
    """What blocks payroll for the month: unapproved periods, shifts not yet worked, months already
    exported, shifts without employment, blocking violations, unacknowledged warnings, and with
    `need_numbers` assistants without an employee number (`digits_only`: or with one that is not
    digits only, for Visma Lønn)."""
    require(actor, "payroll.export", what="run payroll")
    first, last = month_bounds(year, month)
    with db.read() as s:
        return blockers(s, first, last, now or utcnow(), policy_or_default(policy), need_numbers, digits_only)


@service
def payroll_preview(db: Database, actor: Actor, year: int, month: int, *, policy: Policy | None = None) -> PayrollMonth:
    """The numbers payroll would export, without the check and without marking anything."""
    require(actor, "payroll.export", what="run payroll")
    first, last = month_bounds(year, month)
    with db.read() as s:
        return pay_month(s, first, last, policy_or_default(policy))


@service
def export_payroll(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    write: Callable[[PayrollMonth], None] | None = None,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
    need_numbers: bool = False,
    digits_only: bool = False,
) -> PayrollMonth:
    """Run the pre-run check (PayrollBlocked listing every reason), compute the month, hand it to
    `write` and mark every client's month exported and locked, all in one transaction."""
    require(actor, "payroll.export", what="run payroll")
    first, last = month_bounds(year, month)
    pol = policy_or_default(policy)
    now = now or utcnow()
    with db.write() as s:
        month_rows = read_month(s, first, last, pol)
        found = blockers(s, first, last, now, pol, need_numbers, digits_only, month=month_rows)
        if found:
            raise PayrollBlocked(found)
        result = pay_month(s, first, last, pol, month=month_rows)
        if write is not None:
            write(result)
        lock_many(s, actor, result.clients, first, last, now, exported=True)
        audit.record(
            s,
            actor,
            "export",
            "payroll",
            None,
            summary=f"payroll {first:%Y-%m}: {len(result.rows)} assistants, "
            f"{round(sum(r.hours for r in result.rows), 2)} h",
        )
        return result


__all__ = [
    "ABSENCE_KINDS",
    "MonthRows",
    "blockers",
    "month_shifts",
    "Blocker",
    "COLUMNS",
    "ENTRY_KINDS",
    "WORK_KINDS",
    "PayEntry",
    "PayrollBlocked",
    "PayrollMonth",
    "PayrollRow",
    "export_payroll",
    "pay_month",
    "payroll_check",
    "payroll_preview",
]
