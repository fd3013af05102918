"""Create, update, end, get and list for the registry records, described once as field specs.

The same `EntitySpec` drives the service (parsing, validation, permission, audit), the TUI forms
(labels, per-field validation as you type) and CSV import, so a rule about a field lives in one
place. Records are never hard-deleted: `end()` sets the record's end date.

This module holds the writes (`create`, `update`, `end`) and the lookups other services use
(`lookup`, `saved_id`), and is the one import point for the rest, which lives by seam:
`record_fields` (FieldSpec, EntitySpec, code lists), `record_parsing` (typed value -> stored value),
`record_checks` (each kind's record-level checks and creation hooks), `record_specs` (SPECS, the
kinds themselves; `check_field`) and `record_reads` (get, list, find, scope, national IDs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import CONFLICT_MESSAGE, require, service
from bpa_provider.services.record_checks import client_ref
from bpa_provider.services.record_fields import (
    COUNTRIES,
    KIND_WORDS,
    REF_TARGETS,
    RELATIONS,
    SERVICE_TYPES,
    EntitySpec,
    FieldSpec,
    client_id_of,
    kind_word,
)
from bpa_provider.services.record_parsing import (
    clean_text,
    lookup_ref,
    parse_all,
    parse_value,
    unknown_ref,
    with_record_checks,
)
from bpa_provider.services.record_reads import (
    Page,
    client_municipalities,
    display_national_id,
    find_id,
    get,
    in_scope,
    list_records,
    list_values,
    reveal_national_id,
)
from bpa_provider.services.record_specs import SPECS, check_field, field_specs
from bpa_provider.services.validation import REF_PATTERN, check_text

# The names other modules import from here: this module stays their one import point.
__all__ = [
    "COUNTRIES",
    "EntitySpec",
    "FieldSpec",
    "HasId",
    "KIND_WORDS",
    "Page",
    "REF_PATTERN",
    "REF_TARGETS",
    "RELATIONS",
    "SERVICE_TYPES",
    "SPECS",
    "check_field",
    "check_text",
    "clean_text",
    "client_id_of",
    "client_municipalities",
    "create",
    "create_in",
    "display_national_id",
    "end",
    "field_specs",
    "find_id",
    "get",
    "in_scope",
    "kind_word",
    "list_records",
    "list_values",
    "lookup",
    "lookup_ref",
    "next_ref",
    "parse_all",
    "parse_value",
    "reveal_national_id",
    "saved_id",
    "unknown_ref",
    "update",
    "with_record_checks",
]


def _subject(session: Session, spec: EntitySpec, obj: Any) -> str:
    if getattr(obj, "ref", None):
        return str(obj.ref)
    cid = client_id_of(spec, obj)
    if cid:
        return client_ref(session, cid)
    aid = getattr(obj, "assistant_id", None)
    if aid:
        return session.execute(select(Assistant.ref).where(Assistant.id == aid)).scalar() or ""
    return ""


def lookup(session: Session, model: type[Any], key: int | str, what: str, actor: Actor | None = None) -> Any:
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


class HasId(Protocol):
    """A table row: its `id` is None only before it is first flushed."""

    @property
    def id(self) -> int | None: ...


def saved_id(row: HasId) -> int:
    """The id of a row read from the database or already flushed (`id: int | None` in the models
    is true of a new row only); a row never flushed is a programming error."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: flush it first")
    return row.id


def next_ref(session: Session, model: type[Any], prefix: str) -> str:
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
    values, errors = parse_all(session, spec, data, creating=True)
    errors = with_record_checks(session, spec, values, None, errors)
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
    require(actor, f"{spec.area}.write", what=Msg(N_("create {kind} records"), kind=kind_word(kind)))
    with db.write() as s:
        return create_in(s, actor, kind, data)


def _load_for_change(session: Session, actor: Actor, spec: EntitySpec, record_id: int, version: int | None) -> Any:
    obj = session.get(spec.model, record_id)
    if obj is None:
        raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
    require(
        actor,
        f"{spec.area}.write",
        client_id=client_id_of(spec, obj),
        what=Msg(N_("change {kind} records"), kind=kind_word(spec.kind)),
    )
    if version is not None and obj.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    return obj


@service
def update(db: Database, actor: Actor, kind: str, record_id: int, version: int | None, data: Mapping[str, Any]) -> Any:
    """Change fields of a record that was read at `version`; a newer version on disk is a Conflict."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.write", what=Msg(N_("change {kind} records"), kind=kind_word(kind)))
    with db.write() as s:
        obj = _load_for_change(s, actor, spec, record_id, version)
        values, errors = parse_all(s, spec, data, creating=False)
        errors = with_record_checks(s, spec, values, obj, errors)
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
        raise ValidationError(N_("{kind} records cannot be ended"), field="end_date", kind=kind_word(kind))
    require(actor, f"{spec.area}.write", what=Msg(N_("end {kind} records"), kind=kind_word(kind)))
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
        values, errors = parse_all(s, spec, data, creating=False)
        # Without an end_reason field (a client) the reason is only told in the change log: it
        # gets the same rule as one (one line, the 200 characters of an end reason).
        why = values.get("end_reason", "") if has_field else check_text(reason, "reason", 200, errors=errors)
        errors = with_record_checks(s, spec, values, obj, errors)
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
