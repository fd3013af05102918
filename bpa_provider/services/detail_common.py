"""What the client's and the assistant's read models share: the assignment line with its reviews,
the query behind it, the reviews' dates, and the access-log row an opening writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Review
from bpa_provider.errors import ServiceError


@dataclass(frozen=True)
class AssignmentLine:
    """An assistant working for a client, with the pair's last and next staff review."""

    assignment: Assignment
    assistant_ref: str
    assistant_name: str
    client_ref: str
    client_name: str
    last_review: date | None = None
    next_review: date | None = None


def _log_view(db: Database, actor: Actor, kind: str, record_id: int, ref: str) -> None:
    with db.write() as s:
        audit.record(s, actor, "view", kind, record_id, subject=ref, summary=f"{kind} record opened")


def _next_reviews(
    db: Database, actor: Actor, today: date, *, client_id: int | None = None, assistant_id: int | None = None
) -> dict[tuple[int, int], date] | None:
    """(assistant_id, client_id) -> next review date, from the reviews service if it is here;
    `client_id` or `assistant_id` keeps the query to the pairs the screen shows."""
    from bpa_provider.services.reviews import due_reviews

    if not actor.may("review.read"):
        return None
    try:
        rows = due_reviews(db, actor, today, include_all=True, client_id=client_id, assistant_id=assistant_id)
        return {(r.assistant_id, r.client_id): r.next_due for r in rows}
    except ServiceError:
        return None


def _last_reviews(
    s: Any, *, client_id: int | None = None, assistant_id: int | None = None
) -> dict[tuple[int, int], date]:
    q = select(Review.assistant_id, Review.client_id, func.max(Review.held_on)).group_by(
        Review.assistant_id, Review.client_id
    )
    if client_id is not None:
        q = q.where(Review.client_id == client_id)
    if assistant_id is not None:
        q = q.where(Review.assistant_id == assistant_id)
    return {(a, c): held for a, c, held in s.execute(q)}


def _assignment_lines(
    rows: list[Any], last: dict[tuple[int, int], date], upcoming: dict[tuple[int, int], date] | None
) -> list[AssignmentLine]:
    return [
        AssignmentLine(
            a,
            a_ref,
            a_name,
            c_ref,
            c_name,
            last_review=last.get((a.assistant_id, a.client_id)),
            next_review=(upcoming or {}).get((a.assistant_id, a.client_id)),
        )
        for a, a_ref, a_name, c_ref, c_name in rows
    ]


def _assignments_query() -> Any:
    return (
        select(Assignment, Assistant.ref, Assistant.name, Client.ref, Client.name)
        .join(Assistant, Assistant.id == Assignment.assistant_id)
        .join(Client, Client.id == Assignment.client_id)
    )
