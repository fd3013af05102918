"""Running the working-time rules over what `worktime_data` loaded: per assistant (every client,
the client's rule profile), per client (two helpers at once), and the views of a violation a
person sees (acknowledged or not, the shifts described). `services.worktime` re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assistant,
    RuleAck,
    Shift,
)
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import Msg
from bpa_provider.rules.worktime import (
    AssistantContext,
    Violation,
    check_assistant,
    check_client_overlap,
    check_credentials,
)
from bpa_provider.services.scope_view import redact
from bpa_provider.services.worktime_clients import (
    ClientInfo,
    holidays_between,
    policy_or_default,
    rule_set,
)
from bpa_provider.services.worktime_data import (
    MARGIN,
    AnyShift,
    Loaded,
    ShiftRow,
    _session,
    _span,
    chunks,
    load,
    shift_id,
)

# Rules about the person, not the clock: a form marks the assistant field for these.
CREDENTIAL_RULES = frozenset(
    {
        "NO-EMPLOYMENT",
        "NO-ASSIGNMENT",
        "NO-POLICE-CERT",
        "NO-CONFIDENTIALITY",
        "NO-TRAINING",
        "SE-FK-REPORTED",
    }
)


def _stored_id(value: int | None) -> int:
    if value is None:
        raise ValueError("a stored row has an id")
    return value


def merge_violations(violations: Iterable[Violation]) -> list[Violation]:
    seen: dict[tuple[str, tuple[int, ...], str], Violation] = {}
    for v in violations:
        seen.setdefault((v.rule_id, v.shift_ids, v.detail), v)
    return list(seen.values())


def assistant_violations(data: Loaded, assistant_id: int) -> list[Violation]:
    """Working-time and credential violations of one assistant over all their loaded shifts."""
    shifts = data.by_assistant.get(assistant_id, [])
    if not shifts:
        return []
    facts = {sh.id: data.fact(sh) for sh in shifts}
    ctx = data.contexts.get(assistant_id) or AssistantContext((), {}, None, None)
    first, last = _span(shifts, data.infos)
    out: list[Violation] = []
    for name in sorted({data.infos[sh.client_id].profile for sh in shifts}):
        rules = rule_set(name, data.policy)
        mine = {sh.id for sh in shifts if data.infos[sh.client_id].profile == name}
        found = check_assistant(list(facts.values()), rules, holidays=holidays_between(rules.country, first, last))
        found += check_credentials([facts[i] for i in sorted(mine - data.history)], ctx, rules)
        out += [v for v in found if mine & set(v.shift_ids)]
    return merge_violations(out)


def overlap_free(shifts: Iterable[AnyShift]) -> bool:
    """Whether the shifts, in start order, are known to overlap nowhere: each starts no earlier
    than every one before it has ended. Then the two-helper rule, which flags overlapping
    shifts only, has nothing to say. False when they overlap or are not in start order (the rule
    decides)."""
    latest_end: datetime | None = None
    previous: datetime | None = None
    for sh in shifts:
        start, end = sh.start_utc, sh.end_utc
        if previous is not None and (start < previous or start < latest_end):  # type: ignore[operator]
            return False
        previous = start
        if latest_end is None or end > latest_end:
            latest_end = end
    return True


def client_violations(data: Loaded, client_id: int) -> list[Violation]:
    """Two assistants at once with the client when the decision grants no two-helper hours."""
    info = data.infos[client_id]
    rows = data.by_client.get(client_id, [])
    if client_id in data.two_helpers or overlap_free(rows):
        # What the rule would say, without making each shift's fact for it: a client's shifts
        # are nearly always one after another (a forked import check's parent would otherwise
        # make every new shift's fact a second time, beside its workers).
        return []
    facts = [data.fact(sh) for sh in rows]  # made once per load
    return check_client_overlap(
        facts, client_id in data.two_helpers, rule_set(info.profile, data.policy), names=data.refs
    )


def check_assistant_window(
    session_or_db: Session | Database,
    assistant_id: int,
    start: datetime,
    end: datetime,
    *,
    policy: Policy | None = None,
) -> list[Violation]:
    """Every violation involving one of the assistant's shifts that overlap [start, end).

    Loads all their shifts (every client) in the window ± MARGIN, their employments, assignments,
    credentials, Försäkringskassan reports and required trainings, and the other assistants'
    shifts with the same clients (for two helpers at once). Works inside the caller's
    transaction (a Session) so a save can check what it is about to commit.
    """
    pol = policy_or_default(policy)
    with _session(session_or_db) as s:
        s.flush()
        data = load(s, start - MARGIN, end + MARGIN, pol, [assistant_id])
        mine = data.by_assistant.get(assistant_id, [])
        in_window = {sh.id for sh in mine if sh.start_utc < end and sh.end_utc > start}
        if not in_window:
            return []
        out = assistant_violations(data, assistant_id)
        for client_id in sorted({sh.client_id for sh in mine if sh.id in in_window}):
            out += client_violations(data, client_id)
        return [v for v in merge_violations(out) if in_window & set(v.shift_ids)]


def violations_involving(
    s: Session,
    chosen: Iterable[AnyShift],
    policy: Policy,
    *,
    everyone: bool = False,
    read: list[ShiftRow] | None = None,
) -> tuple[list[Violation], dict[int, ShiftRow]]:
    """Every violation that involves one of `chosen`, the assistants' other shifts within MARGIN
    taken into account. `everyone` loads every assistant's shifts in the span in one go (cheaper
    when the chosen shifts are most of them, as in a month's report); `read` (with `everyone`)
    are every assistant's shifts of a wider span, already read. Also returns every shift loaded,
    as rows by id, so callers can describe the violations without another query."""
    picked = {shift_id(sh): sh for sh in chosen}
    if not picked:
        return [], {}
    lo = min(sh.start_utc for sh in picked.values()) - MARGIN
    hi = max(sh.end_utc for sh in picked.values()) + MARGIN
    aids = sorted({sh.assistant_id for sh in picked.values() if sh.assistant_id is not None})
    data = load(s, lo, hi, policy, None if everyone else aids, read=read if everyone else None)
    out: list[Violation] = []
    for aid in aids:
        out += assistant_violations(data, aid)
    for cid in sorted({sh.client_id for sh in picked.values()}):
        out += client_violations(data, cid)
    loaded = {sh.id: sh for rows in (*data.by_assistant.values(), *data.by_client.values()) for sh in rows}
    return [v for v in merge_violations(out) if picked.keys() & set(v.shift_ids)], loaded


@dataclass(frozen=True)
class ShiftViolation:
    """A violation as shown beside a shift, with whether a person acknowledged it."""

    rule_id: str
    law: str
    severity: str
    detail: str
    shift_ids: tuple[int, ...]
    not_payable: bool
    acknowledged: bool
    ack_comment: str = ""


def ack_map(s: Session, shift_ids: Iterable[int]) -> dict[tuple[int, str], RuleAck]:
    """(shift id, rule id) → the acknowledgement, for the given shifts."""
    out: dict[tuple[int, str], RuleAck] = {}
    for part in chunks(shift_ids):
        for a in s.execute(select(RuleAck).where(RuleAck.shift_id.in_(part))).scalars():
            out[(a.shift_id, a.rule_id)] = a
    return out


def assistants_by_id(s: Session, ids: Iterable[int]) -> dict[int, Assistant]:
    """The assistants of the given ids (payroll names them)."""
    out: dict[int, Assistant] = {}
    for part in chunks(ids):
        out.update({_stored_id(a.id): a for a in s.execute(select(Assistant).where(Assistant.id.in_(part))).scalars()})
    return out


def people_by_id(s: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(reference, name) of the assistants of the given ids, as rows."""
    out: dict[int, tuple[str, str]] = {}
    for part in chunks(ids):
        for aid, ref, name in s.execute(
            select(Assistant.id, Assistant.ref, Assistant.name).where(Assistant.id.in_(part))
        ):
            out[aid] = (ref, name)
    return out


