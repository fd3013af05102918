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
files (`payroll_files`) are written. Shifts are read as plain rows, not ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import PAY_KEYS, PayRules, overtime_by_shift, public_holidays, split_pay
from bpa_provider.rules.worktime import ShiftFact
from bpa_provider.services import employee_numbers
from bpa_provider.services.base import require, service
from bpa_provider.services.payroll_absence import ABSENCE_KINDS, month_absence
from bpa_provider.services.periods import client_rows, lock_many, period_words, unapproved_reasons
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime import (
    ClientInfo,
    ack_map,
    acknowledgement,
    assistants_by_id,
    client_infos,
    describe_shifts,
    local_date,
    policy_or_default,
    rule_set,
    violations_involving,
)

UTC_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Blocker:
    """One reason payroll cannot run: kind (unapproved, not_worked, exported, no_employment,
    blocking, warning), whose, and why."""

    kind: str
    client_ref: str
    assistant_ref: str
    detail: str  # English (logs, tests)
    why: Msg | None = field(default=None, compare=False)  # the same, translated where shown

    def text(self) -> str:
        """The reason in the language in force."""
        return self.why.render() if self.why is not None else self.detail


def _blocker(kind: str, client_ref: str, assistant_ref: str, template: str, **params: Any) -> Blocker:
    why = Msg(template, **params)
    return Blocker(kind, client_ref, assistant_ref, why.render(translate=False), why)


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


