"""Working-time checks against the database: gather an assistant's facts, pick the rule set of each
client's country, run the pure rules of `bpa_provider.rules.worktime`.

The rules look at *all* of an assistant's shifts, across every client (arbeidsmiljøloven counts the
employee's working time, not the client's), so a check always loads the whole neighbourhood of the
window: ± `MARGIN` around it. Only violations that involve a shift inside the window are returned.

Rule set per client: the municipality's `rule_profile`, else the config profile of its country
(`Policy.rule_profile_no` / `rule_profile_se`). An assistant with clients in both countries is
checked once per profile over all their shifts; a violation is kept when it involves a shift of a
client under that profile (duplicates from two profiles are merged).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    Decision,
    Employment,
    Municipality,
    RequiredTraining,
    RuleAck,
    Shift,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.rules.worktime import (
    AssistantContext,
    RuleSet,
    ShiftFact,
    Violation,
    check_assistant,
    check_client_overlap,
    check_credentials,
    police_certificate_required,
    profile,
    with_overtime_agreement,
)
from bpa_provider.rules.worktime_ch10 import needs_history
from bpa_provider.services.base import require, scoped_actor, service
from bpa_provider.services.records import check_text
from bpa_provider.services.scope_view import redact
from bpa_provider.services.worked import staffed

MARGIN = timedelta(days=7)
UTC = UTC
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
        rules = profile(name)
    except ValueError:
        raise ValidationError(
            N_("Unknown working-time rule profile '{name}' in the configuration or municipality"),
            field="rule_profile",
            name=name,
        ) from None
    if policy is None:
        return rules
    try:
        return _with_policy(rules, policy)
    except ValueError as exc:
        raise ValidationError(
            N_("Bad working-time setting in the configuration: {reason}"),
            field="policy",
            reason=Msg(exc.template, **exc.params) if isinstance(exc, Invalid) else str(exc),
        ) from None


@lru_cache(maxsize=32)
def _with_policy(rules: RuleSet, policy: Policy) -> RuleSet:
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


def fact(sh: Shift, info: ClientInfo) -> ShiftFact:
    """A stored shift as the pure rules see it (in its client's time zone)."""
    return ShiftFact(
        id=sh.id,
        assistant_id=sh.assistant_id,
        client_id=sh.client_id,
        start=sh.start_utc,
        end=sh.end_utc,
        kind=sh.kind,
        tz=info.tz,
        legal_basis=sh.legal_basis or None,
        client_ref=info.ref,
    )


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


@contextmanager
def _session(session_or_db: Session | Database) -> Iterator[Session]:
    if isinstance(session_or_db, Database):
        with session_or_db.read() as s:
            yield s
    else:
        yield session_or_db


# No shift is longer than this (services refuse over 72 h): a lower bound on the start lets the
# start-time indexes do the work instead of scanning every earlier shift for its end.
LONGEST_SHIFT = timedelta(days=4)


def _overlapping(lo: datetime, hi: datetime) -> tuple[Any, ...]:
    return (staffed(), Shift.start_utc < hi, Shift.start_utc > lo - LONGEST_SHIFT, Shift.end_utc > lo)


def live_shifts(
    s: Session, lo: datetime, hi: datetime, *, assistant_id: int | None = None, client_id: int | None = None
) -> list[Shift]:
    """Shifts (not cancelled) overlapping [lo, hi), in start order."""
    q = select(Shift).where(*_overlapping(lo, hi))
    if assistant_id is not None:
        q = q.where(Shift.assistant_id == assistant_id)
    if client_id is not None:
        q = q.where(Shift.client_id == client_id)
    return list(s.execute(q.order_by(Shift.start_utc, Shift.id)).scalars())


@dataclass
class Loaded:
    """Everything the rules need about some assistants over a stretch of time, loaded in a
    handful of queries whatever the number of assistants (the report and payroll check many)."""

    by_assistant: dict[int, list[Shift]]
    by_client: dict[int, list[Shift]]
    infos: dict[int, ClientInfo]
    contexts: dict[int, AssistantContext]
    two_helpers: frozenset[int]  # clients whose decision grants two helpers at once
    policy: Policy | None = None
    refs: dict[int, str] = field(default_factory=dict)  # assistant id -> reference (A-0012)
    # Earlier shifts loaded for the rules that look back (overtime over 4 and 52 weeks, Sunday
    # averaging): they inform the clock rules only, never credentials or two helpers.
    history: frozenset[int] = frozenset()
    facts: dict[int, ShiftFact] = field(default_factory=dict)  # by shift id, made once

    def fact(self, sh: Shift) -> ShiftFact:
        """The shift as the rules see it (made once per load: a report checks every shift twice)."""
        made = self.facts.get(sh.id)
        if made is None:
            made = self.facts[sh.id] = fact(sh, self.infos[sh.client_id])
        return made


def _contexts(s: Session, who: Any, client_ids: Iterable[int], on: date) -> dict[int, AssistantContext]:
    """AssistantContext per assistant; `who` is a list of ids or a SELECT of them."""
    emps: dict[int, list[Employment]] = {}
    for e in s.execute(select(Employment).where(Employment.assistant_id.in_(who))).scalars():
        emps.setdefault(e.assistant_id, []).append(e)
    assignments: dict[int, dict[int, list[tuple[date, date | None]]]] = {}
    fk: dict[int, dict[int, date]] = {}
    for a in s.execute(select(Assignment).where(Assignment.assistant_id.in_(who))).scalars():
        assignments.setdefault(a.assistant_id, {}).setdefault(a.client_id, []).append((a.start_date, a.end_date))
        mine = fk.setdefault(a.assistant_id, {})
        if a.fk_reported_on and (a.client_id not in mine or a.fk_reported_on < mine[a.client_id]):
            mine[a.client_id] = a.fk_reported_on
    ids = sorted(set(client_ids))
    required = (
        s.execute(
            select(RequiredTraining.client_id, Course.id, Course.name, Course.validity_months)
            .join(Course, Course.id == RequiredTraining.course_id)
            .where(RequiredTraining.client_id.in_(ids))
        ).all()
        if ids
        else []
    )
    done: dict[int, dict[int, list[date]]] = {}
    if required:
        for aid, course_id, completed in s.execute(
            select(CourseEnrollment.assistant_id, CourseEnrollment.course_id, CourseEnrollment.completed_on).where(
                CourseEnrollment.assistant_id.in_(who),
                CourseEnrollment.status == "completed",
                CourseEnrollment.completed_on <= on,
            )
        ).all():
            done.setdefault(aid, {}).setdefault(course_id, []).append(completed)
    people = set(emps) | set(assignments) | set(done)
    if isinstance(who, (list, tuple, set, frozenset)):
        people |= set(who)
    out = {}
    for aid in people:
        # As course_credentials.missing_trainings: a dated completion on or before `on`, not expired by then.
        missing: dict[int, list[str]] = {}
        for client_id, course_id, name, validity in required:
            if not any(
                (until := expiry_date(d, validity)) is None or until > on for d in done.get(aid, {}).get(course_id, [])
            ):
                missing.setdefault(client_id, []).append(name)
        mine_e = emps.get(aid, [])
        police = [e.police_certificate_on for e in mine_e if e.police_certificate_on]
        confid = [e.confidentiality_on for e in mine_e if e.confidentiality_on]
        out[aid] = AssistantContext(
            employments=[(e.start_date, e.end_date) for e in mine_e],
            assignments=assignments.get(aid, {}),
            police_certificate_on=min(police) if police else None,
            confidentiality_on=min(confid) if confid else None,
            fk_reported=fk.get(aid, {}),
            required_trainings_missing={c: tuple(sorted(set(n))) for c, n in missing.items()},
        )
    return out


def load(s: Session, lo: datetime, hi: datetime, policy: Policy, assistant_ids: Iterable[int] | None = None) -> Loaded:
    """Shifts overlapping [lo, hi) of the given assistants (None: every assistant), the other
    shifts at their clients, and the clients' and assistants' facts."""
    window = _overlapping(lo, hi)
    if assistant_ids is None:
        shifts = list(s.execute(select(Shift).where(*window).order_by(Shift.start_utc, Shift.id)).scalars())
        who: Any = select(Shift.assistant_id).where(*window).distinct()
        by_client_rows = shifts
    else:
        ids = sorted(set(assistant_ids))
        shifts = list(
            s.execute(
                select(Shift).where(*window, Shift.assistant_id.in_(ids)).order_by(Shift.start_utc, Shift.id)
            ).scalars()
        )
        who = ids
        clients = sorted({sh.client_id for sh in shifts})
        by_client_rows = (
            list(
                s.execute(
                    select(Shift).where(*window, Shift.client_id.in_(clients)).order_by(Shift.start_utc, Shift.id)
                ).scalars()
            )
            if clients
            else []
        )
    by_assistant: dict[int, list[Shift]] = {}
    for sh in shifts:
        by_assistant.setdefault(sh.assistant_id, []).append(sh)
    by_client: dict[int, list[Shift]] = {}
    for sh in by_client_rows:
        by_client.setdefault(sh.client_id, []).append(sh)
    infos = client_infos(s, by_client, policy)
    two = (
        frozenset(
            s.execute(
                select(Decision.client_id).where(
                    Decision.client_id.in_(sorted(by_client)),
                    Decision.two_helper_hours > 0,
                    Decision.valid_from <= hi.date(),
                    or_(Decision.valid_to.is_(None), Decision.valid_to >= lo.date()),
                )
            ).scalars()
        )
        if by_client
        else frozenset()
    )
    contexts = _contexts(s, who, by_client, lo.date() + MARGIN) if shifts else {}
    people = sorted({sh.assistant_id for rows in by_client.values() for sh in rows})
    refs = {}
    for part in chunks(people):
        refs.update(dict(s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(part))).all()))
    data = Loaded(by_assistant, by_client, infos, contexts, two, policy, refs)
    _load_history(s, data, lo, policy)
    return data


