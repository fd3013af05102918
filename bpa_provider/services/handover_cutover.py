"""The incoming cut-over: the client joins us from the effective date, built from the newest
imported handover package — employments (Norway: terms and seniority kept; Sweden: employed
anew), assignments, courses, the last review, the rota patterns and the planned shifts with their
assistants, so the roster is ready on day one. Runs inside the cut-over step's transaction
(`services.transfers.complete_step`)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import Absence, Assistant, Client, Employment, Review, RotaPattern, Shift, Transfer
from bpa_provider.db.types import utcnow
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date
from bpa_provider.services import records
from bpa_provider.services.handover_apply import _ensure_courses
from bpa_provider.services.handover_match import _audit_create, _by_national_id, latest_import
from bpa_provider.services.handover_validate import _as_date, _compact_id
from bpa_provider.services.transfer_rows import saved_id


def apply_cutover_in(session: Session, actor: Actor, ctx: Any) -> list[Msg]:
    """The client joins us: employments and assignments from the effective date for every assistant
    in the newest package who did not refuse (keeping pay, position percent and seniority), their
    courses, the rota, and the client becomes active. Runs inside the cut-over step's transaction."""
    t, client = ctx.transfer, ctx.client
    eff = t.effective_date
    doc = latest_import(session, t.id)
    changes: list[Msg] = []
    refs: dict[str, int] = {}
    if doc is None:
        changes.append(Msg(N_("no handover package imported: no employments created")))
    else:
        provider = doc["from_provider"]["name"]
        joined, stays, fk = [], [], []
        absences: list[tuple[Assistant, list[dict[str, Any]]]] = []
        sweden = doc["transfer"]["basis"] == "new_employment"
        for a in doc["employment_part"]["assistants"]:
            person = _by_national_id(session, Assistant, _compact_id(a["national_id"]))
            ta = next((x for x in ctx.assistants if person is not None and x.assistant_id == person.id), None)
            if person is None or ta is None or ta.refused_on is not None:
                continue
            if sweden and a.get("stays_with_sender"):
                stays.append(person.ref)  # keeps their employment with the sender: no offer from us
                continue
            _employ(session, actor, t, person, a, provider, sweden)
            records.create_in(
                session,
                actor,
                "assignment",
                {
                    "assistant_id": person.id,
                    "client_id": client.id,
                    "role": a["role"],
                    "start_date": eff,
                    "family_relation": bool(a.get("family_relation")),
                    "family_permission_on": a.get("family_permission_on"),
                },
            )
            changes += list(
                _ensure_courses(session, actor, a["courses"], provider, person.ref, assistant_id=saved_id(person))
            )
            _continue_reviews(session, actor, person, client, a.get("last_review_on"), provider)
            refs[a["sender_ref"]] = saved_id(person)
            absences.append((person, a.get("absences") or []))
            joined.append(person.ref)
            if sweden:
                fk.append(person.ref)
        if stays:
            changes.append(
                Msg(
                    N_("no employment for {refs}: they stay employed with {provider}"),
                    refs=", ".join(stays),
                    provider=provider,
                )
            )
        if fk:
            changes.append(
                Msg(
                    N_(
                        "register {refs} with Försäkringskassan (form 3066) before their first hour: "
                        "bpa-provider fk register"
                    ),
                    refs=", ".join(fk),
                )
            )
        if joined:
            changes.append(
                Msg(N_("employment and assignment from {date} for {refs}"), date=eff, refs=", ".join(joined))
            )
        made, unplanned = _create_planned(
            session, actor, client, (doc["client_part"] or {}).get("planned_shifts", []), refs, eff
        )
        if made:
            changes.append(Msg(N_("{n} planned shift(s) from the package"), n=made))
        if unplanned:
            changes.append(Msg(N_("{n} planned shift(s) without an assistant who moves, not created"), n=unplanned))
        taken, refused = _create_absences(session, actor, absences, eff, provider)
        if taken:
            changes.append(Msg(N_("{n} absence(s) from the package"), n=taken))
        changes += refused
        n, unstaffed = _create_rota(
            session, actor, client, (doc["client_part"] or {}).get("rota_patterns", []), refs, eff
        )
        if n:
            changes.append(Msg(N_("{n} rota pattern(s) from {date}"), n=n, date=eff))
        if unstaffed:
            changes.append(
                Msg(
                    N_(
                        "rota pattern(s) without an assistant who moves, not created: {names}; "
                        "plan those hours with one of our assistants"
                    ),
                    names=", ".join(unstaffed),
                )
            )
    before = client.model_dump()
    client.status, client.start_date, client.end_date, client.end_reason = "active", eff, None, ""
    client.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "client",
        client.id,
        subject=client.ref,
        summary=f"active from {format_date(eff)}: transfer {t.id} from {t.counterpart}",
        before=before,
        after=client,
    )
    changes.append(Msg(N_("client {ref} active from {date}"), ref=client.ref, date=eff))
    return changes


