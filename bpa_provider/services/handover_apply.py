"""Applying a validated handover package on the receiving side, inside the import's transaction:
the client and municipality (`create_client`, `complete_identity`), the assistants
(`ensure_assistants`), the client part — decision, supervisors, courses, the hour balance entry —
(`ensure_client_part`) and new dates from a newer package (`follow_dates`).

What the package finds first is `handover_match.check_against_db`; undoing at cancellation is
`handover_rollback.roll_back_incoming`; the incoming cut-over (employments, assignments, rota
from the stored package) is `handover_cutover`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import (
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    Decision,
    HandoverExport,
    HourBalanceEntry,
    Municipality,
    OnboardingStep,
    Supervision,
    Supervisor,
    TransferAssistant,
)
from bpa_provider.db.types import utcnow
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.dates import format_date
from bpa_provider.services import course_expiry, records
from bpa_provider.services.courses import HANDOVER_CERTIFICATE_PREFIX
from bpa_provider.services.handover_match import _audit_create, _by_national_id, latest_import, stored_package
from bpa_provider.services.handover_rollback import forget_assistant
from bpa_provider.services.handover_validate import _as_date, _compact_id
from bpa_provider.services.transfer_rows import saved_id


def _validity_of(c: dict[str, Any], done: date) -> int | None:
    """The course's validity in months: as sent, else read from the expiry date (schema 3 from a
    counterpart that sends only the date; rounded up to whole months)."""
    if c.get("validity_months") is not None:
        return int(c["validity_months"])
    until = _as_date(c.get("expires_on"))
    if until is None:
        return None
    gap = relativedelta(until, done)
    return max(1, gap.years * 12 + gap.months + (1 if gap.days else 0))


def _ensure_courses(
    session: Session, actor: Actor, courses: list[dict[str, Any]], provider: str, subject: str, **who: int
) -> list[Msg]:
    """Record courses completed at the old provider (marked as such, so they are not reported as
    our training for the state grant). A completion whose expiry date here would differ from the
    sender's (our catalog has the course with another validity) is returned as a warning."""
    ((column, person_id),) = who.items()
    warnings: list[Msg] = []
    for c in courses:
        done = date.fromisoformat(c["completed_on"])
        course = session.execute(select(Course).where(Course.name == c["name"])).scalar()
        if course is None:
            course = Course(
                name=c["name"],
                organiser=c["organiser"],
                kind=c["kind"],
                hours=c["hours"],
                validity_months=_validity_of(c, done),
            )
            _audit_create(session, actor, "course", course, "", f"course from handover by {provider}")
        if "expires_on" in c:
            theirs, ours = _as_date(c["expires_on"]), expiry_date(done, course.validity_months)
            if theirs != ours:
                never = Msg(N_("never"))
                warnings.append(
                    Msg(
                        N_("{course} of {who}: expires {theirs} at {provider}, {ours} here (our catalog's validity)"),
                        course=c["name"],
                        who=subject,
                        provider=provider,
                        theirs=theirs or never,
                        ours=ours or never,
                    )
                )
        exists = session.execute(
            select(CourseEnrollment.id).where(
                getattr(CourseEnrollment, column) == person_id,
                CourseEnrollment.course_id == course.id,
                CourseEnrollment.completed_on == done,
            )
        ).scalar()
        if exists is None:
            _audit_create(
                session,
                actor,
                "course_enrollment",
                CourseEnrollment(
                    course_id=saved_id(course),
                    status="completed",
                    completed_on=done,
                    certificate_ref=f"{HANDOVER_CERTIFICATE_PREFIX} {provider}"[:100],
                    assistant_id=who.get("assistant_id"),
                    supervisor_id=who.get("supervisor_id"),
                ),
                subject,
                f"completed {format_date(done)} (handover from {provider})",
            )
            # A completion brought along may be the person's latest: its expiry is stored.
            course_expiry.refresh(session, [(column.removesuffix("_id"), person_id)])
    return warnings