def _load_history(s: Session, data: Loaded, lo: datetime, policy: Policy) -> None:
    """Add the earlier shifts of the assistants whose loaded shifts need them (an overtime week
    looks back 52 weeks): only those few assistants pay for the longer look-back."""
    need: dict[int, int] = {}
    for aid, rows in data.by_assistant.items():
        facts = [data.fact(sh) for sh in rows]
        for name in {data.infos[sh.client_id].profile for sh in rows}:
            rules = rule_set(name, policy)
            # Holidays matter here only for Sunday averaging (does this assistant work Sundays?).
            days = needs_history(
                facts,
                rules,
                holidays_between(rules.country, *_span(rows, data.infos))
                if rules.sunday_average_weeks
                else frozenset(),
            )
            if days:
                need[aid] = max(need.get(aid, 0), days)
    if not need:
        return
    known = {sh.id for rows in data.by_assistant.values() for sh in rows}
    earliest = lo - timedelta(days=max(need.values()))
    added: set[int] = set()
    for part in chunks(need):
        for sh in s.execute(
            select(Shift).where(
                staffed(), Shift.assistant_id.in_(part), Shift.start_utc >= earliest, Shift.start_utc < lo
            )
        ).scalars():
            if sh.id not in known and sh.start_utc >= lo - timedelta(days=need[sh.assistant_id]):
                data.by_assistant[sh.assistant_id].append(sh)
                added.add(sh.id)
    if not added:
        return
    for rows in data.by_assistant.values():
        rows.sort(key=lambda sh: (sh.start_utc, sh.id))
    missing = {sh.client_id for rows in data.by_assistant.values() for sh in rows} - data.infos.keys()
    data.infos.update(client_infos(s, missing, policy))
    data.history = frozenset(added)


