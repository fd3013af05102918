"""Create, update, end, get and list for the registry records, described once as field specs.

The same `EntitySpec` drives the service (parsing, validation, permission, audit), the TUI forms
(labels, per-field validation as you type) and CSV import, so a rule about a field lives in one
place. Records are never hard-deleted: `end()` sets the record's end date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Course,
    Decision,
    Employment,
    Municipality,
    Supervision,
    Supervisor,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, Invalid, NotFound, PermissionDenied, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import national_id as nid
from bpa_provider.rules.dates import format_date, parse_date
from bpa_provider.services import client_status, name_order
from bpa_provider.services.base import CONFLICT_MESSAGE, require, scoped_actor, service
from bpa_provider.services.employee_numbers import check_employee_number
from bpa_provider.services.validation import REF_PATTERN, REF_WORDS, check_text, money_value, text_problem

# `check_text` and `REF_PATTERN` were first written here; other modules still import them from here.
__all__ = ["REF_PATTERN", "check_text"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record as a person sees it: label, type, limits, and how to parse it."""

    name: str
    label: str
    kind: str = "text"  # text, date, int, float, money, bool, choice, ref, national_id, time
    required: bool = False
    choices: tuple[str, ...] = ()
    max_len: int = 200
    ref_kind: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    create_only: bool = False
    hint: str = ""
    multiline: bool = False  # notes may hold line breaks; names and references may not
    pattern: str | None = None  # a text value must match it whole (references: no path-like values)


@dataclass(frozen=True)
class EntitySpec:
    """A registry record type: its table, fields, permission area and hooks."""

    kind: str
    model: type
    label: str
    area: str
    fields: tuple[FieldSpec, ...]
    end_field: str | None = None
    ref_prefix: str | None = None
    search_columns: tuple[str, ...] = ("name",)
    client_field: str | None = None  # the field that names the client, for scoping and subject
    validate: Callable[[Session, dict[str, Any], Any], list[FieldError]] | None = None
    after_create: Callable[[Session, Actor, Any, dict[str, Any]], None] | None = None
    extra_fields: tuple[FieldSpec, ...] = ()  # accepted on create, not columns of the table

    def field(self, name: str) -> FieldSpec:
        for f in self.fields + self.extra_fields:
            if f.name == name:
                return f
        raise KeyError(name)


# --------------------------------------------------------------------------- parsing


def clean_text(raw: Any, spec: FieldSpec) -> str:
    """Text as typed, minus surrounding space; control characters and over-long input refused."""
    text = "" if raw is None else str(raw).strip()
    problem = text_problem(text, spec.max_len, spec.multiline)
    if problem is not None:
        raise problem[1]
    return text


