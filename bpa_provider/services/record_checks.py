"""The record-level checks of each registry record kind, and what creating one also does.

Each `validate_*` sees the fields that parsed (and, for a change, the stored row) and returns every
problem it finds: national IDs agree with the birth date, dates in order, one decision per client
per day, a known time zone, a free employee number. The `*_after_create` hooks start what a new
record implies (a supervisor created with a client supervises it; a supervision starts the
onboarding checklist). `record_specs` wires them to their kinds.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import Client, Decision, Municipality, Supervision
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import national_id as nid
from bpa_provider.services.employee_numbers import check_employee_number
from bpa_provider.services.record_fields import SERVICE_TYPES


def validate_any_national_id(value: str, country: str | None = None) -> nid.NationalId:
    """A Norwegian (11 digits) or Swedish national ID, by its length unless the country is known."""
    digits = value.replace("-", "").replace("+", "")
    if country is None:
        country = "NO" if len(digits) == 11 else "SE"
    return nid.validate(value, country)


def dates_in_order(values: dict[str, Any], row: Any, start: str, end: str, label: str) -> list[FieldError]:
    """The end (`label`) not before the start, the new values merged over the stored row."""
    a = values.get(start, getattr(row, start, None) if row is not None else None)
    b = values.get(end, getattr(row, end, None) if row is not None else None)
    if a and b and b < a:
        return [
            FieldError(
                end, N_("{label} must be on or after the start ({date})"), params={"label": Msg(label), "date": a}
            )
        ]
    return []


def merged(values: dict[str, Any], row: Any, name: str) -> Any:
    """A field's value after the change: the new value if given, else the stored row's."""
    return values[name] if name in values else (getattr(row, name, None) if row is not None else None)


def validate_person_id(session: Session, values: dict[str, Any], row: Any, country: str | None) -> list[FieldError]:
    """A person's national ID is valid (stored compact) and agrees with the birth date, which it
    fills in when none was given."""
    errors: list[FieldError] = []
    value = values.get("national_id")
    if value:
        try:
            parsed = validate_any_national_id(value, country)
            values["national_id"] = parsed.compact
            born = merged(values, row, "birth_date")
            if born and born != parsed.birth_date:
                errors.append(FieldError("birth_date", N_("Birth date does not match the national ID")))
            elif not born:
                values["birth_date"] = parsed.birth_date
        except ValueError as exc:
            errors.append(FieldError.about("national_id", "National ID", exc))
    return errors


def validate_municipality(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    errors = []
    tz = values.get("timezone")
    if tz and tz not in available_timezones():
        errors.append(
            FieldError("timezone", N_("Time zone “{zone}” is unknown (e.g. Europe/Oslo)"), params={"zone": tz})
        )
    if "country" in values and "timezone" not in values and row is None:
        values["timezone"] = "Europe/Stockholm" if values["country"] == "se" else "Europe/Oslo"
    if "country" in values:
        values["country"] = values["country"].upper()
    if merged(values, row, "approved") and not merged(values, row, "approved_since"):
        pass  # approval date unknown is allowed: older approvals often lack it
    return errors


def validate_client(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    muni_id = merged(values, row, "municipality_id")
    muni = session.get(Municipality, muni_id) if muni_id else None
    errors = validate_person_id(session, values, row, muni.country if muni else None)
    errors += dates_in_order(values, row, "start_date", "end_date", "End date")
    return errors


def validate_decision(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    errors = dates_in_order(values, row, "valid_from", "valid_to", "Valid to")
    services = values.get("services")
    if services:
        parts = [p.strip() for p in services.split(",") if p.strip()]
        bad = [p for p in parts if p not in SERVICE_TYPES]
        if bad:
            errors.append(
                FieldError(
                    "services",
                    N_("Services: unknown {bad} (use {known})"),
                    params={"bad": ", ".join(bad), "known": ", ".join(SERVICE_TYPES)},
                )
            )
        values["services"] = ",".join(parts)
    if errors:
        return errors
    client_id = merged(values, row, "client_id")
    start = merged(values, row, "valid_from")
    end = merged(values, row, "valid_to")
    if client_id and start:
        # One active decision per client per day: periods may not overlap.
        q = select(Decision).where(
            Decision.client_id == client_id,
            or_(Decision.valid_to.is_(None), Decision.valid_to >= start),
        )
        if end is not None:
            q = q.where(Decision.valid_from <= end)
        if row is not None:
            q = q.where(Decision.id != row.id)
        other = session.execute(q.limit(1)).scalar()
        if other is not None:
            errors.append(
                FieldError(
                    "valid_from",
                    N_("The client already has a decision for {start}–{end}; end it first (one decision per day)"),
                    params={"start": other.valid_from, "end": other.valid_to or "…"},
                )
            )
    return errors


def validate_assistant(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return validate_person_id(session, values, row, None)


def validate_employment(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return dates_in_order(values, row, "start_date", "end_date", "End date") + check_employee_number(
        session, values, row
    )


def validate_assignment(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return dates_in_order(values, row, "start_date", "end_date", "End date")


def validate_supervision(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return dates_in_order(values, row, "since", "until", "Until")


def supervisor_after_create(session: Session, actor: Actor, obj: Any, extra: dict[str, Any]) -> None:
    """A supervisor created with a client starts supervising it at once (the import's shape)."""
    client_id = extra.get("client_id")
    if client_id:
        sup = Supervision(
            supervisor_id=obj.id,
            client_id=client_id,
            relation=extra.get("relation") or "self",
            since=extra.get("since") or date.today(),
        )
        session.add(sup)
        session.flush()
        audit.record(session, actor, "create", "supervision", sup.id, subject=client_ref(session, client_id), after=sup)
        supervision_after_create(session, actor, sup, {})


def supervision_after_create(session: Session, actor: Actor, sup: Any, extra: dict[str, Any]) -> None:
    """Becoming a supervisor starts the onboarding checklist (basic course within 90 days, …)."""
    from bpa_provider.services import onboarding  # lazy: onboarding builds on services.records

    onboarding.start_onboarding_in(
        session, actor, sup.supervisor_id, sup.client_id, sup.since, onboarding.default_template()
    )


def client_ref(session: Session, client_id: int | None) -> str:
    """A client's reference ("" for none): the change log's subject."""
    if not client_id:
        return ""
    return session.execute(select(Client.ref).where(Client.id == client_id)).scalar() or ""