def _span(shifts: list[Shift], infos: dict[int, ClientInfo]) -> tuple[date, date]:
    """Local dates around the shifts (a day either side), for the public holidays to load."""
    # A local date never goes back as the instant moves on, so per time zone the earliest start
    # and the latest end give the dates (two conversions per zone, not two per shift).
    starts: dict[str, datetime] = {}
    ends: dict[str, datetime] = {}
    for sh in shifts:
        tz = infos[sh.client_id].tz
        if tz not in starts or sh.start_utc < starts[tz]:
            starts[tz] = sh.start_utc
        if tz not in ends or sh.end_utc > ends[tz]:
            ends[tz] = sh.end_utc
    first = min(local_date(t, tz) for tz, t in starts.items()) - timedelta(days=1)
    last = max(local_date(t, tz) for tz, t in ends.items()) + timedelta(days=1)
    return first, last


def _merge(violations: Iterable[Violation]) -> list[Violation]:
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
    return _merge(out)


def client_violations(data: Loaded, client_id: int) -> list[Violation]:
    """Two assistants at once with the client when the decision grants no two-helper hours."""
    info = data.infos[client_id]
    facts = [data.fact(sh) for sh in data.by_client.get(client_id, [])]  # made once per load
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
        return [v for v in _merge(out) if in_window & set(v.shift_ids)]


