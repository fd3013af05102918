"""The dashboard's "courses overdue": `onboarding.onboarding_overdue`, read lean.

The service builds every current supervision's onboarding status (2,000 at a large provider) from
every checklist step loaded as an ORM object, and the basic course of every supervisor, to keep the
few hundred that are overdue. This read lets SQL pick the overdue supervisions (a pair's latest
current one: an open step of its checklist past its date, or without a checklist the basic course's
deadline passed and the course not done) as two ranges of the stored reasons (`onboarding_due`,
services/onboarding_due.py; before, every supervision was judged by index lookups), and makes a
record only of the rows shown: the same `OnboardingStatus`es in the same order
(tests/services/test_dashboard_reads.py holds it equal to the service on both engines).

A pair with a stored `open_due` has a checklist: its steps are read as plain rows and judged by
the rule of `checklist_status` (the first open step by date and id, counted as it goes). A pair
stored by `basic_from` has none, and its supervisor no basic course: the stored reason says so,
kept on every commit, and the section's count is of the same rows — so neither its checklist nor
the courses are read again (at a large provider every pair shown was one of these). SQLite reads
the basic courses' range first and the open steps' range only as far as the last deadline shown.
The statements are built once, the day, the cut-off and the reader's scope their parameters
(`_statements`): built on each visit they cost more Python than SQLite's work (issue 19).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

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
    current_policy,
    current_supervisions,
    default_template,
)


@service
def onboarding_overdue(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None, limit: int | None = None
) -> list[OnboardingStatus]:
    """`onboarding.onboarding_overdue`, read as rows (see the module's docstring); with `limit`,
    the first `limit` and how many there are in all (`Counted`)."""
    require(actor, "course.read", what=_("see onboardings"))
    policy = current_policy(policy)  # the configured one read once (a file and the environment)
    days = policy.basic_course_within_days
    scoped = actor.is_scoped
    # The statements are built once (`_statements`), the day, the cut-off and the scope their
    # parameters: built on each visit they cost ≈ 1 ms of Python, more than SQLite's work.
    st = _statements(db.dialect, scoped)
    params: dict[str, Any] = {"today": today, "basic_before": today - timedelta(days=days)}
    if scoped:
        params["scope"] = sorted(actor.client_scope or ())

    def reasons(s: Any, step: int) -> list[list[Any]]:
        """Each reason's range in deadline order, its first `step` rows: (sup id, client id, sup
        ref, name, client ref, since, open_due or basic_from)."""
        at = {**params, "n": step}
        if db.dialect == "postgresql":
            read: list[list[Any]] = [[], []]
            for row in _rows_of(s, st.ranges, at):
                read[row[7]].append(row[:7])  # in each range's order
            return read
        # The basic course's range first: when it holds `limit` pairs, every pair shown is due by
        # the last of them at the latest, and the open steps' range is read only that far (at a
        # large provider the first 50 were all basic courses: 60 open steps' rows read for none).
        basic = _rows_of(s, st.basic, at)
        distinct = sorted({tuple(r) for r in basic}, key=lambda r: r[6])
        shown = limit or 1  # `_first_rows` reads the ranges for a limit of 1 or more only
        upto = distinct[shown - 1][6] + timedelta(days=days) if len(distinct) >= shown else today
        return [_rows_of(s, st.opened, {**at, "upto": upto}), basic]

    def whole() -> Any:
        """The overdue pairs' rows as one query with the day's values (for `_all_first_rows`)."""
        scope = sorted(actor.client_scope or ()) if scoped else None
        return _overdue_query(today, today - timedelta(days=days), scope)

    total = None
    with db.read() as s:
        if limit is None:
            candidates = _rows_of(s, st.whole, params)
        else:
            # Stored for the day while no stored reason or supervision changes (day_counts.py).
            total = day_counts.total(
                db,
                s,
                actor,
                day_counts.COURSES_OVERDUE,
                today,
                f"days={days}",
                lambda: _rows_of(s, st.counted, params)[0][0],
            )
            # All of them when they are all shown; else the first `limit`.
            candidates = (
                _rows_of(s, st.whole, params) if total <= limit else _first_rows(s, whole, reasons, days, limit)
            )
        # (sup id, client id, sup ref, name, client ref, since, open_due): a stored reason's
        # `open_due` says the pair has a checklist; without one (`basic_from`) the stored reason
        # also says the supervisor has no basic course (services/onboarding_due.py keeps it on
        # every commit, and the count above is of the same rows), so only checklists are read.
        pairs: dict[tuple[int, int], Any] = {}
        for r in candidates:
            pairs.setdefault((r[0], r[1]), r)
        # Each checklist as the service judges it (`checklist_status`): how many steps, how many
        # done, and the first open one by (due date, id) — plain tuples, no record of a step.
        checklists: dict[tuple[int, int], list[Any]] = {}
        sups = sorted({r[0] for r in pairs.values() if r[6] is not None})
        for part in (sups[i : i + 500] for i in range(0, len(sups), 500)):
            for sup, client, sid, code, title, due, done in _rows_of(s, st.steps, {"sups": part}):
                key = (sup, client or 0)
                if key not in pairs:
                    continue
                c = checklists.get(key)
                if c is None:
                    c = checklists[key] = [0, 0, None]  # steps, done, (due, id, code, title) first open
                c[0] += 1
                if done is not None:
                    c[1] += 1
                elif c[2] is None or (due, sid) < c[2][:2]:
                    c[2] = (due, sid, code, title)
    basic_title = _basic_title(policy)
    found = []
    for key, (sup_id, client_id, sup_ref, name, client_ref, since, _open_due) in pairs.items():
        c = checklists.get(key)
        if c is not None:
            first_open = c[2]
            if first_open is None or first_open[0] >= today:
                continue  # complete, or nothing past its date: not overdue
            deadline, _sid, code, title = first_open
            done, steps_total = c[1], c[0]
        else:
            # Without a checklist only a missed basic-course deadline makes a supervision overdue.
            deadline = course_deadline(since, days)
            if deadline >= today:
                continue
            code, title, done, steps_total = BASIC_COURSE, basic_title, 0, 0
        found.append((deadline, sup_ref, client_ref, sup_id, name, client_id, code, title, done, steps_total))
    # Most overdue first: the earliest deadline (overdue days are today less it).
    found.sort(key=lambda f: f[:3])
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
            overdue_days=(today - deadline).days,
            steps_done=done,
            steps_total=steps_total,
        )
        for deadline, sup_ref, client_ref, sup_id, name, client_id, code, title, done, steps_total in (
            found if limit is None else found[: max(limit, 0)]
        )
    ]
    return out if total is None else Counted(out, total)


def _basic_title(policy: Policy) -> str:
    """The basic course's step title of the default checklist (untranslated)."""
    return next(t.title for t in default_template(policy) if t.code == BASIC_COURSE)