def _unknown(ref_kind: str, raw: Any) -> Invalid:
    """The words for a reference or id that names no record (the same for one a supervisor may
    not see: no probing for who exists at other clients)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Invalid(N_("{id} is not the id of a known {kind}"), id=raw, kind=_kind_word(ref_kind))
    return Invalid(N_("“{raw}” is not a known {kind}"), raw=str(raw).strip(), kind=_kind_word(ref_kind))


def _lookup_ref(session: Session, ref_kind: str, raw: Any) -> int:
    model, column = REF_TARGETS[ref_kind]
    if isinstance(raw, int) and not isinstance(raw, bool):
        if session.get(model, raw) is None:
            raise _unknown(ref_kind, raw)
        return raw
    text = str(raw).strip()
    found = session.execute(select(model.id).where(getattr(model, column) == text)).scalar()
    if found is None:
        raise _unknown(ref_kind, raw)
    return int(found)


# Record kinds as a word inside a message ("“Atlantis” is not a known municipality").
KIND_WORDS = {
    "municipality": N_("municipality"),
    "client": N_("client"),
    "decision": N_("decision"),
    "supervisor": N_("work supervisor"),
    "supervision": N_("supervision"),
    "assistant": N_("assistant"),
    "employment": N_("employment"),
    "assignment": N_("assignment"),
    "course": N_("course"),
}


def _kind_word(kind: str) -> Msg | str:
    return Msg(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def parse_value(session: Session | None, spec: FieldSpec, raw: Any) -> Any:
    """Turn a typed value (from a form, the CLI or a CSV cell) into the stored value.

    Raises `Invalid` (a ValueError with a message id and parameters) about the value only; the
    caller adds the field's label (`FieldError.about`).
    """
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty:
        if spec.required:
            raise Invalid(N_("is required"))
        if spec.kind == "bool":
            return False
        return "" if spec.kind in ("text", "choice") else None
    k = spec.kind
    if k == "text":
        text = clean_text(raw, spec)
        if spec.pattern and not re.fullmatch(spec.pattern, text, flags=re.ASCII):
            raise Invalid(REF_WORDS)
        return text
    if k == "national_id":
        text = clean_text(raw, spec).replace(" ", "")
        if not text.replace("-", "").replace("+", "").isascii():
            raise Invalid(N_("may contain only the digits 0-9"))
        return text
    if k == "date":
        return raw if isinstance(raw, date) else parse_date(str(raw))
    if k == "time":
        if isinstance(raw, time):
            return raw
        m = re.match(r"^(\d{1,2})[:.](\d{2})$", str(raw).strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise Invalid(N_("“{raw}” is not a time of day: use HH:MM"), raw=str(raw))
        return time(int(m.group(1)), int(m.group(2)))
    if k == "money":
        return _parse_money(spec, raw)
    if k in ("int", "float"):
        text = str(raw).strip().replace(",", ".") if not isinstance(raw, (int, float)) else raw
        try:
            value: float = float(text)
        except ValueError:
            raise Invalid(N_("“{raw}” is not a number"), raw=str(raw)) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid(N_("is not a number"))
        if k == "int":
            if value != int(value):
                raise Invalid(N_("must be a whole number"))
            value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            raise Invalid(N_("must be at least {n}"), n=spec.minimum)
        if spec.maximum is not None and value > spec.maximum:
            raise Invalid(N_("must be at most {n}"), n=spec.maximum)
        return value
    if k == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "y", "ja", "j", "x"):
            return True
        if text in ("0", "false", "no", "n", "nei", "nej", ""):
            return False
        raise Invalid(N_("“{raw}” is not yes or no"), raw=str(raw))
    if k == "choice":
        text = str(raw).strip().lower()
        if text not in spec.choices:
            raise Invalid(N_("must be one of: {values}"), values=", ".join(spec.choices))
        return text
    if k == "ref":
        if session is None:
            return raw
        return _lookup_ref(session, spec.ref_kind or "", raw)
    raise ValueError(f"unknown field kind {k}")


def _parse_money(spec: FieldSpec, raw: Any) -> Decimal:
    """An amount by the one money rule (`validation.money_value`), within the field's limits."""
    return money_value(raw, minimum=spec.minimum, maximum=spec.maximum)


def check_field(kind: str, name: str, raw: Any) -> Invalid | None:
    """Validate one field without a database (the form calls this as you type): the problem
    (a message id with parameters, without the field's label) or None."""
    spec = SPECS[kind].field(name)
    if spec.kind == "ref":
        return Invalid(N_("is required")) if spec.required and not str(raw or "").strip() else None
    try:
        value = parse_value(None, spec, raw)
        if spec.kind == "national_id" and value:
            _validate_any_national_id(value)
    except Invalid as exc:
        return exc
    except ValueError as exc:  # a library's own words (none expected): shown as they came
        return Invalid(str(exc))
    return None


