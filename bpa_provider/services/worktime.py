"""Working-time checks against the database: gather an assistant's facts, pick the rule set of each
client's country, run the pure rules of `bpa_provider.rules.worktime`.

The rules look at *all* of an assistant's shifts, across every client (arbeidsmiljøloven counts the
employee's working time, not the client's), so a check always loads the whole neighbourhood of the
window: ± `MARGIN` around it. Only violations that involve a shift inside the window are returned.

Rule set per client: the municipality's `rule_profile`, else the config profile of its country
(`Policy.rule_profile_no` / `rule_profile_se`). An assistant with clients in both countries is
checked once per profile over all their shifts; a violation is kept when it involves a shift of a
client under that profile (duplicates from two profiles are merged).

The module is the import point; the work is split along its seams: `worktime_clients` (each
client's place and rule set), `worktime_data` (what the rules need, read from the database as
rows), `worktime_check` (running the rules, the views of a violation), `worktime_report` (`report
rest`, assistants without credentials). Here: the roster week's findings and acknowledging a
warning.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assistant,
    RuleAck,
    Shift,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, service
from bpa_provider.services.validation import check_text
from bpa_provider.services.worktime_check import (
    CREDENTIAL_RULES,
    ShiftViolation,
    ack_map,
    acknowledgement,
    assistant_violations,
    assistants_by_id,
    blocking,
    check_assistant_window,
    client_violations,
    describe_shifts,
    refuse_blocking,
    view,
    violations_by_shift,
    violations_involving,
)
from bpa_provider.services.worktime_check import (
    _merge as _merge,
)
from bpa_provider.services.worktime_clients import (
    ClientInfo,
    client_info,
    client_infos,
    holidays_between,
    policy_or_default,
    profile_name,
    rule_set,
)
from bpa_provider.services.worktime_data import (
    LONGEST_SHIFT,
    MARGIN,
    Loaded,
    chunks,
    fact,
    live_shifts,
    load,
    local_date,
    local_range,
)
from bpa_provider.services.worktime_data import (
    _contexts as _contexts,
)
from bpa_provider.services.worktime_data import (
    _overlapping as _overlapping,
)
from bpa_provider.services.worktime_data import (
    _session as _session,
)
from bpa_provider.services.worktime_data import (
    _span as _span,
)
from bpa_provider.services.worktime_report import (
    CredentialGap,
    Finding,
    missing_credentials,
    violations_between,
)


@service
def violations_for_client_week(
    db: Database, actor: Actor, client_id: int, week_start: date, *, policy: Policy | None = None
) -> dict[int, list[ShiftViolation]]:
    """For each shift of the client in the week from `week_start` (local), its violations.

    Shifts without a violation map to an empty list, so the grid can mark every cell.
    """
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    pol = policy_or_default(policy)
    with db.read() as s:
        info = client_info(s, client_id, pol)
        lo, hi = local_range(week_start, week_start + timedelta(days=7), info.tz)
        shifts = live_shifts(s, lo, hi, client_id=client_id)
        return violations_by_shift(s, shifts, lo, hi, pol, actor)


@service
def acknowledge_warning(
    db: Database, actor: Actor, shift_id: int, rule_id: str, comment: str, *, policy: Policy | None = None
) -> RuleAck:
    """Acknowledge a warning on a shift with a comment (kept, and audited).

    Only a warning that applies to the shift now can be acknowledged; a blocking rule cannot.
    A second acknowledgement of the same rule replaces the comment.
    """
    rule = (rule_id or "").strip().upper()
    with db.write() as s:
        sh = s.get(Shift, shift_id)
        if sh is None:
            raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
        require(actor, "roster.write", client_id=sh.client_id, what="acknowledge rule warnings")
        errors: list[FieldError] = []
        text = check_text(
            comment,
            "comment",
            500,
            required=True,
            errors=errors,
            messages={
                "required": N_("A comment is required to acknowledge a warning"),
                "long": N_("The comment is too long (at most 500 characters)"),
            },
        )
        # A vacant shift has nobody's working time, so no rule applies to it.
        on_shift = (
            check_assistant_window(s, sh.assistant_id, sh.start_utc, sh.end_utc, policy=policy)
            if sh.assistant_id is not None
            else []
        )
        found = [v for v in on_shift if v.rule_id == rule and shift_id in v.shift_ids]
        if not found:
            errors.append(
                FieldError(
                    "rule_id",
                    N_("Rule {rule} does not apply to the shift {shift}"),
                    params={
                        "rule": rule,
                        "shift": describe_shifts([sh], client_infos(s, [sh.client_id], policy_or_default(policy))),
                    },
                )
            )
        elif any(v.severity == "block" for v in found):
            errors.append(
                FieldError(
                    "rule_id",
                    N_("{rule} is a blocking rule: it cannot be acknowledged, only fixed"),
                    params={"rule": rule},
                )
            )
        if errors:
            raise ValidationError(errors)
        ack = s.execute(select(RuleAck).where(RuleAck.shift_id == shift_id, RuleAck.rule_id == rule)).scalar()
        before = None
        if ack is None:
            ack = RuleAck(shift_id=shift_id, rule_id=rule, comment=text, by=actor.login)
            s.add(ack)
        else:
            before = audit.snapshot(ack)
            ack.comment, ack.by, ack.at = text, actor.login, utcnow()
        s.flush()
        subject = s.execute(select(Assistant.ref).where(Assistant.id == sh.assistant_id)).scalar() or ""
        audit.record(
            s,
            actor,
            "acknowledge",
            "rule_ack",
            ack.id,
            subject=subject,
            summary=f"{rule} on shift {shift_id}: {found[0].detail}"[:500],
            before=before,
            after=ack,
        )
        return ack


__all__ = [
    "CREDENTIAL_RULES",
    "LONGEST_SHIFT",
    "MARGIN",
    "ClientInfo",
    "CredentialGap",
    "Finding",
    "Loaded",
    "ShiftViolation",
    "ack_map",
    "acknowledge_warning",
    "acknowledgement",
    "assistant_violations",
    "assistants_by_id",
    "blocking",
    "check_assistant_window",
    "chunks",
    "client_info",
    "client_infos",
    "client_violations",
    "describe_shifts",
    "fact",
    "holidays_between",
    "live_shifts",
    "load",
    "local_date",
    "local_range",
    "missing_credentials",
    "policy_or_default",
    "profile_name",
    "refuse_blocking",
    "rule_set",
    "view",
    "violations_between",
    "violations_by_shift",
    "violations_for_client_week",
    "violations_involving",
]
