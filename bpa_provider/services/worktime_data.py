"""What the working-time rules need, read from the database: each client's place and rule set,
the assistants' shifts in a window (± `MARGIN`) with the look-back some rules need, their
employments, assignments, credentials and trainings (`load` → `Loaded`).

Shifts are read as rows (the columns the rules use), not ORM objects: a month's report reads
tens of thousands of them. `services.worktime` re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Course,
    CourseEnrollment,
    Decision,
    Employment,
    RequiredTraining,
    Shift,
)
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.worktime import (
    AssistantContext,
    ShiftFact,
)
from bpa_provider.rules.worktime_ch10 import needs_history
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime_clients import (
    ClientInfo,
    client_infos,
    holidays_between,
    rule_set,
)

MARGIN = timedelta(days=7)


class ShiftRow(NamedTuple):
    """A stored shift as the working-time checks read it: the columns the rules use, read as a
    row. A month's report reads tens of thousands of shifts; an ORM object per row cost most of
    its time (profile in docs/performance.md, "report rest")."""

    id: int
    assistant_id: int
    client_id: int
    start_utc: datetime
    end_utc: datetime
    kind: str
    legal_basis: str


# What the checks read of a shift, in ShiftRow's order.
SHIFT_COLUMNS = (
    Shift.id,
    Shift.assistant_id,
    Shift.client_id,
    Shift.start_utc,
    Shift.end_utc,
    Shift.kind,
    Shift.legal_basis,
)

# A shift a caller hands in: a stored ORM object (a save, the roster week) or a row.
AnyShift = Shift | ShiftRow


def shift_id(sh: AnyShift) -> int:
    """A stored shift's id (an ORM object has one once flushed)."""
    if sh.id is None:
        raise ValueError("a shift must be stored before it is checked")
    return sh.id


def shift_rows(s: Session, *where: Any) -> list[ShiftRow]:
    """The shifts matching `where` as rows, in start order."""
    q = select(*SHIFT_COLUMNS).where(*where).order_by(Shift.start_utc, Shift.id)
    make = ShiftRow._make
    return [make(r) for r in s.execute(q)]


