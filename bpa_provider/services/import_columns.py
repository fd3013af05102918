"""The columns of an import file (`bpa-provider import KIND FILE.csv`): which kinds there are, the
column names people use for each field, which columns a kind requires, and how a file's header
and a row's cells map onto a record's fields (services/importer.py imports through these)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_
from bpa_provider.services import records

#: File kind -> record kind (None: handled here, not a registry record).
KINDS: dict[str, str | None] = {
    "municipalities": "municipality",
    "clients": "client",
    "decisions": "decision",
    "supervisors": "supervisor",
    "assistants": "assistant",
    "employments": "employment",
    "assignments": "assignment",
    "shifts": None,
    "reviews": None,
}

#: Column names people use -> the field they fill. A field's own name is always accepted too.
ALIASES: dict[str, dict[str, str]] = {
    "municipalities": {"unit": "unit_name"},
    "clients": {"municipality": "municipality_id"},
    "decisions": {
        "client_ref": "client_id",
        "client": "client_id",
        "hours_per_week": "hours",
        "hours_per_month": "hours",
    },
    "supervisors": {"client_ref": "client_id", "client": "client_id"},
    "assistants": {},
    "employments": {"assistant_ref": "assistant_id", "assistant": "assistant_id"},
    "assignments": {
        "assistant_ref": "assistant_id",
        "assistant": "assistant_id",
        "client_ref": "client_id",
        "client": "client_id",
    },
    "shifts": {"client": "client_ref", "assistant": "assistant_ref"},
    "reviews": {"client": "client_ref", "assistant": "assistant_ref"},
}

#: Columns of the kinds handled here: name -> required.
OWN_COLUMNS: dict[str, dict[str, bool]] = {
    "shifts": {
        "client_ref": True,
        "assistant_ref": True,
        "start": True,
        "end": True,
        "status": False,
        "kind": False,
        "active_minutes": False,
        "note": False,
        "legal_basis": False,
    },
    "reviews": {
        "assistant_ref": True,
        "client_ref": True,
        "held_on": True,
        "participants": False,
        "summary": False,
    },
}

# Unit implied by a column name.
UNIT_COLUMNS = {"hours_per_week": "week", "hours_per_month": "month"}


# --------------------------------------------------------------------------- columns


def known_columns(kind: str) -> list[str]:
    """Every column name a file of `kind` may have (aliases and field names)."""
    record_kind = KINDS[kind]
    names = set(ALIASES.get(kind, {}))
    if record_kind is None:
        names |= set(OWN_COLUMNS[kind])
    else:
        spec = records.SPECS[record_kind]
        names |= {f.name for f in spec.fields + spec.extra_fields}
    return sorted(names)


def map_columns(kind: str, columns: Sequence[str]) -> tuple[dict[str, str], list[FieldError]]:
    """Column -> target field, and an error for each unknown, duplicate or missing column."""
    aliases = ALIASES.get(kind, {})
    known = set(known_columns(kind))
    mapping: dict[str, str] = {}
    errors: list[FieldError] = []
    for col in columns:
        if not col:
            errors.append(FieldError("(empty)", N_("a column has no name in the header line"), row=1))
            continue
        if col not in known:
            errors.append(
                FieldError(
                    col,
                    N_("unknown column '{column}' (known: {known})"),
                    row=1,
                    params={"column": col, "known": ", ".join(known_columns(kind))},
                )
            )
            continue
        target = aliases.get(col, col)
        if target in mapping.values():
            errors.append(
                FieldError(
                    col, N_("column '{column}' fills the same field as another column"), row=1, params={"column": col}
                )
            )
            continue
        mapping[col] = target
    record_kind = KINDS[kind]
    if record_kind is None:
        required = [c for c, req in OWN_COLUMNS[kind].items() if req]
    else:
        spec = records.SPECS[record_kind]
        required = [f.name for f in spec.fields if f.required]
    targets = set(mapping.values())
    for name in required:
        if name not in targets:
            shown = next((a for a, t in aliases.items() if t == name), name)
            errors.append(FieldError(shown, N_("the file has no column '{column}'"), row=1, params={"column": shown}))
    return mapping, errors


# --------------------------------------------------------------------------- rows


def record_data(kind: str, mapping: Mapping[str, str], cells: Mapping[str, str]) -> dict[str, Any]:
    """Cells -> create_in data; empty cells are left out (the field's default applies)."""
    data: dict[str, Any] = {}
    for col, target in mapping.items():
        value = cells.get(col, "")
        if value.strip():
            data[target] = value
        if col in UNIT_COLUMNS and value.strip():
            data.setdefault("hours_unit", UNIT_COLUMNS[col])
    return data
