"""Writing a supervisor's onboarding checklist: creating it from the template (idempotent) and
ticking its steps, by hand or when the basic course is completed (`mark_basic_course_done_in`,
called by course enrollment). `services.onboarding` re-exports every public name here; the rules of
the checklist are in that module's docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import OnboardingStep, Supervision, Supervisor
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import course_deadline
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.onboarding_template import (
    BASIC_COURSE,
    StepTemplate,
    basic_done_map,
    client_by_key,
    default_template,
    supervisor_by_key,
)
from bpa_provider.services.records import saved_id
from bpa_provider.services.validation import check_date, check_text

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
    basic_done = basic_done_map(session, [supervisor_id]).get(supervisor_id)
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
    start = check_date(start_date, "start_date", errors=errors)
    with db.write() as s:
        sup = supervisor_by_key(s, supervisor_id)
        client = client_by_key(s, client_id)
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
    done_on = check_date(on, "on", errors=errors) or date.today()
    with db.write() as s:
        note = check_text(
            note,
            "note",
            500,
            multiline=True,
            errors=errors,
            messages={"long": _("Note is too long (at most 500 characters)")},
        )
        sup = supervisor_by_key(s, supervisor)
        q = select(OnboardingStep).where(OnboardingStep.supervisor_id == sup.id, OnboardingStep.code == code)
        if client is not None:
            q = q.where(OnboardingStep.client_id == client_by_key(s, client).id)
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
