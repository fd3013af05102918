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

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, Course, CourseEnrollment, OnboardingStep, Supervision, Supervisor
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import course_deadline
from bpa_provider.rules.dates import format_date, parse_date
from bpa_provider.services.base import require, service
from bpa_provider.services.records import check_text, lookup, saved_id

STATUSES = ("not_started", "in_progress", "complete", "overdue")
RESPONSIBLE = ("coordinator", "supervisor")
BASIC_COURSE = "basic_course"


@dataclass(frozen=True)
class StepTemplate:
    """One step of the provider's onboarding template: due `within_days` after the start."""

    code: str
    title: str
    within_days: int
    responsible: str


def current_policy(policy: Policy | None = None) -> Policy:
    """The policy passed in, or the provider's configured one (config file and BPA_* variables)."""
    return policy if policy is not None else load_settings().policy


def default_template(policy: Policy | None = None) -> tuple[StepTemplate, ...]:
    """The default checklist (domain.md, "The work supervisor"); the course deadline is policy.

    Titles are stored in English and translated where they are shown.
    """
    p = current_policy(policy)
    return (
        StepTemplate(BASIC_COURSE, N_("Basic supervisor course completed"), p.basic_course_within_days, "supervisor"),
        StepTemplate(
            "job_description",
            N_("Job description written with the provider"),
            p.job_description_within_days,
            "coordinator",
        ),
        StepTemplate(
            "working_time_intro", N_("Working-time rules introduced"), p.working_time_intro_within_days, "coordinator"
        ),
        StepTemplate("first_rota", N_("First rota planned"), p.first_rota_within_days, "supervisor"),
    )


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


# --------------------------------------------------------------------------- lookups


def _supervisor(session: Session, key: int | str) -> Supervisor:
    sup: Supervisor = lookup(session, Supervisor, key, _("supervisor"))
    return sup


def _client(session: Session, key: int | str) -> Client:
    client: Client = lookup(session, Client, key, _("client"))
    return client


def _as_date(value: date | str | None, field: str, errors: list[FieldError]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError as exc:
        errors.append(FieldError.of(field, exc))
        return None


def _basic_done_map(session: Session, supervisor_ids: Sequence[int]) -> dict[int, date]:
    """When each supervisor first finished the basic course: a completed enrollment in a
    supervisor_basic course, or a basic-course step ticked by hand in any checklist."""
    ids = sorted(set(supervisor_ids))
    if not ids:
        return {}
    by_course = (
        select(CourseEnrollment.supervisor_id, func.min(CourseEnrollment.completed_on))
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(
            CourseEnrollment.supervisor_id.in_(ids),
            CourseEnrollment.status == "completed",
            Course.kind == "supervisor_basic",
            CourseEnrollment.completed_on.is_not(None),
        )
        .group_by(CourseEnrollment.supervisor_id)
    )
    by_step = (
        select(OnboardingStep.supervisor_id, func.min(OnboardingStep.done_on))
        .where(
            OnboardingStep.supervisor_id.in_(ids),
            OnboardingStep.code == BASIC_COURSE,
            OnboardingStep.done_on.is_not(None),
        )
        .group_by(OnboardingStep.supervisor_id)
    )
    out: dict[int, date] = {}
    for sid, day in list(session.execute(by_course)) + list(session.execute(by_step)):
        # Both queries keep to rows with a supervisor and a date (the IN and IS NOT NULL above).
        if sid is not None and day is not None:
            out[sid] = min(day, out.get(sid, day))
    return out


# --------------------------------------------------------------------------- writes


def start_onboarding_in(
    session: Session,
    actor: Actor,
    supervisor_id: int,
    client_id: int,
    start_date: date,
    template: Sequence[StepTemplate],
) -> list[OnboardingStep]:
    """Create the missing steps of a checklist inside an open transaction (idempotent)."""
    existing = {
        s.code: s
        for s in session.execute(
            select(OnboardingStep).where(
                OnboardingStep.supervisor_id == supervisor_id, OnboardingStep.client_id == client_id
            )
        ).scalars()
    }
    sup_ref = session.execute(select(Supervisor.ref).where(Supervisor.id == supervisor_id)).scalar() or ""
    basic_done = _basic_done_map(session, [supervisor_id]).get(supervisor_id)
    for t in template:
        if t.code in existing:
            continue
        step = OnboardingStep(
            supervisor_id=supervisor_id,
            client_id=client_id,
            code=t.code,
            title=t.title,
            responsible=t.responsible,
            due_date=course_deadline(start_date, t.within_days),
            done_on=basic_done if t.code == BASIC_COURSE else None,
        )
        session.add(step)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "onboarding_step",
            step.id,
            subject=sup_ref,
            summary=f"onboarding step {t.code} due {step.due_date.isoformat()}",
            after=step,
        )
        existing[t.code] = step
    return sorted(existing.values(), key=lambda s: (s.due_date, s.id or 0))


