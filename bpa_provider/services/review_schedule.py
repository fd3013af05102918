"""When each assistant's annual review with each client is due (`due_reviews`).

The first review is due the policy's months (6) after the assistant started with the client, later
ones 12 months after the last one held; an assignment or employment that ends before that date
cancels it (rules.calendar.next_review_due). Pairs are the assistant's assignments to a client that
have not ended before today; several (substitute, then regular) are one continuous pair from the
earliest start. `services.reviews` re-exports these names.

The dates are read from `review_due` (services/review_due_store.py: each pair's rows by the same
rule, kept by every write), so the dashboard reads a range of due dates and a record its own pairs
(issue 19); with policy months other than the stored rows', they are worked out (`_computed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Employment, Review, ReviewDueSpan
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import next_review_due, review_status
from bpa_provider.rules.dates import format_date
from bpa_provider.services import core_rows, day_counts, review_due_store
from bpa_provider.services.base import require, service
from bpa_provider.services.counted import Counted
from bpa_provider.services.onboarding import current_policy

REVIEW_STATUSES = ("overdue", "due", "scheduled", "done")


@dataclass(frozen=True)
class ReviewDue:
    """Where the annual review of one assistant with one client stands."""

    assistant_id: int
    assistant_ref: str
    assistant_name: str
    client_id: int
    client_ref: str
    last_held: date | None
    next_due: date
    status: str  # overdue, due, scheduled, done (held this calendar year)
    assignment_start: date

    @property
    def due(self) -> date:
        """The dashboard's date column."""
        return self.next_due

    @property
    def detail(self) -> str:
        """The dashboard's detail column: with whom, and when the last one was held."""
        held = _("last held {date}").format(date=format_date(self.last_held)) if self.last_held else _("none held yet")
        return f"{self.client_ref}, {held}"


@service
def due_reviews(
    db: Database,
    actor: Actor,
    today: date,
    within_days: int | None = None,
    *,
    include_all: bool = False,
    policy: Policy | None = None,
    client_id: int | None = None,
    assistant_id: int | None = None,
    limit: int | None = None,
) -> list[ReviewDue]:
    """Reviews that are due (within `within_days`, default the policy's 30) or overdue; with
    `include_all`, every current pair with its status. Soonest due first.

    `client_id` / `assistant_id` keep to one record's pairs: opening a client or an assistant then
    reads what it shows, not every assignment in the company (issue 19). With `limit`, the first
    `limit` and how many there are in all (`Counted`): the dashboard's 50 of thousands are made
    into records, the others only counted."""
    require(actor, "review.read", what=_("see reviews"))
    if client_id is not None:  # one client's reviews: that client must be the person's to see
        require(actor, "review.read", client_id=client_id, what=_("see reviews"))
    p = current_policy(policy)
    window = p.review_due_window_days if within_days is None else within_days
    with db.read() as s:
        if review_due_store.stored_basis(s) == (p.first_review_months, p.review_interval_months):
            return _stored(db, s, actor, today, window, include_all, client_id, assistant_id, limit)
    return _computed(actor, db, today, window, p, include_all, client_id, assistant_id, limit)


def _stored(
    db: Database,
    s: Session,
    actor: Actor,
    today: date,
    window: int,
    include_all: bool,
    client_id: int | None,
    assistant_id: int | None,
    limit: int | None,
) -> list[ReviewDue]:
    """`due_reviews` read from the stored rows holding on `today` (services/review_due_store.py):
    a range of the next due date through its index for the dashboard, a record's own pairs."""
    R = ReviewDueSpan
    where = [
        or_(R.valid_from.is_(None), R.valid_from <= today),
        or_(R.valid_until.is_(None), R.valid_until >= today),
    ]
    # Overdue (before today) whatever the window, or due within it (`review_status`).
    upto = None if include_all else _plus(today, max(window, -1))
    if actor.is_scoped:
        where.append(R.client_id.in_(sorted(actor.client_scope or ())))
    if client_id is not None:
        where.append(R.client_id == client_id)
    if assistant_id is not None:
        where.append(R.assistant_id == assistant_id)

    def due(upto: date | None) -> list[Any]:
        # One upper bound on the due date, never two: given both (the window's and the last
        # shown), SQLite ranged the index by the first and checked the second on each entry —
        # the 8,013 due at a large provider walked to read the 50 shown (issue 19).
        return [*where, R.next_due <= upto] if upto is not None else where

    total = None
    if limit is not None:
        counted = select(func.count()).select_from(R).where(*due(upto))
        if client_id is None and assistant_id is None:
            # The dashboard's: stored for the day while no span changes (services/day_counts.py).
            basis = "all" if upto is None else f"window={window}"
            total = day_counts.total(
                db, s, actor, day_counts.REVIEWS_DUE, today, basis, lambda: s.execute(counted).scalar_one()
            )
        else:
            total = s.execute(counted).scalar_one()
        if limit < 1:
            return Counted([], total)
        # The first rows are those due up to the `limit`-th due date, its ties included (their
        # order among themselves is by the references, sorted below as for the whole list).
        edge = s.execute(select(R.next_due).where(*due(upto)).order_by(R.next_due).offset(limit - 1).limit(1)).scalar()
        if edge is not None:
            upto = edge  # within the window's bound: it is one of the rows it keeps
    if limit is not None and db.dialect == "postgresql":
        # The names of the rows read looked up by primary key, row by row: joined, PostgreSQL's
        # planner (random_page_cost 4) hashed every assistant and client (12,000 and 2,000 at a
        # large provider: 1.5 ms) for the 51 rows shown. A scalar subquery is never turned into a
        # join. SQLite looks them up by key either way and keeps the join.
        q = select(
            R.assistant_id,
            _by_key(Assistant.ref, Assistant.id, R.assistant_id),
            _by_key(Assistant.name, Assistant.id, R.assistant_id),
            R.client_id,
            _by_key(Client.ref, Client.id, R.client_id),
            R.start_date,
            R.last_held,
            R.next_due,
        ).where(*due(upto))
    else:
        q = (
            select(
                R.assistant_id,
                Assistant.ref,
                Assistant.name,
                R.client_id,
                Client.ref,
                R.start_date,
                R.last_held,
                R.next_due,
            )
            .join(Assistant, Assistant.id == R.assistant_id)
            .join(Client, Client.id == R.client_id)
            .where(*due(upto))
        )
    rows = sorted(core_rows.rows(s, q).all(), key=lambda r: (r[7], r[1], r[4]))
    out = [
        ReviewDue(aid, aref, aname, cid, cref, held, due, review_status(due, held, today, window), start)
        for aid, aref, aname, cid, cref, start, held, due in (rows if limit is None else rows[:limit])
    ]
    return out if total is None else Counted(out, total)


