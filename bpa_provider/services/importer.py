"""CSV import of the spreadsheets a provider already has (`bpa-provider import KIND FILE.csv`).

A file is imported whole or not at all: every row is parsed and validated inside one transaction,
each in its own savepoint so one bad row cannot hide the next; every problem is collected with its
line number and field, and if there is any, the transaction is rolled back and a ValidationError
lists them all. Rows may refer to rows earlier in the same file (they are written, unflushed
work is visible to later rows, and all of it disappears on a refusal).

Registry kinds go through `records.create_in`, so a CSV row is validated and audited exactly like a
form; column names map onto the record's field specs (`docs/import.md`). Shifts and reviews are
validated here and inserted, with one audit event for the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.rules.dates import parse_date, parse_local_datetime
from bpa_provider.services import records
from bpa_provider.services.base import require, service
from db.engine import Database
from db.models import Assistant, Client, Municipality, Review, Shift, Supervisor

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
        "client_ref": "client_id", "client": "client_id",
        "hours_per_week": "hours", "hours_per_month": "hours",
    },
    "supervisors": {"client_ref": "client_id", "client": "client_id"},
    "assistants": {},
    "employments": {"assistant_ref": "assistant_id", "assistant": "assistant_id"},
    "assignments": {
        "assistant_ref": "assistant_id", "assistant": "assistant_id",
        "client_ref": "client_id", "client": "client_id",
    },
    "shifts": {"client": "client_ref", "assistant": "assistant_ref"},
    "reviews": {"client": "client_ref", "assistant": "assistant_ref"},
}

#: Columns of the kinds handled here: name -> required.
_OWN_COLUMNS: dict[str, dict[str, bool]] = {
    "shifts": {
        "client_ref": True, "assistant_ref": True, "start": True, "end": True, "status": False,
        "kind": False, "active_minutes": False, "note": False, "legal_basis": False,
    },
    "reviews": {
        "assistant_ref": True, "client_ref": True, "held_on": True, "participants": False, "summary": False,
    },
}

SHIFT_STATUSES = ("planned", "worked", "approved", "cancelled")
SHIFT_KINDS = ("active", "passive", "night")
#: A longer "shift" is a typo in a date, not a shift.
MAX_SHIFT = timedelta(hours=72)

# Unit implied by a column name.
_UNIT_COLUMNS = {"hours_per_week": "week", "hours_per_month": "month"}


@dataclass(frozen=True)
class CsvTable:
    """A parsed file: normalised column names and (line number, cells) per data row."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    delimiter: str = ","
    errors: list[FieldError] = field(default_factory=list)  # rows that could not be read


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    kind: str
    rows: int
    refs: list[str] = field(default_factory=list)  # references of the records created, if any


# --------------------------------------------------------------------------- reading

def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _sniff(header: str) -> str:
    """`;` (what a Norwegian or Swedish Excel writes) or `,`: the one the header line uses more."""
    try:
        return csv.Sniffer().sniff(header, delimiters=";,").delimiter
    except csv.Error:
        return ";" if header.count(";") > header.count(",") else ","


def parse_csv(text: str) -> CsvTable:
    """Parse CSV text (BOM already removed or not); blank lines are skipped."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header = next((ln for ln in lines if ln.strip()), "")
    if not header:
        raise ValidationError([FieldError("file", "the file is empty", row=1)])
    delimiter = _sniff(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    previous_end = 0
    errors: list[FieldError] = []
    for cells in reader:
        line = previous_end + 1  # a quoted cell may span lines: report where the row starts
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns = [_normalise(c) for c in cells]
            continue
        if any(c.strip() for c in cells[len(columns):]):
            errors.append(FieldError(
                "row", f"the row has {len(cells)} cells but the header names {len(columns)} columns", row=line))
            continue
        rows.append((line, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns)}))
    return CsvTable(columns or [], rows, delimiter, errors)


def read_csv(path: str | Path) -> CsvTable:
    """Read a UTF-8 CSV file (with or without BOM, `;` or `,` delimited)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ValidationError([FieldError("file", f"cannot read {p}: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError([FieldError(
            "file", "the file is not UTF-8 text (save it as 'CSV UTF-8')", row=line)]) from None
    return parse_csv(text)


