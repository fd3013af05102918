"""Vacant shifts: an absent assistant's shifts stay the client's plan, become vacant, and are
filled by a substitute the app proposes (docs/absence.md).

A vacant shift keeps the assistant it was for (`assistant_id`, shown as "was") with status
`vacant`: it counts in the client's planned hours and in nobody's working time, pay or continuity
(`services.worked.staffed`). `roster fill` is `roster reassign` on a vacant shift: the same checks
as `roster add`, and the absent assistant is kept in `replaces_assistant_id` (what the NAV refund
and Sweden's sick-pay claims read).

Candidates are ranked with the roster's own checks: each assistant who ever had an assignment
with the client is tried in a savepoint (the shift given to them, the working-time and credential
rules run, everything rolled back), so "eligible" means exactly what `roster fill` would accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Absence, Assignment, Assistant, Client, Employment, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import NotFound, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.worktime import profile as rule_profile
from bpa_provider.services import periods
from bpa_provider.services.base import require, service
from bpa_provider.services.records import lookup
from bpa_provider.services.roster_steps import row_id
from bpa_provider.services.worked import counted_as_worked
from bpa_provider.services.worktime import (
    blocking,
    check_assistant_window,
    client_info,
    local_date,
    local_range,
    policy_or_default,
)

if TYPE_CHECKING:
    from bpa_provider.services import roster


def absent_on(s: Session, assistant_id: int, first: date, last: date) -> Absence | None:
    """The assistant's absence (not cancelled, not a graded sick note) on a day in [first, last]."""
    return s.execute(
        select(Absence)
        .where(
            Absence.assistant_id == assistant_id,
            Absence.cancelled.is_(False),
            Absence.grade == 100,
            Absence.from_date <= last,
            Absence.to_date >= first,
        )
        .limit(1)
    ).scalar_one_or_none()


def _shift_days(s: Session, sh: Shift, policy: Policy) -> tuple[date, date, str]:
    tz = client_info(s, sh.client_id, policy).tz
    return local_date(sh.start_utc, tz), local_date(sh.end_utc - timedelta(microseconds=1), tz), tz


def _set_status(s: Session, actor: Actor, sh: Shift, status: str, action: str, summary: str) -> None:
    """One shift's status changed and logged under its client, in the caller's transaction."""
    before = audit.snapshot(sh)
    sh.status = status
    sh.updated_at = utcnow()
    s.flush()
    ref = s.get(Client, sh.client_id).ref  # type: ignore[union-attr]
    audit.record(s, actor, action, "shift", sh.id, subject=ref, summary=summary, before=before, after=sh)


def vacate(s: Session, actor: Actor, absence: Absence, first: date, last: date, policy: Policy | None = None) -> int:
    """Turn the assistant's planned shifts on local days [first, last] into vacant shifts (in the
    caller's transaction); returns how many. A graded sick note leaves the plan as it is."""
    if absence.grade != 100:
        return 0
    pol = policy_or_default(policy)
    # A day's margin either side of the UTC range: the exact test is on each client's local dates.
    lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
    rows = (
        s.execute(
            select(Shift)
            .where(
                Shift.assistant_id == absence.assistant_id,
                Shift.status == "planned",
                Shift.start_utc < hi,
                Shift.end_utc > lo,
            )
            .order_by(Shift.start_utc)
        )
        .scalars()
        .all()
    )
    count = 0
    per_client: dict[int, int] = {}
    for sh in rows:
        a, b, _tz = _shift_days(s, sh, pol)
        if b < first or a > last or sh.start_utc <= utcnow():
            continue
        per_client[sh.client_id] = per_client.get(sh.client_id, 0) + 1
        _set_status(s, actor, sh, "vacant", "vacate", f"shift vacant: absence #{absence.id}")
        count += 1
    if per_client:
        from bpa_provider.services import notify

        name = s.get(Assistant, absence.assistant_id).name  # type: ignore[union-attr]
        for client_id, n in sorted(per_client.items()):
            notify.tell_supervisors_absence(s, client_id, name, first, last, n, row_id(absence))
    return count


def restore(s: Session, actor: Actor, absence: Absence, first: date, last: date, policy: Policy | None = None) -> int:
    """Give the assistant back their still-vacant shifts on local days [first, last] (an absence
    cancelled or ended early); returns how many."""
    pol = policy_or_default(policy)
    rows = (
        s.execute(select(Shift).where(Shift.assistant_id == absence.assistant_id, Shift.status == "vacant"))
        .scalars()
        .all()
    )
    count = 0
    for sh in rows:
        a, b, _tz = _shift_days(s, sh, pol)
        if b < first or a > last:
            continue
        # A locked (approved, exported) period keeps its figures: a shift that stayed vacant there
        # was nobody's work, and the month's hour-ledger row says so.
        if periods.is_locked(s, sh.client_id, a, b):
            continue
        _set_status(s, actor, sh, "planned", "restore", f"shift back to its assistant: absence #{absence.id}")
        count += 1
    return count