def _by_key(column: Any, key: Any, ref: Any) -> Any:
    """`column` of the row whose `key` is `ref`, as a scalar subquery (one index lookup per row
    read, whatever the table's size)."""
    return select(column).where(key == ref).scalar_subquery()


def _plus(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _computed(
    actor: Actor,
    db: Database,
    today: date,
    window: int,
    p: Policy,
    include_all: bool,
    client_id: int | None,
    assistant_id: int | None,
    limit: int | None,
) -> list[ReviewDue]:
    """`due_reviews` worked out from the assignments, employments and reviews: for a policy other
    than the stored rows' (and the reference the tests hold the stored rows to)."""
    pair = (
        select(
            Assignment.assistant_id,
            Assignment.client_id,
            func.min(Assignment.start_date).label("start"),
            func.max(Assignment.end_date).label("end"),
            (func.count() - func.count(Assignment.end_date)).label("open_ends"),
        )
        .where(or_(Assignment.end_date.is_(None), Assignment.end_date >= today))
        .group_by(Assignment.assistant_id, Assignment.client_id)
    )
    if actor.is_scoped:
        pair = pair.where(Assignment.client_id.in_(sorted(actor.client_scope or ())))
    emp = (
        select(
            Employment.assistant_id,
            func.max(Employment.end_date).label("end"),
            (func.count() - func.count(Employment.end_date)).label("open_ends"),
        )
        .where(or_(Employment.end_date.is_(None), Employment.end_date >= today))
        .group_by(Employment.assistant_id)
    )
    last = select(Review.assistant_id, Review.client_id, func.max(Review.held_on).label("held")).group_by(
        Review.assistant_id, Review.client_id
    )
    if client_id is not None:
        pair = pair.where(Assignment.client_id == client_id)
        last = last.where(Review.client_id == client_id)
        # Only the employments of the client's assistants: unrestricted, the grouping read every
        # employment in the company to join the few (issue 19).
        emp = emp.where(
            Employment.assistant_id.in_(select(Assignment.assistant_id).where(Assignment.client_id == client_id))
        )
    if assistant_id is not None:
        pair = pair.where(Assignment.assistant_id == assistant_id)
        emp = emp.where(Employment.assistant_id == assistant_id)
        last = last.where(Review.assistant_id == assistant_id)
    pair_q, emp_q, last_q = pair.subquery("pair"), emp.subquery("emp"), last.subquery("last")
    q = (
        select(
            pair_q.c.assistant_id,
            Assistant.ref,
            Assistant.name,
            pair_q.c.client_id,
            Client.ref,
            pair_q.c.start,
            pair_q.c.end,
            pair_q.c.open_ends,
            emp_q.c.end,
            emp_q.c.open_ends,
            last_q.c.held,
        )
        .join(Assistant, Assistant.id == pair_q.c.assistant_id)
        .join(Client, Client.id == pair_q.c.client_id)
        # Without a current employment the assistant is not staff: no review to schedule.
        .join(emp_q, emp_q.c.assistant_id == pair_q.c.assistant_id)
        .outerjoin(
            last_q, (last_q.c.assistant_id == pair_q.c.assistant_id) & (last_q.c.client_id == pair_q.c.client_id)
        )
    )
    with db.read() as s:
        rows = core_rows.rows(s, q).all()
    kept = []
    for row in rows:
        aid, aref, aname, cid, cref, start, a_end, a_open, e_end, e_open, held = row
        # A review from an earlier spell with the client does not count for this one.
        last_held = held if held is not None and held >= start else None
        due = next_review_due(
            start,
            last_held,
            first_after_months=p.first_review_months,
            interval_months=p.review_interval_months,
            assignment_end=None if a_open else a_end,
            employment_end=None if e_open else e_end,
        )
        status = review_status(due, last_held, today, window)
        if due is None or status == "cancelled":
            continue
        if not include_all and status not in ("due", "overdue"):
            continue
        kept.append(((due, aref, cref), last_held, status, row))
    # Sorted on the records' key, stably from the same order as before, and made into records only
    # as far as asked.
    kept.sort(key=lambda k: k[0])
    out = [
        ReviewDue(aid, aref, aname, cid, cref, last_held, due, status, start)
        for (due, _a, _c), last_held, status, (aid, aref, aname, cid, cref, start, *_r) in (
            kept if limit is None else kept[: max(limit, 0)]
        )
    ]
    return out if limit is None else Counted(out, len(kept))
