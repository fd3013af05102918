"""Applying a validated handover package on the receiving side.

- `check_against_db` decides what a package updates (an incoming transfer on its way) and what it
  cannot (a client already ours, a package already imported);
- `apply_package` creates or updates, inside the import's transaction, the client, municipality,
  incoming transfer, assistants, decision, supervisors and the hour balance entry;
- `roll_back_incoming` undoes what the packages brought when an incoming transfer is cancelled.

The incoming cut-over (employments, assignments, rota from the stored package) is in
`handover_cutover`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    Employment,
    HandoverExport,
    HourBalanceEntry,
    Municipality,
    OnboardingStep,
    Supervision,
    Supervisor,
    Transfer,
    TransferAssistant,
    TransferStep,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.dates import format_date
from bpa_provider.services import records, transfer_rows, transfers
from bpa_provider.services.courses import HANDOVER_CERTIFICATE_PREFIX
from bpa_provider.services.handover_validate import _as_date, _compact_id


def _by_national_id(session: Session, model: type, compact: str | None) -> Any:
    if not compact:
        return None
    return session.execute(select(model).where(model.national_id == compact).order_by(model.id).limit(1)).scalar()


@dataclass
class _Target:
    client: Client | None = None
    transfer: Transfer | None = None
    cut_over: bool = False  # the transfer's cut-over is done: the package may only bring the final balance
    warnings: list[Msg] = field(default_factory=list)


def _generated(payload: str) -> str:
    return str(json.loads(payload).get("generated_at") or "")


def _imported(session: Session, transfer_id: int) -> list[str]:
    """The payloads imported for a transfer, oldest package first (by the package's own
    generated_at, not by when it arrived: packages may arrive out of order)."""
    rows = session.execute(
        select(HandoverExport.id, HandoverExport.payload).where(
            HandoverExport.transfer_id == transfer_id,
            HandoverExport.direction == "import",
            HandoverExport.payload.is_not(None),
        )
    ).all()
    return [p for _id, p in sorted(rows, key=lambda r: (_generated(r[1]), r[0]))]


def _match_open_incoming(session: Session, doc: dict[str, Any]) -> tuple[Client | None, Transfer | None]:
    """Our own incoming transfer for this client, opened before any package arrived, when the
    national ID does not find it: the same sender and the client's name (and birth date, when we
    have one). Only an unambiguous match counts."""
    c, sender = doc["client"], " ".join(doc["from_provider"]["name"].split()).casefold()
    found = []
    for t, client in session.execute(
        select(Transfer, Client)
        .join(Client, Client.id == Transfer.client_id)
        .where(Transfer.direction == "in", Transfer.state.not_in(transfer_rows.ENDED_STATES))
    ).all():
        if " ".join(t.counterpart.split()).casefold() != sender:
            continue
        if " ".join(client.name.split()).casefold() != " ".join(c["name"].split()).casefold():
            continue
        if client.birth_date and c["birth_date"] and client.birth_date.isoformat() != c["birth_date"]:
            continue
        if client.national_id and c["national_id"] and client.national_id != _compact_id(c["national_id"]):
            continue
        found.append((client, t))
    return found[0] if len(found) == 1 else (None, None)


def check_against_db(session: Session, doc: dict[str, Any], digest: str) -> tuple[_Target, list[FieldError]]:
    errors: list[FieldError] = []
    target = _Target()
    seen = session.execute(
        select(HandoverExport.transfer_id)
        .where(HandoverExport.direction == "import", HandoverExport.sha256 == digest)
        .limit(1)
    ).scalar()
    if seen is not None:
        errors.append(FieldError("file", N_("This package was already imported (transfer {id})"), params={"id": seen}))
    m = doc["client"]["municipality"]
    muni = session.execute(select(Municipality).where(Municipality.name == m["name"])).scalar()
    if muni is not None and (muni.country or "").upper() != m["country"]:
        errors.append(
            FieldError(
                "client.municipality.country",
                N_("Municipality {name} is in {country} here"),
                params={"name": muni.name, "country": muni.country},
            )
        )
    client = _by_national_id(session, Client, _compact_id(doc["client"]["national_id"], m["country"]))
    open_t = transfers.open_transfer_for(session, client.id) if client is not None else None
    if client is None or (open_t is None and client.status not in ("active", "transferring_out")):
        matched, matched_t = _match_open_incoming(session, doc)
        if matched is not None:
            client, open_t = matched, matched_t
    if client is not None:
        target.client = client
        cut = (
            open_t is not None
            and session.execute(
                select(func.count())
                .select_from(TransferStep)
                .where(
                    TransferStep.transfer_id == open_t.id,
                    TransferStep.code == "cutover",
                    TransferStep.done_on.is_not(None),
                )
            ).scalar_one()
        )
        if open_t is not None and open_t.direction == "in":
            target.transfer, target.cut_over = open_t, bool(cut)  # a newer package for a transfer on its way
            newest = max((_generated(p) for p in _imported(session, open_t.id)), default="")
            if newest and doc["generated_at"] <= newest:
                errors.append(
                    FieldError(
                        "generated_at",
                        N_(
                            "the package was made before the newest one already "
                            "imported for transfer {id} ({newest}): it is out of date"
                        ),
                        params={"id": open_t.id, "newest": newest},
                    )
                )
        elif open_t is not None:
            errors.append(
                FieldError(
                    "client",
                    N_("Client {ref} has an open transfer ({id}) that this package cannot update"),
                    params={"ref": client.ref, "id": open_t.id},
                )
            )
        elif client.status in ("active", "transferring_out"):
            errors.append(
                FieldError(
                    "client", N_("Client {ref} with this national ID is already ours"), params={"ref": client.ref}
                )
            )
    return target, errors


def _audit_create(session: Session, actor: Actor, entity: str, row: Any, subject: str, summary: str) -> None:
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", entity, row.id, subject=subject, summary=summary, after=row)


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
                    course_id=course.id,
                    status="completed",
                    completed_on=done,
                    certificate_ref=f"{HANDOVER_CERTIFICATE_PREFIX} {provider}"[:100],
                    **{column: person_id},
                ),
                subject,
                f"completed {format_date(done)} (handover from {provider})",
            )
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
            person = records.create_in(
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
                transfer_id=t.id, assistant_id=person.id, informed_on=informed, refusal_deadline=deadline
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
        for a in json.loads(payload)["employment_part"]["assistants"]:
            earlier[a["sender_ref"]] = _compact_id(a["national_id"]) or ""
    for r in part["refusals"]:
        person = _by_national_id(session, Assistant, earlier.get(r["sender_ref"]))
        ta = next((x for x in ctx.assistants if person is not None and x.assistant_id == person.id), None)
        if ta is not None and ta.refused_on is None:
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
    return records.create_in(session, actor, "client", data)


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


def latest_import(session: Session, transfer_id: int) -> dict[str, Any] | None:
    """The newest package imported for a transfer (by its generated_at), parsed, or None (also
    when its contents were erased at cancellation)."""
    payloads = _imported(session, transfer_id)
    doc = json.loads(payloads[-1]) if payloads else None
    return None if doc is None or doc.get("erased") else doc


def sender_reference(session: Session, transfer_id: int) -> tuple[int, str] | None:
    """(the sender's transfer id, the sender's name) from a transfer's imported packages, erased or not."""
    payloads = _imported(session, transfer_id)
    if not payloads:
        return None
    doc = json.loads(payloads[-1])
    return int(doc["transfer"]["sender_transfer_id"]), str(doc["from_provider"]["name"])


