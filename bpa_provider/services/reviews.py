"""Annual staff reviews per assistant and client: recording one and reading it. When each is due
is `review_schedule`; following up the actions agreed in one is `review_actions`. This module
re-exports both, so it stays the one import point for reviews.

The review's summary is private: coordinators (and admins) and the client's own supervisor may
read it (`review.notes`, scoped), and every reading is written to the access log in the same
transaction (action "view", entity "review_notes"). Everyone else who may see reviews gets the
review without its summary. The summary never enters the change log either: its snapshot says
only how long it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Course, Review, ReviewAction
from bpa_provider.errors import FieldError, NotFound, PermissionDenied, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.course_enrollment import enroll_without_date_in
from bpa_provider.services.courses import find_course
from bpa_provider.services.records import lookup as _lookup
from bpa_provider.services.records import saved_id
from bpa_provider.services.review_actions import ActionView, OpenAction, action_views, complete_action, open_actions
from bpa_provider.services.review_schedule import REVIEW_STATUSES, ReviewDue, due_reviews
from bpa_provider.services.validation import check_date, check_text

# The names other modules import from here (this module stays their import point).
__all__ = [
    "REVIEW_STATUSES",
    "SUMMARY_MAX",
    "ActionInput",
    "ActionView",
    "OpenAction",
    "ReviewDue",
    "ReviewView",
    "action_views",
    "assignment_starts",
    "complete_action",
    "due_reviews",
    "get_review",
    "held_on_problem",
    "list_reviews",
    "may_read_notes",
    "open_actions",
    "record_review",
    "review_notes",
]

SUMMARY_MAX = 20_000


@dataclass(frozen=True)
class ActionInput:
    """An action agreed in a review, as typed: `course` enrolls the assistant in that course."""

    text: str
    owner: str = ""
    due_date: date | str | None = None
    course: int | str | None = None


@dataclass(frozen=True)
class ReviewView:
    """A review; `summary` is None unless this reader may see it (and the view was logged)."""

    id: int
    assistant_id: int
    assistant_ref: str
    assistant_name: str
    client_id: int
    client_ref: str
    held_on: date
    participants: str
    has_summary: bool
    summary: str | None
    created_by: str
    version: int | None
    actions: tuple[ActionView, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- helpers


def _private(review: Review) -> dict[str, Any]:
    """A snapshot for the change log with the summary replaced by its length."""
    data = review.model_dump()
    data["summary"] = f"(private, {len(review.summary or '')} characters)"
    return data


def _view(
    review: Review, asst: Assistant, client: Client, actions: Sequence[ActionView], summary: str | None
) -> ReviewView:
    return ReviewView(
        id=saved_id(review),
        assistant_id=saved_id(asst),
        assistant_ref=asst.ref,
        assistant_name=asst.name,
        client_id=saved_id(client),
        client_ref=client.ref,
        held_on=review.held_on,
        participants=review.participants,
        has_summary=bool(review.summary),
        summary=summary,
        created_by=review.created_by,
        version=review.version,
        actions=tuple(actions),
    )


def may_read_notes(actor: Actor, client_id: int) -> bool:
    """Coordinators, admins and the client's own supervisor (scoped actor) may read summaries."""
    return actor.may("review.notes") and actor.may_see_client(client_id)


# --------------------------------------------------------------------------- record


