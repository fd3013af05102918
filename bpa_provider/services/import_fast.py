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

tests/services/test_import_fast.py holds the verdicts equal to the functions called row by row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_
from bpa_provider.services.roster import _kind, _text, _times

_Times = tuple[datetime | None, datetime | None, tuple[FieldError, ...]]
_Text = tuple[str, tuple[FieldError, ...]]

SHIFT_STATUSES = ("planned", "worked", "approved", "cancelled")


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
