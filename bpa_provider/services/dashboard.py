"""What needs action now: the dashboard's six lists, gathered from the services that own each rule.

The dashboard screen only displays what `gather_section()` returns for each key of
`visible_sections()` (`gather()` is all of them at once). One list (decisions ending soon) is a
query of its own here; the other five belong to other areas (hours, reviews, onboarding, working
time, transfers) and are called through `optional_service`, so a build without one of them shows
that section as "not available" instead of failing. Each area's rows are turned into `Item`s by a
small adapter below, the only code that knows their shapes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.errors import DatabaseBusy, DatabaseUnavailable, ServiceError
from bpa_provider.i18n import _
from bpa_provider.services.base import require, scoped_actor, service
from db.engine import Database
from db.models import Assistant, Client, Decision, Transfer

# Section keys, in the order the dashboard shows them; the screen words each heading.
DECISIONS_ENDING = "decisions_ending"
HOURS_USAGE = "hours_usage"
REVIEWS_DUE = "reviews_due"
COURSES_OVERDUE = "courses_overdue"
CREDENTIALS_MISSING = "credentials_missing"
TRANSFER_STEPS_DUE = "transfer_steps_due"
REVIEW_ACTIONS_DUE = "review_actions_due"
COURSES_EXPIRING = "courses_expiring"
FK_DEADLINES = "fk_deadlines"
SECTION_KEYS = (DECISIONS_ENDING, HOURS_USAGE, REVIEWS_DUE, REVIEW_ACTIONS_DUE, COURSES_OVERDUE,
                COURSES_EXPIRING, CREDENTIALS_MISSING, TRANSFER_STEPS_DUE, FK_DEADLINES)

# The permission each section needs: a role without it does not see the section at all (and the
# dashboard does not ask, so a refresh does not fill the access log with refusals).
SECTION_PERMISSION = {
    DECISIONS_ENDING: "decision.read",
    HOURS_USAGE: "hours.read",
    REVIEWS_DUE: "review.read",
    COURSES_OVERDUE: "course.read",
    CREDENTIALS_MISSING: "roster.read",
    TRANSFER_STEPS_DUE: "transfer.read",
    REVIEW_ACTIONS_DUE: "review.read",
    COURSES_EXPIRING: "course.read",
    FK_DEADLINES: "report.read",
}

UNAVAILABLE = "unavailable"  # Section.error when the owning service is not in this build


@dataclass(frozen=True)
class Item:
    """One row: the record it opens (kind + id), how people name it, and why it is listed."""

    kind: str  # client, assistant or supervisor: what opening the row shows
    record_id: int | None
    ref: str = ""
    name: str = ""
    when: date | None = None  # the date that makes it urgent (end, due date, first shift, ...)
    flag: str = ""  # short codes the screen words as text, comma-separated: "over", "overdue", ...
    detail: str = ""  # extra words (numbers, a client's reference, a step's title)
    client_id: int | None = None  # the client the row is about, when it is not the record itself


@dataclass(frozen=True)
class Section:
    """One list of the dashboard; `error` is UNAVAILABLE or a service's message."""

    key: str
    items: tuple[Item, ...] = ()
    error: str = ""

    @property
    def available(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Dashboard:
    """Every section the actor may see, for one day."""

    today: date
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def optional_service(module: str, name: str) -> Callable[..., Any] | None:
    """`bpa_provider.services.<module>.<name>`, or None when this build does not have it."""
    path = f"bpa_provider.services.{module}"
    try:
        return getattr(importlib.import_module(path), name)
    except ModuleNotFoundError as exc:
        if exc.name and path.startswith(exc.name):
            return None
        raise  # the module exists but one of its own imports is missing: a real fault
    except AttributeError:
        return None


# --------------------------------------------------------------------------- our own query

@service
def decisions_ending(db: Database, actor: Actor, today: date, within_days: int) -> list[Item]:
    """Decisions whose period ends within `within_days` of `today` and that no later decision of
    the same client already follows (a renewed decision needs no action)."""
    actor = scoped_actor(db, actor)
    require(actor, "decision.read", what="see decisions")
    later = aliased(Decision)
    renewed = exists().where(and_(later.client_id == Decision.client_id, later.valid_from > Decision.valid_to))
    q = (
        select(Decision, Client.ref, Client.name)
        .join(Client, Client.id == Decision.client_id)
        .where(
            Decision.valid_to.is_not(None),
            Decision.valid_to >= today,
            Decision.valid_to <= today + timedelta(days=within_days),
            Client.status != "ended",
            ~renewed,
        )
        .order_by(Decision.valid_to, Client.ref)
    )
    if actor.is_scoped:
        q = q.where(Decision.client_id.in_(sorted(actor.client_scope or ())))
    with db.read() as s:
        rows = s.execute(q).all()
    return [
        Item("client", d.client_id, ref, name, when=d.valid_to, flag="ending",
             detail=f"{d.hours:g} h/{_(d.hours_unit)}")
        for d, ref, name in rows
    ]


# --------------------------------------------------------------------------- other areas' rows

def _hours_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # hours.HoursRow: flag is the year-end outlook (warn, alert, under); numbers are this month's.
    return [Item("client", r.client_id, r.client, r.name, flag=r.flag,
                 detail=f"{r.worked_hours:.0f}/{r.decided_hours:.0f} h"
                        + (f" · {r.usage_pct:.0f} %" if r.usage_pct is not None else ""))
            for r in rows]


def _review_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # reviews.ReviewDue: one assistant with one client.
    return [Item("assistant", r.assistant_id, r.assistant_ref, r.assistant_name, when=r.next_due,
                 flag=r.status, detail=r.client_ref, client_id=r.client_id) for r in rows]


def _course_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # onboarding.OnboardingStatus: a supervisor's checklist for one client; the row opens the client.
    return [Item("supervisor", r.supervisor_id, r.supervisor_ref, r.name, when=r.next_deadline,
                 flag="overdue", detail=f"{r.client_ref}: {_(r.next_step_title)}" if r.next_step_title else r.client_ref,
                 client_id=r.client_id) for r in rows]


def _credential_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # worktime.CredentialGap: the first shift without a certificate or a declaration.
    return [Item("assistant", r.assistant_id, r.assistant_ref, r.name, when=r.shift_start.date(),
                 flag=",".join(r.missing), detail=r.client_ref) for r in rows]


def _transfer_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # transfers.StepDue names the transfer; the row opens the transfer's client.
    rows = list(rows)
    ids = {r.transfer_id for r in rows}
    clients: dict[int, tuple[int, str]] = {}
    if ids:
        with db.read() as s:
            clients = {tid: (cid, name) for tid, cid, name in s.execute(
                select(Transfer.id, Client.id, Client.name).join(Client, Client.id == Transfer.client_id)
                .where(Transfer.id.in_(ids)))}
    return [Item("client", clients.get(r.transfer_id, (None, ""))[0], r.client_ref,
                 clients.get(r.transfer_id, (None, ""))[1], when=r.due_date,
                 flag="overdue" if r.days_left < 0 else "due", detail=_(r.title)) for r in rows]


def _ids_by_ref(db: Database, model: type, refs: Iterable[str]) -> dict[str, int]:
    refs = sorted(set(refs))
    if not refs:
        return {}
    with db.read() as s:
        return dict(s.execute(select(model.ref, model.id).where(model.ref.in_(refs))).all())


def _action_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # reviews.OpenAction: an action agreed in a review, due within the review window or overdue.
    rows = [r for r in rows if r.due_date is not None]
    ids = _ids_by_ref(db, Assistant, (r.assistant_ref for r in rows))
    return [Item("assistant", ids.get(r.assistant_ref), r.assistant_ref, r.assistant_name, when=r.due_date,
                 flag="overdue" if r.overdue else "due", detail=f"{r.client_ref}: {r.text}") for r in rows]


def _expiry_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # courses.ExpiringCredential: a supervisor's or assistant's course about to expire, or expired.
    return [Item(r.person_kind, r.person_id, r.person_ref, r.person_name, when=r.expires_on,
                 flag="expired" if r.expired else "expiring", detail=r.course) for r in rows]


def _fk_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # sweden.FkDeadline: a Swedish client's monthly time report due at Försäkringskassan.
    rows = list(rows)
    ids = _ids_by_ref(db, Client, (r.client_ref for r in rows))
    return [Item("client", ids.get(r.client_ref), r.client_ref, r.client_name, when=r.deadline,
                 flag="overdue" if r.days_left < 0 else "due", detail=r.month) for r in rows]


# --------------------------------------------------------------------------- gathering

Source = tuple[Callable[..., Any] | None, Callable[..., Any], Callable[[Database, Iterable[Any]], list[Item]]]


def _sources(policy: Policy) -> dict[str, Source]:
    """Section -> (service function or None, how to call it, how to read its rows)."""
    return {
        DECISIONS_ENDING: (
            decisions_ending,
            lambda fn, db, actor, today: fn(db, actor, today, policy.decision_ending_days),
            lambda db, rows: list(rows),
        ),
        HOURS_USAGE: (
            optional_service("hours", "usage_flags"),
            lambda fn, db, actor, today: fn(db, actor, today.year, today.month, today=today, policy=policy),
            _hours_items,
        ),
        REVIEWS_DUE: (
            optional_service("reviews", "due_reviews"),
            lambda fn, db, actor, today: fn(db, actor, today, within_days=policy.review_due_window_days,
                                            policy=policy),
            _review_items,
        ),
        COURSES_OVERDUE: (
            optional_service("onboarding", "onboarding_overdue"),
            lambda fn, db, actor, today: fn(db, actor, today),
            _course_items,
        ),
        CREDENTIALS_MISSING: (
            optional_service("worktime", "missing_credentials"),
            lambda fn, db, actor, today: fn(db, actor, today),
            _credential_items,
        ),
        TRANSFER_STEPS_DUE: (
            optional_service("transfers", "steps_due"),
            lambda fn, db, actor, today: fn(db, actor, today, within_days=policy.transfer_step_window_days),
            _transfer_items,
        ),
        REVIEW_ACTIONS_DUE: (
            optional_service("reviews", "open_actions"),
            lambda fn, db, actor, today: [a for a in fn(db, actor, today) if a.due_date is not None
                                          and (a.due_date - today).days <= policy.review_due_window_days],
            _action_items,
        ),
        COURSES_EXPIRING: (
            optional_service("courses", "expiring_credentials"),
            lambda fn, db, actor, today: fn(db, actor, today, policy=policy),
            _expiry_items,
        ),
        FK_DEADLINES: (
            optional_service("sweden", "fk_deadlines"),
            lambda fn, db, actor, today: fn(db, actor, today, within_days=policy.transfer_step_window_days),
            _fk_items,
        ),
    }


def visible_sections(actor: Actor) -> list[str]:
    """The keys of the sections the actor may see, in the dashboard's order."""
    return [key for key in SECTION_KEYS if actor.may(SECTION_PERMISSION[key])]


def gather_section(db: Database, actor: Actor, today: date, key: str, policy: Policy | None = None) -> Section:
    """One section, for a key of `visible_sections(actor)`.

    The screen asks for each section in a worker of its own and shows each as it arrives: at a
    large provider the hour outlook reads a year of shifts (seconds), the other sections take
    milliseconds, and nobody should wait for the slowest to see the rest. A section whose service
    refuses or does not fit carries a message; a database that cannot be reached raises."""
    fn, call, read = _sources(policy or Policy())[key]
    if fn is None:
        return Section(key, error=UNAVAILABLE)
    try:
        return Section(key, tuple(read(db, call(fn, db, actor, today))))
    except (DatabaseUnavailable, DatabaseBusy):
        raise
    except ServiceError as exc:
        return Section(key, error=exc.message)
    except (TypeError, AttributeError) as exc:
        # The owning service takes or returns other things than this adapter knows: say so
        # calmly on the dashboard instead of failing all of it.
        return Section(key, error=f"{UNAVAILABLE}: {exc}")


def gather(db: Database, actor: Actor, today: date, policy: Policy | None = None) -> Dashboard:
    """Every section the actor may see. A section whose service refuses or does not fit carries a
    message; a database that cannot be reached raises (one message for the whole dashboard)."""
    policy = policy or Policy()
    return Dashboard(today, tuple(gather_section(db, actor, today, key, policy) for key in visible_sections(actor)))
