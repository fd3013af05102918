"""The steps every roster save shares: what a save returns (`SaveResult`), inserting shifts in
one statement, running the working-time rules (and the absence rule) for the assistants a save
touches, loading a shift for a change, and withdrawing the approvals of the days it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.models import Assistant, RotaPattern, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import format_date
from bpa_provider.rules.worktime import Violation
from bpa_provider.services.base import CONFLICT_MESSAGE, require
from bpa_provider.services.period_rows import (
    shift_days,
    withdraw_approvals,
)
from bpa_provider.services.scope_view import redact_in
from bpa_provider.services.worked import NOT_STAFFED
from bpa_provider.services.worktime import (
    ClientInfo,
    check_assistant_window,
    client_info,
    local_date,
    refuse_blocking,
)


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the shifts written, the warnings they raise, and for patterns what was
    generated, removed or skipped (a date whose local time does not exist)."""

    shifts: list[Shift]
    warnings: list[Violation]
    pattern: RotaPattern | None = None
    removed: int = 0
    skipped: tuple[str, ...] = ()
    # The time zone of each client the shifts are for (client id → zone): what a caller needs to
    # show their local times without a database session of its own (the CLI's `roster` output).
    zones: dict[int, str] = field(default_factory=dict)

    @property
    def shift(self) -> Shift | None:
        return self.shifts[0] if self.shifts else None


# --------------------------------------------------------------------------- shared steps


class _Row(Protocol):
    id: int | None


def row_id(row: _Row) -> int:
    """The id of a row read from the database. The models say `int | None` because an unsaved row
    has none yet; a loaded or flushed one always has it."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never saved")
    return row.id


def insert_shifts(s: Session, rows: list[dict[str, Any]]) -> list[Shift]:
    """Insert shifts with one INSERT … RETURNING and load them back, in the order given.

    Why not `Shift(...)`: constructing a SQLModel table object costs ~40 ms here (pydantic
    deep-copies the class's `_v` version Column, a private attribute, on every instance), which
    made a 13-week pattern take seconds; plain rows cost about as much as one object.
    """
    if not rows:
        return []
    stamp = utcnow()
    values = [{"version": 1, "created_at": stamp, "updated_at": stamp, **r} for r in rows]
    ids = s.execute(insert(Shift).returning(Shift.id, sort_by_parameter_order=True), values).scalars().all()
    loaded = {sh.id: sh for sh in s.execute(select(Shift).where(Shift.id.in_(ids))).scalars()}
    return [loaded[i] for i in ids]


def run_checks(s: Session, shifts: Sequence[Shift], policy: Policy, actor: Actor | None = None) -> list[Violation]:
    """Check the assistants of `shifts`; refuse on a blocking violation involving one of them,
    return the warnings that do — both in words `actor` may read (a supervisor learns nothing
    about other clients' shifts: services/scope_view.py)."""
    ids = {sh.id for sh in shifts}
    spans: dict[int, tuple[datetime, datetime]] = {}
    for sh in shifts:
        if sh.status in NOT_STAFFED or sh.assistant_id is None:  # vacant: nobody's work to check
            continue
        lo, hi = spans.get(sh.assistant_id, (sh.start_utc, sh.end_utc))
        spans[sh.assistant_id] = (min(lo, sh.start_utc), max(hi, sh.end_utc))
        refuse_absent(s, sh, policy)
    found: dict[tuple[str, tuple[int, ...], str], Violation] = {}
    if spans:
        # PostgreSQL: two saves for one assistant at once would each miss the other's shift (an
        # overlap nobody sees); the row lock makes the second wait and check after the first
        # commits. SQLite already serialises writers with BEGIN IMMEDIATE (FOR UPDATE is omitted).
        s.execute(select(Assistant.id).where(Assistant.id.in_(sorted(spans))).order_by(Assistant.id).with_for_update())
    for aid, (lo, hi) in sorted(spans.items()):
        for v in check_assistant_window(s, aid, lo, hi, policy=policy):
            if ids & set(v.shift_ids):
                found.setdefault((v.rule_id, v.shift_ids, v.detail), v)
    shown = redact_in(s, actor, found.values())
    refuse_blocking(shown)
    return shown


def refuse_absent(s: Session, sh: Shift, policy: Policy) -> None:
    """An assistant recorded absent (docs/absence.md) cannot be given a shift on those days."""
    from bpa_provider.services.vacancy import absent_on

    if sh.assistant_id is None:
        return
    tz = client_info(s, sh.client_id, policy).tz
    away = absent_on(
        s, sh.assistant_id, local_date(sh.start_utc, tz), local_date(sh.end_utc - timedelta(microseconds=1), tz)
    )
    if away is not None:
        raise ValidationError(
            FieldError(
                "assistant_id",
                N_("The assistant is absent {a}–{b}; choose a substitute"),
                params={"a": format_date(away.from_date), "b": format_date(away.to_date)},
            )
        )


def _local(instant: datetime, tz: str) -> str:
    return f"{instant.astimezone(ZoneInfo(tz)):%d.%m.%Y %H:%M}"


def shift_summary(sh: Shift, info: ClientInfo, who: str) -> str:
    return f"{who} {_local(sh.start_utc, info.tz)}–{sh.end_utc.astimezone(ZoneInfo(info.tz)):%H:%M} ({sh.kind})"


def assistant_ref(s: Session, assistant_id: int | None) -> str:
    if assistant_id is None:
        return ""
    return s.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""


def load_shift(s: Session, actor: Actor, shift_id: int, version: int | None, what: str) -> Shift:
    sh = s.get(Shift, shift_id)
    if sh is None:
        raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
    require(actor, "roster.write", client_id=sh.client_id, what=what)
    if version is not None and sh.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    return sh


def withdraw_for(
    s: Session, actor: Actor, sh: Shift, info: ClientInfo, why: str, extra_days: tuple[date, date] | None = None
) -> None:
    first, last = shift_days(sh, info.tz)
    if extra_days:
        first, last = min(first, extra_days[0]), max(last, extra_days[1])
    withdraw_approvals(s, actor, sh.client_id, first, last, info.tz, info.ref, why)
