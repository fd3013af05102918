"""The stored next review due of each (assistant, client) pair (`review_due`, issue 19).

`review_schedule.due_reviews` works out, for a day, every current pair's next annual review from
its current assignments, the assistant's current employments and the last review held. Doing that
for the whole company on each visit of the dashboard read every assignment and employment (12,000
pairs at a large provider) to show 50. The result depends on the day only through which
assignments and employments are current (those not ended before it), and that set changes only
when the day passes an end date. So for each pair the days are cut at the end dates of its
assignments and of the assistant's employments, and each span in which the pair has a review due
gets a row: its first and last day (`valid_from`, `valid_until`, open when None), the pair's start,
the last review held since it, and the next due date (`spans`, the same rule as `due_reviews`).
A cancelled review (an end before the due date) and a span without a current assignment or
employment have no row. The dashboard then reads a range of `next_due` among the rows holding on
the day; a record reads its own pairs' rows.

The rows change only when an assistant's assignments, employments or reviews do. Every session's
commit rewrites the rows of the assistants whose such rows it added, changed or deleted through
the ORM (`_collect`, `_keep`: registered when services/base.py is imported, which every service
is), in that transaction; the bulk paths that insert through the table (the demo company, an
import of reviews) call `refresh` themselves, and migration 0014r filled the table.

The months of the policy the rows were made with are stored beside them (`review_due_basis`):
the writers keep to them, and a reader with other months computes instead (review_schedule).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Assignment, Assistant, Employment, Review, ReviewDueBasis, ReviewDueSpan
from bpa_provider.rules.calendar import next_review_due
from bpa_provider.services import kept_rows

#: (valid_from, valid_until, start, last_held, next_due)
Span = tuple[date | None, date | None, date, date | None, date]
Row = tuple[int, int, date | None, date | None, date, date | None, date]  # assistant, client, *Span

_PENDING = "review_due_assistants"  # session.info: assistants whose rows the commit rewrites


def spans(
    assignments: Iterable[tuple[date, date | None]],
    employment_ends: Iterable[date | None],
    held: date | None,
    first_months: int,
    interval_months: int,
) -> list[Span]:
    """One pair's rows: its assignments (start, end), the assistant's employments' ends (None:
    open) and the last review held with the client (None: none), by `due_reviews`' rule for
    every day of each span. Adjacent spans with the same start, last review and due are one."""
    assignments, employment_ends = list(assignments), list(employment_ends)
    ends = sorted({e for _s, e in assignments if e is not None} | {e for e in employment_ends if e is not None})
    out: list[Span] = []
    for i, after in enumerate([None, *ends]):
        if after == date.max:
            break  # no day follows
        # Every day of the span (after, until] sees the same rows as current: no end between.
        day = date.min if after is None else after + timedelta(days=1)
        until = ends[i] if i < len(ends) else None
        current = [(s, e) for s, e in assignments if e is None or e >= day]
        employed = [e for e in employment_ends if e is None or e >= day]
        if not current or not employed:
            break  # both only shrink as the days go on: no later span has a review
        start = min(s for s, _e in current)
        a_end = None if any(e is None for _s, e in current) else max(e for _s, e in current if e is not None)
        e_end = None if any(e is None for e in employed) else max(e for e in employed if e is not None)
        # A review from an earlier spell with the client does not count for this one.
        last = held if held is not None and held >= start else None
        due = next_review_due(
            start,
            last,
            first_after_months=first_months,
            interval_months=interval_months,
            assignment_end=a_end,
            employment_end=e_end,
        )
        if due is None:
            continue
        if out and out[-1][1] == after and out[-1][2:] == (start, last, due):
            out[-1] = (out[-1][0], until, start, last, due)
        else:
            out.append((None if after is None else day, until, start, last, due))
    return out


def expected_rows(conn: Session | Connection, assistants: Iterable[int] | None = None) -> list[Row]:
    """The rows by the rule, for `assistants` (everyone when None), with the stored basis's
    months (the configured policy's when none is stored), sorted."""
    first, interval = basis(conn)
    ids = None if assistants is None else sorted(set(assistants))
    pairs: dict[tuple[int, int], list[tuple[date, date | None]]] = defaultdict(list)
    jobs: dict[int, list[date | None]] = defaultdict(list)
    held: dict[tuple[int, int], date] = {}
    a_q = select(Assignment.assistant_id, Assignment.client_id, Assignment.start_date, Assignment.end_date)
    e_q = select(Employment.assistant_id, Employment.end_date)
    r_q = select(Review.assistant_id, Review.client_id, func.max(Review.held_on)).group_by(
        Review.assistant_id, Review.client_id
    )
    parts: Iterable[Sequence[int] | None] = [None] if ids is None else kept_rows.chunks(ids)
    for part in parts:
        qa, qe, qr = a_q, e_q, r_q
        if part is not None:
            qa = qa.where(Assignment.assistant_id.in_(part))
            qe = qe.where(Employment.assistant_id.in_(part))
            qr = qr.where(Review.assistant_id.in_(part))
        for aid, cid, start, end in conn.execute(qa):
            pairs[(aid, cid)].append((start, end))
        for aid, end in conn.execute(qe):
            jobs[aid].append(end)
        for aid, cid, last in conn.execute(qr):
            held[(aid, cid)] = last
    out: list[Row] = []
    for (aid, cid), rows in pairs.items():
        if aid in jobs:  # without an employment the assistant is not staff: no review
            out.extend((aid, cid, *span) for span in spans(rows, jobs[aid], held.get((aid, cid)), first, interval))
    return sorted(out, key=_order)


def _order(row: Row) -> tuple[Any, ...]:
    aid, cid, frm, until, *rest = row
    return (aid, cid, frm or date.min, until or date.max, *rest)


def stored_rows(conn: Session | Connection, assistants: Iterable[int] | None = None) -> list[Row]:
    """The table as it is, sorted as `expected_rows` (for the tests)."""
    q = select(
        ReviewDueSpan.assistant_id,
        ReviewDueSpan.client_id,
        ReviewDueSpan.valid_from,
        ReviewDueSpan.valid_until,
        ReviewDueSpan.start_date,
        ReviewDueSpan.last_held,
        ReviewDueSpan.next_due,
    )
    if assistants is not None:
        q = q.where(ReviewDueSpan.assistant_id.in_(sorted(set(assistants))))
    return sorted((cast(Row, tuple(r)) for r in conn.execute(q)), key=_order)


def basis(conn: Session | Connection) -> tuple[int, int]:
    """The months the rows are made with: the stored ones, or the configured policy's."""
    found = stored_basis(conn)
    if found is not None:
        return found
    from bpa_provider.config import load_settings

    p = load_settings().policy
    return p.first_review_months, p.review_interval_months


def stored_basis(conn: Session | Connection) -> tuple[int, int] | None:
    """The months stored beside the rows, None before any (an empty table then)."""
    row = conn.execute(select(ReviewDueBasis.first_months, ReviewDueBasis.interval_months).limit(1)).first()
    return None if row is None else (row[0], row[1])


def refresh(conn: Session | Connection, assistants: Iterable[int] | None = None) -> None:
    """Rewrite the rows of `assistants` (everyone when None) from the rule, in the caller's
    transaction (`kept_rows.rewrite`: the assistants' rows locked first). The first write of a
    database without a stored basis stores the configured policy's months and rewrites all."""
    if isinstance(conn, Session):
        conn.flush()
    if stored_basis(conn) is None:
        first, interval = basis(conn)
        conn.execute(insert(ReviewDueBasis).values(id=1, first_months=first, interval_months=interval))
        assistants = None
    kept_rows.rewrite(
        conn,
        assistants,
        owner_id=Assistant.id,
        table=ReviewDueSpan,
        table_owner=ReviewDueSpan.assistant_id,
        columns=("assistant_id", "client_id", "valid_from", "valid_until", "start_date", "last_held", "next_due"),
        expected=expected_rows,
    )


# ---- kept by every ORM write -----------------------------------------------------------------
# The assistants of every assignment, employment or review a flush writes; their rows rewritten
# before the commit (kept_rows.keep_on_commit).
kept_rows.keep_on_commit(_PENDING, (Assignment, Employment, Review), "assistant_id", refresh)