def _vacant_shift(s: Session, actor: Actor, shift_id: int) -> Shift:
    """A vacant shift the person may fill (one outside a supervisor's scope reads as missing)."""
    sh = s.get(Shift, shift_id)
    if sh is None or (actor.is_scoped and not actor.may_see_client(sh.client_id)):
        raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
    require(actor, "roster.write", client_id=sh.client_id, what=N_("fill vacant shifts"))
    if sh.status != "vacant":
        raise ValidationError(N_("The shift is not vacant"), field="status")
    return sh


@service
def offer(db: Database, actor: Actor, shift_id: int, assistant_ref: str) -> bool:
    """Offer a vacant shift to an assistant by e-mail (a tentative invitation); False when it was
    offered to them already. Filling it later cancels the other offers."""
    require(actor, "roster.write", what=N_("fill vacant shifts"))
    with db.write() as s:
        sh = _vacant_shift(s, actor, shift_id)
        person = lookup(s, Assistant, assistant_ref, "assistant")
        first, last, _tz = _shift_days(s, sh, policy_or_default(None))
        if absent_on(s, person.id, first, last) is not None:
            raise ValidationError(N_("The assistant is absent that day"), field="assistant_id")
        from bpa_provider.services import notify

        told = notify.tell_shift(s, "shift_offered", sh, person.id, method="REQUEST")
        if told is not None:
            ref = s.get(Client, sh.client_id).ref  # type: ignore[union-attr]
            audit.record(s, actor, "offer", "shift", sh.id, subject=ref, summary=f"shift offered to {person.ref}")
        return told is not None


def create_vacant_shift(
    db: Database,
    actor: Actor,
    client_id: int,
    start: str | datetime,
    end: str | datetime,
    *,
    kind: str = "active",
    legal_basis: str = "",
    note: str = "",
    policy: Policy | None = None,
) -> roster.SaveResult:
    """A shift of the client that nobody has yet (`roster add --vacant`): the checks of `roster add`
    but the assistant's, listed by `list_vacant`, filled by `roster fill` (a reassignment)."""
    from bpa_provider.services import roster

    return roster.create_shift(
        db,
        actor,
        client_id,
        None,
        start,
        end,
        kind=kind,
        legal_basis=legal_basis,
        note=note,
        vacant=True,
        policy=policy,
    )


@dataclass(frozen=True)
class VacantRow:
    """A vacant shift as `roster vacant` lists it (JSON field names as docs/absence.md gives them)."""

    id: int
    client: str
    start: datetime
    end: datetime
    was_assistant: str  # "" for a shift created vacant: it was nobody's
    hours: float
    tz: str = "Europe/Oslo"  # the client's zone: its times are read on the client's clock


@service
def list_vacant(db: Database, actor: Actor, first: date, last: date, client_ref: str | None = None) -> list[VacantRow]:
    """Vacant shifts starting on local days [first, last], earliest first (a supervisor: their clients)."""
    require(actor, "roster.read", what=N_("see rosters"))
    with db.read() as s:
        # Outer: a shift created vacant names nobody (was_assistant "").
        q = (
            select(Shift, Client.ref, Assistant.ref)
            .join(Client, Client.id == Shift.client_id)
            .outerjoin(Assistant, Assistant.id == Shift.assistant_id)
            # A literal, not a parameter: the planner matches it to the partial index of vacant
            # shifts (ix_shift_vacant_start), so the few vacant ones are read, not the fortnight's.
            .where(Shift.status == literal_column("'vacant'"))
        )
        if client_ref:
            client = lookup(s, Client, client_ref, "client")
            require(actor, "roster.read", client_id=client.id, what=N_("see this client's roster"))
            q = q.where(Shift.client_id == client.id)
        elif actor.is_scoped:
            q = q.where(Shift.client_id.in_(sorted(actor.client_scope or ())))
        if last < first:  # after the client's scope: a refusal must not tell what exists elsewhere
            raise ValidationError(N_("The end date is before the start date"), field="to")
        lo, hi = local_range(first, last + timedelta(days=1), "Europe/Oslo")
        q = q.where(Shift.start_utc >= lo - timedelta(days=1), Shift.start_utc < hi + timedelta(days=1))
        out = []
        for sh, cref, aref in s.execute(q.order_by(Shift.start_utc, Shift.id)).all():
            a, _b, tz = _shift_days(s, sh, policy_or_default(None))
            if first <= a <= last:
                out.append(
                    VacantRow(
                        row_id(sh),
                        cref,
                        sh.start_utc,
                        sh.end_utc,
                        aref or "",
                        round(shift_hours(sh.start_utc, sh.end_utc), 2),
                        tz,
                    )
                )
        return out


@dataclass(frozen=True)
class Candidate:
    """One assistant for a vacant shift: eligible or not, and why (in rank order)."""

    assistant: str
    name: str
    eligible: bool
    reasons: list[Msg] = field(default_factory=list)
    score: tuple[float, ...] = field(default=(), compare=False, repr=False)


