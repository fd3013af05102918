"""The onboarding checklist's template and the facts the checklist and its reports share.

The step codes and the provider's default steps (their deadlines are policy), the policy in force,
the lookups of a supervisor and a client by id or reference, and when each supervisor first
finished the basic course (`basic_done_map`): by a completed course enrollment or a step ticked by
hand. `services.onboarding` re-exports every public name here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy, load_settings
from bpa_provider.db.models import Client, Course, CourseEnrollment, OnboardingStep, Supervisor
from bpa_provider.i18n import N_, _
from bpa_provider.services.records import lookup

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


def supervisor_by_key(session: Session, key: int | str) -> Supervisor:
    """A supervisor by id or reference (NotFound in the registry's words)."""
    sup: Supervisor = lookup(session, Supervisor, key, _("supervisor"))
    return sup


def client_by_key(session: Session, key: int | str) -> Client:
    """A client by id or reference (NotFound in the registry's words)."""
    client: Client = lookup(session, Client, key, _("client"))
    return client


def basic_done_map(session: Session, supervisor_ids: Sequence[int]) -> dict[int, date]:
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
