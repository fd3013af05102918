"""Working-time rule engine: rest, hour limits, night work, overlaps and credentials.

Pure functions over plain facts (no database, no I/O).  Norway follows
arbeidsmiljøloven chapter 10, Sweden Arbetstidslagen and the domestic-work act;
see docs/domain.md ("Assistants: employment and working time", "Sweden").
Every limit is a `RuleSet` field, so tariff and local agreements are
configuration (`profile()` returns the named presets).

This module is the engine and the import point of every public name; the parts live beside it:
`worktime_types` (facts, violations, rule sets, laws and severities), `worktime_schedule` (instants
in integer microseconds, timelines, the schedule every rule measures, the wording of a violation),
`worktime_clock` (rest, hour limits, night work, Sweden's averages), `worktime_ch10` (overtime,
Sundays and holidays, breaks) and `worktime_credentials` (employment, assignment, certificates,
training, Försäkringskassan).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.worktime_ch10 import check_more
from bpa_provider.rules.worktime_clock import (
    _average,
    _daily,
    _long_shifts,
    _night,
    _overlaps,
    _overtime,
    _weekly,
)
from bpa_provider.rules.worktime_credentials import check_credentials, police_certificate_required
from bpa_provider.rules.worktime_schedule import _ceil1, _h, _message, _prepare, _Schedule, _sort, _to_us
from bpa_provider.rules.worktime_types import (
    DEFAULT_SEVERITIES,
    RULE_LAWS,
    SHIFT_KINDS,
    AssistantContext,
    RuleSet,
    ShiftFact,
    Violation,
    profile,
    with_overtime_agreement,
)

__all__ = [
    "SHIFT_KINDS",
    "AssistantContext",
    "DEFAULT_SEVERITIES",
    "RULE_LAWS",
    "RuleSet",
    "ShiftFact",
    "Violation",
    "check_assistant",
    "check_client_overlap",
    "check_credentials",
    "police_certificate_required",
    "profile",
    "with_overtime_agreement",
]


def check_assistant(
    shifts: Sequence[ShiftFact], rules: RuleSet, *, holidays: Collection[date] = frozenset()
) -> list[Violation]:
    """All working-time violations in one assistant's shifts (every client).

    The schedule is taken as complete: rest before the first and after the
    last shift given counts as rest, weeks before it had no overtime.
    `holidays` are the public holidays of the rule set's country (for
    NO-SUNDAY).  Sorted by the first shift's start.
    """
    if not shifts:
        return []
    facts = _prepare(shifts, "assistant_id")
    sched = _Schedule(facts, rules)
    weeks = sched.work_weeks()
    out = _overlaps(sched)
    if rules.country == "NO":
        out += _daily(sched, "NO-REST-DAILY", hour_limits=True)
        out += _weekly(sched, weeks, "NO-REST-WEEKLY", hour_limits=True)
        out += _long_shifts(sched)
        out += _night(sched, weeks)
    else:
        out += _daily(sched, "SE-REST-DAILY", hour_limits=False)
        out += _weekly(sched, weeks, "SE-REST-WEEKLY", hour_limits=False)
        if rules.avg_week_hours is not None:
            m = rules.avg_period_months
            out += _average(
                sched,
                "SE-AVG-WEEK",
                sched.work_months(),
                relativedelta(months=m),
                rules.avg_week_hours,
                Msg(N_("{n} months"), n=m),
                {"months": m},
            )
        if rules.overtime_year_hours is not None:
            out += _overtime(sched, weeks)
        if rules.domestic_week_hours is not None:
            n = rules.domestic_avg_days
            out += _average(
                sched,
                "SE-DOMESTIC-WEEK",
                weeks,
                timedelta(days=n),
                rules.domestic_week_hours,
                Msg(N_("{n} days"), n=n),
                {"days": n},
            )
    out += check_more(sched, weeks, holidays)
    return _sort(out, {f.id: f.start for f in facts})


def check_client_overlap(
    shifts: Sequence[ShiftFact], two_helpers_allowed: bool, rules: RuleSet, *, names: Mapping[int, str] | None = None
) -> list[Violation]:
    """Two different assistants with one client at once, when the decision
    grants no two-helper hours (one per overlapping pair of shifts).

    `names` maps assistant ids to the references people know them by
    (A-0012); an id without one is shown as "#id"."""
    names = names or {}
    if not shifts or two_helpers_allowed:
        return []
    facts = _prepare(shifts, "client_id")
    out: list[Violation] = []
    active: list[ShiftFact] = []
    for f in facts:
        active = [g for g in active if g.end > f.start]
        for g in active:
            if g.assistant_id == f.assistant_id:
                continue  # the same person twice is NO-OVERLAP, found per assistant
            overlap = _to_us(min(g.end, f.end)) - _to_us(f.start)
            out.append(
                _message(
                    "NO-TWO-HELPERS",
                    rules,
                    (g.id, f.id),
                    N_("assistants {first} and {second} overlap by {hours} h; the decision grants no two-helper hours"),
                    {
                        "first": names.get(g.assistant_id, f"#{g.assistant_id}"),
                        "second": names.get(f.assistant_id, f"#{f.assistant_id}"),
                        "hours": _ceil1(overlap),
                    },
                    {"overlap_hours": _h(overlap)},
                    # Sweden: hours outside the decision are not compensated.
                    not_payable=rules.country == "SE",
                )
            )
        active.append(f)
    return _sort(out, {f.id: f.start for f in facts})
