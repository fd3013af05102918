"""Settings: defaults, then a TOML file in the platformdirs config folder, then `BPA_*` variables.

Every policy number of the domain (notice months, review intervals, course deadline, usage
thresholds, rule profiles, retention periods) lives here as a default, never as a constant in the
code.

The file and the environment are checked as a whole when they are read: a value of the wrong kind
(`notice_months = "three"`), a number out of range, a misspelled key (`notice_month`) or an
unknown `BPA_*` variable is a ConfigError — one line naming the key or variable and the value,
exit code 2 on the command line — instead of a traceback or a setting silently ignored.

The file:

    database_url = "/srv/bpa/data/bpa.sqlite3"
    lang = "nb"
    provider_name = "Assistanse AS"
    [policy]                       # Policy below; BPA_<NAME> in the environment
    notice_months = 3
    [retention]                    # RetentionPolicy below; BPA_RETENTION_<NAME>
    client_years = 5

A new group of settings is a frozen dataclass of plain values (int, float, bool, str, tuple of
ints): its defaults go into `SECTIONS` under the table's name with the prefix of its variables
(`"retention": (RetentionPolicy(), "BPA_RETENTION_", 100)`), and a field of the same name into
`Settings`; reading, checking and the list of known variables follow from that entry. Tables of
wage-type codes (`[wage_types]`, `[paxml_codes]`) are read by `_codes`, which also checks each
code's form.
Variables of the test suite (`BPA_TEST_*`) are not settings and are left alone.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from bpa_provider.errors import ServiceError
from bpa_provider.i18n import N_, Msg


@dataclass(frozen=True)
class Policy:
    """Provider policy defaults from docs/domain.md; a provider can override each one."""

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
    # Payroll overtime (arbeidsmiljøloven § 10-6): the hours NO-OVERTIME counts (the normal day and
    # week of the working-time rule profile) are paid with at least this supplement.
    overtime_supplement_percent: float = 40.0
    # Working time (docs/rosters.md, "Rules"): helse- og omsorgstjenesteloven § 5-4 asks for a
    # police certificate from employments starting on or after this date.
    police_certificate_required_from: date = date(2017, 1, 1)
    overtime_agreement: bool = False  # § 10-6: a written agreement raises overtime to 20/50/300 h
    breaks_in_shift: bool = True  # the break is taken at the client's, paid, inside the shift
    sunday_average_weeks: int = 0  # § 10-8 (4) averaging agreement (0: the next Sunday off)
    sunday_off_every: int = 4  # with averaging: at least one Sunday/holiday in this many off
    # Absence (docs/absence.md): self-certification (folketrygdloven §§ 8-23, 8-24; an IA
    # agreement allows 8 days at a time) and the holiday entitlement (ferieloven § 5; 30 with
    # the tariff's fifth week).
    self_cert_max_days: int = 3
    self_cert_max_times: int = 4
    self_cert_after_months: int = 2
    holiday_days: int = 25
    # Notices (docs/notify.md): supervisors are reminded of unapproved hours from this many days
    # before payroll day, the given day of the month after.
    payroll_day: int = 5
    approval_reminder_days: int = 3
    # A shift or review import checks its file at this much lower CPU priority (niceness steps;
    # 0: normal) so people's screens come first on a shared server; its short write runs at
    # normal priority (services/import_spread.py, docs/import.md).
    import_nice: int = 10


@dataclass(frozen=True)
class RetentionPolicy:
    """Years a record is kept after the calendar year it ended (see docs/privacy.md for the basis).

    Used by `services.retention`; each value is 0-100 years."""

    client_years: int = 5  # NO: bokføringsloven § 13 (5 years after the accounting year)
    client_years_se: int = 7  # SE: bokföringslagen 7 kap. 2 § (7 years)
    assistant_years: int = 5  # policy, on the same accounting basis (payroll records)
    assistant_years_se: int = 7
    supervisor_years: int = 5  # policy: as long as the client they supervised
    review_years: int = 2  # policy: review notes, after the assistant stopped working for the client


#: The pay kinds a payroll file names by a wage-type code (docs/payroll.md): the hour categories of
#: `rules.payroll`, overtime, and the absence kinds an absence register will pay.
WAGE_KINDS: tuple[str, ...] = (
    "ordinary",
    "evening",
    "night",
    "weekend",
    "holiday",
    "passive",
    "overtime",
    "sick_employer_period",
    "holiday_absence",
    "unpaid_leave",
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
    ordinary="TID",
    evening="OB1",
    night="OB2",
    weekend="OB3",
    holiday="OB4",
    passive="JOUR",
    overtime="ÖT1",
    sick_employer_period="SJK",
    holiday_absence="SEM",
    unpaid_leave="TJL",
)

_CODE = re.compile(r"^\w[\w.-]{0,9}$")


def _codes(
    base: WageTypes, table: object, env: dict[str, str], prefix: str, section: str, file: str = "config"
) -> WageTypes:
    """`base` with the codes of a TOML table and `BPA_<PREFIX>_<KIND>` variables; a bad one refused."""
    if table is not None and not isinstance(table, dict):
        raise ConfigError(N_("{where}: must be a table ([{name}])"), where=f"{file}: {section}", name=section)
    given = table or {}
    for key in given:
        if key not in WAGE_KINDS:
            raise _unknown(f"{file}: [{section}]", key, list(WAGE_KINDS))
    updates = {}
    for kind in WAGE_KINDS:
        raw = env.get(f"BPA_{prefix}_{kind.upper()}", given.get(kind))
        if raw is None:
            continue
        if not isinstance(raw, (str, int)) or isinstance(raw, bool) or not _CODE.match(str(raw)):
            raise ConfigError(
                N_("{where}: '{value}' is not a code of 1-10 letters or digits"),
                where=f"{file}: [{section}] {kind}",
                value=_shown(raw),
            )
        updates[kind] = str(raw)
    return replace(base, **updates)


@dataclass(frozen=True)
class Settings:
    """Where the data is, which language, and the policy."""

    database_url: str | None = None
    lang: str | None = None
    provider_name: str = "bpa-provider"  # our company's name, e.g. in handover packages
    smtp_url: str | None = None  # docs/notify.md: smtp+starttls://user:password@host:587
    mail_from: str = ""  # the sender of notices (default: bpa-provider@ the SMTP host)
    policy: Policy = field(default_factory=Policy)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    wage_types: WageTypes = field(default_factory=WageTypes)  # `export payroll --layout lines`
    paxml_codes: WageTypes = PAXML_CODES  # `export payroll --layout paxml`


class ConfigError(ServiceError, ValueError):
    """A setting that cannot be used: one line naming the key (or variable) and the value."""

    exit_code = 2


# Tables of the file -> (their defaults, the prefix of their environment variables, the largest
# whole number allowed). Each is also a field of Settings. Top-level keys and variables that are
# not in a table are listed below.
SECTIONS: dict[str, tuple[Any, str, int]] = {
    "policy": (Policy(), "BPA_", 10_000),
    "retention": (RetentionPolicy(), "BPA_RETENTION_", 100),
}
_TOP_LEVEL = ("database_url", "lang", "provider_name", "smtp_url", "mail_from")
# Tables of wage-type codes (WageTypes) -> the prefix of their variables (BPA_WAGE_TYPE_NIGHT).
_CODE_TABLES = {"wage_types": "WAGE_TYPE", "paxml_codes": "PAXML_CODE"}
# Read elsewhere, but settings all the same: the config path itself, the authorized_keys file
# (sshkeys.py), the data folder (signing keys of handover packages), the access log's anchor
# (checkpoint file and syslog copy, audit_anchor.py).
_ENV_ONLY = ("BPA_CONFIG", "BPA_AUTHORIZED_KEYS", "BPA_DATA_DIR", "BPA_AUDIT_ANCHOR", "BPA_AUDIT_SYSLOG")
_ENV_IGNORED_PREFIX = "BPA_TEST_"
_LANGUAGE_CODES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en", "sv": "sv"}


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("BPA_CONFIG") or Path(user_config_dir("bpa-provider", appauthor=False)) / "config.toml")


def _shown(raw: object) -> str:
    text = str(raw)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 60 else text[:59] + "…"


def _close(name: str, known: list[str]) -> str:
    import difflib  # only when a key is wrong: every start reads the settings

    match = difflib.get_close_matches(name, known, n=1)
    return match[0] if match else ""


def _unknown(where: str | Msg, name: str, known: list[str]) -> ConfigError:
    near = _close(name, known)
    if near:
        return ConfigError(
            N_("{where}: unknown setting '{name}' (did you mean '{near}'?)"), where=where, name=_shown(name), near=near
        )
    return ConfigError(N_("{where}: unknown setting '{name}'"), where=where, name=_shown(name))


def _coerce(current: object, raw: object, where: str, largest: int) -> object:
    """`raw` as the kind of value `current` is, or a ConfigError naming `where`."""
    from_env = isinstance(raw, str) and not isinstance(current, str)

    def bad(kind: str) -> ConfigError:
        return ConfigError(N_("{where}: '{value}' is not {kind}"), where=where, value=_shown(raw), kind=Msg(kind))

    if isinstance(current, date):  # TOML gives a date; the environment an ISO string
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw).strip())
        except ValueError:
            raise bad(N_("a date (YYYY-MM-DD)")) from None
    if isinstance(current, bool):
        if isinstance(raw, bool):
            return raw
        if from_env and raw.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        raise bad(N_("true or false"))
    if isinstance(current, int):
        return _whole(raw, where, largest, bad)
    if isinstance(current, float):
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise ValueError
            value = float(raw)
        except ValueError:
            raise bad(N_("a number")) from None
        if not math.isfinite(value) or not 0 <= value <= 100:
            raise bad(N_("a number from 0 to 100"))
        return value
    if isinstance(current, tuple):
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise bad(N_("a list of whole numbers"))
        return tuple(_whole(x.strip() if isinstance(x, str) else x, where, largest, bad) for x in items)
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 500 or not raw.isprintable():
        raise bad(N_("a line of text"))
    return raw


def _whole(raw: object, where: str, largest: int, bad: Any) -> int:
    if isinstance(raw, bool):
        raise bad(N_("a whole number"))
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise bad(N_("a whole number"))
        raw = int(text)
    if not isinstance(raw, int):
        raise bad(N_("a whole number"))
    if not 0 <= raw <= largest:
        raise ConfigError(
            N_("{where}: {value} is not between 0 and {largest}"), where=where, value=raw, largest=largest
        )
    return raw


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(N_("{path}: not a valid TOML file ({reason})"), path=str(path), reason=str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            N_("{path}: cannot be read ({reason})"), path=str(path), reason=getattr(exc, "strerror", None) or str(exc)
        ) from None


def _section(name: str, data: Mapping[str, Any], env: Mapping[str, str], file: str) -> Any:
    defaults, prefix, largest = SECTIONS[name]
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(N_("{where}: must be a table ([{name}])"), where=f"{file}: {name}", name=name)
    names = [f.name for f in fields(defaults)]
    for key in table:
        if key not in names:
            raise _unknown(f"{file}: [{name}]", key, names)
    updates = {}
    for f in fields(defaults):
        var = f"{prefix}{f.name.upper()}"
        if var in env:
            updates[f.name] = _coerce(getattr(defaults, f.name), env[var], var, largest)
        elif f.name in table:
            updates[f.name] = _coerce(getattr(defaults, f.name), table[f.name], f"{file}: [{name}] {f.name}", largest)
    return replace(defaults, **updates)


def _known_variables() -> set[str]:
    known = set(_ENV_ONLY) | {f"BPA_{k.upper()}" for k in _TOP_LEVEL}
    for defaults, prefix, _largest in SECTIONS.values():
        known |= {f"{prefix}{f.name.upper()}" for f in fields(defaults)}
    for prefix in _CODE_TABLES.values():
        known |= {f"BPA_{prefix}_{kind.upper()}" for kind in WAGE_KINDS}
    return known


def _check_variables(env: Mapping[str, str]) -> None:
    known = sorted(_known_variables())
    for var in sorted(env):
        if var.startswith("BPA_") and var not in known and not var.startswith(_ENV_IGNORED_PREFIX):
            raise _unknown(Msg(N_("environment")), var, known)


def _lang(raw: object, where: str) -> str | None:
    if raw is None or raw == "":
        return None
    code = str(raw).split(":")[0].split(".")[0].split("_")[0].lower()
    if code not in _LANGUAGE_CODES:
        raise ConfigError(N_("{where}: '{value}' is not one of nb, en, sv"), where=where, value=_shown(raw))
    return str(raw)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from defaults, the TOML file (if any) and the environment.

    ConfigError (one line, exit 2) for a value that cannot be used or a key that is not a setting."""
    env = dict(os.environ if env is None else env)
    path = path or config_path()
    data = _read_file(path)
    file = str(path)
    _check_variables(env)
    sections = [name for name in SECTIONS]
    for key, value in data.items():
        if key not in _TOP_LEVEL and key not in SECTIONS and key not in _CODE_TABLES:
            raise _unknown(file, key, [*_TOP_LEVEL, *sections, *_CODE_TABLES])
        if key in _TOP_LEVEL and isinstance(value, dict):
            raise ConfigError(N_("{where}: must be a single value, not a table"), where=f"{file}: {key}")
    top: dict[str, Any] = {}
    for key in _TOP_LEVEL:
        var = f"BPA_{key.upper()}"
        if env.get(var):
            top[key] = env[var]
            where = var
        elif key in data:
            top[key] = data[key]
            where = f"{file}: {key}"
        else:
            continue
        if key == "lang":
            top[key] = _lang(top[key], where)
        else:
            top[key] = _coerce("", top[key], where, 0)
    return Settings(
        database_url=top.get("database_url"),
        lang=top.get("lang"),
        provider_name=top.get("provider_name") or "bpa-provider",
        smtp_url=top.get("smtp_url"),
        mail_from=top.get("mail_from") or "",
        **{name: _section(name, data, env, file) for name in SECTIONS},
        wage_types=_codes(WageTypes(), data.get("wage_types"), env, "WAGE_TYPE", "wage_types", file),
        paxml_codes=_codes(PAXML_CODES, data.get("paxml_codes"), env, "PAXML_CODE", "paxml_codes", file),
    )