def _parse_all(
    session: Session, spec: EntitySpec, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    known = {f.name: f for f in spec.fields + (spec.extra_fields if creating else ())}
    for name in data:
        if name not in known:
            errors.append(FieldError(name, N_("is not a field of this record")))
    for f in known.values():
        if f.name not in data:
            if creating and f.required:
                errors.append(FieldError.about(f.name, f.label, N_("is required")))
            continue
        if not creating and f.create_only:
            errors.append(FieldError.about(f.name, f.label, N_("cannot be changed after creation")))
            continue
        try:
            values[f.name] = parse_value(session, f, data[f.name])
        except ValueError as exc:
            errors.append(FieldError.about(f.name, f.label, exc))
    return values, errors


def _with_record_checks(
    session: Session, spec: EntitySpec, values: dict[str, Any], row: Any, errors: list[FieldError]
) -> list[FieldError]:
    """Add the record-level checks to the field errors, so every problem is reported at once.

    The checks see only the fields that parsed; a field that already has an error gets no second one.
    """
    if not spec.validate:
        return errors
    failed = {e.field for e in errors}
    extra = [e for e in spec.validate(session, values, row) if e.field not in failed]
    return errors + extra


# --------------------------------------------------------------------------- validations


def _validate_any_national_id(value: str, country: str | None = None) -> nid.NationalId:
    digits = value.replace("-", "").replace("+", "")
    if country is None:
        country = "NO" if len(digits) == 11 else "SE"
    return nid.validate(value, country)


def _dates_in_order(values: dict[str, Any], row: Any, start: str, end: str, label: str) -> list[FieldError]:
    a = values.get(start, getattr(row, start, None) if row is not None else None)
    b = values.get(end, getattr(row, end, None) if row is not None else None)
    if a and b and b < a:
        return [
            FieldError(
                end, N_("{label} must be on or after the start ({date})"), params={"label": Msg(label), "date": a}
            )
        ]
    return []


def _merged(values: dict[str, Any], row: Any, name: str) -> Any:
    return values[name] if name in values else (getattr(row, name, None) if row is not None else None)


def _validate_person_id(session: Session, values: dict[str, Any], row: Any, country: str | None) -> list[FieldError]:
    errors: list[FieldError] = []
    value = values.get("national_id")
    if value:
        try:
            parsed = _validate_any_national_id(value, country)
            values["national_id"] = parsed.compact
            born = _merged(values, row, "birth_date")
            if born and born != parsed.birth_date:
                errors.append(FieldError("birth_date", N_("Birth date does not match the national ID")))
            elif not born:
                values["birth_date"] = parsed.birth_date
        except ValueError as exc:
            errors.append(FieldError.about("national_id", "National ID", exc))
    return errors


def _validate_municipality(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
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
    if _merged(values, row, "approved") and not _merged(values, row, "approved_since"):
        pass  # approval date unknown is allowed: older approvals often lack it
    return errors


def _validate_client(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    muni_id = _merged(values, row, "municipality_id")
    muni = session.get(Municipality, muni_id) if muni_id else None
    errors = _validate_person_id(session, values, row, muni.country if muni else None)
    errors += _dates_in_order(values, row, "start_date", "end_date", "End date")
    return errors


def _validate_decision(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    errors = _dates_in_order(values, row, "valid_from", "valid_to", "Valid to")
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
    client_id = _merged(values, row, "client_id")
    start = _merged(values, row, "valid_from")
    end = _merged(values, row, "valid_to")
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


def _validate_assistant(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return _validate_person_id(session, values, row, None)


def _validate_employment(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return _dates_in_order(values, row, "start_date", "end_date", "End date") + check_employee_number(
        session, values, row
    )


def _validate_assignment(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return _dates_in_order(values, row, "start_date", "end_date", "End date")


def _validate_supervision(session: Session, values: dict[str, Any], row: Any) -> list[FieldError]:
    return _dates_in_order(values, row, "since", "until", "Until")


def _supervisor_after_create(session: Session, actor: Actor, obj: Any, extra: dict[str, Any]) -> None:
    # A supervisor created with a client starts supervising it at once (the import's shape).
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
        audit.record(
            session, actor, "create", "supervision", sup.id, subject=_client_ref(session, client_id), after=sup
        )
        _supervision_after_create(session, actor, sup, {})


def _supervision_after_create(session: Session, actor: Actor, sup: Any, extra: dict[str, Any]) -> None:
    # Becoming a supervisor starts the onboarding checklist (basic course within 90 days, …).
    from bpa_provider.services import onboarding  # lazy: onboarding builds on this module

    onboarding.start_onboarding_in(
        session, actor, sup.supervisor_id, sup.client_id, sup.since, onboarding.default_template()
    )


def _client_ref(session: Session, client_id: int | None) -> str:
    if not client_id:
        return ""
    return session.execute(select(Client.ref).where(Client.id == client_id)).scalar() or ""


# --------------------------------------------------------------------------- the specs

SERVICE_TYPES = ("practical", "training", "support", "respite")
COUNTRIES = ("no", "se")
RELATIONS = ("self", "parent", "spouse", "sibling", "child", "other")

REF_TARGETS: dict[str, tuple[type, str]] = {
    "municipality": (Municipality, "name"),
    "client": (Client, "ref"),
    "assistant": (Assistant, "ref"),
    "supervisor": (Supervisor, "ref"),
    "course": (Course, "name"),
}

_T = FieldSpec
SPECS: dict[str, EntitySpec] = {
    "municipality": EntitySpec(
        "municipality",
        Municipality,
        "Municipality",
        "municipality",
        (
            _T("name", "Name", required=True, max_len=100),
            _T("country", "Country", "choice", choices=COUNTRIES, hint="no or se"),
            _T("timezone", "Time zone", max_len=64, hint="Europe/Oslo"),
            _T("unit_name", "Case unit"),
            _T("unit_contact", "Unit contact"),
            _T("notice_months", "Notice (months)", "int", minimum=0, maximum=24),
            _T("approved", "Approved provider", "bool"),
            _T("approved_since", "Approved since", "date"),
        ),
        validate=_validate_municipality,
    ),
    "client": EntitySpec(
        "client",
        Client,
        "Client",
        "client",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free K-number", pattern=REF_PATTERN),
            _T("name", "Name", required=True),
            _T("national_id", "National ID", "national_id", max_len=20),
            _T("birth_date", "Birth date", "date"),
            _T("municipality_id", "Municipality", "ref", required=True, ref_kind="municipality"),
            _T("status", "Status", "choice", choices=("prospect", "active", "transferring_out", "ended")),
            _T("phone", "Phone", max_len=40),
            _T("address", "Address", multiline=True),
            _T("start_date", "Start date", "date"),
            _T("end_date", "End date", "date"),
        ),
        end_field="end_date",
        ref_prefix="K-",
        search_columns=("name", "ref"),
        client_field="id",
        validate=_validate_client,
    ),
    "decision": EntitySpec(
        "decision",
        Decision,
        "Decision",
        "decision",
        (
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("case_number", "Case number", max_len=60),
            _T("issuer", "Issuer", "choice", choices=("municipality", "fk")),
            _T("hours", "Hours", "float", required=True, minimum=0.25, maximum=168 * 5),
            _T("hours_unit", "Per", "choice", choices=("week", "month")),
            _T("two_helper_hours", "Two-helper hours", "float", minimum=0, maximum=168 * 5),
            _T("night_hours_allowed", "Night hours granted", "bool"),
            _T("services", "Services", hint="practical,training,support,respite"),
            _T("valid_from", "Valid from", "date", required=True),
            _T("valid_to", "Valid to", "date"),
            _T("note", "Note", max_len=500, multiline=True),
        ),
        end_field="valid_to",
        search_columns=("case_number",),
        client_field="client_id",
        validate=_validate_decision,
    ),
    "supervisor": EntitySpec(
        "supervisor",
        Supervisor,
        "Work supervisor",
        "supervisor",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free S-number"),
            _T("name", "Name", required=True),
            _T("phone", "Phone", max_len=40),
            _T("email", "E-mail"),
            _T("email_consent", "Notices by e-mail (consent)", "bool"),
            _T("language", "Language of notices", "choice", choices=("nb", "sv", "en")),
        ),
        ref_prefix="S-",
        search_columns=("name", "ref"),
        after_create=_supervisor_after_create,
        extra_fields=(
            _T("client_id", "Client", "ref", ref_kind="client"),
            _T("relation", "Relation", "choice", choices=RELATIONS),
            _T("since", "Since", "date"),
        ),
    ),
    "supervision": EntitySpec(
        "supervision",
        Supervision,
        "Supervision",
        "supervisor",
        (
            _T("supervisor_id", "Supervisor", "ref", required=True, ref_kind="supervisor", create_only=True),
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("relation", "Relation", "choice", choices=RELATIONS),
            _T("since", "Since", "date", required=True),
            _T("until", "Until", "date"),
        ),
        end_field="until",
        search_columns=(),
        client_field="client_id",
        validate=_validate_supervision,
        after_create=_supervision_after_create,
    ),
    "assistant": EntitySpec(
        "assistant",
        Assistant,
        "Assistant",
        "assistant",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free A-number"),
            _T("name", "Name", required=True),
            _T("national_id", "National ID", "national_id", max_len=20),
            _T("birth_date", "Birth date", "date"),
            _T("phone", "Phone", max_len=40),
            _T("email", "E-mail"),
            _T("email_consent", "Notices by e-mail (consent)", "bool"),
            _T("language", "Language of notices", "choice", choices=("nb", "sv", "en")),
            _T("eea_resident", "EEA resident", "bool"),
        ),
        ref_prefix="A-",
        search_columns=("name", "ref"),
        validate=_validate_assistant,
    ),
    "employment": EntitySpec(
        "employment",
        Employment,
        "Employment",
        "employment",
        (
            _T("assistant_id", "Assistant", "ref", required=True, ref_kind="assistant", create_only=True),
            _T("start_date", "Start date", "date", required=True),
            _T("end_date", "End date", "date"),
            _T("position_percent", "Position %", "float", minimum=0.5, maximum=100),
            _T("kind", "Kind", "choice", choices=("permanent", "temporary", "on_call")),
            _T("hourly_wage", "Hourly wage", "money", minimum=0, maximum=10000),
            _T("employee_number", "Employee number", max_len=20, hint="the payroll system's number"),
            _T("seniority_date", "Seniority from", "date"),
            _T("police_certificate_on", "Police certificate", "date"),
            _T("police_certificate_checked_by", "Certificate checked by", max_len=64),
            _T("confidentiality_on", "Confidentiality signed", "date"),
            _T("end_reason", "End reason"),
        ),
        end_field="end_date",
        search_columns=(),
        validate=_validate_employment,
    ),
    "assignment": EntitySpec(
        "assignment",
        Assignment,
        "Assignment",
        "assignment",
        (
            _T("assistant_id", "Assistant", "ref", required=True, ref_kind="assistant", create_only=True),
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("role", "Role", "choice", choices=("regular", "substitute")),
            _T("start_date", "Start date", "date", required=True),
            _T("end_date", "End date", "date"),
            _T("family_relation", "Close family", "bool"),
            _T("family_permission_on", "Family permission", "date"),
            _T("fk_reported_on", "Reported to FK", "date"),
        ),
        end_field="end_date",
        search_columns=(),
        client_field="client_id",
        validate=_validate_assignment,
    ),
}


# --------------------------------------------------------------------------- services


def _client_id_of(spec: EntitySpec, obj_or_values: Any) -> int | None:
    if spec.client_field is None:
        return None
    if isinstance(obj_or_values, dict):
        return obj_or_values.get(spec.client_field)
    return getattr(obj_or_values, spec.client_field, None)


def _subject(session: Session, spec: EntitySpec, obj: Any) -> str:
    if getattr(obj, "ref", None):
        return obj.ref
    cid = _client_id_of(spec, obj)
    if cid:
        return _client_ref(session, cid)
    aid = getattr(obj, "assistant_id", None)
    if aid:
        return session.execute(select(Assistant.ref).where(Assistant.id == aid)).scalar() or ""
    return ""


def lookup(session: Session, model: type, key: int | str, what: str, actor: Actor | None = None) -> Any:
    """A row by id or human reference (`K-0042`); NotFound naming what was not found. Given a
    supervisor `actor` (scope filled in), a record outside their scope is not found either, in
    the same words: they cannot probe who exists at other clients."""
    if isinstance(key, int) and not isinstance(key, bool):
        row = session.get(model, key)
    else:
        row = session.execute(select(model).where(model.ref == str(key).strip())).scalar()
    kind = next((k for k, spec in SPECS.items() if spec.model is model), None)
    if row is not None and actor is not None and kind is not None and not in_scope(session, actor, kind, row):
        row = None
    if row is None:
        raise NotFound(N_("no {what} “{key}”"), what=Msg(what) if what in KIND_WORDS.values() else what, key=key)
    return row


def next_ref(session: Session, model: type, prefix: str) -> str:
    """The next free human reference with this prefix (K-0042 after K-0041)."""
    refs = session.execute(select(model.ref).where(model.ref.like(f"{prefix}%"))).scalars()
    top = 0
    for ref in refs:
        tail = ref[len(prefix) :]
        if tail.isdigit():
            top = max(top, int(tail))
    return f"{prefix}{top + 1:04d}"


def create_in(session: Session, actor: Actor, kind: str, data: Mapping[str, Any]) -> Any:
    """Create a record inside an open transaction (shared by `create` and import)."""
    spec = SPECS[kind]
    values, errors = _parse_all(session, spec, data, creating=True)
    errors = _with_record_checks(session, spec, values, None, errors)
    if errors:
        raise ValidationError(errors)
    extra = {f.name: values.pop(f.name) for f in spec.extra_fields if f.name in values}
    if spec.ref_prefix and not values.get("ref"):
        values["ref"] = next_ref(session, spec.model, spec.ref_prefix)
    if "status" in values and values["status"] == "":
        values.pop("status")
    if spec.model is Client and "status" not in values:
        # A client whose start is still ahead is not active yet: a prospect until the start.
        start = values.get("start_date")
        values["status"] = "prospect" if isinstance(start, date) and start > date.today() else "active"
    for k in [
        k for k, v in values.items() if v == "" and k in ("country", "hours_unit", "issuer", "kind", "role", "relation")
    ]:
        values.pop(k)
    if spec.model is Municipality and "country" in values:
        values.setdefault("timezone", "Europe/Stockholm" if values["country"] == "SE" else "Europe/Oslo")
    obj = spec.model(**values)
    session.add(obj)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        kind,
        obj.id,
        subject=_subject(session, spec, obj),
        summary=f"{spec.label} created",
        after=obj,
    )
    if spec.after_create:
        spec.after_create(session, actor, obj, extra)
    return obj


@service
def create(db: Database, actor: Actor, kind: str, data: Mapping[str, Any]) -> Any:
    """Create a record from typed or raw values; every problem is reported at once."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.write", what=Msg(N_("create {kind} records"), kind=_kind_word(kind)))
    with db.write() as s:
        return create_in(s, actor, kind, data)


def _load_for_change(session: Session, actor: Actor, spec: EntitySpec, record_id: int, version: int | None) -> Any:
    obj = session.get(spec.model, record_id)
    if obj is None:
        raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
    require(
        actor,
        f"{spec.area}.write",
        client_id=_client_id_of(spec, obj),
        what=Msg(N_("change {kind} records"), kind=_kind_word(spec.kind)),
    )
    if version is not None and obj.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    return obj


@service
def update(db: Database, actor: Actor, kind: str, record_id: int, version: int | None, data: Mapping[str, Any]) -> Any:
    """Change fields of a record that was read at `version`; a newer version on disk is a Conflict."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.write", what=Msg(N_("change {kind} records"), kind=_kind_word(kind)))
    with db.write() as s:
        obj = _load_for_change(s, actor, spec, record_id, version)
        values, errors = _parse_all(s, spec, data, creating=False)
        errors = _with_record_checks(s, spec, values, obj, errors)
        if errors:
            raise ValidationError(errors)
        before = spec.model.model_validate(obj.model_dump())
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        if not changed:
            return obj
        for k, v in changed.items():
            setattr(obj, k, v)
        if hasattr(obj, "updated_at"):
            obj.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "update",
            kind,
            obj.id,
            subject=_subject(s, spec, obj),
            summary=f"{spec.label} changed: {', '.join(sorted(changed))}",
            before=before,
            after=obj,
        )
        return obj


@service
def end(
    db: Database, actor: Actor, kind: str, record_id: int, version: int | None, end_date: Any, reason: str = ""
) -> Any:
    """End a record on a date (personal history is kept, never deleted)."""
    spec = SPECS[kind]
    if spec.end_field is None:
        raise ValidationError(N_("{kind} records cannot be ended"), field="end_date", kind=_kind_word(kind))
    require(actor, f"{spec.area}.write", what=Msg(N_("end {kind} records"), kind=_kind_word(kind)))
    data: dict[str, Any] = {spec.end_field: end_date}
    if kind == "client":
        data["status"] = "ended"
    has_field = any(f.name == "end_reason" for f in spec.fields)
    if reason and has_field:
        data["end_reason"] = reason
    with db.write() as s:
        obj = _load_for_change(s, actor, spec, record_id, version)
        try:
            value = parse_value(s, FieldSpec(spec.end_field, "End date", "date", required=True), end_date)
        except ValueError as exc:
            raise ValidationError([FieldError.about(spec.end_field, "End date", exc)]) from None
        data[spec.end_field] = value
        values, errors = _parse_all(s, spec, data, creating=False)
        # Without an end_reason field (a client) the reason is only told in the change log: it
        # gets the same rule as one (one line, the 200 characters of an end reason).
        why = values.get("end_reason", "") if has_field else check_text(reason, "reason", 200, errors=errors)
        errors = _with_record_checks(s, spec, values, obj, errors)
        if errors:
            raise ValidationError(errors)
        before = spec.model.model_validate(obj.model_dump())
        for k, v in values.items():
            setattr(obj, k, v)
        if hasattr(obj, "updated_at"):
            obj.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "end",
            kind,
            obj.id,
            subject=_subject(s, spec, obj),
            summary=f"{spec.label} ended {format_date(value)}" + (f": {why}" if why else ""),
            before=before,
            after=obj,
        )
        return obj


