"""Recurring patterns: weekdays + start/end time (an end at or before the start ends the next
day), every week or week k of an n-week rotation (weeks counted from the week of `valid_from`),
expanded with `dateutil.rrule` up to `Policy.roster_horizon_weeks` ahead. Regeneration leaves
alone detached occurrences (edited one by one), shifts that have started, and locked periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import WEEKLY, rrule
from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import RotaPattern, RuleAck, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import format_date, local_to_utc
from bpa_provider.rules.worktime import Violation
from bpa_provider.services.base import CONFLICT_MESSAGE, require, service
from bpa_provider.services.period_rows import (
    overlapping_rows,
    shift_days,
    withdraw_approvals,
)
from bpa_provider.services.roster_input import (
    find_assistant,
    parse_time_of_day,
    parse_weekdays,
    read_kind,
)
from bpa_provider.services.roster_steps import SaveResult, insert_shifts, row_id, run_checks
from bpa_provider.services.validation import check_date, check_text
from bpa_provider.services.worktime import (
    ClientInfo,
    client_info,
    local_date,
    policy_or_default,
)

# --------------------------------------------------------------------------- patterns


def occurrences(p: RotaPattern, first: date, last: date) -> list[date]:
    """Local dates in [first, last] on which the pattern has a shift.

    The cycle is anchored on the Monday of `valid_from`'s week: week k of an n-week rotation is
    every n-th week from that Monday + k weeks, so patterns A/B of a rotation must share a start week.
    """
    days = [int(d) for d in p.weekdays.split(",") if d.strip() != ""]
    lo = max(first, p.valid_from)
    hi = min(last, p.valid_to) if p.valid_to else last
    if hi < lo or not days:
        return []
    anchor = p.valid_from - timedelta(days=p.valid_from.weekday()) + timedelta(weeks=p.cycle_week)
    rule = rrule(WEEKLY, interval=p.cycle_weeks, byweekday=days, dtstart=datetime.combine(anchor, time()))
    return [d.date() for d in rule.between(datetime.combine(lo, time()), datetime.combine(hi, time()), inc=True)]


def occurrence_times(p: RotaPattern, d: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC start and end of the occurrence on local date d (ValueError in a DST gap)."""
    a = local_to_utc(datetime.combine(d, p.start_time), tz)
    end_day = d if p.end_time > p.start_time else d + timedelta(days=1)
    return a, local_to_utc(datetime.combine(end_day, p.end_time), tz)


def horizon(today: date, policy: Policy) -> date:
    """The last date patterns are generated to."""
    return today + timedelta(weeks=policy.roster_horizon_weeks) - timedelta(days=1)


@dataclass
class _Generated:
    created: list[Shift] = field(default_factory=list)
    updated: list[Shift] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _regenerate(
    s: Session, actor: Actor, p: RotaPattern, info: ClientInfo, first: date, last: date, now: datetime
) -> _Generated:
    """Bring the pattern's occurrences on [first, last] in line with the pattern."""
    out = _Generated()
    locked = [r for r in overlapping_rows(s, p.client_id, first, last + timedelta(days=1)) if r.locked_at]

    def is_locked(a: date, b: date) -> bool:
        return any(r.period_start <= b and r.period_end > a for r in locked)

    claimed: set[date] = set()
    new_rows: list[dict[str, Any]] = []
    leftovers: list[tuple[date, Shift]] = []
    by_date: dict[date, list[Shift]] = {}
    for sh in s.execute(select(Shift).where(Shift.pattern_id == p.id)).scalars():
        day = local_date(sh.planned_start_utc or sh.start_utc, info.tz)
        if sh.detached:
            claimed.add(day)
        else:
            by_date.setdefault(day, []).append(sh)
    for d in occurrences(p, first, last):
        if d in claimed:
            continue
        try:
            a, b = occurrence_times(p, d, info.tz)
        except ValueError as exc:
            out.skipped.append(f"{format_date(d)}: {exc}")
            continue
        if is_locked(d, local_date(b - timedelta(microseconds=1), info.tz)):
            by_date.pop(d, None)
            continue
        live = [o for o in by_date.pop(d, []) if o.status != "cancelled"]
        keep = live[0] if live else None
        leftovers.extend((d, o) for o in live[1:])
        if keep is None:
            new_rows.append(
                dict(
                    client_id=p.client_id,
                    assistant_id=p.assistant_id,
                    start_utc=a,
                    end_utc=b,
                    kind=p.kind,
                    pattern_id=p.id,
                )
            )
        elif keep.start_utc > now and (keep.start_utc, keep.end_utc, keep.assistant_id, keep.kind) != (
            a,
            b,
            p.assistant_id,
            p.kind,
        ):
            keep.start_utc, keep.end_utc, keep.assistant_id, keep.kind = a, b, p.assistant_id, p.kind
            keep.updated_at = utcnow()
            out.updated.append(keep)
    leftovers.extend((d, o) for d, rest in by_date.items() for o in rest)
    for d, sh in sorted(leftovers, key=lambda item: (item[0], item[1].id)):
        if d < first or sh.start_utc <= now or sh.status == "cancelled":
            continue
        if d > last and not (p.valid_to and d > p.valid_to):
            continue  # beyond this run's horizon, but still within the pattern: leave it
        if is_locked(*shift_days(sh, info.tz)):
            continue
        has_ack = s.execute(select(RuleAck.id).where(RuleAck.shift_id == sh.id).limit(1)).scalar()
        if has_ack:
            sh.status = "cancelled"  # the acknowledgement is history: keep what it refers to
        else:
            s.delete(sh)
        out.removed.append(row_id(sh))
    s.flush()
    out.created = insert_shifts(s, new_rows)
    changed = [*out.created, *out.updated]
    if changed and overlapping_rows(s, p.client_id, first, last + timedelta(days=1)):
        for day in sorted({local_date(sh.start_utc, info.tz) for sh in changed}):
            withdraw_approvals(s, actor, p.client_id, day, day, info.tz, info.ref, f"pattern #{p.id} regenerated")
    return out