def ensure_client_part(
    session: Session,
    actor: Actor,
    ctx: Any,
    cp: dict[str, Any],
    provider: str,
    as_received: str,
    *,
    balance_only: bool = False,
    warnings: list[Msg] | None = None,
) -> float | None:
    """The decision and supervisors we do not have yet, and the hour balance entry; with
    `balance_only` (a package after our cut-over) only the balance. What a person must look at
    (a course expiring on another day here) is added to `warnings`."""
    client, t = ctx.client, ctx.transfer
    d = cp["decision"]
    decision = None
    if d is not None and balance_only:
        decision = session.execute(
            select(Decision).where(
                Decision.client_id == client.id, Decision.valid_from == date.fromisoformat(d["valid_from"])
            )
        ).scalar()
    elif d is not None:
        frm, to = date.fromisoformat(d["valid_from"]), _as_date(d["valid_to"])
        q = select(Decision).where(
            Decision.client_id == client.id, or_(Decision.valid_to.is_(None), Decision.valid_to >= frm)
        )
        if to is not None:
            q = q.where(Decision.valid_from <= to)
        decision = session.execute(q.limit(1)).scalar()
        if decision is None:  # an existing decision for the period is the municipality's word: kept
            decision = records.create_in(
                session,
                actor,
                "decision",
                {
                    "client_id": client.id,
                    "case_number": d["case_number"],
                    "issuer": d["issuer"],
                    "hours": d["hours"],
                    "hours_unit": d["hours_unit"],
                    "two_helper_hours": d["two_helper_hours"],
                    "night_hours_allowed": d["night_hours_allowed"],
                    "services": ",".join(d["services"]),
                    "valid_from": frm,
                    "valid_to": to,
                },
            )
    current = {
        name
        for (name,) in session.execute(
            select(Supervisor.name)
            .join(Supervision, Supervision.supervisor_id == Supervisor.id)
            .where(Supervision.client_id == client.id, Supervision.until.is_(None))
        ).all()
    }
    for s in cp["supervisors"]:
        if s["name"] in current or balance_only:
            continue
        sup = records.create_in(
            session,
            actor,
            "supervisor",
            {"name": s["name"], "client_id": client.id, "relation": s["relation"], "since": s["since"]},
        )
        found = _ensure_courses(session, actor, s["courses"], provider, sup.ref, supervisor_id=sup.id)
        if warnings is not None:
            warnings.extend(found)
        _continue_onboarding(session, actor, sup, client.id, t.effective_date)
    hb = cp["hour_balance"]
    if hb is None:
        return None
    # The entries of this transfer add up to the newest package's balance: a later package adds
    # the difference instead of a second opening balance.
    marker = f"transfer {t.id}:"
    booked = session.execute(
        select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
            HourBalanceEntry.client_id == client.id,
            HourBalanceEntry.source == "handover",
            HourBalanceEntry.note.like(f"{marker}%"),
        )
    ).scalar_one()
    delta = round(carried_balance(hb, t.effective_date) - float(booked), 2)
    if abs(delta) >= 0.01:
        what = "opening balance" if not booked else "balance correction"
        _audit_create(
            session,
            actor,
            "hour_balance_entry",
            HourBalanceEntry(
                client_id=client.id,
                decision_id=decision.id if decision else None,
                entry_date=t.effective_date,
                hours=delta,
                source="handover",
                note=f"{marker} {what} from {provider}, as of {format_date(_as_date(hb['as_of']))} "
                f"(package {as_received})"[:500],
            ),
            client.ref,
            f"{what} {delta:+.2f} h from handover",
        )
    return carried_balance(hb, t.effective_date)


def _continue_onboarding(session: Session, actor: Actor, sup: Any, client_id: int, eff: date) -> None:
    """A supervisor who comes with the client: the basic course completed at the sender counts, and
    the steps that are ours to do (job description, working-time introduction, first rota) are due
    from our first day — not from when they became supervisor at the sender, which made the
    checklist overdue at once."""
    from bpa_provider.rules.calendar import course_deadline
    from bpa_provider.services import onboarding

    sid = getattr(sup, "supervisor_id", None) or sup.id
    basic = onboarding._basic_done_map(session, [sid]).get(sid)
    within = {t.code: t.within_days for t in onboarding.default_template()}
    for step in session.execute(
        select(OnboardingStep).where(
            OnboardingStep.supervisor_id == sid, OnboardingStep.client_id == client_id, OnboardingStep.done_on.is_(None)
        )
    ).scalars():
        before = step.model_dump()
        if step.code == onboarding.BASIC_COURSE and basic is not None:
            step.done_on = basic
        elif step.code in within:
            step.due_date = max(step.due_date, course_deadline(eff, within[step.code]))
        else:
            continue
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "onboarding_step",
            step.id,
            subject=getattr(sup, "ref", ""),
            summary=f"onboarding {step.code} continued from the handover",
            before=before,
            after=step,
        )


def carried_balance(hb: dict[str, Any], effective: date) -> float:
    """The part of the sender's balance that continues with us: hour accounts run by calendar
    year, so a balance counted in an earlier year than our first day stays in that year (a
    package made in December for a switch on 1 January carries nothing into the new year)."""
    counted_from = date.fromisoformat(hb["counted_from"])
    return float(hb["balance_hours"]) if counted_from.year == effective.year else 0.0