def _latest_current(today: Any) -> Any:
    """A pair's latest current supervision only (the service keeps the latest start): no current
    supervision of the same pair started later."""
    later = aliased(Supervision)
    return ~exists().where(
        later.supervisor_id == Supervision.supervisor_id,
        later.client_id == Supervision.client_id,
        or_(later.until.is_(None), later.until >= today),
        later.since > Supervision.since,
    )


def _current(today: Any, scope: Any) -> Any:
    """The current supervisions (a pair's latest) with a stored reason: (sup id, client id, sup
    ref, name, client ref, since) — `today` a value or a parameter (`_statements`), `scope` the
    reader's clients (None: every client)."""
    conds = [_latest_current(today)]
    if scope is not None:
        conds.append(Supervision.client_id.in_(scope))
    base = current_supervisions(today).join(OnboardingDue, OnboardingDue.supervision_id == Supervision.id)
    return base.where(*conds)


def _overdue(today: Any, basic_before: Any) -> Any:
    """... that is overdue: an open step of its checklist past its date (the first open one then
    is), or without a checklist the basic course's deadline passed and the course not done —
    two ranges of the stored reasons (services/onboarding_due.py)."""
    return or_(OnboardingDue.open_due < today, OnboardingDue.basic_from < basic_before)


def _overdue_query(today: Any, basic_before: Any, scope: Any) -> Any:
    """The overdue pairs' rows (`_current`, `_overdue`)."""
    return _current(today, scope).add_columns(OnboardingDue.open_due).where(_overdue(today, basic_before))


