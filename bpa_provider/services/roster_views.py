"""Reading the roster: a shift as people see it (`ShiftView`: local times, names, marks and
violations), a client's week (`WeekView`), one assistant's shifts across clients, one shift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Shift
from bpa_provider.errors import NotFound
from bpa_provider.i18n import N_
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.services.base import require, service
from bpa_provider.services.period_rows import (
    overlapping_rows,
)
from bpa_provider.services.roster_steps import row_id
from bpa_provider.services.worktime import (
    ClientInfo,
    ShiftViolation,
    client_info,
    client_infos,
    live_shifts,
    local_range,
    policy_or_default,
    violations_by_shift,
)

# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ShiftView:
    """A shift as people see it: local times in the client's zone, names, marks and violations."""

    id: int
    version: int | None
    client_id: int
    client_ref: str
    assistant_id: int | None  # None: a vacant shift nobody has yet
    assistant_ref: str
    assistant_name: str
    start: datetime
    end: datetime
    hours: float
    kind: str
    status: str
    deviation_status: str
    planned_start: datetime | None
    planned_end: datetime | None
    replaces_ref: str
    pattern_id: int | None
    detached: bool
    note: str
    legal_basis: str
    violations: tuple[ShiftViolation, ...] = ()


@dataclass(frozen=True)
class DayView:
    day: date
    holiday: str | None


@dataclass(frozen=True)
class WeekView:
    """A client's week: seven local days (public holidays named) and the shifts starting in it."""

    client_id: int
    client_ref: str
    client_name: str
    municipality: str
    country: str
    tz: str
    week_start: date
    days: tuple[DayView, ...]
    shifts: tuple[ShiftView, ...]
    total_hours: float
    locked: bool


def views(
    s: Session,
    shifts: Sequence[Shift],
    infos: dict[int, ClientInfo],
    violations: dict[int, list[ShiftViolation]] | None = None,
) -> list[ShiftView]:
    # A shift created vacant has no assistant (None): not a person to look up.
    ids = {sh.assistant_id for sh in shifts if sh.assistant_id} | {
        sh.replaces_assistant_id for sh in shifts if sh.replaces_assistant_id
    }
    people = (
        {a.id: a for a in s.execute(select(Assistant).where(Assistant.id.in_(sorted(ids)))).scalars()} if ids else {}
    )
    out = []
    for sh in shifts:
        info = infos[sh.client_id]
        zone = ZoneInfo(info.tz)
        sid = row_id(sh)
        person = people.get(sh.assistant_id) if sh.assistant_id is not None else None
        out.append(
            ShiftView(
                id=sid,
                version=sh.version,
                client_id=sh.client_id,
                client_ref=info.ref,
                assistant_id=sh.assistant_id,
                assistant_ref=person.ref if person else "",
                assistant_name=person.name if person else "",
                start=sh.start_utc.astimezone(zone),
                end=sh.end_utc.astimezone(zone),
                hours=round(shift_hours(sh.start_utc, sh.end_utc), 4),
                kind=sh.kind,
                status=sh.status,
                deviation_status=sh.deviation_status,
                planned_start=sh.planned_start_utc.astimezone(zone) if sh.planned_start_utc else None,
                planned_end=sh.planned_end_utc.astimezone(zone) if sh.planned_end_utc else None,
                replaces_ref=people[sh.replaces_assistant_id].ref if sh.replaces_assistant_id in people else "",
                pattern_id=sh.pattern_id,
                detached=sh.detached,
                note=sh.note,
                legal_basis=sh.legal_basis,
                violations=tuple((violations or {}).get(sid, ())),
            )
        )
    return out


def build_week(
    s: Session,
    client_id: int,
    week_start: date,
    policy: Policy,
    *,
    with_violations: bool = True,
    actor: Actor | None = None,
    with_vacant: bool = False,
) -> WeekView:
    """The WeekView of a client, inside the caller's transaction (no permission check; the
    violations as `actor` may see them). `with_vacant` adds the vacant shifts (status "vacant",
    the absent assistant kept): the roster screen marks them; nobody's work, so no rules run."""
    info = client_info(s, client_id, policy)
    end = week_start + timedelta(days=7)
    lo, hi = local_range(week_start, end, info.tz)
    shifts = [sh for sh in live_shifts(s, lo, hi, client_id=client_id) if sh.start_utc >= lo]
    found = violations_by_shift(s, shifts, lo, hi, policy, actor) if with_violations else None
    if with_vacant:
        shifts += (
            s.execute(
                select(Shift).where(
                    Shift.client_id == client_id, Shift.status == "vacant", Shift.start_utc >= lo, Shift.start_utc < hi
                )
            )
            .scalars()
            .all()
        )
        shifts.sort(key=lambda sh: (sh.start_utc, sh.id))
    shown = views(s, shifts, {client_id: info}, found)
    names = public_holidays(info.country, {week_start.year, end.year})
    days = tuple(DayView(week_start + timedelta(days=i), names.get(week_start + timedelta(days=i))) for i in range(7))
    locked = any(r.locked_at for r in overlapping_rows(s, client_id, week_start, end - timedelta(days=1)))
    return WeekView(
        client_id,
        info.ref,
        info.name,
        info.municipality,
        info.country,
        info.tz,
        week_start,
        days,
        tuple(shown),
        round(sum(v.hours for v in shown), 4),
        locked,
    )


@service
def client_week(
    db: Database,
    actor: Actor,
    client_id: int,
    week_start: date,
    *,
    with_violations: bool = True,
    policy: Policy | None = None,
    with_vacant: bool = False,
) -> WeekView:
    """The client's week from `week_start` (a Monday, local): days, holidays, shifts, violations."""
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return build_week(
            s,
            client_id,
            week_start,
            policy_or_default(policy),
            with_violations=with_violations,
            actor=actor,
            with_vacant=with_vacant,
        )


@service
def assistant_shifts(
    db: Database,
    actor: Actor,
    assistant_id: int,
    first: date,
    last_exclusive: date,
    *,
    tz: str = "Europe/Oslo",
    policy: Policy | None = None,
) -> list[ShiftView]:
    """One assistant's shifts across clients with a start in [first, last_exclusive) (dates in
    `tz`); a supervisor sees only the shifts at their own clients."""
    require(actor, "roster.read", what="see rosters")
    pol = policy_or_default(policy)
    with db.read() as s:
        lo, hi = local_range(first, last_exclusive, tz)
        shifts = [
            sh
            for sh in live_shifts(s, lo, hi, assistant_id=assistant_id)
            if sh.start_utc >= lo and actor.may_see_client(sh.client_id)
        ]
        infos = client_infos(s, {sh.client_id for sh in shifts}, pol)
        return views(s, shifts, infos)


@service
def get_shift(db: Database, actor: Actor, shift_id: int) -> Shift:
    with db.read() as s:
        sh = s.get(Shift, shift_id)
        if sh is None:
            raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
        require(actor, "roster.read", client_id=sh.client_id, what="see this client's roster")
        return sh
