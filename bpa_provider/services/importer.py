"""CSV import of the spreadsheets a provider already has (`bpa-provider import KIND FILE.csv`).

The file is read and parsed first (`services.csvfile`: encodings, separators, `-`, size limits),
with no transaction open. A file is imported whole or not at all: every problem is collected with
its line number and field, and if there is any, a ValidationError lists them all and nothing is
written.

Registry kinds go through `records.create_in`, so a CSV row is validated and audited exactly like a
form; column names map onto the record's field specs (`docs/import.md`). They are checked and
written in one transaction, each row in its own savepoint so one bad row cannot hide the next, and
rows may refer to rows earlier in the same file.

Shifts and reviews — the large files — are checked in a read snapshot with the commands' own rules
and then written in one short transaction with bulk inserts and one access-log row per record
(`services.import_rows`), so readers never wait and writers wait only for the write itself. A
file read here keeps its text, not its parsed cells, through the write (`_import_own`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Supervisor
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services import import_rows, import_spread, records
from bpa_provider.services.base import require, service
from bpa_provider.services.csvfile import UTF8, CsvTable, decode, parse_csv, read_bytes, read_csv, source_name
from bpa_provider.services.import_columns import ALIASES, KINDS, known_columns, map_columns, record_data
from bpa_provider.services.worktime import policy_or_default

__all__ = [
    "ALIASES",
    "CsvTable",
    "ImportResult",
    "KINDS",
    "import_csv",
    "import_table",
    "known_columns",
    "parse_csv",
    "read_csv",
]


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    kind: str
    rows: int
    refs: list[str] = field(default_factory=list)  # references of the records created, if any
    encoding: str = UTF8  # how the file was read (Windows-1252 when it was not UTF-8)
    warnings: int = 0  # working-time warnings raised by imported shifts (see `report rest`)


def _existing_supervisor(session: Session, data: Mapping[str, Any]) -> Supervisor | None:
    ref = str(data.get("ref", "")).strip()
    if not ref:
        return None
    return session.execute(select(Supervisor).where(Supervisor.ref == ref)).scalar_one_or_none()


def _add_supervision(session: Session, actor: Actor, sup: Supervisor, data: Mapping[str, Any]) -> None:
    """A supervisor named again (same ref and name) with another client: supervise that one too."""
    if str(data.get("name", "")).strip() != sup.name:
        raise ValidationError(
            N_("supervisor {ref} already exists with the name '{name}'"), field="ref", ref=sup.ref, name=sup.name
        )
    if not data.get("client_id"):
        raise ValidationError(N_("supervisor {ref} already exists"), field="ref", ref=sup.ref)
    sv = {
        "supervisor_id": sup.ref,
        "client_id": data["client_id"],
        "since": data.get("since") or date.today().isoformat(),
    }
    if data.get("relation"):
        sv["relation"] = data["relation"]
    records.create_in(session, actor, "supervision", sv)


def _unique_clash(session: Session, record_kind: str, data: Mapping[str, Any]) -> FieldError | None:
    """A duplicate reference (or municipality name), named by field rather than as a database error."""
    model: Any = records.SPECS[record_kind].model  # a table model: its columns are read by name
    name = "name" if record_kind == "municipality" else "ref"
    value = str(data.get(name, "")).strip()
    if (
        value
        and hasattr(model, name)
        and session.execute(select(model.id).where(getattr(model, name) == value)).first()
    ):
        return FieldError(name, N_("'{value}' already exists"), params={"value": value})
    return None


def _import_record(
    session: Session, actor: Actor, kind: str, mapping: Mapping[str, str], cells: Mapping[str, str]
) -> str:
    record_kind = KINDS[kind]
    assert record_kind is not None
    data = record_data(kind, mapping, cells)
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


# --------------------------------------------------------------------------- the service


@service
def import_table(
    db: Database, actor: Actor, kind: str, table: CsvTable, *, source: str = "", policy: Policy | None = None
) -> ImportResult:
    """Import parsed rows of `kind`: all of them, or none with every problem listed."""
    require(actor, "import.run", what="import files")
    with import_spread.collector_paused():
        return _import(db, actor, kind, table, source, policy)


@service
def import_csv(
    db: Database, actor: Actor, kind: str, path: str | Path | BinaryIO, *, policy: Policy | None = None
) -> ImportResult:
    """Read and import a CSV file, `-` (standard input) or a binary stream (see `docs/import.md`
    for the columns of each kind, `services.csvfile` for what is read)."""
    require(actor, "import.run", what="import files")
    with import_spread.collector_paused():  # a file's cells live until its rows are checked
        text, encoding = decode(read_bytes(path))  # as `read_csv`, the text kept (see `_import_own`)
        return _import(
            db, actor, kind, parse_csv(text, encoding), source_name(path), policy, lambda: parse_csv(text, encoding)
        )


def _import(
    db: Database,
    actor: Actor,
    kind: str,
    table: CsvTable,
    source: str,
    policy: Policy | None,
    reparse: Callable[[], CsvTable] | None = None,
) -> ImportResult:
    if kind not in KINDS:
        raise ValidationError(
            N_("unknown kind '{kind}' (use {kinds})"), field="kind", kind=kind, kinds=", ".join(KINDS)
        )
    mapping, errors = map_columns(kind, table.columns)
    if errors:
        raise ValidationError(errors)
    if not len(table) and not table.errors:
        raise ValidationError([FieldError("file", N_("the file has a header but no rows"), row=1)])
    if KINDS[kind] is None:
        return _import_own(db, actor, kind, table, mapping, source, policy, reparse)
    refs: list[str] = []
    # Registry files (a few hundred rows) go through records.create_in row by row, each in a
    # savepoint so one bad row cannot hide the next; the file is parsed before the transaction.
    with db.write() as s:
        errors = list(table.errors)
        for line, cells in table.rows:
            row_errors: list[FieldError] = []
            try:
                with s.begin_nested():
                    refs.append(_import_record(s, actor, kind, mapping, cells))
            except ValidationError as exc:
                row_errors = exc.errors
            except IntegrityError:
                row_errors = [FieldError("row", N_("conflicts with an existing record (duplicate reference or name?)"))]
            errors += _on_line(row_errors, mapping, line)
        if errors:
            errors.sort(key=lambda e: e.row or 0)
            raise ValidationError(errors)  # the transaction is rolled back: nothing is written
        _record_file(s, actor, kind, len(table), source)
    return ImportResult(kind, len(table), refs, table.encoding)


def _on_line(errors: list[FieldError], mapping: Mapping[str, str], line: int) -> list[FieldError]:
    """Errors named by the file's own column and line."""
    out = []
    for e in errors:
        column = next((c for c, t in mapping.items() if t == e.field), e.field)
        out.append(FieldError(column, e.message, row=e.row if e.row is not None else line, params=e.params))
    return out


