"""The id of a stored row, typed as what it is.

A table's primary key is declared `id: int | None` because a new row has no id until it is
flushed; every row read from the database, or flushed, has one. `stored_id(row)` says so once,
and fails loudly on a row that was never flushed (a bug, not a user's error)."""

from __future__ import annotations

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Row) -> int:
    """`row.id` of a row that is in the database (read, or added and flushed)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id