# =========================================================================== refusals and cancellation


def forget_assistant(session: Session, actor: Actor, person: Assistant, why: str) -> bool:
    """An assistant we registered only from a package, who will not come to us (refused, or the
    transfer was cancelled): their national ID and birth date are not ours to keep. Nothing is
    done for someone employed with us or on another open transfer. True when something was erased."""
    if person.anonymised or not (person.national_id or person.birth_date):
        return False
    employed = session.execute(
        select(func.count()).select_from(Employment).where(Employment.assistant_id == person.id)
    ).scalar_one()
    others = session.execute(
        select(func.count())
        .select_from(TransferAssistant)
        .join(Transfer, Transfer.id == TransferAssistant.transfer_id)
        .where(
            TransferAssistant.assistant_id == person.id,
            TransferAssistant.refused_on.is_(None),
            Transfer.state.not_in(transfer_rows.ENDED_STATES),
        )
    ).scalar_one()
    if employed or others:
        return False
    before = person.model_dump()
    person.national_id, person.birth_date = None, None
    person.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "assistant",
        person.id,
        subject=person.ref,
        summary=f"national ID and birth date erased: {why}",
        before=before,
        after=person,
    )
    return True


def roll_back_incoming(session: Session, actor: Actor, ctx: Any, day: date) -> list[Msg]:
    """An incoming transfer cancelled before cut-over: what its packages created is undone where it
    can be — the client who never started with us ends (so retention reaches them), the hour
    balance entries are reversed, assistants known only from the packages are forgotten, and the
    stored packages' contents (national IDs, pay) are erased; the checksums stay as history."""
    t, client = ctx.transfer, ctx.client
    changes: list[Msg] = []
    marker = f"transfer {t.id}:"
    booked = session.execute(
        select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
            HourBalanceEntry.client_id == client.id,
            HourBalanceEntry.source == "handover",
            HourBalanceEntry.note.like(f"{marker}%"),
        )
    ).scalar_one()
    if abs(float(booked)) >= 0.01:
        _audit_create(
            session,
            actor,
            "hour_balance_entry",
            HourBalanceEntry(
                client_id=client.id,
                entry_date=t.effective_date,
                hours=-round(float(booked), 2),
                source="handover",
                note=f"{marker} reversed: transfer cancelled {format_date(day)}",
            ),
            client.ref,
            "handover balance reversed: transfer cancelled",
        )
        changes.append(Msg(N_("hour balance from the package reversed")))
    forgotten = []
    for ta in ctx.assistants:
        person = session.get(Assistant, ta.assistant_id)
        if person is not None and forget_assistant(session, actor, person, f"transfer {t.id} cancelled"):
            forgotten.append(person.ref)
    if forgotten:
        changes.append(Msg(N_("national IDs erased for {refs}"), refs=", ".join(forgotten)))
    erased = 0
    for row in session.execute(
        select(HandoverExport).where(HandoverExport.transfer_id == t.id, HandoverExport.payload.is_not(None))
    ).scalars():
        # Only what names the other side's transfer is kept (a cancellation message needs it).
        pkg = json.loads(row.payload)
        row.payload = json.dumps(
            {
                "generated_at": pkg.get("generated_at"),
                "from_provider": pkg["from_provider"],
                "transfer": {"sender_transfer_id": pkg["transfer"]["sender_transfer_id"]},
                "erased": True,
            }
        )
        erased += 1
    if erased:
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "handover",
            None,
            subject=client.ref,
            summary=f"contents of {erased} stored package(s) of transfer {t.id} erased: cancelled",
        )
        changes.append(Msg(N_("stored packages erased")))
    if client.status == "prospect":
        before = client.model_dump()
        client.status, client.end_date = "ended", day
        client.end_reason = f"incoming transfer from {t.counterpart} cancelled"[:200]
        client.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "end",
            "client",
            client.id,
            subject=client.ref,
            summary=f"never started: transfer {t.id} cancelled",
            before=before,
            after=client,
        )
        changes.append(Msg(N_("client {ref} ended: never started with us"), ref=client.ref))
    return changes
