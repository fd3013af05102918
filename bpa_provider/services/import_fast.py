"""Roster's per-row checks of a shift file, made once per distinct value (`RowChecks`).

A provider's shift file repeats itself: 100,000 shifts over two years have a few thousand distinct
start and end times (every assistant starts at 07:00 or 15:00), one time zone per client, and
mostly empty notes. The checks of a row's times (`roster._times`: the local time read, the DST gap
refused, the end after the start and at most 72 h later) and of its texts (`roster._text`) are pure
functions of those values and the zone, so each distinct value is checked once, by roster's own
functions — the same rules as `roster add`, not a copy of them — and the verdict (value and
problems) reused for every row that has it; so are a row's two references (`parties`) and its
five other cells together — status, kind, active minutes, note, legal basis (`details`, checked
by `check_details` with roster's `_kind` and `_text`). The memo lives as long as one file's
check and is cleared when it grows past `limit` entries, so a file of all-different values costs
memory like any other.

A row is checked from its cells in `SHIFT_CELLS` order (`checked`; `importer._Renamed.values`
gives them without a dict per row), or from a dict of them (`_shift`; memo None: roster's
functions called for every row, the reference the tests hold the memo to).

tests/services/test_import_fast.py holds the verdicts equal to the functions called row by row;
tests/services/test_import_overlap.py the cells' path equal to the dicts'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_
from bpa_provider.services.roster import _kind, _text, _times
from bpa_provider.services.validation import ref_problem

_Times = tuple[datetime | None, datetime | None, tuple[FieldError, ...]]
_Text = tuple[str, tuple[FieldError, ...]]

SHIFT_STATUSES = ("planned", "worked", "approved", "cancelled")

#: A shift row's cells in the order `checked` takes them, and each one's value when the file has
#: no such column (what `cells.get(name, ...)` gives a row as a dict).
SHIFT_CELLS = (
    "client_ref",
    "assistant_ref",
    "start",
    "end",
    "status",
    "kind",
    "active_minutes",
    "note",
    "legal_basis",
)
SHIFT_ABSENT: tuple[str | None, ...] = ("", "", "", "", None, None, None, None, None)


@dataclass(slots=True)
class NewShift:
    """A checked shift row, shaped like a stored `Shift` for the rules (`worktime.fact`); its id is
    negative (-line) until it is written."""

    id: int
    line: int
    client_id: int
    assistant_id: int
    start_utc: datetime
    end_utc: datetime
    kind: str
    status: str
    active_minutes: int
    note: str
    legal_basis: str
    client_ref: str
    assistant_ref: str
    tz: str
    typed: str  # the start and end as the file gave them (for the access log)


def check_details(
    status_cell: str | None,
    kind_cell: str | None,
    active_cell: str | None,
    note_cell: str | None,
    basis_cell: str | None,
    errors: list[FieldError],
) -> tuple[str, str, int, str, str]:
    """A row's status, kind, active minutes, note and legal basis, checked as `roster add` checks
    them (roster's `_kind` and `_text`); a pure function of the five cells (None: no such column)."""
    status = (status_cell or "").strip().lower() or "worked"  # an imported shift is history
    if status not in SHIFT_STATUSES:
        errors.append(
            FieldError("status", N_("must be one of: {values}"), params={"values": ", ".join(SHIFT_STATUSES)})
        )
    kind = _kind(kind_cell or "", errors)
    active = 0
    raw_active = (active_cell or "").strip()
    if raw_active:
        if not (raw_active.isascii() and raw_active.isdigit()):
            errors.append(FieldError("active_minutes", N_("must be a whole number of minutes")))
        else:
            active = int(raw_active)
    note = _text(note_cell or "", "note", 500, errors, multiline=True)
    basis = _text(basis_cell or "", "legal_basis", 200, errors)
    return status, kind, active, note, basis


class RowChecks:
    """The memo of one file's check: `times`, `text` and `kind` append to `errors` exactly what
    `roster._times`, `roster._text` and `roster._kind` would, and return what they return."""

    __slots__ = ("_kinds", "_texts", "_times", "details", "limit", "parties")

    def __init__(self, limit: int = 50_000) -> None:
        self._times: dict[tuple[Any, Any, str], _Times] = {}
        self._texts: dict[tuple[Any, str, int, bool], _Text] = {}
        self._kinds: dict[str, tuple[str, tuple[FieldError, ...]]] = {}
        # (client ref cell, assistant ref cell) -> (client, assistant, problems, the references
        # stripped): `import_rows._parties`'s verdict, a pure function of the two cells and the
        # file's lookups.
        self.parties: dict[tuple[str, str], tuple[Any, Any, tuple[FieldError, ...], str, str]] = {}
        # (status, kind, active minutes, note, legal basis cells) -> (the values, problems): the
        # verdict of `check_details`, a pure function of the five cells.
        self.details: dict[tuple[Any, ...], tuple[Any, tuple[FieldError, ...]]] = {}
        self.limit = limit

    def times(self, start: Any, end: Any, tz: str, errors: list[FieldError]) -> tuple[datetime | None, datetime | None]:
        key = (start, end, tz)
        found = self._times.get(key)
        if found is None:
            mine: list[FieldError] = []
            a, b = _times(start, end, tz, mine)
            found = (a, b, tuple(mine))
            if len(self._times) >= self.limit:
                self._times.clear()
            self._times[key] = found
        errors.extend(found[2])
        return found[0], found[1]

    def text(self, value: Any, name: str, max_len: int, errors: list[FieldError], *, multiline: bool = False) -> str:
        key = (value, name, max_len, multiline)
        found = self._texts.get(key)
        if found is None:
            mine: list[FieldError] = []
            found = (_text(value, name, max_len, mine, multiline=multiline), tuple(mine))
            if len(self._texts) >= self.limit:
                self._texts.clear()
            self._texts[key] = found
        errors.extend(found[1])
        return found[0]

    def kind(self, value: str, errors: list[FieldError]) -> str:
        found = self._kinds.get(value)
        if found is None:
            mine: list[FieldError] = []
            found = (_kind(value, mine), tuple(mine))
            if len(self._kinds) >= self.limit:
                self._kinds.clear()
            self._kinds[value] = found
        errors.extend(found[1])
        return found[0]


def _parties(
    cells: Mapping[str, str],
    clients: Mapping[str, tuple[int, str]],
    assistants: Mapping[str, int],
    errors: list[FieldError],
) -> tuple[tuple[int, str] | None, int | None]:
    """The client and assistant a row names; an unknown reference is an error under its column:
    one that no reference could be (`validation.ref_problem`: control characters, `../`) in the
    words every path uses for it, any other as unknown."""
    client_ref = cells.get("client_ref", "").strip()
    client = clients.get(client_ref)
    if client is None:
        errors.append(_unknown("client_ref", client_ref, N_("no client '{ref}'")))
    assistant_ref = cells.get("assistant_ref", "").strip()
    assistant = assistants.get(assistant_ref)
    if assistant is None:
        errors.append(_unknown("assistant_ref", assistant_ref, N_("no assistant '{ref}'")))
    return client, assistant


def _unknown(column: str, ref: str, words: str) -> FieldError:
    problem = ref_problem(ref)
    return problem.field_error(column) if problem is not None else FieldError(column, words, params={"ref": ref})


def _shift(
    line: int,
    cells: Mapping[str, str],
    clients: Mapping[str, tuple[int, str]],
    assistants: Mapping[str, int],
    errors: list[FieldError],
    checks: RowChecks | None = None,
) -> NewShift | None:
    """One row checked as `roster add` checks its input (roster's own parsing functions, through
    `checks`: each distinct value once per file; None: called for every row).
    The errors come in one order: the references, the times, then status, kind, active minutes,
    note and legal basis."""
    if checks is not None:
        return checked(
            line, tuple(cells.get(n, a) for n, a in zip(SHIFT_CELLS, SHIFT_ABSENT)), clients, assistants, errors, checks
        )
    client, assistant = _parties(cells, clients, assistants, errors)
    tz = client[1] if client else "Europe/Oslo"
    start, end = _times(cells.get("start", ""), cells.get("end", ""), tz, errors)
    status, kind, active, note, basis = check_details(
        cells.get("status"),
        cells.get("kind"),
        cells.get("active_minutes"),
        cells.get("note"),
        cells.get("legal_basis"),
        errors,
    )
    if errors or client is None or assistant is None or start is None or end is None:
        return None
    return NewShift(
        -line,
        line,
        client[0],
        assistant,
        start,
        end,
        kind,
        status,
        active,
        note,
        basis,
        cells["client_ref"].strip(),
        cells["assistant_ref"].strip(),
        tz,
        f"{cells['start'].strip()}–{cells['end'].strip()}",
    )


def checked(
    line: int,
    cells: tuple[Any, ...],
    clients: Mapping[str, tuple[int, str]],
    assistants: Mapping[str, int],
    errors: list[FieldError],
    checks: RowChecks,
) -> NewShift | None:
    """`_shift` of a row given as its cells in `SHIFT_CELLS` order (`SHIFT_ABSENT` for a column
    the file lacks), through the memo: the same cells, the same verdict — the references worked
    out once per pair in the file, the times once per distinct start, end and zone, the five
    detail cells once per distinct five (a file repeats them on nearly every row)."""
    client_cell, assistant_cell, start_cell, end_cell = cells[0], cells[1], cells[2], cells[3]
    key = (client_cell, assistant_cell)
    found = checks.parties.get(key)
    if found is None:
        mine: list[FieldError] = []
        c, a = _parties({"client_ref": client_cell, "assistant_ref": assistant_cell}, clients, assistants, mine)
        if len(checks.parties) >= checks.limit:
            checks.parties.clear()
        found = checks.parties[key] = (c, a, tuple(mine), client_cell.strip(), assistant_cell.strip())
    client, assistant = found[0], found[1]
    if found[2]:
        errors.extend(found[2])
    tz = client[1] if client else "Europe/Oslo"
    known = checks._times.get((start_cell, end_cell, tz))  # `checks.times`, its common case inline
    if known is None:
        start, end = checks.times(start_cell, end_cell, tz, errors)
    else:
        start, end = known[0], known[1]
        if known[2]:
            errors.extend(known[2])
    details = cells[4:9]
    verdict = checks.details.get(details)
    if verdict is None:
        own: list[FieldError] = []
        made = check_details(details[0], details[1], details[2], details[3], details[4], own)
        if len(checks.details) >= checks.limit:
            checks.details.clear()
        verdict = checks.details[details] = (made, tuple(own))
    if verdict[1]:
        errors.extend(verdict[1])
    if errors or client is None or assistant is None or start is None or end is None:
        return None
    status, kind, active, note, basis = verdict[0]
    return NewShift(
        -line,
        line,
        client[0],
        assistant,
        start,
        end,
        kind,
        status,
        active,
        note,
        basis,
        found[3],
        found[4],
        tz,
        f"{start_cell.strip()}–{end_cell.strip()}",
    )
