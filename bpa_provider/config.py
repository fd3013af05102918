"""Settings: defaults, then a TOML file in the platformdirs config folder, then `BPA_*` variables.

Every policy number of the domain (notice months, review intervals, course deadline, usage
thresholds, rule profiles) lives here as a default, never as a constant in the code.
"""

from __future__ import annotations

import os
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
    # Absence (docs/absence.md): self-certification (folketrygdloven §§ 8-23, 8-24; an IA
    # agreement allows 8 days at a time) and the holiday entitlement (ferieloven § 5; 30 with
    # the tariff's fifth week).
    self_cert_max_days: int = 3
    self_cert_max_times: int = 4
    self_cert_after_months: int = 2
    holiday_days: int = 25


@dataclass(frozen=True)
class Settings:
    """Where the data is, which language, and the policy."""

    database_url: str | None = None
    lang: str | None = None
    provider_name: str = "bpa-provider"  # our company's name, e.g. in handover packages
    policy: Policy = field(default_factory=Policy)


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
    )