def assignment_starts(s: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], date]:
    """(assistant id, client id) -> the first day the assistant worked for the client, for the
    pairs that have an assignment (one query, also for an import of many reviews)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = s.execute(
        select(Assignment.assistant_id, Assignment.client_id, func.min(Assignment.start_date))
        .where(Assignment.assistant_id.in_(sorted({a for a, _c in wanted})))
        .group_by(Assignment.assistant_id, Assignment.client_id)
    ).all()
    return {(a, c): d for a, c, d in rows if (a, c) in wanted}


def held_on_problem(held: date, started: date | None, assistant_ref: str, client_ref: str) -> FieldError | None:
    """The rule for a review's date (`review record` and `import reviews` alike): the assistant must
    have worked for the client, and not have started after the review was held."""
    if started is None:
        return FieldError("client", N_("{a} has never worked for {c}"), params={"a": assistant_ref, "c": client_ref})
    if held < started:
        return FieldError(
            "held_on",
            N_("Held on is before {a} started with {c} ({d})"),
            params={"a": assistant_ref, "c": client_ref, "d": format_date(started)},
        )
    return None


@service
def record_review(
    db: Database,
    actor: Actor,
    assistant: int | str,
    client: int | str,
    held_on: date | str,
    *,
    participants: str = "",
    summary: str = "",
    actions: Sequence[ActionInput] = (),
) -> ReviewView:
    """Record a review that was held: participants, a private summary, and the agreed actions
    (an action with a course puts the assistant on that course's list)."""
    require(actor, "review.write", what=_("record reviews"))
    errors: list[FieldError] = []
    held = check_date(
        held_on,
        "held_on",
        required=True,
        label=N_("Held on"),
        messages={"required": N_("Held on is required")},  # nb/sv say "the date held"
        errors=errors,
    )
    if held is not None and held > date.today():
        errors.append(FieldError("held_on", N_("Held on cannot be in the future: record a review after it was held")))
    parts = check_text(participants, "participants", 500, label=N_("Participants"), errors=errors)
    notes = check_text(summary, "summary", SUMMARY_MAX, label=N_("Summary"), errors=errors)
    with db.write() as s:
        asst: Assistant = _lookup(s, Assistant, assistant, _("assistant"), actor)
        cl: Client = _lookup(s, Client, client, _("client"), actor)
        asst_id, cl_id = saved_id(asst), saved_id(cl)
        require(actor, "review.write", client_id=cl_id, what=_("record reviews"))
        if held is not None:
            started = assignment_starts(s, [(asst_id, cl_id)]).get((asst_id, cl_id))
            problem = held_on_problem(held, started, asst.ref, cl.ref)
            if problem is not None:
                errors.append(problem)
            elif s.execute(
                select(Review.id).where(
                    Review.assistant_id == asst_id, Review.client_id == cl_id, Review.held_on == held
                )
            ).first():
                errors.append(
                    FieldError(
                        "held_on",
                        N_("a review of {a} with {c} on {d} is already recorded"),
                        params={"a": asst.ref, "c": cl.ref, "d": format_date(held)},
                    )
                )
        parsed: list[tuple[str, str, date | None, Course | None]] = []
        for i, a in enumerate(actions, start=1):
            label = _("Action {n}").format(n=i)
            text = check_text(a.text, f"actions[{i}].text", 500, required=True, label=label, errors=errors)
            owner = check_text(a.owner, f"actions[{i}].owner", 200, label=label + " " + _("owner"), errors=errors)
            due = check_date(a.due_date, f"actions[{i}].due_date", label=label + " " + _("due date"), errors=errors)
            if due is not None and held is not None and due < held:
                errors.append(
                    FieldError(
                        f"actions[{i}].due_date",
                        N_("{label} is due before the review was held"),
                        params={"label": label},
                    )
                )
            course = None
            if a.course not in (None, ""):
                try:
                    course = find_course(s, a.course)
                except NotFound as exc:
                    errors.append(FieldError(f"actions[{i}].course", exc.template, params=exc.params))
            parsed.append((text, owner, due, course))
        if errors:
            raise ValidationError(errors)
        assert held is not None
        review = Review(
            assistant_id=asst_id,
            client_id=cl_id,
            held_on=held,
            participants=parts,
            summary=notes,
            created_by=actor.login,
        )
        s.add(review)
        s.flush()
        review_id = saved_id(review)
        audit.record(
            s,
            actor,
            "create",
            "review",
            review.id,
            subject=asst.ref,
            summary=f"review with {cl.ref} held {held.isoformat()}",
            after=_private(review),
        )
        for text, owner, due, course in parsed:
            act = ReviewAction(
                review_id=review_id, text=text, owner=owner, due_date=due, course_id=course.id if course else None
            )
            s.add(act)
            s.flush()
            audit.record(
                s, actor, "create", "review_action", act.id, subject=asst.ref, summary="review action", after=act
            )
            if course is not None:
                enroll_without_date_in(s, actor, saved_id(course), asst_id, cl_id)
        views = action_views(s, [review_id]).get(review_id, [])
        return _view(review, asst, cl, views, notes if may_read_notes(actor, cl_id) else None)


# --------------------------------------------------------------------------- read


@service
def get_review(db: Database, actor: Actor, review_id: int, *, with_notes: bool = False) -> ReviewView:
    """One review. With `with_notes`, the summary is included when this reader may see it, and
    that view is logged in the same transaction; otherwise `summary` is None."""
    require(actor, "review.read", what=_("see reviews"))
    may_notes = with_notes and actor.may("review.notes")
    with db.write() if may_notes else db.read() as s:
        review = s.get(Review, review_id)
        if review is None:
            raise NotFound(N_("no review {id}"), id=review_id)
        require(actor, "review.read", client_id=review.client_id, what=_("see reviews"))
        asst = s.get_one(Assistant, review.assistant_id)
        cl = s.get_one(Client, review.client_id)
        summary = None
        if may_notes and may_read_notes(actor, review.client_id):
            audit.record(
                s,
                actor,
                "view",
                "review_notes",
                review.id,
                subject=asst.ref,
                summary=f"review summary read (client {cl.ref}, held {review.held_on.isoformat()})",
            )
            summary = review.summary
        views = action_views(s, [review_id]).get(review_id, [])
        return _view(review, asst, cl, views, summary)


@service
def review_notes(db: Database, actor: Actor, review_id: int) -> str:
    """The private summary alone: PermissionDenied (and a logged refusal) for anyone but a
    coordinator/admin or the client's supervisor; every reading is logged."""
    require(actor, "review.notes", what=_("read review summaries"))
    with db.write() as s:
        review = s.get(Review, review_id)
        if review is None:
            raise NotFound(N_("no review {id}"), id=review_id)
        if not may_read_notes(actor, review.client_id):
            raise PermissionDenied(N_("Only coordinators and the client's supervisor may read this summary."))
        ref = s.execute(select(Assistant.ref).where(Assistant.id == review.assistant_id)).scalar() or ""
        audit.record(s, actor, "view", "review_notes", review.id, subject=ref, summary="review summary read")
        return review.summary


@service
def list_reviews(
    db: Database,
    actor: Actor,
    *,
    assistant: int | str | None = None,
    client: int | str | None = None,
) -> list[ReviewView]:
    """Reviews held (newest first), without summaries."""
    require(actor, "review.read", what=_("see reviews"))
    with db.read() as s:
        q = (
            select(Review, Assistant, Client)
            .join(Assistant, Assistant.id == Review.assistant_id)
            .join(Client, Client.id == Review.client_id)
            .order_by(Review.held_on.desc(), Review.id.desc())
        )
        if assistant is not None:
            q = q.where(Review.assistant_id == _lookup(s, Assistant, assistant, _("assistant"), actor).id)
        if client is not None:
            q = q.where(Review.client_id == _lookup(s, Client, client, _("client"), actor).id)
        if actor.is_scoped:
            q = q.where(Review.client_id.in_(sorted(actor.client_scope or ())))
        rows = list(s.execute(q))
        acts = action_views(s, [saved_id(r[0]) for r in rows])
    return [_view(r, a, c, acts.get(saved_id(r), []), None) for r, a, c in rows]