def _pattern_values(s: Session, data: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "weekdays" in data:
        try:
            values["weekdays"] = ",".join(str(d) for d in parse_weekdays(data["weekdays"]))
        except ValueError as exc:
            errors.append(FieldError.of("weekdays", exc))
    for name in ("start_time", "end_time"):
        if name in data:
            try:
                values[name] = parse_time_of_day(data[name])
            except ValueError as exc:
                errors.append(FieldError.of(name, exc))
    for name in ("valid_from", "valid_to"):
        if name in data:
            values[name] = check_date(data[name], name, errors=errors)
    if "kind" in data:
        values["kind"] = read_kind(data["kind"], errors)
    if "name" in data:
        values["name"] = check_text(data["name"], "name", 100, errors=errors)
    for name in ("cycle_weeks", "cycle_week"):
        if name in data:
            try:
                values[name] = int(data[name])
            except (TypeError, ValueError):
                errors.append(FieldError(name, N_("must be a whole number")))
    if "assistant_id" in data:
        find_assistant(s, data["assistant_id"], errors)
        values["assistant_id"] = data["assistant_id"]
    return values


def _pattern_rules(p: RotaPattern, errors: list[FieldError]) -> None:
    if p.start_time == p.end_time:
        errors.append(FieldError("end_time", N_("Start and end are the same time")))
    if not 1 <= p.cycle_weeks <= 4:
        errors.append(FieldError("cycle_weeks", N_("A rotation is 1 to 4 weeks")))
    elif not 0 <= p.cycle_week < p.cycle_weeks:
        errors.append(
            FieldError("cycle_week", N_("The week of the rotation is 0 to {n}"), params={"n": p.cycle_weeks - 1})
        )
    if p.valid_from is None:
        errors.append(FieldError("valid_from", N_("Valid from is required")))
    elif p.valid_to is not None and p.valid_to < p.valid_from:
        errors.append(FieldError("valid_to", N_("Valid to must be on or after valid from")))
    if p.assistant_id is None:
        errors.append(FieldError("assistant_id", N_("A pattern needs an assistant")))


def _generate_and_check(
    s: Session, actor: Actor, p: RotaPattern, info: ClientInfo, first: date, today: date, now: datetime, pol: Policy
) -> SaveResult:
    last = horizon(today, pol)
    if p.valid_to is not None:
        last = min(last, p.valid_to)
    gen = _regenerate(s, actor, p, info, first, last, now)
    p.generated_until = last if p.generated_until is None else max(p.generated_until, last)
    s.flush()
    warnings = run_checks(s, [*gen.created, *gen.updated], pol, actor)
    audit.record(
        s,
        actor,
        "generate",
        "rota_pattern",
        p.id,
        subject=info.ref,
        summary=f"pattern #{p.id} to {format_date(last)}: {len(gen.created)} created, "
        f"{len(gen.updated)} changed, {len(gen.removed)} removed, {len(gen.skipped)} skipped",
        after={
            "created": [sh.id for sh in gen.created],
            "updated": [sh.id for sh in gen.updated],
            "removed": gen.removed,
            "skipped": gen.skipped,
        },
    )
    return SaveResult(
        [*gen.created, *gen.updated], warnings, p, len(gen.removed), tuple(gen.skipped), {p.client_id: info.tz}
    )


@service
def create_pattern(
    db: Database,
    actor: Actor,
    client_id: int,
    assistant_id: int,
    *,
    weekdays: str | Iterable[int],
    start_time: str | time,
    end_time: str | time,
    valid_from: date | str,
    valid_to: date | str | None = None,
    kind: str = "active",
    cycle_weeks: int = 1,
    cycle_week: int = 0,
    name: str = "",
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> SaveResult:
    """Create a recurring pattern and generate its shifts from `valid_from` to the horizon."""
    require(actor, "roster.write", client_id=client_id, what="plan this client's shifts")
    pol = policy_or_default(policy)
    now = now or utcnow()
    today = today or now.date()
    with db.write() as s:
        info = client_info(s, client_id, pol)
        errors: list[FieldError] = []
        values = _pattern_values(
            s,
            {
                "assistant_id": assistant_id,
                "weekdays": weekdays,
                "start_time": start_time,
                "end_time": end_time,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "kind": kind,
                "cycle_weeks": cycle_weeks,
                "cycle_week": cycle_week,
                "name": name,
            },
            errors,
        )
        if errors:
            raise ValidationError(errors)
        p = RotaPattern(client_id=client_id, **values)
        _pattern_rules(p, errors)
        if errors:
            raise ValidationError(errors)
        s.add(p)
        s.flush()
        audit.record(
            s,
            actor,
            "create",
            "rota_pattern",
            p.id,
            subject=info.ref,
            summary=f"pattern {p.weekdays} {p.start_time:%H:%M}–{p.end_time:%H:%M}",
            after=p,
        )
        return _generate_and_check(s, actor, p, info, p.valid_from, today, now, pol)


@service
def update_pattern(
    db: Database,
    actor: Actor,
    pattern_id: int,
    version: int | None,
    *,
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
    **changes: Any,
) -> SaveResult:
    """Change a pattern and regenerate its occurrences from today (or valid_from, if later)."""
    pol = policy_or_default(policy)
    now = now or utcnow()
    today = today or now.date()
    with db.write() as s:
        p = s.get(RotaPattern, pattern_id)
        if p is None:
            raise NotFound(N_("Pattern {id} does not exist"), id=pattern_id)
        require(actor, "roster.write", client_id=p.client_id, what="change patterns")
        if version is not None and p.version != version:
            raise Conflict(CONFLICT_MESSAGE)
        info = client_info(s, p.client_id, pol)
        errors: list[FieldError] = []
        unknown = sorted(
            set(changes)
            - {
                "weekdays",
                "start_time",
                "end_time",
                "valid_from",
                "valid_to",
                "kind",
                "cycle_weeks",
                "cycle_week",
                "name",
                "assistant_id",
            }
        )
        errors += [FieldError(n, N_("is not a field of a pattern")) for n in unknown]
        values = _pattern_values(s, changes, errors)
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(p)
        for k, v in values.items():
            setattr(p, k, v)
        _pattern_rules(p, errors)
        if errors:
            raise ValidationError(errors)
        p.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "update",
            "rota_pattern",
            p.id,
            subject=info.ref,
            summary=f"pattern changed: {', '.join(sorted(values))}",
            before=before,
            after=p,
        )
        return _generate_and_check(s, actor, p, info, max(p.valid_from, today), today, now, pol)


@service
def extend_patterns(
    db: Database,
    actor: Actor,
    *,
    client_id: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> SaveResult:
    """Roll every current pattern (of one client, or all in scope) forward to the horizon."""
    require(actor, "roster.write", client_id=client_id, what="plan shifts")
    pol = policy_or_default(policy)
    now = now or utcnow()
    today = today or now.date()
    with db.write() as s:
        q = select(RotaPattern).where((RotaPattern.valid_to.is_(None)) | (RotaPattern.valid_to >= today))
        if client_id is not None:
            q = q.where(RotaPattern.client_id == client_id)
        if actor.is_scoped:
            q = q.where(RotaPattern.client_id.in_(sorted(actor.client_scope or ())))
        shifts: list[Shift] = []
        warnings: list[Violation] = []
        removed, skipped = 0, []
        zones: dict[int, str] = {}
        for p in s.execute(q.order_by(RotaPattern.id)).scalars().all():
            info = client_info(s, p.client_id, pol)
            res = _generate_and_check(s, actor, p, info, max(p.valid_from, today), today, now, pol)
            shifts += res.shifts
            warnings += res.warnings
            removed += res.removed
            skipped += list(res.skipped)
            zones.update(res.zones)
        return SaveResult(shifts, warnings, None, removed, tuple(skipped), zones)


@service
def list_patterns(db: Database, actor: Actor, client_id: int) -> list[RotaPattern]:
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return list(
            s.execute(
                select(RotaPattern)
                .where(RotaPattern.client_id == client_id)
                .order_by(RotaPattern.valid_from, RotaPattern.id)
            ).scalars()
        )