@service
def get(db: Database, actor: Actor, kind: str, record_id: int) -> Any:
    """Read one record (a supervisor only within their clients)."""
    spec = SPECS[kind]
    actor = scoped_actor(db, actor)
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=_kind_word(kind)))
    with db.read() as s:
        obj = s.get(spec.model, record_id)
        if obj is None:
            raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
        if actor.is_scoped and not _in_scope(s, actor, spec, obj):
            raise PermissionDenied(N_("You can only see your own clients and their assistants."))
        return _for_reader(s, actor, obj)


def in_scope(session: Session, actor: Actor, kind: str, obj: Any) -> bool:
    """Whether `actor` may know of this record at all (a supervisor: their clients, the assistants
    working for them, themselves; everyone else: yes). `actor` has its scope filled in."""
    return not actor.is_scoped or _in_scope(session, actor, SPECS[kind], obj)


def _in_scope(session: Session, actor: Actor, spec: EntitySpec, obj: Any) -> bool:
    """Whether a supervisor may read this record: their clients, and assistants working for them."""
    if spec.client_field is not None:
        return actor.may_see_client(_client_id_of(spec, obj))
    if spec.kind == "assistant":
        mine = select(Assignment.id).where(
            Assignment.assistant_id == obj.id, Assignment.client_id.in_(sorted(actor.client_scope or ()))
        )
        return session.execute(mine.limit(1)).scalar() is not None
    if spec.kind == "supervisor":
        return obj.id == actor.supervisor_id
    return spec.kind == "municipality"


