"""A new work supervisor's onboarding: a checklist created from the provider's template.

Each (supervisor, client) supervision gets its own checklist, because the job description and the
first rota belong to one client; the basic course belongs to the person, so completing it (by a
course enrollment or by hand) ticks the basic-course step of every checklist the supervisor has.

Status of a checklist, in this order: "complete" (every step done), "overdue" (an open step's due
date has passed — the due date itself is not overdue), "in_progress" (something done),
"not_started". A current supervision without a checklist (imported, or older than the app) is
judged by the basic course alone, measured from the supervision's start: so a supervisor nobody
onboarded still shows up as "overdue" when the course is missing, and the roster's co-approval
check (`basic_course_overdue`) agrees with the report.

Permissions: reading needs `course.read` (a supervisor only for their own clients), writing
`course.write`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, OnboardingStep, Supervision, Supervisor
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import course_deadline
from bpa_provider.services.base import require, service
from bpa_provider.services.onboarding_checklist import (
    complete_step,
    mark_basic_course_done_in,
    start_onboarding,
    start_onboarding_in,
)
from bpa_provider.services.onboarding_template import (
    BASIC_COURSE,
    RESPONSIBLE,
    STATUSES,
    StepTemplate,
    basic_done_map,
    client_by_key,
    current_policy,
    default_template,
    supervisor_by_key,
)
from bpa_provider.services.records import lookup, saved_id

# The names other modules import from here (this module stays their import point).
__all__ = [
    "BASIC_COURSE",
    "RESPONSIBLE",
    "STATUSES",
    "OnboardingStatus",
    "StepTemplate",
    "StepView",
    "basic_course_overdue",
    "basic_done_map",
    "checklist_status",
    "client_by_key",
    "complete_step",
    "current_policy",
    "default_template",
    "mark_basic_course_done_in",
    "onboarding_overdue",
    "onboarding_overview",
    "onboarding_steps",
    "start_onboarding",
    "start_onboarding_in",
    "supervisor_by_key",
]

# handover_apply reads the basic-course dates under their old private name.
_basic_done_map = basic_done_map


@dataclass(frozen=True)
class OnboardingStatus:
    """Where one supervisor's onboarding for one client stands (dashboard and `report courses`)."""

    supervisor_id: int
    supervisor_ref: str
    name: str
    client_id: int
    client_ref: str
    status: str
    next_step: str  # code of the earliest open step; "" when complete or not created
    next_step_title: str
    next_deadline: date | None
    overdue_days: int  # days since the earliest missed deadline; 0 when nothing is overdue
    steps_done: int
    steps_total: int

    @property
    def deadline(self) -> date | None:
        """The dashboard's date column."""
        return self.next_deadline

    @property
    def detail(self) -> str:
        """The dashboard's detail column: the next step, for which client, how late."""
        text = f"{self.client_ref}: {self.next_step_title}" if self.next_step_title else self.client_ref
        if self.overdue_days:
            text += " " + _("({n} days overdue)").format(n=self.overdue_days)
        return text


@dataclass(frozen=True)
class StepView:
    """One checklist line as a person sees it."""

    id: int
    supervisor_ref: str
    client_ref: str
    code: str
    title: str
    responsible: str
    due_date: date
    done_on: date | None
    state: str  # done, overdue, open
    note: str
    version: int | None


# --------------------------------------------------------------------------- pure status


def checklist_status(steps: Sequence[OnboardingStep], today: date) -> tuple[str, OnboardingStep | None, int]:
    """(status, next open step, overdue days) of one checklist; see the module docstring."""
    if not steps:
        return "not_started", None, 0
    open_steps = sorted((s for s in steps if s.done_on is None), key=lambda s: (s.due_date, s.id or 0))
    if not open_steps:
        return "complete", None, 0
    first = open_steps[0]
    if first.due_date < today:
        return "overdue", first, (today - first.due_date).days
    if any(s.done_on is not None for s in steps):
        return "in_progress", first, 0
    return "not_started", first, 0


def _step_state(step: OnboardingStep, today: date) -> str:
    if step.done_on is not None:
        return "done"
    return "overdue" if step.due_date < today else "open"


# --------------------------------------------------------------------------- reads


def basic_course_overdue(
    session: Session,
    supervisor_id: int,
    today: date,
    *,
    within_days: int | None = None,
) -> bool:
    """Whether a supervisor's basic course is past its deadline and not done (the roster's
    co-approval policy asks this inside its own transaction).

    The checklists' basic-course steps decide. A supervisor without such a step is measured from
    the start of their earliest current supervision + the policy's days (`within_days`), unless
    a completed basic course is on record — so a supervisor nobody onboarded is not let off.
    """
    steps = list(
        session.execute(
            select(OnboardingStep.due_date, OnboardingStep.done_on).where(
                OnboardingStep.supervisor_id == supervisor_id, OnboardingStep.code == BASIC_COURSE
            )
        )
    )
    if steps:
        return any(done is None and due < today for due, done in steps)
    if supervisor_id in basic_done_map(session, [supervisor_id]):
        return False
    since = session.execute(
        select(func.min(Supervision.since)).where(
            Supervision.supervisor_id == supervisor_id, or_(Supervision.until.is_(None), Supervision.until >= today)
        )
    ).scalar()
    days = current_policy().basic_course_within_days if within_days is None else within_days
    return since is not None and course_deadline(since, days) < today