def violations_involving(
    s: Session, chosen: Iterable[Shift], policy: Policy, *, everyone: bool = False
) -> tuple[list[Violation], dict[int, Shift]]:
    """Every violation that involves one of `chosen`, the assistants' other shifts within MARGIN
    taken into account. `everyone` loads every assistant's shifts in the span in one go (cheaper
    when the chosen shifts are most of them, as in a month's report). Also returns every shift
    loaded, by id, so callers can describe the violations without another query."""
    picked = {sh.id: sh for sh in chosen}
    if not picked:
        return [], {}
    lo = min(sh.start_utc for sh in picked.values()) - MARGIN
    hi = max(sh.end_utc for sh in picked.values()) + MARGIN
    aids = sorted({sh.assistant_id for sh in picked.values()})
    data = load(s, lo, hi, policy, None if everyone else aids)
    out: list[Violation] = []
    for aid in aids:
        out += assistant_violations(data, aid)
    for cid in sorted({sh.client_id for sh in picked.values()}):
        out += client_violations(data, cid)
    loaded = {sh.id: sh for rows in (*data.by_assistant.values(), *data.by_client.values()) for sh in rows}
    return [v for v in _merge(out) if picked.keys() & set(v.shift_ids)], loaded


# --------------------------------------------------------------------------- views for people


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


def chunks(ids: Iterable[int], size: int = 5000) -> Iterator[list[int]]:
    """Sorted ids in slices: an IN list stays under SQLite's bound-parameter limit."""
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def ack_map(s: Session, shift_ids: Iterable[int]) -> dict[tuple[int, str], RuleAck]:
    """(shift id, rule id) → the acknowledgement, for the given shifts."""
    out: dict[tuple[int, str], RuleAck] = {}
    for part in chunks(shift_ids):
        for a in s.execute(select(RuleAck).where(RuleAck.shift_id.in_(part))).scalars():
            out[(a.shift_id, a.rule_id)] = a
    return out


def assistants_by_id(s: Session, ids: Iterable[int]) -> dict[int, Assistant]:
    out: dict[int, Assistant] = {}
    for part in chunks(ids):
        out.update({a.id: a for a in s.execute(select(Assistant).where(Assistant.id.in_(part))).scalars()})
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
    result: dict[int, list[ShiftViolation]] = {sh.id: [] for sh in shifts}
    found, loaded = violations_involving(s, shifts, policy)
    found = redact(actor, found, {i: sh.client_id for i, sh in loaded.items()})
    acks = ack_map(s, {i for v in found for i in v.shift_ids})
    for v in found:
        shown = view(v, acks)
        for sid in v.shift_ids:
            if sid in result and shown not in result[sid]:
                result[sid].append(shown)
    return result


@service
def violations_for_client_week(
    db: Database, actor: Actor, client_id: int, week_start: date, *, policy: Policy | None = None
) -> dict[int, list[ShiftViolation]]:
    """For each shift of the client in the week from `week_start` (local), its violations.

    Shifts without a violation map to an empty list, so the grid can mark every cell.
    """
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    pol = policy_or_default(policy)
    with db.read() as s:
        info = client_info(s, client_id, pol)
        lo, hi = local_range(week_start, week_start + timedelta(days=7), info.tz)
        shifts = live_shifts(s, lo, hi, client_id=client_id)
        return violations_by_shift(s, shifts, lo, hi, pol, actor)