def ensure_assistants(session: Session, actor: Actor, ctx: Any, doc: dict[str, Any]) -> list[str]:
    t = ctx.transfer
    part = doc["employment_part"]
    deadline_done = "refusal_deadline_passed" in ctx.done
    refs = []
    for a in part["assistants"]:
        person = _by_national_id(session, Assistant, _compact_id(a["national_id"]))
        if person is None:
            person = records.create_in(  # an Assistant
                session,
                actor,
                "assistant",
                {
                    "name": a["name"],
                    "national_id": a["national_id"],
                    "birth_date": a["birth_date"],
                    "eea_resident": a.get("eea_resident", True),
                },
            )
        refs.append(person.ref)
        ta = next((x for x in ctx.assistants if x.assistant_id == person.id), None)
        informed, deadline = _as_date(a["informed_on"]), _as_date(a["refusal_deadline"])
        if ta is None:
            ta = TransferAssistant(
                transfer_id=t.id, assistant_id=saved_id(person), informed_on=informed, refusal_deadline=deadline
            )
            _audit_create(
                session,
                actor,
                "transfer_assistant",
                ta,
                person.ref,
                f"listed on incoming transfer {t.id} of client {ctx.client.ref}",
            )
            ctx.assistants.append(ta)
        elif informed and not deadline_done and (ta.informed_on, ta.refusal_deadline) != (informed, deadline):
            before = ta.model_dump()
            ta.informed_on, ta.refusal_deadline = informed, deadline
            session.flush()
            audit.record(
                session,
                actor,
                "inform",
                "transfer_assistant",
                ta.id,
                subject=person.ref,
                summary=f"dates from a newer handover package of transfer {t.id}",
                before=before,
                after=ta,
            )
    # A refusal names only the sender's reference: earlier packages of this transfer say who that is.
    earlier: dict[str, str] = {}
    for (payload,) in session.execute(
        select(HandoverExport.payload)
        .where(
            HandoverExport.transfer_id == t.id,
            HandoverExport.direction == "import",
            HandoverExport.payload.is_not(None),
        )
        .order_by(HandoverExport.id)
    ).all():
        for a in stored_package(payload)["employment_part"]["assistants"]:
            earlier[a["sender_ref"]] = _compact_id(a["national_id"]) or ""
    for r in part["refusals"]:
        person = _by_national_id(session, Assistant, earlier.get(r["sender_ref"]))
        ta = next((x for x in ctx.assistants if person is not None and x.assistant_id == person.id), None)
        if person is not None and ta is not None and ta.refused_on is None:
            before = ta.model_dump()
            ta.refused_on = date.fromisoformat(r["refused_on"])
            session.flush()
            audit.record(
                session,
                actor,
                "refuse",
                "transfer_assistant",
                ta.id,
                subject=person.ref,
                summary=f"written refusal {format_date(ta.refused_on)} reported in the handover package",
                before=before,
                after=ta,
            )
            forget_assistant(session, actor, person, f"refused the transfer of {ctx.client.ref}")
    return refs


def create_client(session: Session, actor: Actor, c: dict[str, Any], eff: date) -> Client:
    m = c["municipality"]
    muni = session.execute(select(Municipality).where(Municipality.name == m["name"])).scalar()
    if muni is None:
        muni = records.create_in(
            session,
            actor,
            "municipality",
            {
                "name": m["name"],
                "country": m["country"].lower(),
                "timezone": m["timezone"],
                "notice_months": m["notice_months"],
            },
        )
    data: dict[str, Any] = {"name": c["name"], "municipality_id": muni.id, "status": "prospect", "start_date": eff}
    if c["national_id"]:
        data["national_id"] = c["national_id"]
    if c["birth_date"]:
        data["birth_date"] = c["birth_date"]
    client: Client = records.create_in(session, actor, "client", data)
    return client


def follow_dates(session: Session, actor: Actor, ctx: Any, agreed: date | None, eff: date, provider: str) -> list[Msg]:
    """The two providers may agree a new date between packages: the newest package says it —
    unless we set our own date (an agreed date typed here, not taken from an earlier package),
    which is never overwritten silently: the difference is returned as a warning."""
    t = ctx.transfer
    if (t.agreed_date, t.effective_date) == (agreed, eff) or eff < t.notice_date:
        return []
    previous = latest_import(session, t.id)
    ours = (
        t.effective_date != date.fromisoformat(previous["transfer"]["effective_date"])
        if previous
        else t.agreed_date is not None
    )
    if ours:
        if t.effective_date == eff:
            return []
        return [
            Msg(
                N_(
                    "{provider} gives the effective date {theirs}; ours is {ours} and was kept: agree one date "
                    "and correct it on either side"
                ),
                provider=provider,
                theirs=eff,
                ours=t.effective_date,
            )
        ]
    before = t.model_dump()
    t.agreed_date, t.effective_date = agreed or eff, eff
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "transfer",
        t.id,
        subject=ctx.client.ref,
        summary=f"effective date {format_date(eff)} from a newer package by {provider}",
        before=before,
        after=t,
    )
    return []


def complete_identity(session: Session, actor: Actor, client: Client, c: dict[str, Any]) -> None:
    """A client we registered ourselves before the package came (matched by name): the package's
    national ID and birth date fill what we did not have."""
    before = client.model_dump()
    changed = []
    if c.get("national_id") and not client.national_id:
        client.national_id = _compact_id(c["national_id"], c["municipality"]["country"])
        changed.append("national_id")
    if c.get("birth_date") and not client.birth_date:
        client.birth_date = date.fromisoformat(c["birth_date"])
        changed.append("birth_date")
    if changed:
        client.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "client",
            client.id,
            subject=client.ref,
            summary=f"{', '.join(changed)} from the handover package",
            before=before,
            after=client,
        )


# =========================================================================== incoming cut-over