def _employ(
    session: Session, actor: Actor, t: Transfer, person: Assistant, a: dict[str, Any], provider: str, sweden: bool
) -> None:
    """The assistant's employment with us from the effective date. Norway (transfer of
    undertaking): their terms and seniority. Sweden: a new employment — seniority from our first
    day. An assistant shared between clients is employed for the moving clients' part of their
    position; one already taken over from the same provider (another client moving) gets that
    part added to the employment they have, not a second one."""
    eff, e, pc = t.effective_date, a["employment"], a["police_certificate"]
    share = float(e.get("position_percent_moving") or e["position_percent"])
    current = session.execute(
        select(Employment).where(
            Employment.assistant_id == person.id,
            Employment.end_date.is_(None),
            Employment.transferred_from == t.counterpart[:200],
        )
    ).scalar()
    if current is not None:
        before = current.model_dump()
        current.position_percent = min(100.0, round(current.position_percent + share, 1))
        current.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "employment",
            current.id,
            subject=person.ref,
            summary=f"position {current.position_percent:g} %: another client moved from {provider}",
            before=before,
            after=current,
        )
        return
    emp = records.create_in(
        session,
        actor,
        "employment",
        {
            "assistant_id": person.id,
            "start_date": eff,
            "position_percent": share,
            "kind": e["kind"],
            "hourly_wage": e["hourly_wage"],
            "seniority_date": eff if sweden else e["seniority_date"],
            "police_certificate_on": pc["checked_on"] if pc["checked"] else None,
            "police_certificate_checked_by": f"{provider} (handover)"[:64] if pc["checked"] else "",
            "confidentiality_on": a["confidentiality_signed_on"],
        },
    )
    emp.transferred_from = t.counterpart[:200]
    session.flush()


def _continue_reviews(
    session: Session, actor: Actor, person: Assistant, client: Client, last: str | None, provider: str
) -> None:
    """The last staff review at the sender, as a dated record (no notes: they stay there), so the
    next review is due a year after it rather than six months after our first day."""
    if not last:
        return
    held = date.fromisoformat(last)
    exists = session.execute(
        select(Review.id).where(Review.assistant_id == person.id, Review.client_id == client.id, Review.held_on == held)
    ).scalar()
    if exists is None:
        _audit_create(
            session,
            actor,
            "review",
            Review(
                assistant_id=saved_id(person),
                client_id=saved_id(client),
                held_on=held,
                created_by=actor.login,
                summary=f"held at {provider} (handover); the notes stay there"[:500],
            ),
            person.ref,
            f"last review {format_date(held)} at {provider} (handover)",
        )