def local_range(first: date, last_exclusive: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `first` and at `last_exclusive`."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last_exclusive, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    return lo, hi


@service
def acknowledge_warning(
    db: Database, actor: Actor, shift_id: int, rule_id: str, comment: str, *, policy: Policy | None = None
) -> RuleAck:
    """Acknowledge a warning on a shift with a comment (kept, and audited).

    Only a warning that applies to the shift now can be acknowledged; a blocking rule cannot.
    A second acknowledgement of the same rule replaces the comment.
    """
    actor = scoped_actor(db, actor)
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
        found = [
            v
            for v in check_assistant_window(s, sh.assistant_id, sh.start_utc, sh.end_utc, policy=policy)
            if v.rule_id == rule and shift_id in v.shift_ids
        ]
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


# --------------------------------------------------------------------------- lists and reports


@dataclass(frozen=True)
class CredentialGap:
    """An assistant with a coming shift but no police certificate or confidentiality declaration."""

    assistant_id: int
    assistant_ref: str
    name: str
    client_ref: str
    shift_start: datetime
    missing: tuple[str, ...]


@service
def missing_credentials(
    db: Database, actor: Actor, today: date, *, days: int = 30, policy: Policy | None = None
) -> list[CredentialGap]:
    """Assistants whose shifts in the next `days` days lack a police certificate (when their
    employment needs one: hired on or after `Policy.police_certificate_required_from`) or a signed
    confidentiality declaration dated on or before the shift: one row per assistant, at the
    first such shift (a supervisor sees only their own clients' shifts)."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", what="see rosters")
    cutoff = policy_or_default(policy).police_certificate_required_from
    lo = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(today + timedelta(days=days + 1), datetime.min.time(), tzinfo=UTC)
    # Only assistants whose earliest certificate or declaration is missing or later than today can
    # lack one on a shift day (every day counted is today or later), so the database leaves out
    # everybody else's shifts: a large provider has ~100,000 shifts a month and a handful of gaps,
    # and loading every shift took seconds. The exact per-day check stays below.
    earliest = (
        select(
            Employment.assistant_id.label("aid"),
            func.min(Employment.police_certificate_on).label("police"),
            func.min(Employment.confidentiality_on).label("conf"),
        )
        .group_by(Employment.assistant_id)
        .subquery("earliest")
    )
    with db.read() as s:
        q = (
            select(Shift, Client.ref, Municipality.timezone)
            .join(Client, Client.id == Shift.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .outerjoin(earliest, earliest.c.aid == Shift.assistant_id)
            .where(
                staffed(),
                Shift.start_utc >= lo,
                Shift.start_utc < hi,
                or_(
                    earliest.c.police.is_(None),
                    earliest.c.police > today,
                    earliest.c.conf.is_(None),
                    earliest.c.conf > today,
                ),
            )
        )
        if actor.is_scoped:
            q = q.where(Shift.client_id.in_(sorted(actor.client_scope or ())))
        rows = s.execute(q.order_by(Shift.start_utc, Shift.id)).all()
        creds: dict[int, tuple[list[date], list[date]]] = {}
        periods: dict[int, list[tuple[date, date | None]]] = {}
        aids = sorted({sh.assistant_id for sh, _r, _t in rows})
        if aids:
            for aid, police, conf, began, ended in s.execute(
                select(
                    Employment.assistant_id,
                    Employment.police_certificate_on,
                    Employment.confidentiality_on,
                    Employment.start_date,
                    Employment.end_date,
                ).where(Employment.assistant_id.in_(aids))
            ).all():
                entry = creds.setdefault(aid, ([], []))
                periods.setdefault(aid, []).append((began, ended))
                if police:
                    entry[0].append(police)
                if conf:
                    entry[1].append(conf)
        people = (
            dict(s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(aids))).all()) if aids else {}
        )
        names = (
            dict(s.execute(select(Assistant.id, Assistant.name).where(Assistant.id.in_(aids))).all()) if aids else {}
        )
        out: dict[int, CredentialGap] = {}
        for sh, client_ref, tz in rows:
            day = local_date(sh.start_utc, tz or "Europe/Oslo")
            if sh.assistant_id in out or not today <= day <= today + timedelta(days=days):
                continue
            police, conf = creds.get(sh.assistant_id, ([], []))
            missing = []
            if police_certificate_required(day, periods.get(sh.assistant_id, []), cutoff) and not any(
                p <= day for p in police
            ):
                missing.append("police_certificate")
            if not any(c <= day for c in conf):
                missing.append("confidentiality")
            if missing:
                out[sh.assistant_id] = CredentialGap(
                    sh.assistant_id,
                    people.get(sh.assistant_id, ""),
                    names.get(sh.assistant_id, ""),
                    client_ref,
                    sh.start_utc,
                    tuple(missing),
                )
        return sorted(out.values(), key=lambda g: (g.shift_start, g.assistant_ref))


@dataclass(frozen=True)
class Finding:
    """One violation in a report: who, which rule, which shifts, why."""

    assistant: str
    assistant_name: str
    rule: str
    law: str
    severity: str
    shifts: str
    detail: str
    acknowledged: bool
    not_payable: bool


def describe_shifts(shifts: Iterable[Shift], infos: dict[int, ClientInfo], *, ids: bool = False) -> str:
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


@service
def violations_between(
    db: Database, actor: Actor, date_from: date, date_to: date, *, policy: Policy | None = None
) -> list[Finding]:
    """Every working-time violation involving a shift that starts on a local date in
    [date_from, date_to]; a supervisor sees only violations that touch their own clients."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", what="see rosters")
    if date_to < date_from:
        raise ValidationError(N_("The end date is before the start date"), field="to")
    pol = policy_or_default(policy)
    lo = datetime.combine(date_from - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(date_to + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    with db.read() as s:
        q = select(Shift).where(staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
        if actor.is_scoped:
            q = q.where(Shift.client_id.in_(sorted(actor.client_scope or ())))
        candidates = list(s.execute(q).scalars())
        infos = client_infos(s, {sh.client_id for sh in candidates}, pol)
        chosen = [sh for sh in candidates if date_from <= local_date(sh.start_utc, infos[sh.client_id].tz) <= date_to]
        found, shifts = violations_involving(s, chosen, pol, everyone=not actor.is_scoped)
        found = redact(actor, found, {i: sh.client_id for i, sh in shifts.items()})
        chosen_ids = {sh.id for sh in chosen}
        ids = {i for v in found for i in v.shift_ids}
        infos.update(client_infos(s, {shifts[i].client_id for i in ids} - infos.keys(), pol))
        people = assistants_by_id(s, {shifts[i].assistant_id for i in ids})
        acks = ack_map(s, ids)
        out = []
        for v in found:
            vs = [shifts[i] for i in v.shift_ids]
            owner = next((sh for sh in vs if sh.id in chosen_ids), vs[0])
            person = people.get(owner.assistant_id)
            out.append(
                Finding(
                    assistant=person.ref if person else "",
                    assistant_name=person.name if person else "",
                    rule=v.rule_id,
                    law=v.law,
                    severity=v.severity,
                    shifts=describe_shifts(vs, infos, ids=True),
                    detail=v.text(),
                    acknowledged=acknowledgement(v, acks) is not None,
                    not_payable=v.not_payable,
                )
            )
        return sorted(out, key=lambda f: (f.assistant, f.shifts, f.rule))


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


__all__ = [
    "CREDENTIAL_RULES",
    "ClientInfo",
    "CredentialGap",
    "Finding",
    "MARGIN",
    "ShiftViolation",
    "acknowledge_warning",
    "check_assistant_window",
    "client_info",
    "client_infos",
    "local_range",
    "missing_credentials",
    "policy_or_default",
    "refuse_blocking",
    "violations_between",
    "violations_by_shift",
    "violations_for_client_week",
]