def acknowledgement(v: Violation, acks: dict[tuple[int, str], RuleAck]) -> RuleAck | None:
    """A violation is acknowledged when any of its shifts has an acknowledgement of the rule."""
    for sid in v.shift_ids:
        if (sid, v.rule_id) in acks:
            return acks[(sid, v.rule_id)]
    return None


def view(v: Violation, acks: dict[tuple[int, str], RuleAck]) -> ShiftViolation:
    ack = acknowledgement(v, acks)
    return ShiftViolation(
        v.rule_id, v.law, v.severity, v.text(), v.shift_ids, v.not_payable, ack is not None, ack.comment if ack else ""
    )


def violations_by_shift(
    s: Session, shifts: list[Shift], lo: datetime, hi: datetime, policy: Policy, actor: Actor | None = None
) -> dict[int, list[ShiftViolation]]:
    """Per shift (of `shifts`), the violations that involve it (as `actor` may see them)."""
    result: dict[int, list[ShiftViolation]] = {shift_id(sh): [] for sh in shifts}
    found, loaded = violations_involving(s, shifts, policy)
    found = redact(actor, found, {i: sh.client_id for i, sh in loaded.items()})
    acks = ack_map(s, {i for v in found for i in v.shift_ids})
    for v in found:
        shown = view(v, acks)
        for sid in v.shift_ids:
            if sid in result and shown not in result[sid]:
                result[sid].append(shown)
    return result


def describe_shifts(shifts: Iterable[AnyShift], infos: dict[int, ClientInfo], *, ids: bool = False) -> str:
    """'K-0001 02.03 08:00–16:00, …' in each client's local time: refusals name a shift by client,
    day and time, as a person knows it. `ids` adds '(#id)' for a report whose reader acts on a
    shift by its id (`roster ack --shift`)."""
    parts = []
    for sh in shifts:
        info = infos[sh.client_id]
        zone = ZoneInfo(info.tz)
        a, b = sh.start_utc.astimezone(zone), sh.end_utc.astimezone(zone)
        parts.append(f"{info.ref} {a:%d.%m %H:%M}–{b:%H:%M}" + (f" (#{sh.id})" if ids else ""))
    return ", ".join(parts)


def blocking(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "block"]


def refuse_blocking(violations: Iterable[Violation]) -> None:
    """Raise a ValidationError naming each blocking rule and its detail."""
    blocks = blocking(violations)
    if blocks:
        raise ValidationError(
            [
                FieldError(
                    "assistant_id" if v.rule_id in CREDENTIAL_RULES else "start",
                    "{rule}: {detail} ({law})",
                    params={
                        "rule": v.rule_id,
                        "law": Msg(v.law),
                        "detail": Msg(v.template, **v.params) if v.template else v.detail,
                    },
                )
                for v in blocks
            ]
        )