def _for_reader(session: Session, actor: Actor, obj: Any) -> Any:
    """The record as this reader may see it: a role that may not see national IDs gets them masked;
    a client's status is the one of today (services/client_status.py)."""
    if isinstance(obj, Client):
        obj = client_status.as_of(session, obj, date.today())
    if getattr(obj, "national_id", None) and not actor.may("national_id.reveal"):
        copy = type(obj).model_validate(obj.model_dump())
        copy.national_id = nid.mask(obj.national_id)
        return copy
    return obj


@service
def find_id(db: Database, actor: Actor, kind: str, key: str | int) -> int:
    """Resolve a reference, name or id to the record's id (NotFound with a clear message)."""
    spec = SPECS[kind]
    actor = scoped_actor(db, actor)
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=_kind_word(kind)))
    raw = int(key) if str(key).isdigit() else key
    with db.read() as s:
        try:
            found = _lookup_ref(s, kind, raw)
        except Invalid as exc:
            raise NotFound(exc.template, **exc.params) from None
        if actor.is_scoped and not _in_scope(s, actor, spec, s.get(spec.model, found)):
            # The words for a reference that does not exist: a supervisor cannot probe who
            # exists at other clients.
            hidden = _unknown(kind, raw)
            raise NotFound(hidden.template, **hidden.params)
        return found


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many rows match in all."""

    rows: list[Any]
    total: int
    offset: int = 0
    limit: int = 100


@service
def list_records(
    db: Database,
    actor: Actor,
    kind: str,
    *,
    search: str = "",
    filters: Mapping[str, Any] | None = None,
    order: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> Page:
    """A page of records matching a search (substring of name/ref, or exact national ID for roles
    that may see IDs) and equality filters; SQL does the paging, so 10,000 rows cost one page."""
    spec = SPECS[kind]
    actor = scoped_actor(db, actor)
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=_kind_word(kind)))
    model = spec.model
    q = select(model)
    conds = []
    text = (search or "").strip()
    if text:
        like = f"%{text.lower()}%"
        ors = [func.lower(getattr(model, c)).like(like) for c in spec.search_columns]
        if hasattr(model, "national_id") and actor.may("national_id.reveal"):
            ors.append(model.national_id == text.replace(" ", ""))  # exact match only
        conds.append(or_(*ors) if ors else False)
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if not hasattr(model, key):
            raise ValidationError(N_("cannot filter by “{key}”"), field=key, key=key)
        if model is Client and key == "status":  # as read today: a prospect whose start came is active
            conds.append(client_status.status_is(value, date.today()))
            continue
        conds.append(getattr(model, key) == value)
    if actor.is_scoped:
        scope = sorted(actor.client_scope or ())
        if spec.client_field:
            conds.append(getattr(model, spec.client_field).in_(scope))
        elif kind == "assistant":
            sub = select(Assignment.assistant_id).where(Assignment.client_id.in_(scope))
            conds.append(model.id.in_(sub))
        elif kind == "supervisor":
            conds.append(model.id == actor.supervisor_id)
        elif kind != "municipality":
            conds.append(False)
    if conds:
        q = q.where(and_(*conds))
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        if order == "name" and model in (Client, Assistant, Supervisor):  # people: by family name
            terms = name_order.order_by(model.name, db.dialect, descending=descending)
        else:
            col = (
                getattr(model, order)
                if order and hasattr(model, order)
                else (getattr(model, "ref", None) or getattr(model, "name", None) or model.id)
            )
            terms = [col.desc() if descending else col]
        q = q.order_by(*terms, model.id).offset(offset).limit(limit)
        rows = [_for_reader(s, actor, r) for r in s.execute(q).scalars()]
        return Page(rows, total, offset, limit)


@service
def client_municipalities(db: Database, actor: Actor) -> dict[int, str]:
    """The names of the municipalities of the clients the actor may see, by id: what a client
    list shows in its municipality column, also to a supervisor, who may not list municipalities."""
    actor = scoped_actor(db, actor)
    require(actor, "client.read", what=Msg(N_("see {kind} records"), kind=_kind_word("client")))
    theirs = select(Client.municipality_id)
    if actor.is_scoped:
        theirs = theirs.where(Client.id.in_(sorted(actor.client_scope or ())))
    q = select(Municipality.id, Municipality.name).where(Municipality.id.in_(theirs))
    with db.read() as s:
        return dict(s.execute(q).all())


def display_national_id(actor: Actor, value: str | None) -> str:
    """National IDs are masked for everyone by default; revealing one is a separate, logged call."""
    return nid.mask(value)


@service
def reveal_national_id(db: Database, actor: Actor, kind: str, record_id: int) -> str:
    """Show a client's or assistant's full national ID to a role that may, and log that it was seen."""
    spec = SPECS[kind]
    require(actor, "national_id.reveal", what=Msg(N_("see national IDs")))
    with db.write() as s:
        obj = s.get(spec.model, record_id)
        if obj is None:
            raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
        audit.record(s, actor, "reveal_id", kind, obj.id, subject=obj.ref, summary="national ID shown")
        return obj.national_id or ""


def field_specs(kind: str) -> Sequence[FieldSpec]:
    """The fields of a record kind, in form order."""
    return SPECS[kind].fields
