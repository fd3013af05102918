"""The dashboard's "courses overdue": `onboarding.onboarding_overdue`, read lean.

The service builds every current supervision's onboarding status (2,000 at a large provider) from
every checklist step loaded as an ORM object, and the basic course of every supervisor, to keep the
few hundred that are overdue. This read lets SQL pick the overdue supervisions (a pair's latest
current one: an open step of its checklist past its date, or without a checklist the basic course's
deadline passed and the course not done) as two ranges of the stored reasons (`onboarding_due`,
services/onboarding_due.py; before, every supervision was judged by index lookups), takes only their
steps as plain rows, judges each checklist with the same `checklist_status`, and makes a record
only of the rows shown: the same `OnboardingStatus`es in the same order
(tests/services/test_dashboard_reads.py holds it equal to the service on both engines).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Date, Integer, bindparam, exists, func, literal_column, or_, select, true, union_all
from sqlalchemy.orm import aliased

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, OnboardingDue, OnboardingStep, Supervision, Supervisor
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import course_deadline
from bpa_provider.services import core_rows, day_counts
from bpa_provider.services.base import require, service
from bpa_provider.services.counted import Counted
from bpa_provider.services.dashboard_reads import bytewise
from bpa_provider.services.onboarding import (
    BASIC_COURSE,
    OnboardingStatus,
    basic_done_map,
    checklist_status,
    current_policy,
    current_supervisions,
    default_template,
)


class _Step:
    """What `checklist_status` reads of a step."""

    __slots__ = ("code", "done_on", "due_date", "id", "title")

    def __init__(self, id: int, code: str, title: str, due_date: date, done_on: date | None) -> None:  # noqa: A002
        self.id, self.code, self.title, self.due_date, self.done_on = id, code, title, due_date, done_on


@service
def onboarding_overdue(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None, limit: int | None = None
) -> list[OnboardingStatus]:
    """`onboarding.onboarding_overdue`, read as rows (see the module's docstring); with `limit`,
    the first `limit` and how many there are in all (`Counted`)."""
    require(actor, "course.read", what=_("see onboardings"))
    policy = current_policy(policy)  # the configured one read once (a file and the environment)
    days = policy.basic_course_within_days
    later = aliased(Supervision)
    step = OnboardingStep
    conds = [
        # The pair's latest current supervision only (the service keeps the latest start) ...
        ~exists().where(
            later.supervisor_id == Supervision.supervisor_id,
            later.client_id == Supervision.client_id,
            or_(later.until.is_(None), later.until >= today),
            later.since > Supervision.since,
        ),
    ]
    if actor.is_scoped:
        conds.append(Supervision.client_id.in_(sorted(actor.client_scope or ())))
    # ... that is overdue: an open step of its checklist past its date (the first open one then
    # is), or without a checklist the basic course's deadline passed and the course not done —
    # two ranges of the stored reasons (services/onboarding_due.py).
    by_step, by_course = OnboardingDue.open_due < today, OnboardingDue.basic_from < today - timedelta(days=days)
    base = current_supervisions(today).join(OnboardingDue, OnboardingDue.supervision_id == Supervision.id)
    q = base.where(*conds, or_(by_step, by_course))
    alone = list(conds)  # each reason alone, for `_first_rows`

    def reasons(s: Any, step: int) -> list[list[Any]]:
        """Each reason's range in deadline order, its first `step` rows: (sup id, client id, sup
        ref, name, client ref, since, open_due or basic_from). Built only when the first rows
        are read as ranges."""
        if db.dialect == "postgresql":
            params: dict[str, Any] = {"today": today, "basic_before": today - timedelta(days=days), "n": step}
            if actor.is_scoped:
                params["scope"] = sorted(actor.client_scope or ())
            read: list[list[Any]] = [[], []]
            for row in _rows_of(s, _fenced_ranges(actor.is_scoped), params):
                read[row[7]].append(row[:7])  # in each range's order
            return read
        opened, basic = base.where(*alone, by_step), base.where(*alone, by_course)
        return [
            list(core_rows.rows(s, r.add_columns(by).order_by(None).order_by(by).limit(step)).all())
            for r, by in ((opened, OnboardingDue.open_due), (basic, OnboardingDue.basic_from))
        ]

    conds.append(or_(by_step, by_course))
    total = None
    with db.read() as s:
        if limit is None:
            candidates = core_rows.rows(s, q).all()
        else:
            # Counted without the names: the current supervisions of the stored rows.
            counted = (
                select(OnboardingDue.supervisor_id, OnboardingDue.client_id)
                .join(Supervision, Supervision.id == OnboardingDue.supervision_id)
                .where(or_(Supervision.until.is_(None), Supervision.until >= today), *conds)
                .distinct()
            )
            # Stored for the day while no stored reason or supervision changes (day_counts.py).
            total = day_counts.total(
                db,
                s,
                actor,
                day_counts.COURSES_OVERDUE,
                today,
                f"days={days}",
                lambda: s.execute(select(func.count()).select_from(counted.subquery())).scalar_one(),
            )
            # All of them when they are all shown; else the first `limit`.
            candidates = core_rows.rows(s, q).all() if total <= limit else _first_rows(s, q, reasons, days, limit)
        pairs: dict[tuple[int, int], Any] = {}
        for r in candidates:
            pairs.setdefault((r[0], r[1]), r)
        steps: dict[tuple[int, int], list[_Step]] = {}
        sups = sorted({sup for sup, _c in pairs})
        for part in (sups[i : i + 500] for i in range(0, len(sups), 500)):
            for sup, client, sid, code, title, due, done in core_rows.rows(
                s,
                select(
                    step.supervisor_id,
                    step.client_id,
                    step.id,
                    step.code,
                    step.title,
                    step.due_date,
                    step.done_on,
                ).where(step.supervisor_id.in_(part)),
            ).all():
                key = (sup, client or 0)
                if key in pairs:
                    steps.setdefault(key, []).append(_Step(sid, code, title, due, done))
        # Without a checklist only a missed basic-course deadline makes a supervision overdue.
        late = {
            sup
            for key, (sup, _c, _r, _n, _cr, since) in pairs.items()
            if key not in steps and course_deadline(since, days) < today
        }
        basic_done_on = basic_done_map(s, sorted(late))
    basic_title = next(t.title for t in default_template(policy) if t.code == BASIC_COURSE)
    found = []
    for key, (sup_id, client_id, sup_ref, name, client_ref, since) in pairs.items():
        rows = steps.get(key, [])
        if rows:
            status, nxt, overdue = checklist_status(cast(Sequence[OnboardingStep], rows), today)
            if status != "overdue" or nxt is None:
                continue
            code, title, deadline = nxt.code, nxt.title, nxt.due_date
        else:
            deadline = course_deadline(since, days)
            if deadline >= today or sup_id in basic_done_on:
                continue
            code, title, overdue = BASIC_COURSE, basic_title, (today - deadline).days
        found.append(((-overdue, sup_ref, client_ref), (sup_id, name, client_id, code, title, deadline, overdue, rows)))
    found.sort(key=lambda f: f[0])
    out = [
        OnboardingStatus(
            supervisor_id=sup_id,
            supervisor_ref=sup_ref,
            name=name,
            client_id=client_id,
            client_ref=client_ref,
            status="overdue",
            next_step=code,
            next_step_title=_(title),
            next_deadline=deadline,
            overdue_days=overdue,
            steps_done=sum(1 for r in rows if r.done_on is not None),
            steps_total=len(rows),
        )
        for (_o, sup_ref, client_ref), (sup_id, name, client_id, code, title, deadline, overdue, rows) in (
            found if limit is None else found[: max(limit, 0)]
        )
    ]
    return out if total is None else Counted(out, total)


#: Rows read ahead of the shown ones from each reason's range: the first rows are known exactly
#: when each range read in full is exhausted or goes past the last deadline shown.
AHEAD = 10


def _rows_of(s: Any, statement: Any, params: dict[str, Any]) -> list[Any]:
    """`core_rows.rows` of a statement built once, its parameters given here."""
    if s.autoflush:
        s.flush()  # as `Session.execute` does before a query
    return list(s.connection().execute(statement, params).all())


def _by_key(column: Any, key: Any, ref: Any) -> Any:
    """`column` of the row whose `key` is `ref`: a scalar subquery, one index lookup per row."""
    return select(column).where(key == ref).scalar_subquery()


@functools.cache
def _fenced_ranges(scoped: bool) -> Any:
    """PostgreSQL's two ranges for `_first_rows` in one statement (each row tagged 0 or 1 by its
    range), built once (building them took ≈ 0.9 ms of
    Python on each visit, more than the database's work) with the day, the basic course's
    cut-off, the rows to read and a scoped reader's clients as parameters (`today`,
    `basic_before`, `n`, `scope`): the rows of `current_supervisions` (the pair's latest, in the
    reader's scope) with each reason, driven by the stored reasons' index in deadline order. Each
    stored row's supervision is a LATERAL subquery fenced by `OFFSET 0` and the names are scalar
    subqueries, so each is looked up by key for the rows read only: joined, the planner
    (random_page_cost 4) hashed every supervision, supervisor and client (2,000 each at a large
    provider, twice for the pair's latest) to read 60 rows."""
    today = bindparam("today", type_=Date)
    later = aliased(Supervision)
    conds = [
        or_(Supervision.until.is_(None), Supervision.until >= today),
        ~exists().where(
            later.supervisor_id == Supervision.supervisor_id,
            later.client_id == Supervision.client_id,
            or_(later.until.is_(None), later.until >= today),
            later.since > Supervision.since,
        ),
    ]
    if scoped:
        conds.append(Supervision.client_id.in_(bindparam("scope", expanding=True)))
    supervision = (
        select(Supervision.supervisor_id, Supervision.client_id, Supervision.since)
        .where(Supervision.id == OnboardingDue.supervision_id, *conds)
        .offset(0)
        .lateral("sv")
    )
    c = supervision.c
    q = (
        select(
            c.supervisor_id,
            c.client_id,
            _by_key(Supervisor.ref, Supervisor.id, c.supervisor_id),
            _by_key(Supervisor.name, Supervisor.id, c.supervisor_id),
            _by_key(Client.ref, Client.id, c.client_id),
            c.since,
        )
        .select_from(OnboardingDue)
        .join(supervision, true())
    )
    n = bindparam("n", type_=Integer)
    # One statement, one round trip: each range is a parenthesized, ordered and limited SELECT.
    return union_all(
        q.add_columns(OnboardingDue.open_due, literal_column("0"))
        .where(OnboardingDue.open_due < today)
        .order_by(OnboardingDue.open_due)
        .limit(n),
        q.add_columns(OnboardingDue.basic_from, literal_column("1"))
        .where(OnboardingDue.basic_from < bindparam("basic_before", type_=Date))
        .order_by(OnboardingDue.basic_from)
        .limit(n),
    )


def _first_rows(s: Any, q: Any, reasons: Callable[[Any, int], list[list[Any]]], days: int, limit: int) -> list[Any]:
    """The rows of the first `limit` pairs `q` finds overdue, most overdue first (the earliest
    deadline), then by the supervisor's and the client's reference.

    Every pair `q` finds is overdue by one of two reasons (each stored row holds one: see
    `_all_first_rows`), and each reason's deadline follows one of its indexed dates — an open
    step's `open_due`, or `basic_from` and the policy's days. So each reason's range is read in
    that order through its index, only as far as `limit` + `AHEAD` rows (the checks on each
    supervision made on those alone), merged and sorted here. That is exact when each range
    either ended or read past the last deadline kept (no row left unread can come first); else,
    rarely (ties across the boundary), every overdue pair is sorted by `_all_first_rows`. At a
    large provider the 327 overdue pairs were all read and sorted to show 50 (issue 19). SQLite
    and PostgreSQL read them alike (`reasons`; PostgreSQL's statements `_fenced_ranges`)."""
    if limit < 1:
        return []
    step = limit + AHEAD
    opened, basic = reasons(s, step)
    read = [opened, [(*r[:6], r[6] + timedelta(days=days)) for r in basic]]
    # sup id, client id, sup ref, name, client ref, since, deadline; a pair with two current
    # supervisions begun the same day is one (the DISTINCT of `_all_first_rows`).
    rows = sorted({tuple(r) for part in read for r in part}, key=lambda r: (r[6], r[2], r[4]))[:limit]
    ended = [len(part) < step for part in read]
    if len(rows) < limit:
        complete = all(ended)
    else:
        complete = all(e or rows[-1][6] < part[-1][6] for e, part in zip(ended, read, strict=True))
    if not complete:
        return _all_first_rows(s, q, days, limit)
    return [r[:6] for r in rows]


def _all_first_rows(s: Any, q: Any, days: int, limit: int) -> list[Any]:
    """The rows of the first `limit` pairs `q` finds overdue, most overdue first (the earliest
    deadline), then by the supervisor's and the client's reference — in one statement.

    Every pair `q` finds is overdue: its stored reason says so (the checklist's first open step is
    its earliest, past its date; or no checklist, no basic course, the deadline passed), and each
    stored row holds one reason, so its deadline is `open_due`, or `basic_from` + the policy's
    days. A pair with two current supervisions begun the same day is one, hence the DISTINCT. The
    references are compared code point by code point as Python compares them (SQLite's default;
    "C" on PostgreSQL, whose default follows the locale). Before, the edge deadline was found
    first and the rows before it and those on it read apart: three statements built on each
    visit, ≈ 2 ms of the section's 5 at a large provider (issue 19); the few hundred overdue pairs
    are sorted by SQL as cheaply as they were counted."""
    if limit < 1:
        return []
    if s.get_bind().dialect.name == "postgresql":
        basic_deadline: Any = OnboardingDue.basic_from + days
    else:
        # SQLite keeps a date as ISO text: date() gives the same text, ordered as the dates are.
        basic_deadline = func.date(OnboardingDue.basic_from, f"+{days} days")
    deadline = func.coalesce(OnboardingDue.open_due, basic_deadline)
    pairs = q.add_columns(deadline.label("deadline")).order_by(None).distinct().subquery()
    as_python = bytewise(s)
    cols = list(pairs.c)
    first = select(*cols).order_by(pairs.c.deadline, as_python(cols[2]), as_python(cols[4])).limit(limit)
    return [tuple(r)[:6] for r in core_rows.rows(s, first).all()]