def _create_absences(
    session: Session, actor: Actor, people: list[tuple[Assistant, list[dict[str, Any]]]], eff: date, provider: str
) -> tuple[int, list[Msg]]:
    """The moving assistants' absences that run past the effective date, from our first day, by
    the same checks as `absence add` (an overlap with one we recorded already, for instance):
    (how many made, one line for each refused). Their planned shifts become vacant as with
    `absence add`."""
    from bpa_provider.services import absence as absence_service
    from bpa_provider.services import vacancy

    made, refused = 0, []
    for person, rows in people:
        for ab in rows:
            start, end = max(eff, date.fromisoformat(ab["from_date"])), date.fromisoformat(ab["to_date"])
            document_on = _as_date(ab["document_on"])
            if end < start:
                continue
            errors = absence_service._errors(
                session,
                saved_id(person),
                ab["kind"],
                start,
                end,
                ab["grade"],
                None if document_on is None else max(document_on, start),
                None,
            )
            if errors:
                refused.append(
                    Msg(
                        N_("absence of {ref} {start}–{end} not taken over: {why}"),
                        ref=person.ref,
                        start=start,
                        end=end,
                        why="; ".join(e.localized() for e in errors),
                    )
                )
                continue
            row = Absence(
                assistant_id=saved_id(person),
                kind=ab["kind"],
                from_date=start,
                to_date=end,
                grade=ab["grade"],
                doctor_note_on=document_on,
                note=f"from the handover package of {provider}"[:500],
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "create",
                "absence",
                row.id,
                subject=person.ref,
                summary=f"absence {ab['kind']} {format_date(start)}–{format_date(end)} from the handover "
                f"package of {provider}",
                after={k: v for k, v in row.model_dump().items() if k != "note"},
            )
            vacancy.vacate(session, actor, row, start, end)
            made += 1
    return made, refused


def _create_planned(
    session: Session, actor: Actor, client: Client, shifts: list[dict[str, Any]], refs: dict[str, int], eff: date
) -> tuple[int, int]:
    """The sender's one-off planned shifts from our first day, with their assistants who moved:
    (made, left out for want of an assistant)."""
    made = unplanned = 0
    for sh in shifts:
        assistant_id = refs.get(sh["assistant_sender_ref"] or "")
        if assistant_id is None:
            unplanned += 1
            continue
        start = datetime.fromisoformat(sh["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(sh["end"].replace("Z", "+00:00"))
        if end <= start:
            unplanned += 1
            continue
        session.add(
            Shift(
                client_id=saved_id(client),
                assistant_id=assistant_id,
                start_utc=start,
                end_utc=end,
                kind=sh["kind"],
                status="planned",
            )
        )
        made += 1
    if made:
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "shift",
            None,
            subject=client.ref,
            summary=f"{made} planned shift(s) from the handover package, from {format_date(eff)}",
        )
    return made, unplanned


def _create_rota(
    session: Session, actor: Actor, client: Client, patterns: list[dict[str, Any]], refs: dict[str, int], eff: date
) -> tuple[int, list[str]]:
    """The rota patterns from our first day; (how many, names of those left out for want of an
    assistant). A pattern whose assistant refused (or stays) is not created without one: the
    roster cannot make shifts of nobody (`roster extend` failed on it for the whole company)."""
    # A week of a multi-week cycle keeps its number, so the roster owner should check the
    # cycle's anchor after a transfer (docs/transfers.md).
    n, unstaffed = 0, []
    for p in patterns:
        valid_to = _as_date(p["valid_to"])
        if valid_to is not None and valid_to < eff:
            continue
        assistant_id = refs.get(p["assistant_sender_ref"] or "")
        if assistant_id is None:
            unstaffed.append(p["name"] or f"{p['start_time']}–{p['end_time']}")
            continue
        row = RotaPattern(
            client_id=saved_id(client),
            assistant_id=assistant_id,
            name=p["name"],
            weekdays=",".join(str(x) for x in p["weekdays"]),
            start_time=time.fromisoformat(p["start_time"]),
            end_time=time.fromisoformat(p["end_time"]),
            kind=p["kind"],
            cycle_weeks=p["cycle_weeks"],
            cycle_week=p["cycle_week"],
            valid_from=max(eff, date.fromisoformat(p["valid_from"])),
            valid_to=valid_to,
        )
        _audit_create(session, actor, "rota_pattern", row, client.ref, "rota pattern from handover package")
        n += 1
    return n, unstaffed