def _without_checklist(since: date, basic_done: date | None, today: date, days: int) -> tuple[str, date | None, int]:
    """(status, basic-course deadline, overdue days) of a supervision nobody started a checklist
    for: only the basic course can be judged."""
    if basic_done is not None:
        return "complete", None, 0
    deadline = course_deadline(since, days)
    if deadline < today:
        return "overdue", deadline, (today - deadline).days
    return "not_started", deadline, 0


def current_supervisions(today: date) -> Any:
    """Every supervision current on `today` — (supervisor id, client id, supervisor ref and name,
    client ref, since), the latest start first — as the onboarding status and the dashboard's
    lean read (services/dashboard_onboarding.py) both select it."""
    return (
        select(
            Supervision.supervisor_id,
            Supervision.client_id,
            Supervisor.ref,
            Supervisor.name,
            Client.ref,
            Supervision.since,
        )
        .join(Supervisor, Supervisor.id == Supervision.supervisor_id)
        .join(Client, Client.id == Supervision.client_id)
        .where(or_(Supervision.until.is_(None), Supervision.until >= today))
        .order_by(Supervision.since.desc())
    )


@service
def onboarding_overview(
    db: Database,
    actor: Actor,
    today: date,
    *,
    supervisor: int | str | None = None,
    policy: Policy | None = None,
) -> list[OnboardingStatus]:
    """Status of every current supervision's checklist (or one supervisor's), by supervisor ref.

    A current supervision without a checklist is judged by the basic course alone, measured
    from the supervision's start (steps_total is 0): done -> "complete", late -> "overdue".
    """
    require(actor, "course.read", what=_("see onboardings"))
    days = current_policy(policy).basic_course_within_days
    with db.read() as s:
        q = current_supervisions(today)
        if supervisor is not None:
            q = q.where(Supervision.supervisor_id == supervisor_by_key(s, supervisor).id)
        if actor.is_scoped:
            q = q.where(Supervision.client_id.in_(sorted(actor.client_scope or ())))
        # Latest start wins when a pair was supervised twice (ordered by since, descending).
        pairs: dict[tuple[int, int], Any] = {}
        for r in s.execute(q):
            pairs.setdefault((r[0], r[1]), r)
        sup_ids = sorted({k[0] for k in pairs})
        steps: dict[tuple[int, int], list[OnboardingStep]] = {}
        basic_done: dict[int, date] = {}
        if pairs:
            for st in s.execute(select(OnboardingStep).where(OnboardingStep.supervisor_id.in_(sup_ids))).scalars():
                key = (st.supervisor_id, st.client_id or 0)
                if key in pairs:
                    steps.setdefault(key, []).append(st)
            basic_done = basic_done_map(s, sup_ids)
    basic_title = next(t.title for t in default_template(policy) if t.code == BASIC_COURSE)
    out = []
    for key, (sup_id, client_id, sup_ref, name, client_ref, since) in pairs.items():
        rows = steps.get(key, [])
        if rows:
            status, nxt, overdue = checklist_status(rows, today)
            code, title, deadline = (nxt.code, _(nxt.title), nxt.due_date) if nxt else ("", "", None)
        else:
            status, deadline, overdue = _without_checklist(since, basic_done.get(sup_id), today, days)
            code, title = (BASIC_COURSE, _(basic_title)) if deadline else ("", "")
        out.append(
            OnboardingStatus(
                supervisor_id=sup_id,
                supervisor_ref=sup_ref,
                name=name,
                client_id=client_id,
                client_ref=client_ref,
                status=status,
                next_step=code,
                next_step_title=title,
                next_deadline=deadline,
                overdue_days=overdue,
                steps_done=sum(1 for r in rows if r.done_on is not None),
                steps_total=len(rows),
            )
        )
    return sorted(out, key=lambda o: (o.supervisor_ref, o.client_ref))


@service
def onboarding_overdue(
    db: Database,
    actor: Actor,
    today: date,
    *,
    policy: Policy | None = None,
) -> list[OnboardingStatus]:
    """The onboardings with a missed deadline, most overdue first (the dashboard's list)."""
    rows = [o for o in onboarding_overview(db, actor, today, policy=policy) if o.status == "overdue"]
    return sorted(rows, key=lambda o: (-o.overdue_days, o.supervisor_ref, o.client_ref))


@service
def onboarding_steps(db: Database, actor: Actor, supervisor: int | str, today: date) -> list[StepView]:
    """A supervisor's checklist lines for every client, by due date."""
    require(actor, "course.read", what=_("see onboardings"))
    with db.read() as s:
        # A supervisor asking about another supervisor gets the words for one that does not exist.
        sup = lookup(s, Supervisor, supervisor, _("supervisor"), actor)
        q = (
            select(OnboardingStep, Client.ref)
            .outerjoin(Client, Client.id == OnboardingStep.client_id)
            .where(OnboardingStep.supervisor_id == sup.id)
            .order_by(OnboardingStep.due_date, OnboardingStep.id)
        )
        if actor.is_scoped:
            q = q.where(OnboardingStep.client_id.in_(sorted(actor.client_scope or ())))
        rows = list(s.execute(q))
    return [
        StepView(
            id=saved_id(st),
            supervisor_ref=sup.ref,
            client_ref=cref or "",
            code=st.code,
            title=_(st.title),
            responsible=st.responsible,
            due_date=st.due_date,
            done_on=st.done_on,
            state=_step_state(st, today),
            note=st.note,
            version=st.version,
        )
        for st, cref in rows
    ]
