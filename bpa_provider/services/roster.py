"""Planning shifts: single shifts, recurring patterns, copying a week, reassigning, deviations.

Times are typed on the client's local clock (its municipality's time zone) and stored as UTC
instants; a local time that does not exist (the spring-forward gap) is refused, and a night across
a DST change has its real length (9 h or 11 h for 22:00–08:00).

Every save runs the working-time rules for the assistant(s) it touches (`services.worktime`): a
blocking violation refuses the whole save with the rule id and its reason; warnings come back with
the saved shifts, to be acknowledged with a comment.

Patterns: weekdays + start/end time (an end at or before the start ends the next day), every week
or week k of an n-week rotation (weeks counted from the week of `valid_from`), expanded with
`dateutil.rrule` up to `Policy.roster_horizon_weeks` ahead. Regeneration leaves alone detached
occurrences (edited one by one), shifts that have started, and locked periods.

The plan becomes the actuals: a shift that has ended counts as worked. Changing the times of a
shift that has started records a deviation: the plan is kept in `planned_*` and the deviation waits
for the supervisor's decision (`services.periods.decide_deviation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, RotaPattern, RuleAck, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import format_date, local_to_utc, parse_date, parse_local_datetime
from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.rules.worktime import SHIFT_KINDS, Violation
from bpa_provider.services.base import CONFLICT_MESSAGE, require, scoped_actor, service
from bpa_provider.services.periods import (
    ensure_unlocked,
    overlapping_rows,
    shift_days,
    withdraw_approvals,
)
from bpa_provider.services.records import check_text
from bpa_provider.services.scope_view import redact_in
from bpa_provider.services.worked import NOT_STAFFED
from bpa_provider.services.worktime import (
    ClientInfo,
    ShiftViolation,
    check_assistant_window,
    client_info,
    client_infos,
    describe_shifts,
    live_shifts,
    local_date,
    local_range,
    policy_or_default,
    refuse_blocking,
    violations_by_shift,
)

UTC = UTC
# A typo in a date (a month too far) must not become a month-long shift; respite agreements allow
# up to 56 h continuous, so 72 h is the sanity limit.
MAX_SHIFT = timedelta(hours=72)
MAX_COPY_WEEKS = 26
_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")
WEEKDAY_NAMES = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "man": 0,
    "tir": 1,
    "ons": 2,
    "tor": 3,
    "fre": 4,
    "lør": 5,
    "lor": 5,
    "søn": 6,
    "son": 6,
    "mån": 0,
    "tis": 1,
    "lör": 5,
    "sön": 6,
}


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the shifts written, the warnings they raise, and for patterns what was
    generated, removed or skipped (a date whose local time does not exist)."""

    shifts: list[Shift]
    warnings: list[Violation]
    pattern: RotaPattern | None = None
    removed: int = 0
    skipped: tuple[str, ...] = ()

    @property
    def shift(self) -> Shift | None:
        return self.shifts[0] if self.shifts else None


# --------------------------------------------------------------------------- parsing


def _text(value: Any, name: str, max_len: int, errors: list[FieldError], *, multiline: bool = False) -> str:
    """A note, reason or name by the shared text rule (`records.check_text`), with roster's words
    for the checks it always had. Only a note holds several lines."""
    return check_text(
        value,
        name,
        max_len,
        multiline=multiline,
        errors=errors,
        messages={
            "control": _("contains control characters; remove them"),
            "long": _("is too long (at most {n} characters)").format(n=max_len),
        },
    )