# --------------------------------------------------------------------------- columns

def known_columns(kind: str) -> list[str]:
    """Every column name a file of `kind` may have (aliases and field names)."""
    record_kind = KINDS[kind]
    names = set(ALIASES.get(kind, {}))
    if record_kind is None:
        names |= set(_OWN_COLUMNS[kind])
    else:
        spec = records.SPECS[record_kind]
        names |= {f.name for f in spec.fields + spec.extra_fields}
    return sorted(names)


def _map_columns(kind: str, columns: Sequence[str]) -> tuple[dict[str, str], list[FieldError]]:
    """Column -> target field, and an error for each unknown, duplicate or missing column."""
    aliases = ALIASES.get(kind, {})
    known = set(known_columns(kind))
    mapping: dict[str, str] = {}
    errors: list[FieldError] = []
    for col in columns:
        if not col:
            errors.append(FieldError("(empty)", "a column has no name in the header line", row=1))
            continue
        if col not in known:
            errors.append(FieldError(col, f"unknown column '{col}' (known: {', '.join(known_columns(kind))})", row=1))
            continue
        target = aliases.get(col, col)
        if target in mapping.values():
            errors.append(FieldError(col, f"column '{col}' fills the same field as another column", row=1))
            continue
        mapping[col] = target
    record_kind = KINDS[kind]
    if record_kind is None:
        required = [c for c, req in _OWN_COLUMNS[kind].items() if req]
    else:
        spec = records.SPECS[record_kind]
        required = [f.name for f in spec.fields if f.required]
    targets = set(mapping.values())
    for name in required:
        if name not in targets:
            shown = next((a for a, t in aliases.items() if t == name), name)
            errors.append(FieldError(shown, f"the file has no column '{shown}'", row=1))
    return mapping, errors


# --------------------------------------------------------------------------- rows

def _record_data(kind: str, mapping: Mapping[str, str], cells: Mapping[str, str]) -> dict[str, Any]:
    """Cells -> create_in data; empty cells are left out (the field's default applies)."""
    data: dict[str, Any] = {}
    for col, target in mapping.items():
        value = cells.get(col, "")
        if value.strip():
            data[target] = value
        if col in _UNIT_COLUMNS and value.strip():
            data.setdefault("hours_unit", _UNIT_COLUMNS[col])
    return data


def _existing_supervisor(session: Session, data: Mapping[str, Any]) -> Supervisor | None:
    ref = str(data.get("ref", "")).strip()
    if not ref:
        return None
    return session.execute(select(Supervisor).where(Supervisor.ref == ref)).scalar_one_or_none()


def _add_supervision(session: Session, actor: Actor, sup: Supervisor, data: Mapping[str, Any]) -> None:
    """A supervisor named again (same ref and name) with another client: supervise that one too."""
    if str(data.get("name", "")).strip() != sup.name:
        raise ValidationError(f"supervisor {sup.ref} already exists with the name '{sup.name}'", field="ref")
    if not data.get("client_id"):
        raise ValidationError(f"supervisor {sup.ref} already exists", field="ref")
    sv = {"supervisor_id": sup.ref, "client_id": data["client_id"], "since": data.get("since") or date.today().isoformat()}
    if data.get("relation"):
        sv["relation"] = data["relation"]
    records.create_in(session, actor, "supervision", sv)


def _unique_clash(session: Session, record_kind: str, data: Mapping[str, Any]) -> FieldError | None:
    """A duplicate reference (or municipality name), named by field rather than as a database error."""
    spec = records.SPECS[record_kind]
    name = "name" if record_kind == "municipality" else "ref"
    value = str(data.get(name, "")).strip()
    if value and hasattr(spec.model, name) and session.execute(
        select(spec.model.id).where(getattr(spec.model, name) == value)
    ).first():
        return FieldError(name, f"'{value}' already exists")
    return None


