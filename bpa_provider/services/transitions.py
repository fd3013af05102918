"""Checks before a row moves on from the version a person read, shared by the services.

A person changes a row they read earlier. `check_version` refuses the change with a Conflict when
someone else changed the row since (its `version` column, see db.models); `get_for_change` first
finds the row by id, with NotFound in the caller's words when there is none. The caller builds the
NotFound message, so each area keeps its own wording (and its translations).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bpa_provider.errors import Conflict, NotFound
from bpa_provider.services.base import CONFLICT_MESSAGE

R = TypeVar("R")


def check_version(row: Any, version: int | None) -> None:
    """Conflict when `row` is no longer at `version`; None means the caller read no version."""
    if version is not None and row.version != version:
        raise Conflict(CONFLICT_MESSAGE)


def get_for_change(session: Session, model: type[R], row_id: int, missing: str, version: int | None = None) -> R:
    """The `model` row `row_id` (NotFound with `missing` when there is none), still at `version`."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(missing)
    check_version(row, version)
    return row