def _met(s: Session, assistant_id: int, client_id: int, now: datetime) -> int:
    return (
        s.execute(
            select(func.count())
            .select_from(Shift)
            .where(Shift.assistant_id == assistant_id, Shift.client_id == client_id, counted_as_worked(now))
        ).scalar()
        or 0
    )


def _planned_week_hours(s: Session, assistant_id: int, sh: Shift) -> float:
    monday = sh.start_utc - timedelta(days=sh.start_utc.weekday())
    lo = monday.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = s.execute(
        select(Shift.start_utc, Shift.end_utc).where(
            Shift.assistant_id == assistant_id,
            Shift.status.not_in(("cancelled", "vacant")),
            Shift.start_utc >= lo,
            Shift.start_utc < lo + timedelta(days=7),
        )
    ).all()
    return sum(shift_hours(a, b) for a, b in rows)


def _month_faces(s: Session, client_id: int, sh: Shift) -> set[int]:
    first = sh.start_utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = s.execute(
        select(Shift.assistant_id).where(
            Shift.client_id == client_id,
            Shift.status.not_in(("cancelled", "vacant")),
            Shift.start_utc >= first,
            Shift.start_utc < sh.start_utc,
        )
    ).scalars()
    return {aid for aid in rows if aid is not None}


@service
def candidates(
    db: Database, actor: Actor, shift_id: int, policy: Policy | None = None, now: datetime | None = None
) -> list[Candidate]:
    """Assistants for a vacant shift in rank order: the eligible first (every blocking rule of
    `roster add` passes and they are not absent), then by fewest warnings, having met the client,
    hours left in their position that week, and not being a new face this month."""
    pol = policy_or_default(policy)
    now = now or utcnow()
    require(actor, "roster.write", what=N_("fill vacant shifts"))
    # A write transaction only for the savepoints: every trial is rolled back, nothing is kept.
    with db.write() as s:
        sh = _vacant_shift(s, actor, shift_id)
        first, last, _tz = _shift_days(s, sh, pol)
        was = sh.assistant_id
        pool = s.execute(
            select(Assistant.id, Assistant.ref, Assistant.name)
            .join(Assignment, Assignment.assistant_id == Assistant.id)
            .where(Assignment.client_id == sh.client_id, Assistant.id != was, Assistant.anonymised.is_(False))
            .distinct()
            .order_by(Assistant.ref)
        ).all()
        faces = _month_faces(s, sh.client_id, sh)
        # A full position is the client's rule set's normal week (40 h in Norway's default set).
        normal_week = rule_profile(client_info(s, sh.client_id, pol).profile).normal_week_hours
        hours = shift_hours(sh.start_utc, sh.end_utc)
        out: list[Candidate] = []
        for aid, ref, name in pool:
            reasons: list[Msg] = []
            away = absent_on(s, aid, first, last)
            if away is not None:
                out.append(
                    Candidate(ref, name, False, [Msg(N_("absent {a}–{b}"), a=away.from_date, b=away.to_date)], (1,))
                )
                continue
            with s.begin_nested() as trial:
                sh.assistant_id, sh.status = aid, "planned"
                s.flush()
                found = [
                    v
                    for v in check_assistant_window(s, aid, sh.start_utc, sh.end_utc, policy=pol)
                    if sh.id in v.shift_ids
                ]
                trial.rollback()
            blocks = blocking(found)
            if blocks:
                out.append(
                    Candidate(
                        ref,
                        name,
                        False,
                        [Msg(N_("{rule}: {text}"), rule=v.rule_id, text=v.text()) for v in blocks],
                        (1,),
                    )
                )
                continue
            warnings = [v for v in found if v not in blocks]
            if warnings:
                reasons += [Msg(N_("warning {rule}: {text}"), rule=v.rule_id, text=v.text()) for v in warnings]
            else:
                reasons.append(Msg(N_("no working-time warnings")))
            met = _met(s, aid, sh.client_id, now)
            reasons.append(
                Msg(N_("has worked {n} shifts with the client"), n=met) if met else Msg(N_("has not met the client"))
            )
            percent = (
                s.execute(
                    select(Employment.position_percent)
                    .where(Employment.assistant_id == aid, Employment.start_date <= first)
                    .order_by(Employment.start_date.desc())
                    .limit(1)
                ).scalar()
                or 0.0
            )
            left = round(float(percent) / 100 * normal_week - _planned_week_hours(s, aid, sh) - hours, 2)
            reasons.append(Msg(N_("{h} h left in the position that week"), h=left))
            new_face = aid not in faces
            if new_face:
                reasons.append(Msg(N_("a new face for the client this month")))
            out.append(Candidate(ref, name, True, reasons, (0, len(warnings), 0 if met else 1, -left, int(new_face))))
    return sorted(out, key=lambda c: (c.score, c.assistant))
