"""Each client's place and working-time rule set: `ClientInfo` (reference, time zone, country,
rule profile), the rule set of a profile with the policy's choices (made once), the public
holidays. Read by every working-time check (`worktime_data`); `services.worktime` re-exports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy, load_settings
from bpa_provider.db.models import (
    Client,
    Municipality,
)
from bpa_provider.errors import Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.rules.worktime import (
    RuleSet,
    profile,
    with_overtime_agreement,
)


def policy_or_default(policy: Policy | None) -> Policy:
    """The policy given, or the configured one (defaults, config.toml, BPA_* variables)."""
    return policy if policy is not None else load_settings().policy


@dataclass(frozen=True)
class ClientInfo:
    """What the rules need to know about a client: where it is and which rule set applies."""

    id: int
    ref: str
    name: str
    municipality_id: int
    municipality: str
    country: str
    tz: str
    profile: str


def profile_name(country: str, municipality_profile: str, policy: Policy) -> str:
    """The rule profile for a client: the municipality's own, else its country's configured one."""
    if municipality_profile:
        return municipality_profile
    return policy.rule_profile_se if country == "SE" else policy.rule_profile_no


def client_infos(s: Session, client_ids: Iterable[int], policy: Policy) -> dict[int, ClientInfo]:
    """ClientInfo for each id, in one query."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    rows = s.execute(
        select(
            Client.id,
            Client.ref,
            Client.name,
            Municipality.id,
            Municipality.name,
            Municipality.country,
            Municipality.timezone,
            Municipality.rule_profile,
        )
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(Client.id.in_(ids))
    ).all()
    return {
        r[0]: ClientInfo(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            (r[5] or "NO").upper(),
            r[6] or "Europe/Oslo",
            profile_name((r[5] or "NO").upper(), r[7] or "", policy),
        )
        for r in rows
    }


def client_info(s: Session, client_id: int, policy: Policy) -> ClientInfo:
    """One client's info, NotFound when there is no such client."""
    info = client_infos(s, [client_id], policy).get(client_id)
    if info is None:
        raise NotFound(N_("Client {id} does not exist"), id=client_id)
    return info


def rule_set(name: str, policy: Policy | None = None) -> RuleSet:
    """The named preset with the policy's working-time choices (police-certificate cut-off,
    overtime agreement, breaks inside the shift, Sunday averaging); a misconfigured name is
    reported, not a crash deep in a save."""
    try:
        rules = _profile(name)
    except ValueError:
        raise ValidationError(
            N_("Unknown working-time rule profile '{name}' in the configuration or municipality"),
            field="rule_profile",
            name=name,
        ) from None
    if policy is None:
        return rules
    try:
        return _with_policy(name, policy)
    except ValueError as exc:
        raise ValidationError(
            N_("Bad working-time setting in the configuration: {reason}"),
            field="policy",
            reason=Msg(exc.template, **exc.params) if isinstance(exc, Invalid) else str(exc),
        ) from None


# Made once per name (and policy): a report asks for the rule set of every assistant, and making
# a preset (its __post_init__) was ~5 % of `report rest`. A RuleSet is frozen, so one is shared.
@lru_cache(maxsize=32)
def _profile(name: str) -> RuleSet:
    return profile(name)


@lru_cache(maxsize=32)
def _with_policy(name: str, policy: Policy) -> RuleSet:
    rules = _profile(name)
    if policy.overtime_agreement:
        rules = with_overtime_agreement(rules)
    return replace(
        rules,
        police_certificate_from=policy.police_certificate_required_from,
        breaks_in_shift=policy.breaks_in_shift,
        sunday_average_weeks=policy.sunday_average_weeks or None,
        sunday_off_every=policy.sunday_off_every,
    )


def holidays_between(country: str, first: date, last: date) -> frozenset[date]:
    """Public holidays of `country` in the years from `first` to `last` (for NO-SUNDAY)."""
    return _holidays(country, tuple(range(first.year, last.year + 1)))


@lru_cache(maxsize=64)
def _holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(public_holidays(country, years))
