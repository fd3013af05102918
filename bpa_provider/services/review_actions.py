"""The actions agreed in a review: how they read (`ActionView`, `action_views`), the follow-up
list of those not yet done (`open_actions`) and marking one done (`complete_action`).
`services.reviews` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Course, Review, ReviewAction
from bpa_provider.errors import Conflict, FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import days_left
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import CONFLICT_MESSAGE, require, service
from bpa_provider.services.records import saved_id
from bpa_provider.services.validation import check_date


@dataclass(frozen=True)
class ActionView:
    """An agreed action."""

    id: int
    review_id: int
    text: str
    owner: str
    due_date: date | None
    done_on: date | None
    course: str
    version: int | None


@dataclass(frozen=True)
class OpenAction:
    """An action not yet done, for the follow-up list."""

    id: int
    review_id: int
    assistant_ref: str
    assistant_name: str
    client_ref: str
    text: str
    owner: str
    due_date: date | None
    days_left: int | None
    overdue: bool
    course: str
    version: int | None


def action_views(session: Session, review_ids: Sequence[int]) -> dict[int, list[ActionView]]:
    """The agreed actions of these reviews, by review id, in the order they were agreed."""
    out: dict[int, list[ActionView]] = {}
    if not review_ids:
        return out
    q = (
        select(ReviewAction, Course.name)
        .outerjoin(Course, Course.id == ReviewAction.course_id)
        .where(ReviewAction.review_id.in_(review_ids))
        .order_by(ReviewAction.id)
    )
    for a, cname in session.execute(q):
        out.setdefault(a.review_id, []).append(
            ActionView(saved_id(a), a.review_id, a.text, a.owner, a.due_date, a.done_on, cname or "", a.version)
        )
    return out


@service
def open_actions(db: Database, actor: Actor, today: date) -> list[OpenAction]:
    """Agreed actions not yet done, by due date (undated last), with days left."""
    require(actor, "review.read", what=_("see reviews"))
    q = (
        select(ReviewAction, Assistant.ref, Assistant.name, Client.ref, Course.name)
        .join(Review, Review.id == ReviewAction.review_id)
        .join(Assistant, Assistant.id == Review.assistant_id)
        .join(Client, Client.id == Review.client_id)
        .outerjoin(Course, Course.id == ReviewAction.course_id)
        .where(ReviewAction.done_on.is_(None))
    )
    if actor.is_scoped:
        q = q.where(Review.client_id.in_(sorted(actor.client_scope or ())))
    with db.read() as s:
        rows = list(s.execute(q))
    out = []
    for a, aref, aname, cref, cname in rows:
        left = days_left(a.due_date, today) if a.due_date else None
        out.append(
            OpenAction(
                saved_id(a),
                a.review_id,
                aref,
                aname,
                cref,
                a.text,
                a.owner,
                a.due_date,
                left,
                left is not None and left < 0,
                cname or "",
                a.version,
            )
        )
    return sorted(out, key=lambda o: (o.due_date is None, o.due_date or date.max, o.id))


@service
def complete_action(
    db: Database,
    actor: Actor,
    action_id: int,
    on: date | str | None = None,
    *,
    version: int | None = None,
) -> ActionView:
    """Mark an agreed action done (default today)."""
    require(actor, "review.write", what=_("follow up review actions"))
    errors: list[FieldError] = []
    done_on = check_date(on, "on", label=N_("Done on"), errors=errors) or date.today()
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        action = s.get(ReviewAction, action_id)
        if action is None:
            raise NotFound(N_("no review action {id}"), id=action_id)
        review = s.get_one(Review, action.review_id)
        require(actor, "review.write", client_id=review.client_id, what=_("follow up review actions"))
        if version is not None and action.version != version:
            raise Conflict(CONFLICT_MESSAGE)
        if action.done_on is not None:
            raise ValidationError(N_("the action was already done on {d}"), d=format_date(action.done_on), field="on")
        before = ReviewAction.model_validate(action.model_dump())
        action.done_on = done_on
        s.flush()
        ref = s.execute(select(Assistant.ref).where(Assistant.id == review.assistant_id)).scalar() or ""
        audit.record(
            s,
            actor,
            "update",
            "review_action",
            action.id,
            subject=ref,
            summary=f"done {done_on.isoformat()}",
            before=before,
            after=action,
        )
        cname = s.execute(select(Course.name).where(Course.id == action.course_id)).scalar() if action.course_id else ""
        return ActionView(
            action_id,
            action.review_id,
            action.text,
            action.owner,
            action.due_date,
            action.done_on,
            cname or "",
            action.version,
        )
