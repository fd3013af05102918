"""Payroll for a month: a pre-run check of what blocks it, then each assistant's hours split into
the pay categories of `rules.payroll.split_pay`, with each client's country's public holidays.

A shift belongs to the month its local start date is in (as for approvals). Kinds: `passive` is
paid by the passive rule (20 min per hour unless active time reaches a third); `active` and
`night` (an awake night) are active time. Exporting marks each client's month exported and locks it,
in the same transaction as the file is written: a failed write leaves nothing marked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import _
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import PAY_KEYS, PayRules, public_holidays, split_pay
from bpa_provider.services.base import require, service
from bpa_provider.services.periods import client_rows, describe, lock_rows, unapproved_reasons
from bpa_provider.services.worktime import (
    ClientInfo, ack_map, acknowledgement, assistants_by_id, client_infos, describe_shifts, local_date,
    policy_or_default, violations_involving,
)
from db.engine import Database
from db.models import Assistant, Shift
from db.types import utcnow

UTC_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Blocker:
    """One reason payroll cannot run: kind (unapproved, not_worked, exported, no_employment,
    blocking, warning), whose, and why."""

    kind: str
    client_ref: str
    assistant_ref: str
    detail: str


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


COLUMNS = ["assistant_ref", "assistant_name", "shifts", "hours", *PAY_KEYS]


class PayrollBlocked(ValidationError):
    """Payroll refused by its pre-run check; `blockers` lists every reason."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__([FieldError(b.kind, " ".join(p for p in (b.client_ref, b.assistant_ref, b.detail) if p))
                          for b in blockers])