class _Statements:
    """The section's statements, built once (`_statements`)."""

    __slots__ = ("basic", "counted", "opened", "ranges", "steps", "whole")

    def __init__(self, **parts: Any) -> None:
        for k, v in parts.items():
            setattr(self, k, v)


@functools.cache
def _statements(dialect: str, scoped: bool) -> Any:
    """The section's statements with the day (`today`), the basic course's cut-off
    (`basic_before`), the rows to read of a range (`n`), a scoped reader's clients (`scope`) and
    the supervisors whose steps are read (`sups`) as parameters: every overdue pair (`whole`),
    their count (`counted`), SQLite's two ranges (`opened`, `basic`) or PostgreSQL's one
    statement of both (`ranges`, `_fenced_ranges`), and the steps of some supervisors (`steps`)."""
    today = bindparam("today", type_=Date)
    basic_before = bindparam("basic_before", type_=Date)
    scope: Any = bindparam("scope", expanding=True) if scoped else None
    current = _current(today, scope)
    # Counted without the names: the current supervisions of the stored rows.
    conds = [_latest_current(today), _overdue(today, basic_before)]
    if scope is not None:
        conds.append(Supervision.client_id.in_(scope))
    counted = (
        select(OnboardingDue.supervisor_id, OnboardingDue.client_id)
        .join(Supervision, Supervision.id == OnboardingDue.supervision_id)
        .where(or_(Supervision.until.is_(None), Supervision.until >= today), *conds)
        .distinct()
    )
    n = bindparam("n", type_=Integer)
    # Each range without the other reason's condition: read through its own index.
    # SQLite's open steps' range is read as far as the deadline `upto` (see `reasons`).
    opened = current.where(OnboardingDue.open_due < today, OnboardingDue.open_due <= bindparam("upto", type_=Date))
    basic = current.where(OnboardingDue.basic_from < basic_before)
    step = OnboardingStep
    return _Statements(
        whole=current.add_columns(OnboardingDue.open_due).where(_overdue(today, basic_before)),
        counted=select(func.count()).select_from(counted.subquery()),
        opened=_one_reason(opened, OnboardingDue.open_due, n),
        basic=_one_reason(basic, OnboardingDue.basic_from, n),
        ranges=_fenced_ranges(scoped) if dialect == "postgresql" else None,
        steps=select(
            step.supervisor_id, step.client_id, step.id, step.code, step.title, step.due_date, step.done_on
        ).where(step.supervisor_id.in_(bindparam("sups", expanding=True))),
    )


def _one_reason(q: Any, by: Any, n: Any) -> Any:
    """`q` limited to one reason, in its date's order, its first `n` rows with the date."""
    return q.add_columns(by).order_by(None).order_by(by).limit(n)


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


def _first_rows(
    s: Any, q: Callable[[], Any], reasons: Callable[[Any, int], list[list[Any]]], days: int, limit: int
) -> list[Any]:
    """The rows of the first `limit` pairs `q()` (built only when needed) finds overdue, most overdue first (the earliest
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
    read = [[(*r[:7], r[6]) for r in opened], [(*r[:6], r[6] + timedelta(days=days), None) for r in basic]]
    # sup id, client id, sup ref, name, client ref, since, deadline, open_due (None: no checklist);
    # a pair with two current supervisions begun the same day is one (the DISTINCT of
    # `_all_first_rows`).
    rows = sorted({tuple(r) for part in read for r in part}, key=lambda r: (r[6], r[2], r[4]))[:limit]
    ended = [len(part) < step for part in read]
    if len(rows) < limit:
        complete = all(ended)
    else:
        complete = all(e or rows[-1][6] < part[-1][6] for e, part in zip(ended, read, strict=True))
    if not complete:
        return _all_first_rows(s, q(), days, limit)
    return [(*r[:6], r[7]) for r in rows]


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
    return [tuple(r)[:7] for r in core_rows.rows(s, first).all()]  # with `q`'s open_due