def fact(sh: AnyShift, info: ClientInfo) -> ShiftFact:
    """A stored shift as the pure rules see it (in its client's time zone)."""
    return ShiftFact(
        id=shift_id(sh),
        assistant_id=sh.assistant_id or 0,
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


def overlaps(sh: ShiftRow, lo: datetime, hi: datetime) -> bool:
    """`_overlapping` in Python: picks a window's shifts out of rows read for a wider one."""
    return sh.start_utc < hi and sh.start_utc > lo - LONGEST_SHIFT and sh.end_utc > lo


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

    by_assistant: dict[int, list[ShiftRow]]
    by_client: dict[int, list[ShiftRow]]
    infos: dict[int, ClientInfo]
    contexts: dict[int, AssistantContext]
    two_helpers: frozenset[int]  # clients whose decision grants two helpers at once
    policy: Policy | None = None
    refs: dict[int, str] = field(default_factory=dict)  # assistant id -> reference (A-0012)
    # Earlier shifts loaded for the rules that look back (overtime over 4 and 52 weeks, Sunday
    # averaging): they inform the clock rules only, never credentials or two helpers.
    history: frozenset[int] = frozenset()
    facts: dict[int, ShiftFact] = field(default_factory=dict)  # by shift id, made once

    def fact(self, sh: ShiftRow) -> ShiftFact:
        """The shift as the rules see it (made once per load: a report checks every shift twice)."""
        made = self.facts.get(sh.id)
        if made is None:
            made = self.facts[sh.id] = fact(sh, self.infos[sh.client_id])
        return made


def _contexts(s: Session, who: Any, client_ids: Iterable[int], on: date) -> dict[int, AssistantContext]:
    """AssistantContext per assistant; `who` is a list of ids or a SELECT of them."""
    emps: dict[int, list[tuple[date, date | None, date | None, date | None]]] = {}
    for aid, began, ended, police_on, confid_on in s.execute(
        select(
            Employment.assistant_id,
            Employment.start_date,
            Employment.end_date,
            Employment.police_certificate_on,
            Employment.confidentiality_on,
        ).where(Employment.assistant_id.in_(who))
    ):
        emps.setdefault(aid, []).append((began, ended, police_on, confid_on))
    assignments: dict[int, dict[int, list[tuple[date, date | None]]]] = {}
    fk: dict[int, dict[int, date]] = {}
    for aid, cid, began, ended, reported in s.execute(
        select(
            Assignment.assistant_id,
            Assignment.client_id,
            Assignment.start_date,
            Assignment.end_date,
            Assignment.fk_reported_on,
        ).where(Assignment.assistant_id.in_(who))
    ):
        assignments.setdefault(aid, {}).setdefault(cid, []).append((began, ended))
        mine = fk.setdefault(aid, {})
        if reported and (cid not in mine or reported < mine[cid]):
            mine[cid] = reported
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
        for learner, course_id, completed in s.execute(
            select(CourseEnrollment.assistant_id, CourseEnrollment.course_id, CourseEnrollment.completed_on).where(
                CourseEnrollment.assistant_id.in_(who),
                CourseEnrollment.status == "completed",
                CourseEnrollment.completed_on <= on,
            )
        ):
            if learner is not None and completed is not None:  # the WHERE says so; the types do not
                done.setdefault(learner, {}).setdefault(course_id, []).append(completed)
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
        police = [e[2] for e in mine_e if e[2]]
        confid = [e[3] for e in mine_e if e[3]]
        out[aid] = AssistantContext(
            employments=[(e[0], e[1]) for e in mine_e],
            assignments=assignments.get(aid, {}),
            police_certificate_on=min(police) if police else None,
            confidentiality_on=min(confid) if confid else None,
            fk_reported=fk.get(aid, {}),
            required_trainings_missing={c: tuple(sorted(set(n))) for c, n in missing.items()},
        )
    return out


def load(
    s: Session,
    lo: datetime,
    hi: datetime,
    policy: Policy,
    assistant_ids: Iterable[int] | None = None,
    *,
    read: list[ShiftRow] | None = None,
) -> Loaded:
    """Shifts overlapping [lo, hi) of the given assistants (None: every assistant), the other
    shifts at their clients, and the clients' and assistants' facts. `read`: every assistant's
    shifts over a wider window, already read (a report reads its month once); the window's are
    picked out of them, exactly those the query would give, in the same order."""
    window = _overlapping(lo, hi)
    by_client_rows: list[ShiftRow]
    if assistant_ids is None:
        if read is None:
            shifts = shift_rows(s, *window)
        else:
            shifts = [sh for sh in read if overlaps(sh, lo, hi)]
        who: Any = select(Shift.assistant_id).where(*window).distinct()
        by_client_rows = shifts
    else:
        ids = sorted(set(assistant_ids))
        shifts = shift_rows(s, *window, Shift.assistant_id.in_(ids))
        who = ids
        clients = sorted({sh.client_id for sh in shifts})
        by_client_rows = shift_rows(s, *window, Shift.client_id.in_(clients)) if clients else []
    by_assistant: dict[int, list[ShiftRow]] = {}
    for sh in shifts:
        by_assistant.setdefault(sh.assistant_id, []).append(sh)
    by_client: dict[int, list[ShiftRow]] = {}
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
    refs: dict[int, str] = {}
    for part in chunks(people):
        for aid, ref in s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(part))):
            refs[aid] = ref
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
        for sh in shift_rows(
            s, staffed(), Shift.assistant_id.in_(part), Shift.start_utc >= earliest, Shift.start_utc < lo
        ):
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


def _span(shifts: Iterable[AnyShift], infos: dict[int, ClientInfo]) -> tuple[date, date]:
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


def chunks(ids: Iterable[int], size: int = 5000) -> Iterator[list[int]]:
    """Sorted ids in slices: an IN list stays under SQLite's bound-parameter limit."""
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def local_range(first: date, last_exclusive: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `first` and at `last_exclusive`."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last_exclusive, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    return lo, hi