def _month(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValidationError(_("The month must be 01-12"), field="month")
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def month_shifts(s: Session, first: date, last_exclusive: date,
                 policy: Policy) -> tuple[list[Shift], dict[int, ClientInfo]]:
    """Shifts (not cancelled) whose local start date is in the month, and their clients."""
    lo = datetime.combine(first, time(0), tzinfo=timezone.utc) - UTC_MARGIN
    hi = datetime.combine(last_exclusive, time(0), tzinfo=timezone.utc) + UTC_MARGIN
    rows = list(s.execute(
        select(Shift).where(Shift.status != "cancelled", Shift.start_utc >= lo, Shift.start_utc < hi)
        .order_by(Shift.start_utc, Shift.id)
    ).scalars())
    infos = client_infos(s, {sh.client_id for sh in rows}, policy)
    chosen = [sh for sh in rows if first <= local_date(sh.start_utc, infos[sh.client_id].tz) < last_exclusive]
    return chosen, infos


def _refs(s: Session, ids: set[int]) -> dict[int, Assistant]:
    return assistants_by_id(s, ids)


def blockers(s: Session, first: date, last_exclusive: date, now: datetime, policy: Policy) -> list[Blocker]:
    """Everything that stops payroll for the month (empty: clear to run)."""
    shifts, infos = month_shifts(s, first, last_exclusive, policy)
    people = _refs(s, {sh.assistant_id for sh in shifts})
    out: list[Blocker] = []
    for cid in sorted({sh.client_id for sh in shifts}, key=lambda c: infos[c].ref):
        info = infos[cid]
        out += [Blocker("unapproved", info.ref, "", r)
                for r in unapproved_reasons(s, cid, first, last_exclusive, info.tz)]
    for row in client_rows(s, {sh.client_id for sh in shifts}, first, last_exclusive):
        if row.exported_at is not None:
            out.append(Blocker("exported", infos[row.client_id].ref, "", _(
                "{period} was already exported to payroll; an admin must reopen it first").format(
                period=describe(row.period_start, row.period_end))))
    for sh in shifts:
        if sh.end_utc > now:
            out.append(Blocker("not_worked", infos[sh.client_id].ref, people[sh.assistant_id].ref,
                               _("shift #{id} has not ended yet").format(id=sh.id)))
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
        out.append(Blocker(kind, infos[owner.client_id].ref, people[owner.assistant_id].ref,
                           f"{v.rule_id}: {v.detail} [{where}]"))
    return out


def rows(s: Session, first: date, last_exclusive: date, policy: Policy,
         rules: PayRules = PayRules()) -> list[PayrollRow]:
    """Hours per assistant per pay category for the month."""
    shifts, infos = month_shifts(s, first, last_exclusive, policy)
    people = _refs(s, {sh.assistant_id for sh in shifts})
    totals: dict[int, dict[str, float]] = {}
    counts: dict[int, int] = {}
    for sh in shifts:
        info = infos[sh.client_id]
        years = {local_date(sh.start_utc, info.tz).year, local_date(sh.end_utc, info.tz).year}
        split = split_pay(sh.start_utc, sh.end_utc, info.tz, "passive" if sh.kind == "passive" else "active",
                          public_holidays(info.country, years), rules,
                          active_hours_in_passive_shift=sh.active_minutes / 60.0)
        acc = totals.setdefault(sh.assistant_id, dict.fromkeys(("hours", *PAY_KEYS), 0.0))
        acc["hours"] += shift_hours(sh.start_utc, sh.end_utc)
        for key in PAY_KEYS:
            acc[key] += split[key]
        counts[sh.assistant_id] = counts.get(sh.assistant_id, 0) + 1
    out = [
        PayrollRow(people[aid].ref, people[aid].name, counts[aid],
                   **{k: round(v, 2) for k, v in acc.items()})
        for aid, acc in totals.items()
    ]
    return sorted(out, key=lambda r: r.assistant_ref)


@service
def payroll_check(db: Database, actor: Actor, year: int, month: int, *, now: datetime | None = None,
                  policy: Policy | None = None) -> list[Blocker]:
    """What blocks payroll for the month: unapproved periods, shifts not yet worked, months already
    exported, shifts without employment, blocking violations, unacknowledged warnings."""
    require(actor, "payroll.export", what="run payroll")
    first, last = _month(year, month)
    with db.read() as s:
        return blockers(s, first, last, now or utcnow(), policy_or_default(policy))


@service
def payroll_preview(db: Database, actor: Actor, year: int, month: int, *,
                    policy: Policy | None = None) -> list[PayrollRow]:
    """The numbers payroll would export, without the check and without marking anything."""
    require(actor, "payroll.export", what="run payroll")
    first, last = _month(year, month)
    with db.read() as s:
        return rows(s, first, last, policy_or_default(policy))


@service
def export_payroll(db: Database, actor: Actor, year: int, month: int,
                   write: Callable[[list[PayrollRow]], None] | None = None, *,
                   now: datetime | None = None, policy: Policy | None = None) -> list[PayrollRow]:
    """Run the pre-run check (PayrollBlocked listing every reason), compute the rows, hand them to
    `write` and mark every client's month exported and locked, all in one transaction."""
    require(actor, "payroll.export", what="run payroll")
    first, last = _month(year, month)
    pol = policy_or_default(policy)
    now = now or utcnow()
    with db.write() as s:
        found = blockers(s, first, last, now, pol)
        if found:
            raise PayrollBlocked(found)
        result = rows(s, first, last, pol)
        if write is not None:
            write(result)
        shifts, infos = month_shifts(s, first, last, pol)
        for cid in sorted({sh.client_id for sh in shifts}):
            lock_rows(s, actor, cid, first, last, infos[cid].ref, now, exported=True)
        audit.record(s, actor, "export", "payroll", None,
                     summary=f"payroll {first:%Y-%m}: {len(result)} assistants, "
                             f"{round(sum(r.hours for r in result), 2)} h")
        return result


__all__ = ["Blocker", "COLUMNS", "PayrollBlocked", "PayrollRow", "export_payroll", "payroll_check",
           "payroll_preview"]
