"""Settings: defaults, then a TOML file in the platformdirs config folder, then `BPA_*` variables.

Every policy number of the domain (notice months, review intervals, course deadline, usage
thresholds, rule profiles) lives here as a default, never as a constant in the code.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Policy:
    """Provider policy defaults from shared/domain.md; a provider can override each one."""

    notice_months: int = 3
    refusal_min_days: int = 14
    first_review_months: int = 6
    review_interval_months: int = 12
    review_due_window_days: int = 30
    basic_course_within_days: int = 90
    job_description_within_days: int = 30
    working_time_intro_within_days: int = 30
    first_rota_within_days: int = 14
    course_expiry_reminders: tuple[int, ...] = (90, 30, 7)
    usage_warn: float = 1.00
    usage_alert: float = 1.05
    usage_under: float = 0.80
    decision_ending_days: int = 60
    transfer_step_window_days: int = 14
    roster_horizon_weeks: int = 13
    rule_profile_no: str = "no-default"
    rule_profile_se: str = "se-default"
    coapproval_when_course_overdue: bool = True
    se_notice_months: int = 1  # Sweden: an assistant's notice when the assignment ends
    # Payroll overtime (arbeidsmiljøloven § 10-6): work beyond the agreed normal day or week, paid
    # with at least 40 % supplement. The tariff or contract may agree a shorter normal week (37.5 h).
    overtime_normal_day_hours: float = 9.0
    overtime_normal_week_hours: float = 40.0
    overtime_supplement_percent: float = 40.0


#: The pay kinds a payroll file names by a wage-type code (docs/payroll.md): the hour categories of
#: `rules.payroll`, overtime, and the absence kinds an absence register will pay.
WAGE_KINDS: tuple[str, ...] = (
    "ordinary", "evening", "night", "weekend", "holiday", "passive", "overtime",
    "sick_employer_period", "holiday_absence", "unpaid_leave",
)


@dataclass(frozen=True)
class WageTypes:
    """The payroll system's code for each pay kind (`WAGE_KINDS`). The defaults are placeholders of
    a common numbering: map them to your payroll system's wage types in `[wage_types]`."""

    ordinary: str = "110"  # hourly wage, hours worked
    evening: str = "210"  # evening supplement
    night: str = "220"  # night supplement
    weekend: str = "230"  # Saturday/Sunday supplement
    holiday: str = "240"  # public-holiday supplement
    passive: str = "250"  # passive time, paid hours
    overtime: str = "310"  # overtime supplement (Policy.overtime_supplement_percent)
    sick_employer_period: str = "410"  # sick pay in the employer period
    holiday_absence: str = "420"  # holiday (ferie)
    unpaid_leave: str = "430"  # unpaid leave

    def code(self, kind: str) -> str:
        """The code for `kind` (one of `WAGE_KINDS`)."""
        if kind not in WAGE_KINDS:
            raise KeyError(kind)
        return getattr(self, kind)


#: PAXml time codes (`tidkod`) for Swedish payroll systems: PAXml's customary codes (OB = obekväm
#: arbetstid, ÖT = övertid, JOUR = jour, SJK/SEM/TJL = sick/holiday/leave); `[paxml_codes]` maps them.
PAXML_CODES = WageTypes(
    ordinary="TID", evening="OB1", night="OB2", weekend="OB3", holiday="OB4", passive="JOUR",
    overtime="ÖT1", sick_employer_period="SJK", holiday_absence="SEM", unpaid_leave="TJL",
)

_CODE = re.compile(r"^\w[\w.-]{0,9}$")


def _codes(base: WageTypes, table: object, env: dict[str, str], prefix: str, section: str) -> WageTypes:
    """`base` with the codes of a TOML table and `BPA_<PREFIX>_<KIND>` variables; a bad one refused."""
    given = table if isinstance(table, dict) else {}
    updates = {}
    for kind in WAGE_KINDS:
        raw = env.get(f"BPA_{prefix}_{kind.upper()}", given.get(kind))
        if raw is None:
            continue
        if not isinstance(raw, (str, int)) or isinstance(raw, bool) or not _CODE.match(str(raw)):
            raise ValueError(f"config: {section}.{kind} must be a code of 1-10 letters or digits, not {raw!r}")
        updates[kind] = str(raw)
    return replace(base, **updates)


@dataclass(frozen=True)
class Settings:
    """Where the data is, which language, and the policy."""

    database_url: str | None = None
    lang: str | None = None
    provider_name: str = "bpa-provider"  # our company's name, e.g. in handover packages
    policy: Policy = field(default_factory=Policy)
    wage_types: WageTypes = field(default_factory=WageTypes)  # `export payroll --layout lines`
    paxml_codes: WageTypes = PAXML_CODES  # `export payroll --layout paxml`


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("BPA_CONFIG") or Path(user_config_dir("bpa-provider", appauthor=False)) / "config.toml")


def _coerce(current: object, raw: object) -> object:
    if isinstance(current, bool):
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(raw)  # type: ignore[arg-type]
    if isinstance(current, float):
        return float(raw)  # type: ignore[arg-type]
    if isinstance(current, tuple):
        items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
        return tuple(int(x) for x in items)
    return str(raw)


def load_settings(path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build settings from defaults, the TOML file (if any) and the environment."""
    env = dict(os.environ if env is None else env)
    data: dict = {}
    path = path or config_path()
    if path.is_file():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    policy = Policy()
    updates = {}
    for f in fields(Policy):
        raw = env.get(f"BPA_{f.name.upper()}", data.get("policy", {}).get(f.name))
        if raw is not None:
            updates[f.name] = _coerce(getattr(policy, f.name), raw)
    policy = replace(policy, **updates)
    return Settings(
        database_url=env.get("BPA_DATABASE_URL") or data.get("database_url"),
        lang=env.get("BPA_LANG") or data.get("lang"),
        provider_name=env.get("BPA_PROVIDER_NAME") or data.get("provider_name") or "bpa-provider",
        policy=policy,
        wage_types=_codes(WageTypes(), data.get("wage_types"), env, "WAGE_TYPE", "wage_types"),
        paxml_codes=_codes(PAXML_CODES, data.get("paxml_codes"), env, "PAXML_CODE", "paxml_codes"),
    )