def to_utc(value: str | datetime, tz: str) -> datetime:
    """A typed local time (string or naive datetime) or an aware instant → UTC; ValueError if
    the local time does not exist or cannot be read."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return local_to_utc(value, tz)
        return value.astimezone(UTC)
    return parse_local_datetime(str(value), tz)


def end_to_utc(value: str | datetime, start_utc: datetime, tz: str) -> datetime:
    """Like `to_utc`, but a bare `HH:MM` means that time after the start (the next day if earlier)."""
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            hh, mm = int(m.group(1)), int(m.group(2))
            if hh > 23 or mm > 59:
                raise Invalid(N_("'{v}' is not a time of day: use HH:MM"), v=value)
            local_start = start_utc.astimezone(ZoneInfo(tz))
            day = local_start.date()
            if (hh, mm) <= (local_start.hour, local_start.minute):
                day += timedelta(days=1)
            return local_to_utc(datetime.combine(day, time(hh, mm)), tz)
    return to_utc(value, tz)


def parse_time_of_day(value: str | time) -> time:
    if isinstance(value, time):
        return value
    m = _HHMM.match(str(value).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise Invalid(N_("'{v}' is not a time of day: use HH:MM"), v=value)
    return time(int(m.group(1)), int(m.group(2)))


def parse_weekdays(value: str | Iterable[int]) -> tuple[int, ...]:
    """'mon,wed,fri', 'man,ons,fre', '0,2,4' or [0, 2, 4] → (0, 2, 4)."""
    items: list[Any] = (
        [p for p in re.split(r"[,\s/]+", value.strip().lower()) if p] if isinstance(value, str) else list(value)
    )
    days = set()
    for item in items:
        if isinstance(item, int) or str(item).isdigit():
            n = int(item)
            if not 0 <= n <= 6:
                raise Invalid(N_("weekday numbers are 0 (Monday) to 6 (Sunday)"))
            days.add(n)
        elif str(item)[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES[str(item)[:3]])
        else:
            raise Invalid(N_("'{v}' is not a weekday (use mon,tue,… or 0-6)"), v=item)
    if not days:
        raise Invalid(N_("at least one weekday is required"))
    return tuple(sorted(days))


def _as_date(value: date | str | None, name: str, errors: list[FieldError]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not str(value).strip():
        return None
    try:
        return parse_date(str(value))
    except ValueError as exc:
        errors.append(FieldError.of(name, exc))
        return None


def _times(start: Any, end: Any, tz: str, errors: list[FieldError]) -> tuple[datetime | None, datetime | None]:
    a = b = None
    try:
        a = to_utc(start, tz)
    except ValueError as exc:
        errors.append(FieldError.of("start", exc))
    if a is not None:
        try:
            b = end_to_utc(end, a, tz)
        except ValueError as exc:
            errors.append(FieldError.of("end", exc))
    if a is not None and b is not None:
        if b <= a:
            errors.append(FieldError("end", N_("The shift must end after it starts")))
        elif b - a > MAX_SHIFT:
            errors.append(
                FieldError(
                    "end",
                    N_("A shift can be at most {h} hours long"),
                    params={"h": int(MAX_SHIFT.total_seconds() // 3600)},
                )
            )
    return a, b


def _assistant(
    s: Session, assistant_id: int | None, errors: list[FieldError], name: str = "assistant_id"
) -> Assistant | None:
    person = s.get(Assistant, assistant_id) if assistant_id is not None else None
    if person is None:
        errors.append(FieldError(name, N_("No assistant with id {id}"), params={"id": assistant_id}))
    return person


def _kind(kind: str, errors: list[FieldError]) -> str:
    k = (kind or "active").strip().lower()
    if k not in SHIFT_KINDS:
        errors.append(
            FieldError("kind", N_("Kind must be one of: {kinds}"), params={"kinds": ", ".join(sorted(SHIFT_KINDS))})
        )
    return k


# --------------------------------------------------------------------------- shared steps


def insert_shifts(s: Session, rows: list[dict[str, Any]]) -> list[Shift]:
    """Insert shifts with one INSERT … RETURNING and load them back, in the order given.

    Why not `Shift(...)`: constructing a SQLModel table object costs ~40 ms here (pydantic
    deep-copies the class's `_v` version Column, a private attribute, on every instance), which
    made a 13-week pattern take seconds; plain rows cost about as much as one object.
    """
    if not rows:
        return []
    stamp = utcnow()
    values = [{"version": 1, "created_at": stamp, "updated_at": stamp, **r} for r in rows]
    ids = s.execute(insert(Shift).returning(Shift.id, sort_by_parameter_order=True), values).scalars().all()
    loaded = {sh.id: sh for sh in s.execute(select(Shift).where(Shift.id.in_(ids))).scalars()}
    return [loaded[i] for i in ids]


def run_checks(s: Session, shifts: Sequence[Shift], policy: Policy, actor: Actor | None = None) -> list[Violation]:
    """Check the assistants of `shifts`; refuse on a blocking violation involving one of them,
    return the warnings that do — both in words `actor` may read (a supervisor learns nothing
    about other clients' shifts: services/scope_view.py)."""
    ids = {sh.id for sh in shifts}
    spans: dict[int, tuple[datetime, datetime]] = {}
    for sh in shifts:
        if sh.status in NOT_STAFFED:
            continue
        lo, hi = spans.get(sh.assistant_id, (sh.start_utc, sh.end_utc))
        spans[sh.assistant_id] = (min(lo, sh.start_utc), max(hi, sh.end_utc))
        refuse_absent(s, sh, policy)
    found: dict[tuple[str, tuple[int, ...], str], Violation] = {}
    if spans:
        # PostgreSQL: two saves for one assistant at once would each miss the other's shift (an
        # overlap nobody sees); the row lock makes the second wait and check after the first
        # commits. SQLite already serialises writers with BEGIN IMMEDIATE (FOR UPDATE is omitted).
        s.execute(select(Assistant.id).where(Assistant.id.in_(sorted(spans))).order_by(Assistant.id).with_for_update())
    for aid, (lo, hi) in sorted(spans.items()):
        for v in check_assistant_window(s, aid, lo, hi, policy=policy):
            if ids & set(v.shift_ids):
                found.setdefault((v.rule_id, v.shift_ids, v.detail), v)
    shown = redact_in(s, actor, found.values())
    refuse_blocking(shown)
    return shown


def refuse_absent(s: Session, sh: Shift, policy: Policy) -> None:
    """An assistant recorded absent (docs/absence.md) cannot be given a shift on those days."""
    from bpa_provider.services.vacancy import absent_on

    tz = client_info(s, sh.client_id, policy).tz
    away = absent_on(
        s, sh.assistant_id, local_date(sh.start_utc, tz), local_date(sh.end_utc - timedelta(microseconds=1), tz)
    )
    if away is not None:
        raise ValidationError(
            FieldError(
                "assistant_id",
                N_("The assistant is absent {a}–{b}; choose a substitute"),
                params={"a": format_date(away.from_date), "b": format_date(away.to_date)},
            )
        )


def _local(instant: datetime, tz: str) -> str:
    return f"{instant.astimezone(ZoneInfo(tz)):%d.%m.%Y %H:%M}"


def _summary(sh: Shift, info: ClientInfo, who: str) -> str:
    return f"{who} {_local(sh.start_utc, info.tz)}–{sh.end_utc.astimezone(ZoneInfo(info.tz)):%H:%M} ({sh.kind})"


def _ref(s: Session, assistant_id: int | None) -> str:
    if assistant_id is None:
        return ""
    return s.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""


def _load(s: Session, actor: Actor, shift_id: int, version: int | None, what: str) -> Shift:
    sh = s.get(Shift, shift_id)
    if sh is None:
        raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
    require(actor, "roster.write", client_id=sh.client_id, what=what)
    if version is not None and sh.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    return sh


def _withdraw(
    s: Session, actor: Actor, sh: Shift, info: ClientInfo, why: str, extra_days: tuple[date, date] | None = None
) -> None:
    first, last = shift_days(sh, info.tz)
    if extra_days:
        first, last = min(first, extra_days[0]), max(last, extra_days[1])
    withdraw_approvals(s, actor, sh.client_id, first, last, info.tz, info.ref, why)


# --------------------------------------------------------------------------- single shifts


@service
def create_shift(
    db: Database,
    actor: Actor,
    client_id: int,
    assistant_id: int | None,
    start: str | datetime,
    end: str | datetime,
    *,
    kind: str = "active",
    legal_basis: str = "",
    note: str = "",
    replaces_assistant_id: int | None = None,
    active_minutes: int = 0,
    vacant: bool = False,
    policy: Policy | None = None,
) -> SaveResult:
    """Plan one shift; `start`/`end` on the client's local clock (`end` may be just `HH:MM`).
    `vacant`: a shift nobody has yet (no assistant; `services.vacancy` finds and fills it), with
    every check of a shift but the assistant's."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.write", client_id=client_id, what="plan this client's shifts")
    pol = policy_or_default(policy)
    with db.write() as s:
        info = client_info(s, client_id, pol)
        errors: list[FieldError] = []
        if vacant:
            person = None
            if assistant_id is not None:
                errors.append(FieldError("assistant_id", N_("A vacant shift has no assistant yet")))
        else:
            person = _assistant(s, assistant_id, errors)
        if replaces_assistant_id is not None:
            _assistant(s, replaces_assistant_id, errors, "replaces_assistant_id")
            if replaces_assistant_id == assistant_id:
                errors.append(FieldError("replaces_assistant_id", N_("An assistant cannot replace themselves")))
        a, b = _times(start, end, info.tz, errors)
        k = _kind(kind, errors)
        basis = _text(legal_basis, "legal_basis", 200, errors)
        text = _text(note, "note", 500, errors, multiline=True)
        if active_minutes < 0:
            errors.append(FieldError("active_minutes", N_("cannot be negative")))
        if errors:
            raise ValidationError(errors)
        assert a is not None and b is not None and (person is not None or vacant)
        ensure_unlocked(s, client_id, local_date(a, info.tz), local_date(b - timedelta(microseconds=1), info.tz))
        (sh,) = insert_shifts(
            s,
            [
                dict(
                    client_id=client_id,
                    assistant_id=assistant_id,
                    start_utc=a,
                    end_utc=b,
                    kind=k,
                    legal_basis=basis,
                    note=text,
                    active_minutes=active_minutes,
                    replaces_assistant_id=replaces_assistant_id,
                    status="vacant" if vacant else "planned",
                )
            ],
        )
        _withdraw(s, actor, sh, info, f"shift #{sh.id} added")
        warnings = run_checks(s, [sh], pol, actor)  # a vacant shift: no assistant to check yet
        audit.record(
            s,
            actor,
            "create",
            "shift",
            sh.id,
            subject=info.ref,
            summary=_summary(sh, info, person.ref if person is not None else "vacant"),
            after=sh,
        )
        return SaveResult([sh], warnings)


@service
def update_shift(
    db: Database,
    actor: Actor,
    shift_id: int,
    version: int | None,
    *,
    start: str | datetime | None = None,
    end: str | datetime | None = None,
    kind: str | None = None,
    active_minutes: int | None = None,
    legal_basis: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> SaveResult:
    """Change a shift read at `version`. A pattern occurrence becomes detached (regeneration
    leaves it be). New times or active minutes on a shift that has started are a deviation:
    the plan is kept and the change waits for approval."""
    actor = scoped_actor(db, actor)
    pol = policy_or_default(policy)
    now = now or utcnow()
    with db.write() as s:
        sh = _load(s, actor, shift_id, version, "change shifts")
        info = client_info(s, sh.client_id, pol)
        if sh.status == "cancelled":
            raise ValidationError(
                N_("The shift {shift} is cancelled"), shift=describe_shifts([sh], {info.id: info}), field="status"
            )
        errors: list[FieldError] = []
        a, b = sh.start_utc, sh.end_utc
        if start is not None:
            try:
                a = to_utc(start, info.tz)
            except ValueError as exc:
                errors.append(FieldError.of("start", exc))
        if end is not None:
            try:
                b = end_to_utc(end, a, info.tz)
            except ValueError as exc:
                errors.append(FieldError.of("end", exc))
        if not errors and b <= a:
            errors.append(FieldError("end", N_("The shift must end after it starts")))
        elif not errors and b - a > MAX_SHIFT:
            errors.append(
                FieldError(
                    "end",
                    N_("A shift can be at most {h} hours long"),
                    params={"h": int(MAX_SHIFT.total_seconds() // 3600)},
                )
            )
        k = _kind(kind, errors) if kind is not None else sh.kind
        basis = _text(legal_basis, "legal_basis", 200, errors) if legal_basis is not None else sh.legal_basis
        text = _text(note, "note", 500, errors, multiline=True) if note is not None else sh.note
        if active_minutes is not None and active_minutes < 0:
            errors.append(FieldError("active_minutes", N_("cannot be negative")))
        if errors:
            raise ValidationError(errors)
        old_days = shift_days(sh, info.tz)
        ensure_unlocked(s, sh.client_id, *old_days)
        ensure_unlocked(s, sh.client_id, local_date(a, info.tz), local_date(b - timedelta(microseconds=1), info.tz))
        before = audit.snapshot(sh) or {}
        times_changed = (a, b) != (sh.start_utc, sh.end_utc)
        minutes_changed = active_minutes is not None and active_minutes != sh.active_minutes
        pay_changed = times_changed or minutes_changed or k != sh.kind
        if not (pay_changed or basis != sh.legal_basis or text != sh.note):
            return SaveResult([sh], [])
        if sh.start_utc <= now and (times_changed or minutes_changed):
            if sh.planned_start_utc is None:
                sh.planned_start_utc, sh.planned_end_utc = sh.start_utc, sh.end_utc
            back_to_plan = (a, b) == (sh.planned_start_utc, sh.planned_end_utc) and not minutes_changed
            sh.deviation_status = "none" if back_to_plan else "pending"
            if back_to_plan:
                sh.planned_start_utc = sh.planned_end_utc = None
            # The status stays: a pending deviation does not count as worked until it is decided
            # (the rule services/hours.py and the Swedish time report count by).
        sh.start_utc, sh.end_utc, sh.kind, sh.legal_basis, sh.note = a, b, k, basis, text
        if active_minutes is not None:
            sh.active_minutes = active_minutes
        if sh.pattern_id is not None:
            sh.detached = True
        sh.updated_at = utcnow()
        s.flush()
        if pay_changed:
            _withdraw(s, actor, sh, info, f"shift #{sh.id} changed", old_days)
        warnings = run_checks(s, [sh], pol, actor)
        if times_changed and sh.start_utc > now and sh.status == "planned":
            from bpa_provider.services import notify  # the new times, as an updated invitation

            notify.tell_shift(s, "shift_changed", sh, sh.assistant_id, method="REQUEST")
        after = audit.snapshot(sh) or {}
        changed = sorted(k2 for k2, v in after.items() if k2 not in ("version", "updated_at") and before.get(k2) != v)
        audit.record(
            s,
            actor,
            "update",
            "shift",
            sh.id,
            subject=info.ref,
            summary=f"shift changed: {', '.join(changed)}"
            + (" (deviation pending approval)" if sh.deviation_status == "pending" else ""),
            before=before,
            after=sh,
        )
        return SaveResult([sh], warnings)


@service
def cancel_shift(db: Database, actor: Actor, shift_id: int, version: int | None, reason: str = "") -> Shift:
    """Cancel a shift (kept, with status cancelled); a pattern occurrence stays cancelled."""
    actor = scoped_actor(db, actor)
    with db.write() as s:
        sh = _load(s, actor, shift_id, version, "cancel shifts")
        info = client_info(s, sh.client_id, policy_or_default(None))
        if sh.status == "cancelled":
            return sh
        errors: list[FieldError] = []
        why = _text(reason, "reason", 200, errors)
        if errors:
            raise ValidationError(errors)
        ensure_unlocked(s, sh.client_id, *shift_days(sh, info.tz))
        before = audit.snapshot(sh)
        sh.status = "cancelled"
        if sh.pattern_id is not None:
            sh.detached = True
        if why:
            sh.note = (f"{sh.note} | {why}" if sh.note else why)[:500]
        sh.updated_at = utcnow()
        s.flush()
        _withdraw(s, actor, sh, info, f"shift #{sh.id} cancelled")
        if sh.start_utc > utcnow() and sh.assistant_id is not None:
            from bpa_provider.services import notify  # the calendar entry goes too

            notify.tell_shift(s, "shift_cancelled", sh, sh.assistant_id, method="CANCEL")
        audit.record(
            s,
            actor,
            "cancel",
            "shift",
            sh.id,
            subject=info.ref,
            summary=f"shift cancelled{': ' + why if why else ''}",
            before=before,
            after=sh,
        )
        return sh


@service
def reassign_shift(
    db: Database,
    actor: Actor,
    shift_id: int,
    version: int | None,
    assistant_id: int,
    *,
    reason: str = "",
    policy: Policy | None = None,
) -> SaveResult:
    """Give a shift to another assistant (a substitute for a sick one). The first assistant is
    kept in `replaces_assistant_id`; giving it back to them clears it."""
    actor = scoped_actor(db, actor)
    pol = policy_or_default(policy)
    with db.write() as s:
        sh = _load(s, actor, shift_id, version, "reassign shifts")
        info = client_info(s, sh.client_id, pol)
        errors: list[FieldError] = []
        person = _assistant(s, assistant_id, errors)
        why = _text(reason, "reason", 200, errors)
        if sh.status == "cancelled":
            errors.append(
                FieldError(
                    "status",
                    N_("The shift {shift} is cancelled"),
                    params={"shift": describe_shifts([sh], {info.id: info})},
                )
            )
        vacant = sh.status == "vacant"  # filling a vacant shift (services/vacancy.py)
        if assistant_id == sh.assistant_id and not vacant:
            errors.append(FieldError("assistant_id", N_("The shift is already this assistant's")))
        if errors:
            raise ValidationError(errors)
        assert person is not None
        ensure_unlocked(s, sh.client_id, *shift_days(sh, info.tz))
        before = audit.snapshot(sh)
        old_ref = _ref(s, sh.assistant_id)
        previous_id = sh.assistant_id
        if sh.replaces_assistant_id is None and assistant_id != sh.assistant_id:
            sh.replaces_assistant_id = sh.assistant_id
        elif sh.replaces_assistant_id == assistant_id:
            sh.replaces_assistant_id = None
        sh.assistant_id = assistant_id
        if vacant:
            sh.status = "planned"
        if sh.pattern_id is not None:
            sh.detached = True
        if why:
            sh.note = (f"{sh.note} | {why}" if sh.note else why)[:500]
        sh.updated_at = utcnow()
        s.flush()
        _withdraw(s, actor, sh, info, f"shift #{sh.id} reassigned")
        warnings = run_checks(s, [sh], pol, actor)
        from bpa_provider.services import notify  # the outbox: told in the same transaction

        notify.tell_reassigned(s, sh, None if vacant else previous_id)
        audit.record(
            s,
            actor,
            "reassign",
            "shift",
            sh.id,
            subject=info.ref,
            summary=f"shift {old_ref} → {person.ref}{': ' + why if why else ''}",
            before=before,
            after=sh,
        )
        return SaveResult([sh], warnings)


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
        out.removed.append(sh.id)
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
            values[name] = _as_date(data[name], name, errors)
    if "kind" in data:
        values["kind"] = _kind(data["kind"], errors)
    if "name" in data:
        values["name"] = _text(data["name"], "name", 100, errors)
    for name in ("cycle_weeks", "cycle_week"):
        if name in data:
            try:
                values[name] = int(data[name])
            except (TypeError, ValueError):
                errors.append(FieldError(name, N_("must be a whole number")))
    if "assistant_id" in data:
        _assistant(s, data["assistant_id"], errors)
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
    return SaveResult([*gen.created, *gen.updated], warnings, p, len(gen.removed), tuple(gen.skipped))


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
    actor = scoped_actor(db, actor)
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
    actor = scoped_actor(db, actor)
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
    actor = scoped_actor(db, actor)
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
        for p in s.execute(q.order_by(RotaPattern.id)).scalars().all():
            info = client_info(s, p.client_id, pol)
            res = _generate_and_check(s, actor, p, info, max(p.valid_from, today), today, now, pol)
            shifts += res.shifts
            warnings += res.warnings
            removed += res.removed
            skipped += list(res.skipped)
        return SaveResult(shifts, warnings, None, removed, tuple(skipped))


@service
def list_patterns(db: Database, actor: Actor, client_id: int) -> list[RotaPattern]:
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return list(
            s.execute(
                select(RotaPattern)
                .where(RotaPattern.client_id == client_id)
                .order_by(RotaPattern.valid_from, RotaPattern.id)
            ).scalars()
        )


# --------------------------------------------------------------------------- copy a week


@service
def copy_week(
    db: Database, actor: Actor, client_id: int, week_start: date, weeks: int = 1, *, policy: Policy | None = None
) -> SaveResult:
    """Copy the client's shifts of the week from `week_start` to the following `weeks` weeks, at
    the same local times. Identical shifts already there are not doubled; the copies are single
    shifts (not pattern occurrences) without the substitute mark."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.write", client_id=client_id, what="plan this client's shifts")
    pol = policy_or_default(policy)
    if not 1 <= weeks <= MAX_COPY_WEEKS:
        raise ValidationError(N_("Copy to 1 to {n} weeks"), n=MAX_COPY_WEEKS, field="weeks")
    with db.write() as s:
        info = client_info(s, client_id, pol)
        zone = ZoneInfo(info.tz)
        lo, hi = local_range(week_start, week_start + timedelta(days=7), info.tz)
        source = [sh for sh in live_shifts(s, lo, hi, client_id=client_id) if sh.start_utc >= lo]
        if not source:
            raise ValidationError(
                N_("There are no shifts to copy in the week from {d}"), d=format_date(week_start), field="week"
            )
        t_lo, t_hi = local_range(week_start + timedelta(days=7), week_start + timedelta(days=7 * (weeks + 1)), info.tz)
        ensure_unlocked(s, client_id, week_start + timedelta(days=7), week_start + timedelta(days=7 * (weeks + 1) - 1))
        existing = {(o.assistant_id, o.start_utc, o.end_utc) for o in live_shifts(s, t_lo, t_hi, client_id=client_id)}
        new_rows: list[dict[str, Any]] = []
        skipped: list[str] = []
        for n in range(1, weeks + 1):
            for src in source:
                a_local = src.start_utc.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=n)
                b_local = src.end_utc.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=n)
                try:
                    a, b = local_to_utc(a_local, info.tz), local_to_utc(b_local, info.tz)
                except ValueError as exc:
                    skipped.append(f"{format_date(a_local.date())}: {exc}")
                    continue
                if (src.assistant_id, a, b) in existing:
                    continue
                existing.add((src.assistant_id, a, b))
                new_rows.append(
                    dict(
                        client_id=client_id,
                        assistant_id=src.assistant_id,
                        start_utc=a,
                        end_utc=b,
                        kind=src.kind,
                        legal_basis=src.legal_basis,
                        note=src.note,
                    )
                )
        created = insert_shifts(s, new_rows)
        warnings = run_checks(s, created, pol, actor)
        audit.record(
            s,
            actor,
            "copy",
            "shift",
            None,
            subject=info.ref,
            summary=f"week from {format_date(week_start)} copied to {weeks} week(s): {len(created)} shifts",
            after={"created": [sh.id for sh in created], "skipped": skipped},
        )
        return SaveResult(created, warnings, None, 0, tuple(skipped))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ShiftView:
    """A shift as people see it: local times in the client's zone, names, marks and violations."""

    id: int
    version: int | None
    client_id: int
    client_ref: str
    assistant_id: int
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
        person = people.get(sh.assistant_id)
        out.append(
            ShiftView(
                id=sh.id,
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
                violations=tuple((violations or {}).get(sh.id, ())),
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
    actor = scoped_actor(db, actor)
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
    actor = scoped_actor(db, actor)
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
    actor = scoped_actor(db, actor)
    with db.read() as s:
        sh = s.get(Shift, shift_id)
        if sh is None:
            raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
        require(actor, "roster.read", client_id=sh.client_id, what="see this client's roster")
        return sh


__all__ = [
    "SaveResult",
    "ShiftView",
    "WeekView",
    "assistant_shifts",
    "build_week",
    "cancel_shift",
    "client_week",
    "copy_week",
    "create_pattern",
    "create_shift",
    "end_to_utc",
    "extend_patterns",
    "get_shift",
    "list_patterns",
    "occurrences",
    "parse_weekdays",
    "reassign_shift",
    "to_utc",
    "update_pattern",
    "update_shift",
]
