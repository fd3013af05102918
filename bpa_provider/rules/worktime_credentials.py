"""The credential rules: employment, assignment, police certificate, confidentiality
declaration, required training and (Sweden) the report to Försäkringskassan, for one assistant's
shifts (`check_credentials`). A shift's local dates are worked out once per distinct start, end
and zone; a shift's dates mostly lie in one employment or assignment period, checked at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from bpa_provider.i18n import N_, LocalTime, Msg
from bpa_provider.rules.worktime_schedule import _message, _prepare, _sort
from bpa_provider.rules.worktime_types import _ONE_US, AssistantContext, RuleSet, ShiftFact, Violation, _zone


def _shift_dates(f: ShiftFact) -> list[date]:
    """Local calendar dates the shift touches (a night shift touches two)."""
    return list(_dates_between(f.start, f.end, f.tz))


@lru_cache(maxsize=65536)
def _dates_between(start: datetime, end: datetime, tz_name: str) -> tuple[date, ...]:
    # Shifts repeat their times (every assistant of a client starts at 07:00): made once per
    # distinct start, end and zone.
    tz = _zone(tz_name)
    first = start.astimezone(tz).date()
    last = (end - _ONE_US).astimezone(tz).date()
    return tuple(first + timedelta(days=i) for i in range((last - first).days + 1))


def _covered(d: date, periods: Sequence[tuple[date, date | None]]) -> bool:
    return any(s <= d and (e is None or d <= e) for s, e in periods)


def _all_covered(dates: tuple[date, ...], periods: Sequence[tuple[date, date | None]]) -> bool:
    """Every one of a shift's (consecutive) dates inside some period. Mostly one period holds
    them all, which is one comparison each way instead of one scan per date."""
    first, last = dates[0], dates[-1]
    for s, e in periods:
        if s <= first and (e is None or last <= e):
            return True
    return all(_covered(d, periods) for d in dates)


def police_certificate_required(
    day: date, employments: Sequence[tuple[date, date | None]], cutoff: date | None
) -> bool:
    """helse- og omsorgstjenesteloven § 5-4 asks for a police certificate from everyone hired on
    or after 1 January 2017 (`cutoff`, from the policy): not required on a day covered by an
    employment that started before the cut-off. A day outside every employment needs one (that
    day is refused for want of an employment anyway)."""
    if cutoff is None:
        return True
    return not any(s < cutoff and s <= day and (e is None or day <= e) for s, e in employments)


def check_credentials(shifts: Sequence[ShiftFact], ctx: AssistantContext, rules: RuleSet) -> list[Violation]:
    """Employment, assignment, certificate, declaration, training and (SE)
    Försäkringskassan reporting for one assistant's shifts.

    One violation per rule (per rule and client for client-level rules),
    listing every affected shift.
    """
    if not shifts:
        return []
    facts = _prepare(shifts, "assistant_id")
    groups: dict[tuple[str, int | None], list[ShiftFact]] = {}
    employments, assignments = ctx.employments, ctx.assignments
    cutoff, police_on, confidentiality_on = (
        rules.police_certificate_from,
        ctx.police_certificate_on,
        ctx.confidentiality_on,
    )
    # police_certificate_required, answered once: only employments from before the cut-off can
    # waive the certificate, and mostly there are none.
    grandfathered = [] if cutoff is None else [(s, e) for s, e in employments if s < cutoff]
    sweden = rules.country == "SE"
    for f in facts:
        dates = _dates_between(f.start, f.end, f.tz)
        first = dates[0]
        failed: list[tuple[str, int | None]] = []
        if not _all_covered(dates, employments):
            failed.append(("NO-EMPLOYMENT", None))
        if not _all_covered(dates, assignments.get(f.client_id, ())):
            failed.append(("NO-ASSIGNMENT", f.client_id))
        if (police_on is None or police_on > first) and (
            not grandfathered or police_certificate_required(first, grandfathered, cutoff)
        ):
            failed.append(("NO-POLICE-CERT", None))
        if confidentiality_on is None or confidentiality_on > first:
            failed.append(("NO-CONFIDENTIALITY", None))
        if ctx.required_trainings_missing.get(f.client_id):
            failed.append(("NO-TRAINING", f.client_id))
        if sweden:
            reported = ctx.fk_reported.get(f.client_id)
            if reported is None or reported > first:
                failed.append(("SE-FK-REPORTED", f.client_id))
        for key in failed:
            groups.setdefault(key, []).append(f)

    def when(fs: list[ShiftFact]) -> Msg:
        day = LocalTime(_shift_dates(fs[0])[0].isoformat())
        return (
            Msg(N_("1 shift from {day}"), day=day)
            if len(fs) == 1
            else Msg(N_("{n} shifts from {day}"), n=len(fs), day=day)
        )

    def on(d: date | None) -> Msg:
        return Msg(N_("none on record")) if d is None else Msg(N_("dated {day}"), day=LocalTime(d.isoformat()))

    out = []
    for (rule_id, client_id), fs in groups.items():
        params: dict[str, Any] = {"when": when(fs), "client": fs[0].client_ref or str(client_id)}
        if rule_id == "NO-EMPLOYMENT":
            template = N_("{when} outside every employment period")
        elif rule_id == "NO-ASSIGNMENT":
            template = N_("{when} outside an assignment to client {client}")
        elif rule_id == "NO-POLICE-CERT":
            template, params["on"] = N_("{when} before the police certificate ({on})"), on(ctx.police_certificate_on)
        elif rule_id == "NO-CONFIDENTIALITY":
            template = N_("{when} before the confidentiality declaration ({on})")
            params["on"] = on(ctx.confidentiality_on)
        elif rule_id == "NO-TRAINING":
            assert client_id is not None  # grouped by the shift's client (see `failed` above)
            template = N_("{when} for client {client} without required training: {missing}")
            params["missing"] = ", ".join(ctx.required_trainings_missing[client_id])
        else:
            assert client_id is not None
            template = N_("{when} for client {client} before the report to Försäkringskassan ({on})")
            params["on"] = on(ctx.fk_reported.get(client_id))
        out.append(_message(rule_id, rules, tuple(f.id for f in fs), template, params, {"shift_count": len(fs)}))
    return _sort(out, {f.id: f.start for f in facts})
