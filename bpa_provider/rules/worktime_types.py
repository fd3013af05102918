"""The working-time rules' vocabulary: shifts as facts, violations, rule sets and their presets,
an assistant's credentials, and where each rule comes from (`RULE_LAWS`) and how hard it is
(`DEFAULT_SEVERITIES`).

Plain values, no rule in them; `rules.worktime` (the engine) re-exports every public name here,
which is where the rest of the code imports them from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bpa_provider.i18n import N_, render_message

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_ONE_US = timedelta(microseconds=1)

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