class PayrollBlocked(ValidationError):
    """Payroll refused by its pre-run check; `blockers` lists every reason."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__(
            [
                FieldError(
                    b.kind,
                    N_("{who}: {why}") if b.client_ref or b.assistant_ref else "{why}",
                    params={
                        "who": " ".join(p for p in (b.client_ref, b.assistant_ref) if p),
                        "why": b.why if b.why is not None else b.detail,
                    },
                )
                for b in blockers
            ]
        )


def _month(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValidationError(N_("The month must be 01-12"), field="month")
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def month_shifts(
    s: Session, first: date, last_exclusive: date, policy: Policy
) -> tuple[list[Shift], dict[int, ClientInfo]]:
    """Shifts (not cancelled) whose local start date is in the month, and their clients."""
    lo = datetime.combine(first, time(0), tzinfo=UTC) - UTC_MARGIN
    hi = datetime.combine(last_exclusive, time(0), tzinfo=UTC) + UTC_MARGIN
    rows = list(
        s.execute(
            select(Shift)
            .where(staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
            .order_by(Shift.start_utc, Shift.id)
        ).scalars()
    )
    infos = client_infos(s, {sh.client_id for sh in rows}, policy)
    chosen = [sh for sh in rows if first <= local_date(sh.start_utc, infos[sh.client_id].tz) < last_exclusive]
    return chosen, infos


def _aware(instant: datetime) -> datetime:
    # SQLite hands back naive UTC; the rules want aware instants.
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _refs(s: Session, ids: set[int]) -> dict[int, Assistant]:
    return assistants_by_id(s, ids)


def blockers(
    s: Session,
    first: date,
    last_exclusive: date,
    now: datetime,
    policy: Policy,
    need_numbers: bool = False,
    digits_only: bool = False,
) -> list[Blocker]:
    """Everything that stops payroll for the month (empty: clear to run). `need_numbers`: a file
    that names people by employee number also needs every assistant's number; `digits_only`: one
    that reads it as a number (Visma Lønn) needs digits."""
    shifts, infos = month_shifts(s, first, last_exclusive, policy)
    people = _refs(s, {sh.assistant_id for sh in shifts})
    out: list[Blocker] = []
    if need_numbers or digits_only:
        # An assistant absent all month has absence lines and no shift: the file names them too.
        paid = {**people, **_refs(s, {a.assistant_id for a in month_absence(s, first, last_exclusive, policy)})}
        numbers = employee_numbers.in_force(s, paid, first, last_exclusive)
        for aid in sorted(paid, key=lambda a: paid[a].ref):
            number = numbers[aid].employee_number if aid in numbers else ""
            if not number:
                out.append(
                    _blocker(
                        "no_employee_number",
                        "",
                        paid[aid].ref,
                        N_(
                            "no employee number on the employment in force; add it on the assistant's "
                            "employment (the app, or 'import employments')"
                        ),
                    )
                )
            elif digits_only and not (number.isascii() and number.isdigit()):
                out.append(
                    _blocker(
                        "no_employee_number",
                        "",
                        paid[aid].ref,
                        N_("employee number {number} is not digits only, and Visma Lønn reads it as a number"),
                        number=number,
                    )
                )
    for cid in sorted({sh.client_id for sh in shifts}, key=lambda c: infos[c].ref):
        info = infos[cid]
        out += [
            Blocker("unapproved", info.ref, "", r.render(translate=False), r)
            for r in unapproved_reasons(s, cid, first, last_exclusive, info.tz)
        ]
    for row in client_rows(s, {sh.client_id for sh in shifts}, first, last_exclusive):
        if row.exported_at is not None:
            out.append(
                _blocker(
                    "exported",
                    infos[row.client_id].ref,
                    "",
                    N_("{period} was already exported to payroll; an admin must reopen it first"),
                    period=period_words(row.period_start, row.period_end),
                )
            )
    for sh in shifts:
        if sh.end_utc > now:
            out.append(
                _blocker(
                    "not_worked",
                    infos[sh.client_id].ref,
                    people[sh.assistant_id].ref,
                    N_("the shift {shift} has not ended yet"),
                    shift=describe_shifts([sh], infos),
                )
            )
    found, loaded = violations_involving(s, shifts, policy, everyone=True)
    acks = ack_map(s, {i for v in found for i in v.shift_ids})
    infos.update(client_infos(s, {sh.client_id for sh in loaded.values()} - infos.keys(), policy))
    month_ids = {sh.id for sh in shifts}
    for v in found:
        owner = loaded[next(i for i in v.shift_ids if i in month_ids)]
        if v.rule_id == "NO-EMPLOYMENT":
            kind = "no_employment"
        elif v.severity == "block":
            kind = "blocking"
        elif acknowledgement(v, acks) is None:
            kind = "warning"
        else:
            continue
        where = describe_shifts([loaded[i] for i in v.shift_ids], infos)
        out.append(
            _blocker(
                kind,
                infos[owner.client_id].ref,
                people[owner.assistant_id].ref,
                "{rule}: {detail} [{shifts}]",
                rule=v.rule_id,
                shifts=where,
                detail=Msg(v.template, **v.params) if v.template else v.detail,
            )
        )
    return out


def _check_supplement(policy: Policy) -> None:
    if policy.overtime_supplement_percent < MIN_OVERTIME_SUPPLEMENT:
        raise ValidationError(
            N_("The overtime supplement must be at least 40 % (arbeidsmiljøloven § 10-6); the config says {percent}"),
            field="overtime_supplement_percent",
            percent=policy.overtime_supplement_percent,
        )


def pay_month(
    s: Session, first: date, last_exclusive: date, policy: Policy, rules: PayRules = PayRules()
) -> PayrollMonth:
    """The month's payroll: per shift, its pay categories and overtime, gathered per assistant,
    client and local day. Reads the week before the month too, for the overtime of its first week."""
    _check_supplement(policy)
    context_first = first - timedelta(days=7)
    lo = datetime.combine(context_first, time(0), tzinfo=UTC) - UTC_MARGIN
    hi = datetime.combine(last_exclusive, time(0), tzinfo=UTC) + UTC_MARGIN
    found = s.execute(
        select(
            Shift.id,
            Shift.client_id,
            Shift.assistant_id,
            Shift.start_utc,
            Shift.end_utc,
            Shift.kind,
            Shift.active_minutes,
        )
        .where(staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
        .order_by(Shift.assistant_id, Shift.start_utc, Shift.id)
    ).all()
    infos = client_infos(s, {r.client_id for r in found}, policy)
    split: dict[int, dict[str, float]] = {}
    facts: dict[int, list[ShiftFact]] = {}
    in_month: list = []
    for r in found:
        info = infos[r.client_id]
        day = local_date(r.start_utc, info.tz)
        if not context_first <= day < last_exclusive:
            continue
        facts.setdefault(r.assistant_id, []).append(
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
        if day < first:
            continue  # the week before: its work counts towards overtime, it was paid last month
        years = {day.year, local_date(r.end_utc, info.tz).year}
        split[r.id] = split_pay(
            r.start_utc,
            r.end_utc,
            info.tz,
            "passive" if r.kind == "passive" else "active",
            public_holidays(info.country, years),
            rules,
            active_hours_in_passive_shift=r.active_minutes / 60.0,
        )
        in_month.append((r, day))
    overtime: dict[int, float] = {}
    for pieces in facts.values():
        # The rule set of the assistant's first shift's client, as NO-OVERTIME reads weeks in it.
        overtime.update(overtime_by_shift(pieces, rule_set(infos[pieces[0].client_id].profile, policy)))

    absent = month_absence(s, first, last_exclusive, policy)
    people = _refs(s, {r.assistant_id for r, _day in in_month} | {a.assistant_id for a in absent})
    employment = employee_numbers.in_force(s, people, first, last_exclusive)
    number = {aid: e.employee_number for aid, e in employment.items()}
    totals: dict[int, dict[str, float]] = {}
    counts: dict[int, int] = {}
    per_day: dict[tuple[int, int, date, str], float] = {}

    def account(aid: int) -> dict[str, float]:
        return totals.setdefault(aid, dict.fromkeys(("hours", *ENTRY_KINDS), 0.0))

    for r, day in in_month:
        hours = {**split[r.id], "overtime": overtime[r.id]}
        acc = account(r.assistant_id)
        acc["hours"] += shift_hours(r.start_utc, r.end_utc)
        counts[r.assistant_id] = counts.get(r.assistant_id, 0) + 1
        for kind in WORK_KINDS:
            acc[kind] += hours[kind]
            if hours[kind]:
                key = (r.assistant_id, r.client_id, day, kind)
                per_day[key] = per_day.get(key, 0.0) + hours[kind]
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
                people[aid].ref,
                people[aid].name,
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
            PayEntry(people[aid].ref, number.get(aid, ""), infos[cid].ref, day, kind, round(h, 6))
            for (aid, cid, day, kind), h in per_day.items()
        ),
        key=lambda e: (e.assistant_ref, e.day, e.client_ref, _KIND_ORDER[e.kind]),
    )
    wages = {people[aid].ref: (employment[aid].hourly_wage if aid in employment else None) for aid in totals}
    clients = {r.client_id: infos[r.client_id].ref for r, _day in in_month}
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
    first, last = _month(year, month)
    with db.read() as s:
        return blockers(s, first, last, now or utcnow(), policy_or_default(policy), need_numbers, digits_only)


@service
def payroll_preview(db: Database, actor: Actor, year: int, month: int, *, policy: Policy | None = None) -> PayrollMonth:
    """The numbers payroll would export, without the check and without marking anything."""
    require(actor, "payroll.export", what="run payroll")
    first, last = _month(year, month)
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
    first, last = _month(year, month)
    pol = policy_or_default(policy)
    now = now or utcnow()
    with db.write() as s:
        found = blockers(s, first, last, now, pol, need_numbers, digits_only)
        if found:
            raise PayrollBlocked(found)
        result = pay_month(s, first, last, pol)
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
