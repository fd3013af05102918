"""What a registry record is made of: `FieldSpec` (one field: label, kind, limits) and `EntitySpec`
(a record type: its table, fields, permission area and hooks), the words for each kind, the code
lists of its choice fields, and which table a reference field points at.

Nothing here reads the database: the forms, the CLI and CSV import read these as they are.
`services.records` re-exports every public name here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.models import Assistant, Client, Course, Municipality, Supervisor
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, Msg


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
    model: type[Any]  # a table model (SQLModel, table=True)
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


def kind_word(kind: str) -> Msg | str:
    """A record kind as a word inside a message (translated where shown)."""
    return Msg(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


# The code lists of choice fields (a decision's services, a municipality's country, how a
# supervisor is related to the client).
SERVICE_TYPES = ("practical", "training", "support", "respite")
COUNTRIES = ("no", "se")
RELATIONS = ("self", "parent", "spouse", "sibling", "child", "other")

# A reference field's kind -> the table it points at and the column a person types.
REF_TARGETS: dict[str, tuple[type[Any], str]] = {
    "municipality": (Municipality, "name"),
    "client": (Client, "ref"),
    "assistant": (Assistant, "ref"),
    "supervisor": (Supervisor, "ref"),
    "course": (Course, "name"),
}


def client_id_of(spec: EntitySpec, obj_or_values: Any) -> int | None:
    """The client a record (a row, or parsed values) belongs to, for scoping; None for a kind
    that belongs to no one client."""
    if spec.client_field is None:
        return None
    if isinstance(obj_or_values, dict):
        return obj_or_values.get(spec.client_field)
    return getattr(obj_or_values, spec.client_field, None)