@service
def start_onboarding(
    db: Database,
    actor: Actor,
    supervisor_id: int | str,
    client_id: int | str,
    start_date: date | str | None = None,
    *,
    template: Sequence[StepTemplate] | None = None,
    policy: Policy | None = None,
) -> list[OnboardingStep]:
    """Create a supervisor's checklist for a client from the template; running it again only adds
    steps that are missing. `start_date` defaults to the day the supervision began."""
    require(actor, "course.write", what=_("start onboardings"))
    steps = tuple(template) if template is not None else default_template(policy)
    errors: list[FieldError] = []
    start = _as_date(start_date, "start_date", errors)
    with db.write() as s:
        sup = _supervisor(s, supervisor_id)
        client = _client(s, client_id)
        supervision = s.execute(
            select(Supervision)
            .where(Supervision.supervisor_id == sup.id, Supervision.client_id == client.id)
            .order_by(Supervision.since.desc())
            .limit(1)
        ).scalar()
        if supervision is None:
            errors.append(
                FieldError(
                    "client", N_("{sup} does not supervise {client}"), params={"sup": sup.ref, "client": client.ref}
                )
            )
        elif start is None and not errors:
            start = supervision.since
        if errors:
            raise ValidationError(errors)
        assert start is not None
        return start_onboarding_in(s, actor, saved_id(sup), saved_id(client), start, steps)


def mark_basic_course_done_in(session: Session, actor: Actor, supervisor_id: int, on: date) -> int:
    """Tick every open basic-course step of a supervisor (a course was completed); how many."""
    steps = list(
        session.execute(
            select(OnboardingStep).where(
                OnboardingStep.supervisor_id == supervisor_id,
                OnboardingStep.code == BASIC_COURSE,
                OnboardingStep.done_on.is_(None),
            )
        ).scalars()
    )
    sup_ref = session.execute(select(Supervisor.ref).where(Supervisor.id == supervisor_id)).scalar() or ""
    for step in steps:
        before = OnboardingStep.model_validate(step.model_dump())
        step.done_on = on
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "onboarding_step",
            step.id,
            subject=sup_ref,
            summary=f"basic course completed {on.isoformat()}",
            before=before,
            after=step,
        )
    return len(steps)


@service
def complete_step(
    db: Database,
    actor: Actor,
    supervisor: int | str,
    code: str,
    *,
    client: int | str | None = None,
    on: date | str | None = None,
    note: str = "",
) -> list[OnboardingStep]:
    """Mark a step done (default: today). When the supervisor has that step open for several
    clients, `client` says which; the basic course is ticked in every checklist at once."""
    require(actor, "course.write", what=_("change onboardings"))
    errors: list[FieldError] = []
    done_on = _as_date(on, "on", errors) or date.today()
    with db.write() as s:
        note = check_text(
            note,
            "note",
            500,
            multiline=True,
            errors=errors,
            messages={"long": _("Note is too long (at most 500 characters)")},
        )
        sup = _supervisor(s, supervisor)
        q = select(OnboardingStep).where(OnboardingStep.supervisor_id == sup.id, OnboardingStep.code == code)
        if client is not None:
            q = q.where(OnboardingStep.client_id == _client(s, client).id)
        steps = list(s.execute(q).scalars())
        open_steps = [st for st in steps if st.done_on is None]
        if not steps:
            errors.append(
                FieldError("step", N_("{sup} has no onboarding step '{code}'"), params={"sup": sup.ref, "code": code})
            )
        elif not open_steps:
            errors.append(
                FieldError(
                    "step",
                    N_("step '{code}' is already done ({when})"),
                    params={"code": code, "when": format_date(steps[0].done_on)},
                )
            )
        elif len(open_steps) > 1 and code != BASIC_COURSE:
            errors.append(
                FieldError(
                    "client",
                    N_("{sup} has '{code}' open for several clients: name the client"),
                    params={"sup": sup.ref, "code": code},
                )
            )
        if errors:
            raise ValidationError(errors)
        for step in open_steps:
            before = OnboardingStep.model_validate(step.model_dump())
            step.done_on = done_on
            if note:
                step.note = note
            s.flush()
            audit.record(
                s,
                actor,
                "update",
                "onboarding_step",
                step.id,
                subject=sup.ref,
                summary=f"step {code} done {done_on.isoformat()}",
                before=before,
                after=step,
            )
        return open_steps


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
    if supervisor_id in _basic_done_map(session, [supervisor_id]):
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
        q = (
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
        if supervisor is not None:
            q = q.where(Supervision.supervisor_id == _supervisor(s, supervisor).id)
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
            basic_done = _basic_done_map(s, sup_ids)
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
