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

This module holds the single shifts (add, change, cancel, reassign) and is the import point for
the rest: `roster_input` (reading what is typed), `roster_steps` (what every save shares),
`roster_patterns`, `roster_copy` and `roster_views` (the week and shift read models).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, service
from bpa_provider.services.period_rows import (
    ensure_unlocked,
    shift_days,
)
from bpa_provider.services.roster_input import (
    MAX_SHIFT,
    end_to_utc,
    find_assistant,
    read_kind,
    read_times,
    to_utc,
)
from bpa_provider.services.roster_steps import (
    SaveResult,
    assistant_ref,
    insert_shifts,
    load_shift,
    run_checks,
    shift_summary,
    withdraw_for,
)
from bpa_provider.services.validation import check_text
from bpa_provider.services.worktime import (
    client_info,
    describe_shifts,
    local_date,
    policy_or_default,
)

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
            person = find_assistant(s, assistant_id, errors)
        if replaces_assistant_id is not None:
            find_assistant(s, replaces_assistant_id, errors, "replaces_assistant_id")
            if replaces_assistant_id == assistant_id:
                errors.append(FieldError("replaces_assistant_id", N_("An assistant cannot replace themselves")))
        a, b = read_times(start, end, info.tz, errors)
        k = read_kind(kind, errors)
        basis = check_text(legal_basis, "legal_basis", 200, errors=errors)
        text = check_text(note, "note", 500, multiline=True, errors=errors)
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
        withdraw_for(s, actor, sh, info, f"shift #{sh.id} added")
        warnings = run_checks(s, [sh], pol, actor)  # a vacant shift: no assistant to check yet
        audit.record(
            s,
            actor,
            "create",
            "shift",
            sh.id,
            subject=info.ref,
            summary=shift_summary(sh, info, person.ref if person is not None else "vacant"),
            after=sh,
        )
        return SaveResult([sh], warnings, zones={sh.client_id: info.tz})


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
    pol = policy_or_default(policy)
    now = now or utcnow()
    with db.write() as s:
        sh = load_shift(s, actor, shift_id, version, "change shifts")
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
        k = read_kind(kind, errors) if kind is not None else sh.kind
        basis = (
            check_text(legal_basis, "legal_basis", 200, errors=errors) if legal_basis is not None else sh.legal_basis
        )
        text = check_text(note, "note", 500, multiline=True, errors=errors) if note is not None else sh.note
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
            return SaveResult([sh], [], zones={sh.client_id: info.tz})
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
            withdraw_for(s, actor, sh, info, f"shift #{sh.id} changed", old_days)
        warnings = run_checks(s, [sh], pol, actor)
        if times_changed and sh.start_utc > now and sh.status == "planned" and sh.assistant_id is not None:
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
        return SaveResult([sh], warnings, zones={sh.client_id: info.tz})


@service
def cancel_shift(db: Database, actor: Actor, shift_id: int, version: int | None, reason: str = "") -> Shift:
    """Cancel a shift (kept, with status cancelled); a pattern occurrence stays cancelled."""
    with db.write() as s:
        sh = load_shift(s, actor, shift_id, version, "cancel shifts")
        info = client_info(s, sh.client_id, policy_or_default(None))
        if sh.status == "cancelled":
            return sh
        errors: list[FieldError] = []
        why = check_text(reason, "reason", 200, errors=errors)
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
        withdraw_for(s, actor, sh, info, f"shift #{sh.id} cancelled")
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
    pol = policy_or_default(policy)
    with db.write() as s:
        sh = load_shift(s, actor, shift_id, version, "reassign shifts")
        info = client_info(s, sh.client_id, pol)
        errors: list[FieldError] = []
        person = find_assistant(s, assistant_id, errors)
        why = check_text(reason, "reason", 200, errors=errors)
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
        old_ref = assistant_ref(s, sh.assistant_id)
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
        withdraw_for(s, actor, sh, info, f"shift #{sh.id} reassigned")
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
        return SaveResult([sh], warnings, zones={sh.client_id: info.tz})


# The import point for screens/, cli/ and the other services: the names that moved to the roster_*
# modules are re-exported here, so `from bpa_provider.services import roster` keeps working.
from bpa_provider.services.roster_copy import MAX_COPY_WEEKS, copy_week  # noqa: E402
from bpa_provider.services.roster_input import (  # noqa: E402
    WEEKDAY_NAMES,
    parse_time_of_day,
    parse_weekdays,
)
from bpa_provider.services.roster_patterns import (  # noqa: E402
    create_pattern,
    extend_patterns,
    horizon,
    list_patterns,
    occurrence_times,
    occurrences,
    update_pattern,
)
from bpa_provider.services.roster_steps import refuse_absent  # noqa: E402
from bpa_provider.services.roster_views import (  # noqa: E402
    DayView,
    ShiftView,
    WeekView,
    assistant_shifts,
    build_week,
    client_week,
    get_shift,
    views,
)

# The shift import (services/import_fast.py, import_rows.py) checks a row as `roster add` does,
# under the names it has always imported.


def _text(value: Any, name: str, max_len: int, errors: list[FieldError], *, multiline: bool = False) -> str:
    """A shift's note or legal basis by the one text rule (`validation.check_text`)."""
    return check_text(value, name, max_len, multiline=multiline, errors=errors)


_kind = read_kind
_times = read_times

__all__ = [
    "MAX_COPY_WEEKS",
    "MAX_SHIFT",
    "WEEKDAY_NAMES",
    "DayView",
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
    "horizon",
    "insert_shifts",
    "list_patterns",
    "occurrence_times",
    "occurrences",
    "parse_time_of_day",
    "parse_weekdays",
    "reassign_shift",
    "refuse_absent",
    "run_checks",
    "to_utc",
    "update_pattern",
    "update_shift",
    "views",
]