def _import_record(session: Session, actor: Actor, kind: str, mapping: Mapping[str, str], cells: Mapping[str, str]) -> str:
    record_kind = KINDS[kind]
    assert record_kind is not None
    data = _record_data(kind, mapping, cells)
    if record_kind == "supervisor":
        existing = _existing_supervisor(session, data)
        if existing is not None:
            _add_supervision(session, actor, existing, data)
            return existing.ref
    clash = _unique_clash(session, record_kind, data)
    if clash:
        raise ValidationError([clash])
    obj = records.create_in(session, actor, record_kind, data)
    return getattr(obj, "ref", None) or getattr(obj, "name", None) or str(obj.id)


def _text(cells: Mapping[str, str], name: str, max_len: int, errors: list[FieldError]) -> str:
    """A free-text cell, checked like a form field (length, no control characters)."""
    try:
        return records.clean_text(cells.get(name), records.FieldSpec(name, name, max_len=max_len))
    except ValueError as exc:
        errors.append(FieldError(name, str(exc)))
        return ""


def _parties(session: Session, cells: Mapping[str, str], errors: list[FieldError]) -> tuple[Client | None, Assistant | None]:
    """The client and assistant a shift or review row names (`client_ref`, `assistant_ref`).

    An unknown reference is collected in `errors` under its column, as `_text` does, and comes
    back as None: the row's other cells are still checked, so every problem is listed at once.
    """
    found: list[Any] = []
    for model, label in ((Client, "client"), (Assistant, "assistant")):
        column = f"{label}_ref"
        ref = cells.get(column, "").strip()
        row = session.execute(select(model).where(model.ref == ref)).scalar_one_or_none()
        if row is None:
            errors.append(FieldError(column, f"no {label} '{ref}'"))
        found.append(row)
    return found[0], found[1]


def _shift_row(session: Session, cells: Mapping[str, str], tz_cache: dict[int, str]) -> tuple[Shift | None, list[FieldError]]:
    errors: list[FieldError] = []
    client, assistant = _parties(session, cells, errors)
    tz = "Europe/Oslo"
    if client is not None:
        if client.municipality_id not in tz_cache:
            tz_cache[client.municipality_id] = session.get(Municipality, client.municipality_id).timezone
        tz = tz_cache[client.municipality_id]
    times = {}
    for col in ("start", "end"):
        try:
            times[col] = parse_local_datetime(cells.get(col, ""), tz)
        except ValueError as exc:
            errors.append(FieldError(col, str(exc)))
    if len(times) == 2:
        if times["end"] <= times["start"]:
            errors.append(FieldError("end", "the shift must end after it starts"))
        elif times["end"] - times["start"] > MAX_SHIFT:
            errors.append(FieldError("end", "the shift is longer than 72 hours (mistyped date?)"))
    status = (cells.get("status") or "").strip().lower() or "worked"
    if status not in SHIFT_STATUSES:
        errors.append(FieldError("status", f"must be one of: {', '.join(SHIFT_STATUSES)}"))
    kind = (cells.get("kind") or "").strip().lower() or "active"
    if kind not in SHIFT_KINDS:
        errors.append(FieldError("kind", f"must be one of: {', '.join(SHIFT_KINDS)}"))
    active = 0
    raw_active = (cells.get("active_minutes") or "").strip()
    if raw_active:
        if not (raw_active.isascii() and raw_active.isdigit()):
            errors.append(FieldError("active_minutes", "must be a whole number of minutes"))
        else:
            active = int(raw_active)
    note = _text(cells, "note", 500, errors)
    legal = _text(cells, "legal_basis", 200, errors)
    if errors:
        return None, errors
    return Shift(
        client_id=client.id, assistant_id=assistant.id, start_utc=times["start"], end_utc=times["end"],
        status=status, kind=kind, active_minutes=active, note=note, legal_basis=legal,
    ), []


def _review_row(session: Session, cells: Mapping[str, str], today: date) -> tuple[Review | None, list[FieldError]]:
    errors: list[FieldError] = []
    client, assistant = _parties(session, cells, errors)
    held = None
    try:
        held = parse_date(cells.get("held_on", ""))
        if held > today:
            errors.append(FieldError("held_on", "a review cannot be held in the future"))
    except ValueError as exc:
        errors.append(FieldError("held_on", str(exc)))
    participants = _text(cells, "participants", 500, errors)
    summary = _text(cells, "summary", 20_000, errors)
    if errors:
        return None, errors
    return Review(assistant_id=assistant.id, client_id=client.id, held_on=held, participants=participants,
                  summary=summary), []


