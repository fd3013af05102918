"""Working-time rule engine: rest, hour limits, night work, overlaps and credentials.

Pure functions over plain facts (no database, no I/O).  Norway follows
arbeidsmiljøloven chapter 10, Sweden Arbetstidslagen and the domestic-work act;
see docs/domain.md ("Assistants: employment and working time", "Sweden").
Every limit is a `RuleSet` field, so tariff and local agreements are
configuration (`profile()` returns the named presets).

Internally every instant is an integer count of microseconds since the Unix
epoch (UTC): durations are then real elapsed time (a DST night is 9 h or 11 h)
and edge cases such as "exactly 11 h of rest" compare exactly, without float
noise.  Local time (calendar weeks, months, night windows) is only used to
find boundaries, which are converted straight back to UTC instants.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from bpa_provider.i18n import N_, Figure, LocalTime, Msg, render_message

__all__ = [
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

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_ONE_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US
_WEEK_US = 7 * _DAY_US

SHIFT_KINDS = frozenset({"active", "passive", "night"})

# Where each rule comes from, shown to planners next to the violation. A text with words beside the
# law's name is a message id (N_), translated where it is shown; a law's name alone stays as it is.
RULE_LAWS: Mapping[str, str] = MappingProxyType(
    {
        "NO-REST-DAILY": "arbeidsmiljøloven § 10-8 (1)",
        "NO-REST-WEEKLY": "arbeidsmiljøloven § 10-8 (2)",
        "NO-NORMAL-DAY": "arbeidsmiljøloven § 10-4 (1)",
        "NO-NORMAL-WEEK": "arbeidsmiljøloven § 10-4 (1)",
        "NO-TOTAL-24H": "arbeidsmiljøloven § 10-6",
        "NO-LONG-SHIFT": "arbeidsmiljøloven §§ 10-4, 10-5; FOR-2017-06-25-1052",
        "NO-NIGHT": "arbeidsmiljøloven § 10-11 (6)",
        "NO-OVERTIME": "arbeidsmiljøloven § 10-6",
        "NO-SUNDAY": "arbeidsmiljøloven §§ 10-8 (4), 10-10",
        "NO-BREAK": "arbeidsmiljøloven § 10-9",
        "NO-PASSIVE": "arbeidsmiljøloven § 10-4 (2)",
        "NO-OVERLAP": N_("— (one assistant cannot work two shifts at once)"),
        "NO-TWO-HELPERS": N_("vedtak / beslut (two helpers at once only when the decision grants it)"),
        "NO-EMPLOYMENT": N_("policy: shifts only within an employment period"),
        "NO-ASSIGNMENT": N_("policy: shifts only within an assignment to the client"),
        "NO-POLICE-CERT": "helse- og omsorgstjenesteloven § 5-4",
        "NO-CONFIDENTIALITY": N_("forvaltningsloven § 13; NS 8435 (policy: signed before the first shift)"),
        "NO-TRAINING": N_("policy: required training for the client completed"),
        "SE-REST-DAILY": "Arbetstidslagen § 13",
        "SE-REST-WEEKLY": "Arbetstidslagen § 14",
        "SE-AVG-WEEK": "Arbetstidslagen § 10 b",
        "SE-OVERTIME": "Arbetstidslagen § 8",
        "SE-BREAK": "Arbetstidslagen § 15",
        # § 2 of the act holds the 40 h + 12 h (supervision) ordinary week averaged
        # over four weeks; § 3 is its overtime rule.
        "SE-DOMESTIC-WEEK": "Lag (1970:943) om arbetstid m.m. i husligt arbete § 2",
        "SE-FK-REPORTED": N_("Försäkringskassan: assistant reported (form 3066) before the first hour"),
    }
)

# Swedish law does not require a police certificate for assistance to adults;
# when a Swedish rule set checks it, it is the provider's own policy.
_SE_LAW_OVERRIDES: Mapping[str, str] = MappingProxyType(
    {
        "NO-POLICE-CERT": N_("policy (utdrag ur belastningsregistret)"),
        "NO-CONFIDENTIALITY": N_("policy (tystnadsplikt, signed before the first shift)"),
    }
)

# (policy) Only what can never be right is blocked: overlaps, long shifts with
# no recorded basis, and missing credentials.  Hour and rest limits warn, since
# agreements, dispensations and recorded legal bases can make them lawful, and
# in Sweden the money consequence is carried by `not_payable`.
DEFAULT_SEVERITIES: Mapping[str, str] = MappingProxyType(
    {
        "NO-REST-DAILY": "warn",
        "NO-REST-WEEKLY": "warn",
        "NO-NORMAL-DAY": "warn",
        "NO-NORMAL-WEEK": "warn",
        "NO-TOTAL-24H": "warn",
        "NO-LONG-SHIFT": "block",
        "NO-NIGHT": "warn",
        "NO-OVERTIME": "warn",
        "NO-SUNDAY": "warn",
        "NO-BREAK": "warn",
        "NO-PASSIVE": "warn",
        "NO-OVERLAP": "block",
        "NO-TWO-HELPERS": "warn",
        "NO-EMPLOYMENT": "block",
        "NO-ASSIGNMENT": "block",
        "NO-POLICE-CERT": "block",
        "NO-CONFIDENTIALITY": "block",
        "NO-TRAINING": "block",
        "SE-REST-DAILY": "warn",
        "SE-REST-WEEKLY": "warn",
        "SE-AVG-WEEK": "warn",
        "SE-OVERTIME": "warn",
        "SE-BREAK": "warn",
        "SE-DOMESTIC-WEEK": "warn",
        "SE-FK-REPORTED": "block",
    }
)

_SEVERITY_VALUES = frozenset({"warn", "block"})


# ---------------------------------------------------------------------------
# Facts and results
# ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class ShiftFact:
    """One shift as the rules see it; start/end are normalised to UTC."""

    id: int
    assistant_id: int
    client_id: int
    start: datetime
    end: datetime
    kind: str = "active"
    tz: str = "Europe/Oslo"
    legal_basis: str | None = None
    client_ref: str = ""  # how a refusal names the shift's client (K-0001); empty: by day and time only

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"shift {self.id}: start and end must be timezone-aware")
        # Normalise to UTC: subtracting two datetimes that share a ZoneInfo is
        # wall-clock arithmetic in Python, which would get DST nights wrong.
        # (Already UTC, as stored shifts are: nothing to convert — a check of 100,000.)
        if self.start.tzinfo is not _UTC:
            object.__setattr__(self, "start", self.start.astimezone(_UTC))
        if self.end.tzinfo is not _UTC:
            object.__setattr__(self, "end", self.end.astimezone(_UTC))
        if self.end <= self.start:
            raise ValueError(f"shift {self.id}: end must be after start")
        if self.kind not in SHIFT_KINDS:
            raise ValueError(f"shift {self.id}: kind must be one of {sorted(SHIFT_KINDS)}")
        _zone(self.tz)


@dataclass(frozen=True)
class Violation:
    """One broken rule. `detail` is English; a rule that words its detail as a
    message id (`template`, marked with N_(), and `params`) is shown in the
    reader's language by `text()`."""

    rule_id: str
    law: str
    shift_ids: tuple[int, ...]
    detail: str
    severity: str
    numbers: dict[str, Any]
    not_payable: bool = False
    template: str = field(default="", compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def text(self) -> str:
        """The detail in the current language (English when the rule has no template)."""
        if not self.template:
            return self.detail
        return render_message(self.template, dict(self.params))


def _frozen_mapping() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RuleSet:
    """The limits one employer applies; `profile()` gives the presets.

    Fields after `severities` are keyword-only extensions of the agreed API.
    `severities` may name only the rules it overrides: the rest keep
    `DEFAULT_SEVERITIES`.
    """

    name: str
    country: str
    daily_rest_hours: float = 11.0
    weekly_rest_hours: float = 35.0
    week_start_weekday: int = 0
    normal_day_hours: float = 9.0
    normal_week_hours: float = 40.0
    total_24h_hours: float = 13.0
    long_shift_hours: float = 12.5
    night_start: time = time(21)
    night_end: time = time(6)
    night_hours_per_24h: float = 8.0
    night_avg_weeks: int = 4
    avg_week_hours: float | None = None
    avg_period_months: int = 4
    overtime_year_hours: float | None = None
    domestic_week_hours: float | None = None
    severities: Mapping[str, str] = field(default_factory=_frozen_mapping, hash=False)
    # § 10-4 (2): passive time may extend the normal day/week by half of it,
    # at most 2 h per 24 h and 10 h per week, never beyond 48 h per week.
    passive_extension_day_hours: float = field(default=2.0, kw_only=True)
    passive_extension_week_hours: float = field(default=10.0, kw_only=True)
    passive_week_cap_hours: float = field(default=48.0, kw_only=True)
    # § 10-11 (6): a night worker "regularly works more than three hours at night".
    night_worker_min_hours: float = field(default=3.0, kw_only=True)
    # Domestic-work act: the averaging period of domestic_week_hours.
    domestic_avg_days: int = field(default=28, kw_only=True)
    # § 10-6: overtime (work beyond normal_day_hours / normal_week_hours) at
    # most 10 h per 7 days, 25 h per 4 weeks, 200 h per 52 weeks; by
    # agreement 20/50/300 (`with_overtime_agreement`). None: not checked.
    overtime_week_hours: float | None = field(default=10.0, kw_only=True)
    overtime_4weeks_hours: float | None = field(default=25.0, kw_only=True)
    overtime_52weeks_hours: float | None = field(default=200.0, kw_only=True)
    # §§ 10-8 (4), 10-10: Sunday/holiday work is work from 18:00 the day before
    # to 22:00 on the Sunday or holiday; the next one must then be off, unless
    # averaged (by agreement) over `sunday_average_weeks` with at least every
    # `sunday_off_every`-th Sunday/holiday off.
    sunday_eve_from: time = field(default=time(18), kw_only=True)
    sunday_until: time = field(default=time(22), kw_only=True)
    sunday_average_weeks: int | None = field(default=None, kw_only=True)
    sunday_off_every: int = field(default=4, kw_only=True)
    # § 10-9 / Arbetstidslagen § 15: breaks.  In BPA the assistant usually
    # cannot leave the client, so the break is taken inside the shift, paid
    # and counted as work time (policy): nothing on the roster shows it and
    # nothing is checked.  False: a break is time off between shifts.
    breaks_in_shift: bool = field(default=True, kw_only=True)
    break_after_hours: float = field(default=5.5, kw_only=True)
    break_total_from_hours: float = field(default=8.0, kw_only=True)
    break_total_minutes: float = field(default=30.0, kw_only=True)
    se_break_after_hours: float = field(default=5.0, kw_only=True)
    # helse- og omsorgstjenesteloven § 5-4: a police certificate only for
    # employments starting on or after this date (None: every employment).
    police_certificate_from: date | None = field(default=date(2017, 1, 1), kw_only=True)

    def __post_init__(self) -> None:
        if self.country not in ("NO", "SE"):
            raise ValueError(f"country must be 'NO' or 'SE', not {self.country!r}")
        if not 0 <= self.week_start_weekday <= 6:
            raise ValueError("week_start_weekday must be 0 (Monday) .. 6 (Sunday)")
        if self.night_avg_weeks < 1 or self.avg_period_months < 1 or self.domestic_avg_days < 1:
            raise ValueError("averaging periods must be at least 1")
        if (self.sunday_average_weeks is not None and self.sunday_average_weeks < 1) or self.sunday_off_every < 1:
            raise ValueError("the Sunday averaging period and interval must be at least 1")
        merged = dict(DEFAULT_SEVERITIES)
        merged.update(self.severities)
        bad = {k: v for k, v in merged.items() if v not in _SEVERITY_VALUES}
        if bad:
            raise ValueError(f"severities must be 'warn' or 'block': {bad}")
        object.__setattr__(self, "severities", MappingProxyType(merged))


def with_overtime_agreement(rules: RuleSet) -> RuleSet:
    """§ 10-6 (4)/(5): the overtime limits a written agreement allows, 20 h per 7 days, 50 h per
    4 weeks, 300 h per 52 weeks."""
    return replace(rules, overtime_week_hours=20.0, overtime_4weeks_hours=50.0, overtime_52weeks_hours=300.0)


def profile(name: str) -> RuleSet:
    """The named preset: no-default, no-tariff, se-default or se-domestic."""
    if name == "no-default":
        return RuleSet(name=name, country="NO")
    if name == "no-tariff":
        # § 10-8 (3): a tariff agreement may shorten rest to 8 h daily, 28 h weekly.
        return RuleSet(name=name, country="NO", daily_rest_hours=8.0, weekly_rest_hours=28.0)
    if name == "se-default":
        return RuleSet(
            name=name,
            country="SE",
            daily_rest_hours=11.0,
            weekly_rest_hours=36.0,
            avg_week_hours=48.0,
            avg_period_months=4,
            overtime_year_hours=200.0,
        )
    if name == "se-domestic":
        # Work in the employer's household falls outside Arbetstidslagen's hour
        # limits (its § 2) and under the domestic-work act instead; the rest
        # rules are kept as the provider's floor.
        return RuleSet(
            name=name,
            country="SE",
            daily_rest_hours=11.0,
            weekly_rest_hours=36.0,
            domestic_week_hours=52.0,
        )
    raise ValueError(f"unknown rule profile {name!r}")


@dataclass(frozen=True)
class AssistantContext:
    """One assistant's credentials, as of the check."""

    employments: Sequence[tuple[date, date | None]]
    assignments: Mapping[int, Sequence[tuple[date, date | None]]]
    police_certificate_on: date | None
    confidentiality_on: date | None
    fk_reported: Mapping[int, date] = field(default_factory=_frozen_mapping)
    required_trainings_missing: Mapping[int, tuple[str, ...]] = field(default_factory=_frozen_mapping)


# ---------------------------------------------------------------------------
# Time helpers (integer microseconds since the epoch, UTC)
# ---------------------------------------------------------------------------


def _to_us(dt: datetime) -> int:
    return (dt - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _hours_us(hours: float) -> int:
    return round(hours * _HOUR_US)


@lru_cache(maxsize=4096)
def _local_us(d: date, t: time, tz: str) -> int:
    """The UTC instant of local wall time d t in tz (DST-aware)."""
    return _to_us(datetime.combine(d, t, tzinfo=_zone(tz)))


def _local_date(us: int, tz: str) -> date:
    return _from_us(us).astimezone(_zone(tz)).date()


def _week_start(us: int, tz: str, weekday: int) -> date:
    d = _local_date(us, tz)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _fmt_local(us: int, tz: str) -> LocalTime:
    return LocalTime(f"{_from_us(us).astimezone(_zone(tz)):%Y-%m-%d %H:%M}")


def _h(us: int) -> float:
    return round(us / _HOUR_US, 4)


# Displayed numbers are rounded towards the lawful side, so a failing value
# never prints as the limit itself (10 h 59 min shows as 10.9, not 11.0).
def _floor1(us: int) -> Figure:
    return Figure(f"{math.floor(us * 10 / _HOUR_US) / 10:.1f}")


def _ceil1(us: int) -> Figure:
    return Figure(f"{math.ceil(us * 10 / _HOUR_US) / 10:.1f}")


def _g(hours: float) -> Figure:
    return Figure(f"{hours:g}")


class _Timeline:
    """Disjoint sorted work periods with prefix sums.

    Answers "seconds of work in [a, b)" in O(log n) and "longest rest in
    [a, b)" in O(log n + periods inside), which keeps every window check to
    its neighbourhood instead of scanning all shifts.
    """

    __slots__ = ("starts", "ends", "cum")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in intervals:  # sorted by start
            if merged and s <= merged[-1][1]:
                # Touching shifts form one work period: no rest between them.
                if e > merged[-1][1]:
                    merged[-1][1] = e
            else:
                merged.append([s, e])
        self.starts = [p[0] for p in merged]
        self.ends = [p[1] for p in merged]
        self.cum = [0]
        for s, e in merged:
            self.cum.append(self.cum[-1] + e - s)

    def work(self, a: int, b: int) -> int:
        i = bisect_right(self.ends, a)
        j = bisect_left(self.starts, b)
        if i >= j:
            return 0
        total = self.cum[j] - self.cum[i]
        total -= max(0, a - self.starts[i])
        total -= max(0, self.ends[j - 1] - b)
        return total

    def max_rest(self, a: int, b: int) -> int:
        """Longest work-free stretch inside [a, b); rest outside does not count."""
        i = bisect_right(self.ends, a)
        j = bisect_left(self.starts, b)
        cursor, best = a, 0
        for k in range(i, j):
            best = max(best, self.starts[k] - cursor)
            cursor = max(cursor, self.ends[k])
        return max(best, b - cursor)


class _Schedule:
    """One assistant's shifts, sorted once, with the indexes the rules share."""

    def __init__(self, facts: list[ShiftFact], rules: RuleSet) -> None:
        self.rules = rules
        self.facts = facts
        self.starts = [_to_us(f.start) for f in facts]
        self.ends = [_to_us(f.end) for f in facts]
        self.max_len = max(e - s for s, e in zip(self.starts, self.ends))
        self.work = _Timeline(zip(self.starts, self.ends))
        self.passive = _Timeline((s, e) for s, e, f in zip(self.starts, self.ends, facts) if f.kind == "passive")
        # (decision) Calendar weeks and months follow the time zone of the
        # assistant's first shift: one reference frame, even across clients.
        self.tz = facts[0].tz
        self._night: dict[int, int] = {}

    def shifts_in(self, a: int, b: int) -> tuple[int, ...]:
        """Indexes of shifts overlapping [a, b), in start order."""
        lo = bisect_left(self.starts, a - self.max_len)
        hi = bisect_left(self.starts, b)
        return tuple(k for k in range(lo, hi) if self.ends[k] > a)

    def ids(self, idx: Iterable[int]) -> tuple[int, ...]:
        return tuple(self.facts[k].id for k in idx)

    def midnight_us(self, d: date) -> int:
        return _local_us(d, time(0), self.tz)

    def work_weeks(self) -> list[date]:
        """Local start dates of every calendar week holding some work."""
        wd = self.rules.week_start_weekday
        weeks: set[date] = set()
        for s, e in zip(self.work.starts, self.work.ends):
            d = _week_start(s, self.tz, wd)
            while self.midnight_us(d) < e:
                weeks.add(d)
                d += timedelta(days=7)
        return sorted(weeks)

    def work_months(self) -> list[date]:
        months: set[date] = set()
        for s, e in zip(self.work.starts, self.work.ends):
            d = _local_date(s, self.tz).replace(day=1)
            while self.midnight_us(d) < e:
                months.add(d)
                d += relativedelta(months=1)
        return sorted(months)

    def night_us(self, k: int) -> int:
        """Time of shift k inside the local night window (its client's tz)."""
        if k not in self._night:
            f, s, e = self.facts[k], self.starts[k], self.ends[k]
            ns, ne = self.rules.night_start, self.rules.night_end
            wraps = ne <= ns  # 21:00-06:00 ends on the next calendar day
            d = _local_date(s, f.tz) - timedelta(days=1)
            last = _local_date(e, f.tz)
            total = 0
            while d <= last:
                a = _local_us(d, ns, f.tz)
                b = _local_us(d + timedelta(days=1) if wraps else d, ne, f.tz)
                total += max(0, min(b, e) - max(a, s))
                d += timedelta(days=1)
            self._night[k] = total
        return self._night[k]


def _violation(
    rule_id: str,
    rules: RuleSet,
    shift_ids: Sequence[int],
    detail: str,
    numbers: dict[str, Any],
    not_payable: bool | None = None,
) -> Violation:
    law = RULE_LAWS[rule_id]
    if rules.country == "SE":
        law = _SE_LAW_OVERRIDES.get(rule_id, law)
    return Violation(
        rule_id=rule_id,
        law=law,
        shift_ids=tuple(shift_ids),
        detail=detail,
        severity=rules.severities[rule_id],
        numbers=numbers,
        # Försäkringskassan pays no hours beyond the Swedish working-time law.
        not_payable=rule_id.startswith("SE-") if not_payable is None else not_payable,
    )


def _message(
    rule_id: str,
    rules: RuleSet,
    shift_ids: Sequence[int],
    template: str,
    params: dict[str, Any],
    numbers: dict[str, Any],
    not_payable: bool | None = None,
) -> Violation:
    """A violation worded as a message id (N_()) with its parameters: English in `detail`,
    the reader's language from `Violation.text()`."""
    v = _violation(rule_id, rules, shift_ids, render_message(template, params, translate=False), numbers, not_payable)
    return replace(v, template=template, params=MappingProxyType(dict(params)))


class _WindowReporter:
    """Collects one rule's window violations, skipping repeats.

    Consecutive windows often fail for the same cause (the window from the
    second half of a split shift sees the same short rest); a window whose
    shifts are all in the previous reported window adds nothing, so it is
    dropped.
    """

    def __init__(self) -> None:
        self.out: list[Violation] = []
        self._last: frozenset[int] = frozenset()

    def wants(self, idx: tuple[int, ...]) -> bool:
        return bool(idx) and not frozenset(idx) <= self._last

    def add(self, idx: tuple[int, ...], v: Violation) -> None:
        self._last = frozenset(idx)
        self.out.append(v)


def _sort(violations: list[Violation], first_start: Mapping[int, datetime]) -> list[Violation]:
    return sorted(
        violations,
        key=lambda v: (min(first_start[i] for i in v.shift_ids), v.rule_id, v.shift_ids, v.detail),
    )


def _prepare(shifts: Sequence[ShiftFact], same: str) -> list[ShiftFact]:
    facts = sorted(shifts, key=lambda f: (f.start, f.end, f.id))
    if len({f.id for f in facts}) != len(facts):
        raise ValueError("shift ids must be unique")
    if len({getattr(f, same) for f in facts}) > 1:
        raise ValueError(f"all shifts must share one {same}")
    return facts


# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------


def _shift_words(sched: _Schedule, k: int) -> Msg:
    """A shift as people know it: its client, day and time ("K-0001 02.03.2026 08:00–16:00")."""
    f = sched.facts[k]
    words = "{client} {start}–{end}" if f.client_ref else "{start}–{end}"
    end = _from_us(sched.ends[k]).astimezone(_zone(f.tz))
    return Msg(words, client=f.client_ref, start=_fmt_local(sched.starts[k], f.tz), end=f"{end:%H:%M}")


def _overlaps(sched: _Schedule) -> list[Violation]:
    out: list[Violation] = []
    active: list[int] = []
    for k, s in enumerate(sched.starts):
        active = [g for g in active if sched.ends[g] > s]
        for g in active:
            both = sched.ids((g, k))
            overlap = min(sched.ends[g], sched.ends[k]) - s
            out.append(
                _message(
                    "NO-OVERLAP",
                    sched.rules,
                    both,
                    N_("the shifts {first} and {second} overlap by {hours} h"),
                    {"first": _shift_words(sched, g), "second": _shift_words(sched, k), "hours": _ceil1(overlap)},
                    {"overlap_hours": _h(overlap)},
                    not_payable=False,
                )
            )
        active.append(k)
    return out


def _daily(sched: _Schedule, rest_id: str, hour_limits: bool) -> list[Violation]:
    """Every 24 h from the start of a work period (the later windows only see
    less work and more rest, so these windows are the worst ones)."""
    r = sched.rules
    need = _hours_us(r.daily_rest_hours)
    rest_rep, day_rep, total_rep = _WindowReporter(), _WindowReporter(), _WindowReporter()
    for s in sched.work.starts:
        e = s + _DAY_US
        idx = sched.shifts_in(s, e)
        # The window's start is worded only for a window that breaks a rule (most do not).
        rest = sched.work.max_rest(s, e)
        if rest < need and rest_rep.wants(idx):
            rest_rep.add(
                idx,
                _message(
                    rest_id,
                    r,
                    sched.ids(idx),
                    N_("{rest} h rest, needs {need} h (the 24 h from {start})"),
                    {"rest": _floor1(rest), "need": _g(r.daily_rest_hours), "start": _fmt_local(s, sched.tz)},
                    {"rest_hours": _h(rest), "required_hours": r.daily_rest_hours},
                ),
            )
        if not hour_limits:
            continue
        work = sched.work.work(s, e)
        passive = sched.passive.work(s, e)
        extra = min(passive / 2, _hours_us(r.passive_extension_day_hours))
        limit = _hours_us(r.normal_day_hours) + int(extra)
        if work > limit and day_rep.wants(idx):
            numbers = {"work_hours": _h(work), "limit_hours": _h(limit), "passive_hours": _h(passive)}
            if passive:
                # § 10-4 (2) set this limit: name it, so the planner sees why it is not 9 h.
                day_rep.add(
                    idx,
                    _message(
                        "NO-PASSIVE",
                        r,
                        sched.ids(idx),
                        N_(
                            "{work} h work in the 24 h from {start} with {passive} h passive time; passive time "
                            "extends the normal {normal} h by half of it, at most {extension} h, so the limit "
                            "is {limit} h"
                        ),
                        {
                            "work": _ceil1(work),
                            "start": _fmt_local(s, sched.tz),
                            "passive": _floor1(passive),
                            "normal": _g(r.normal_day_hours),
                            "extension": _g(r.passive_extension_day_hours),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    ),
                )
            else:
                day_rep.add(
                    idx,
                    _message(
                        "NO-NORMAL-DAY",
                        r,
                        sched.ids(idx),
                        N_("{work} h work in the 24 h from {start}, normal limit {limit} h"),
                        {
                            "work": _ceil1(work),
                            "start": _fmt_local(s, sched.tz),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    ),
                )
        if work > _hours_us(r.total_24h_hours) and total_rep.wants(idx):
            total_rep.add(
                idx,
                _message(
                    "NO-TOTAL-24H",
                    r,
                    sched.ids(idx),
                    N_("{work} h work in the 24 h from {start}, limit {limit} h"),
                    {"work": _ceil1(work), "start": _fmt_local(s, sched.tz), "limit": _g(r.total_24h_hours)},
                    {"work_hours": _h(work), "limit_hours": r.total_24h_hours},
                ),
            )
    return rest_rep.out + day_rep.out + total_rep.out


def _weekly(sched: _Schedule, weeks: list[date], rest_id: str, hour_limits: bool) -> list[Violation]:
    r = sched.rules
    need = _hours_us(r.weekly_rest_hours)
    out: list[Violation] = []
    for d in weeks:
        # Week ends from local dates, so a DST week is 167 h or 169 h long.
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
        idx = sched.shifts_in(a, b)
        rest = sched.work.max_rest(a, b)
        if rest < need:
            out.append(
                _message(
                    rest_id,
                    r,
                    sched.ids(idx),
                    N_("{rest} h continuous rest, needs {need} h (the week from {week})"),
                    {"rest": _floor1(rest), "need": _g(r.weekly_rest_hours), "week": LocalTime(d.isoformat())},
                    {"rest_hours": _h(rest), "required_hours": r.weekly_rest_hours},
                )
            )
        if not hour_limits:
            continue
        work = sched.work.work(a, b)
        passive = sched.passive.work(a, b)
        normal = _hours_us(r.normal_week_hours)
        extended = normal + int(min(passive / 2, _hours_us(r.passive_extension_week_hours)))
        limit = min(extended, max(normal, _hours_us(r.passive_week_cap_hours)))
        if work > limit:
            numbers = {"work_hours": _h(work), "limit_hours": _h(limit), "passive_hours": _h(passive)}
            if passive:
                out.append(
                    _message(
                        "NO-PASSIVE",
                        r,
                        sched.ids(idx),
                        N_(
                            "{work} h work in the week from {week} with {passive} h passive time; passive time "
                            "extends the normal {normal} h by half of it, at most {extension} h and never beyond "
                            "{cap} h, so the limit is {limit} h"
                        ),
                        {
                            "work": _ceil1(work),
                            "week": LocalTime(d.isoformat()),
                            "passive": _floor1(passive),
                            "normal": _g(r.normal_week_hours),
                            "extension": _g(r.passive_extension_week_hours),
                            "cap": _g(r.passive_week_cap_hours),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    )
                )
            else:
                out.append(
                    _message(
                        "NO-NORMAL-WEEK",
                        r,
                        sched.ids(idx),
                        N_("{work} h work in the week from {week}, normal limit {limit} h"),
                        {
                            "work": _ceil1(work),
                            "week": LocalTime(d.isoformat()),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    )
                )
    return out


def _long_shifts(sched: _Schedule) -> list[Violation]:
    r = sched.rules
    limit = _hours_us(r.long_shift_hours)
    out = []
    for k, f in enumerate(sched.facts):
        length = sched.ends[k] - sched.starts[k]
        if length > limit and not (f.legal_basis or "").strip():
            out.append(
                _message(
                    "NO-LONG-SHIFT",
                    r,
                    (f.id,),
                    N_("{hours} h shift, over {limit} h without a recorded legal basis"),
                    {"hours": _ceil1(length), "limit": _g(r.long_shift_hours)},
                    {"shift_hours": _h(length), "limit_hours": r.long_shift_hours},
                )
            )
    return out


def _night(sched: _Schedule, weeks: list[date]) -> list[Violation]:
    """§ 10-11 (6): a night worker's working time averages at most 8 h per
    24 h over 4 weeks, leaving the minimum weekly rest out of the period."""
    r = sched.rules
    n = r.night_avg_weeks
    min_night = _hours_us(r.night_worker_min_hours)
    rep = _WindowReporter()
    for d in weeks:  # windows from a week with work dominate those before it
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7 * n))
        days = (b - a - n * _hours_us(r.weekly_rest_hours)) / _DAY_US
        work = sched.work.work(a, b)
        if days <= 0 or work <= r.night_hours_per_24h * days * _HOUR_US:
            continue
        idx = sched.shifts_in(a, b)
        if not any(sched.night_us(k) > min_night for k in idx) or not rep.wants(idx):
            continue
        avg = work / days / _HOUR_US
        rep.add(
            idx,
            _message(
                "NO-NIGHT",
                r,
                sched.ids(idx),
                N_("night worker averages {avg} h per 24 h over the {weeks} weeks from {week}, limit {limit} h"),
                {
                    "avg": Figure(f"{math.ceil(avg * 10) / 10:.1f}"),
                    "weeks": n,
                    "week": LocalTime(d.isoformat()),
                    "limit": _g(r.night_hours_per_24h),
                },
                {
                    "avg_hours_per_24h": round(avg, 4),
                    "limit_hours": r.night_hours_per_24h,
                    "work_hours": _h(work),
                    "weeks": n,
                },
            ),
        )
    return rep.out


def _average(
    sched: _Schedule,
    rule_id: str,
    starts: list[date],
    step: relativedelta | timedelta,
    limit_week_hours: float,
    period: Msg,
    numbers: dict[str, Any],
) -> list[Violation]:
    """Average hours per week over [start, start + step) for each start."""
    r = sched.rules
    rep = _WindowReporter()
    for d in starts:
        a, b = sched.midnight_us(d), sched.midnight_us(d + step)
        work = sched.work.work(a, b)
        weeks = (b - a) / _WEEK_US
        if work <= limit_week_hours * weeks * _HOUR_US:
            continue
        idx = sched.shifts_in(a, b)
        if not rep.wants(idx):
            continue
        avg = work / weeks / _HOUR_US
        rep.add(
            idx,
            _message(
                rule_id,
                r,
                sched.ids(idx),
                N_("{avg} h/week on average over {period} from {start}, limit {limit} h"),
                {
                    "avg": Figure(f"{math.ceil(avg * 10) / 10:.1f}"),
                    "period": period,
                    "start": LocalTime(d.isoformat()),
                    "limit": _g(limit_week_hours),
                },
                {"avg_week_hours": round(avg, 4), "limit_hours": limit_week_hours, "work_hours": _h(work), **numbers},
            ),
        )
    return rep.out


def _overtime(sched: _Schedule, weeks: list[date]) -> list[Violation]:
    """Arbetstidslagen § 8: hours above the normal week, per calendar year.

    A week straddling New Year counts in the year holding most of its days
    (the ISO-week rule, for any week start).  The shifts reported are those
    of the overtime weeks from the one where the yearly limit is passed: their
    hours are the ones Försäkringskassan will not pay.
    """
    r = sched.rules
    assert r.overtime_year_hours is not None
    normal = _hours_us(r.normal_week_hours)
    limit = _hours_us(r.overtime_year_hours)
    per_year: dict[int, list[tuple[date, int]]] = {}
    for d in weeks:
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
        over = sched.work.work(a, b) - normal
        if over > 0:
            per_year.setdefault((d + timedelta(days=3)).year, []).append((d, over))
    out = []
    for year, rows in sorted(per_year.items()):
        total = sum(o for _, o in rows)
        if total <= limit:
            continue
        running, crossed, idx = 0, False, set[int]()
        for d, over in rows:
            running += over
            crossed = crossed or running > limit
            if crossed:
                a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
                idx.update(sched.shifts_in(a, b))
        out.append(
            _message(
                "SE-OVERTIME",
                r,
                sched.ids(sorted(idx)),
                N_("{hours} h overtime in {year}, limit {limit} h"),
                {"hours": _ceil1(total), "year": str(year), "limit": _g(r.overtime_year_hours)},
                {
                    "overtime_hours": _h(total),
                    "limit_hours": r.overtime_year_hours,
                    "excess_hours": _h(total - limit),
                    "year": year,
                },
            )
        )
    return out


def check_assistant(
    shifts: Sequence[ShiftFact], rules: RuleSet, *, holidays: Collection[date] = frozenset()
) -> list[Violation]:
    """All working-time violations in one assistant's shifts (every client).

    The schedule is taken as complete: rest before the first and after the
    last shift given counts as rest, weeks before it had no overtime.
    `holidays` are the public holidays of the rule set's country (for
    NO-SUNDAY).  Sorted by the first shift's start.
    """
    # Imported here: worktime_ch10 builds on this module's schedule.
    from bpa_provider.rules.worktime_ch10 import check_more

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
    for f in facts:
        dates = _shift_dates(f)
        first = dates[0]
        failed: list[tuple[str, int | None]] = []
        if not all(_covered(d, ctx.employments) for d in dates):
            failed.append(("NO-EMPLOYMENT", None))
        if not all(_covered(d, ctx.assignments.get(f.client_id, ())) for d in dates):
            failed.append(("NO-ASSIGNMENT", f.client_id))
        if police_certificate_required(first, ctx.employments, rules.police_certificate_from) and (
            ctx.police_certificate_on is None or ctx.police_certificate_on > first
        ):
            failed.append(("NO-POLICE-CERT", None))
        if ctx.confidentiality_on is None or ctx.confidentiality_on > first:
            failed.append(("NO-CONFIDENTIALITY", None))
        if ctx.required_trainings_missing.get(f.client_id):
            failed.append(("NO-TRAINING", f.client_id))
        if rules.country == "SE":
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