def _record_file(s: Session, actor: Actor, kind: str, n: int, source: str) -> None:
    audit.record(s, actor, "import", kind, summary=f"{n} {kind} imported" + (f" from {source}" if source else ""))


class _Renamed:
    """The table's rows as (line, {field: cell}), made each time they are gone through: a dict per
    row held for a whole 100,000-row file would cost about 100 MB."""

    def __init__(self, table: CsvTable, mapping: Mapping[str, str], let_go: Callable[[], None] | None = None):
        self.records = table.records
        self.fields = [(i, mapping[c]) for i, c in enumerate(table.columns) if c in mapping]
        self._let_go = let_go

    def release(self) -> None:
        """Said by the check once every row is checked (`import_rows.plan_shifts`): the cells
        may go, if the table is the import's own (`_import_own`); otherwise nothing."""
        if self._let_go is not None:
            self._let_go()

    def distinct(self, name: str) -> set[str]:
        """The distinct values of field `name`, stripped, without making a dict per row ("" for
        a row without the cell, as `cells.get(name, "")` gives)."""
        at = next((i for i, field in self.fields if field == name), None)
        if at is None:
            return {""} if self.records else set()
        return {cells[at].strip() if at < len(cells) else "" for _line, cells in self.records}

    def values(self, names: Sequence[str], absent: Sequence[Any]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Each row as (line, its cells of fields `names` in that order): what `cells.get(name,
        absent[k])` gives the row as `__iter__` makes it — "" for a cell a short row lacks,
        `absent[k]` for a field the file has no column for — with no dict per row."""
        at: dict[str, int] = {}
        for i, name in self.fields:  # a field given twice: the last column, as the dict has it
            at[name] = i
        top = max((i for i, _n in self.fields), default=-1) + 1
        # A row is padded with "" up to the last mapped column, then the absent fields' values
        # follow at `top`, `top + 1`, …: one C-level pick of the cells per row.
        spots: list[int] = []
        tail: list[Any] = []
        for name, default in zip(names, absent):
            if name in at:
                spots.append(at[name])
            else:
                spots.append(top + len(tail))
                tail.append(default)
        if not spots:
            return
        pick = operator.itemgetter(*spots)
        single = len(spots) == 1
        for line, cells in self.records:
            n = len(cells)
            if n == top:
                row = cells + tail if tail else cells
            elif n > top:
                row = cells[:top] + tail
            else:
                row = cells + [""] * (top - n) + tail
            got = pick(row)
            yield line, ((got,) if single else got)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        fields = self.fields
        width = len(fields)
        # Every column mapped, in the file's order (the usual case): a full row's dict is its
        # cells zipped with the names, made in C; a short row is filled with "" as below.
        names = [name for _i, name in fields] if [i for i, _n in fields] == list(range(width)) else None
        for line, cells in self.records:
            n = len(cells)
            if names is not None and n == width:
                yield line, dict(zip(names, cells))
            else:
                yield line, {name: (cells[i] if i < n else "") for i, name in fields}


#: Tries at checking outside the write transaction before checking inside it (see `_import_own`).
_OPTIMISTIC_TRIES = 2


def _import_own(
    db: Database,
    actor: Actor,
    kind: str,
    table: CsvTable,
    mapping: Mapping[str, str],
    source: str,
    policy: Policy | None,
    reparse: Callable[[], CsvTable] | None = None,
) -> ImportResult:
    """Shifts and reviews: check every row in a read snapshot (no lock), then write in one short
    transaction. Should the access log show a change in between that could matter to the check
    (`import_rows.changed_since`), the check is made again; after `_OPTIMISTIC_TRIES` it is made inside the write transaction, which
    is slower but cannot miss a change. `reparse` (a file this import read itself: the table is
    its own): the table's parsed cells are let go once every row is checked (before the rules,
    the preparing and the write lock), and made again from the file's text only if the check
    must be made again."""
    pol = policy_or_default(policy)
    released = False

    def let_go() -> None:
        # The parsed cells (≈ 30 MB of a 100,000-shift file) are not needed once each row is
        # checked — the checked rows carry what the rules, the preparing and the write use —:
        # let go then, at the check's priority and before the lock, they leave room for the
        # rules' data, the prepared rows and the write's page cache instead of adding to them
        # (peak 254 → 204 MB in one process, 257 → 211–213 MB spread, docs/performance.md).
        nonlocal released
        table.records.clear()
        released = True

    rows = _Renamed(table, mapping, let_go if reparse is not None else None)

    def plan_in(s: Session, meanwhile: Callable[[import_rows.Plan], object] | None = None) -> import_rows.Plan:
        plan = (
            import_rows.plan_shifts(s, rows, pol, meanwhile=meanwhile)
            if kind == "shifts"
            else import_rows.plan_reviews(s, rows, date.today())
        )
        errors = list(table.errors) + _on_line(plan.errors, mapping, 0)
        if errors:
            errors.sort(key=lambda e: e.row or 0)
            raise ValidationError(errors)
        return plan

    def check_and_prepare() -> tuple[import_rows.Plan, import_rows.Prepared]:
        with db.read() as s:
            dialect = s.get_bind().dialect
            # The same snapshot as the check's (SQLite's read transaction), read before it.
            after = import_rows.heads(s, kind) if dialect.name == "sqlite" else None
            early: list[import_rows.Prepared] = []

            def meanwhile(plan: import_rows.Plan) -> None:
                # While forked workers check a large file's rules, this process's core would wait:
                # it prepares the rows meanwhile (dropped if the rules then refuse the file).
                early.append(import_rows.prepare(plan, actor, source, dialect, consume=True, after=after))

            plan = plan_in(s, meanwhile)
        if early:
            return plan, early[0]
        # The checked rows are let go as they are prepared (only their count is used after this).
        return plan, import_rows.prepare(plan, actor, source, dialect, consume=True, after=after)

    def check_prepare_and_let_go() -> tuple[import_rows.Plan, import_rows.Prepared]:
        out = check_and_prepare()
        rows.release()  # a check that did not say so itself (reviews): before the lock all the same
        return out

    write = import_rows.write_shifts if kind == "shifts" else import_rows.write_reviews
    for attempt in range(_OPTIMISTIC_TRIES + 1):
        if released:  # checked again (a change in between): the file's cells made again
            assert reparse is not None
            table = reparse()
            rows = _Renamed(table, mapping, let_go)
            released = False
        prepared = None
        if attempt < _OPTIMISTIC_TRIES:
            # The check and the rows as the driver takes them, before the lock (under it only the
            # INSERTs, the access log's chain and the commit remain), in a thread at a lower CPU
            # priority (`import_spread.niced`): a bulk import yields to people; the write below
            # runs at normal priority, so the lock is held as briefly as the machine allows.
            plan, prepared = import_spread.niced(check_prepare_and_let_go, pol.import_nice)
        with db.write() as s:
            if attempt == _OPTIMISTIC_TRIES:
                import_rows.hold_log(s)  # PostgreSQL: no one else changes anything meanwhile
                plan = plan_in(s)
            elif import_rows.changed_since(s, kind, plan.mark):
                continue  # something the check read has changed: check again
            write(s, actor, plan, source, prepared)
            _record_file(s, actor, kind, len(plan.rows), source)
            return ImportResult(kind, len(plan.rows), [], table.encoding, plan.warnings)
    raise AssertionError("unreachable")  # the last attempt checks and writes under the lock