# --------------------------------------------------------------------------- the service

@service
def import_table(db: Database, actor: Actor, kind: str, table: CsvTable, *, source: str = "") -> ImportResult:
    """Import parsed rows of `kind`: all of them, or none with every problem listed."""
    require(actor, "import.run", what="import files")
    return _import(db, actor, kind, table, source)


@service
def import_csv(db: Database, actor: Actor, kind: str, path: str | Path) -> ImportResult:
    """Read and import a CSV file (see `docs/import.md` for the columns of each kind)."""
    require(actor, "import.run", what="import files")
    return _import(db, actor, kind, read_csv(path), Path(path).name)


def _import(db: Database, actor: Actor, kind: str, table: CsvTable, source: str) -> ImportResult:
    if kind not in KINDS:
        raise ValidationError(f"unknown kind '{kind}' (use {', '.join(KINDS)})", field="kind")
    mapping, errors = _map_columns(kind, table.columns)
    if errors:
        raise ValidationError(errors)
    if not table.rows and not table.errors:
        raise ValidationError([FieldError("file", "the file has a header but no rows", row=1)])
    refs: list[str] = []
    with db.write() as s:
        errors = list(table.errors)
        tz_cache: dict[int, str] = {}
        seen: set[tuple] = set()
        today = date.today()
        own: list[Any] = []
        for line, cells in table.rows:
            row_errors: list[FieldError] = []
            if KINDS[kind] is not None:
                try:
                    with s.begin_nested():
                        refs.append(_import_record(s, actor, kind, mapping, cells))
                except ValidationError as exc:
                    row_errors = exc.errors
                except IntegrityError:
                    row_errors = [FieldError("row", "conflicts with an existing record (duplicate reference or name?)")]
            else:
                renamed = {mapping[c]: v for c, v in cells.items() if c in mapping}
                obj, row_errors = (_shift_row(s, renamed, tz_cache) if kind == "shifts"
                                   else _review_row(s, renamed, today))
                if obj is not None:
                    dup = _duplicate(s, obj, seen)
                    if dup:
                        row_errors = [dup]
                    else:
                        own.append(obj)
            for e in row_errors:
                column = next((c for c, t in mapping.items() if t == e.field), e.field)
                errors.append(FieldError(column, e.message, row=line, params=e.params))
        if errors:
            errors.sort(key=lambda e: e.row or 0)
            raise ValidationError(errors)  # the transaction is rolled back: nothing is written
        if own:
            s.add_all(own)
            s.flush()
        audit.record(s, actor, "import", kind, summary=f"{len(table.rows)} {kind} imported" + (f" from {source}" if source else ""))
    return ImportResult(kind, len(table.rows), refs)


def _duplicate(session: Session, obj: Shift | Review, seen: set[tuple]) -> FieldError | None:
    """The same shift or review twice (earlier in the file, or already stored): a file imported
    a second time must not double the hours."""
    if isinstance(obj, Shift):
        key: tuple = ("shift", obj.client_id, obj.assistant_id, obj.start_utc, obj.end_utc)
        q = select(Shift.id).where(Shift.client_id == obj.client_id, Shift.assistant_id == obj.assistant_id,
                                   Shift.start_utc == obj.start_utc, Shift.end_utc == obj.end_utc,
                                   Shift.status != "cancelled")
        what, column = "this shift", "start"
    else:
        key = ("review", obj.client_id, obj.assistant_id, obj.held_on)
        q = select(Review.id).where(Review.client_id == obj.client_id, Review.assistant_id == obj.assistant_id,
                                    Review.held_on == obj.held_on)
        what, column = "this review", "held_on"
    if key in seen:
        return FieldError(column, f"{what} is already in the file")
    seen.add(key)
    if session.execute(q.limit(1)).first():
        return FieldError(column, f"{what} is already registered")
    return None
