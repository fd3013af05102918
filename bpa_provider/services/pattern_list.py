"""The read model of a client's rota patterns as the Rosters area's pattern list shows them: every
pattern with its assistant's reference and name, read in one transaction and one query.

The screen used to ask `roster.list_patterns` and then `records.get` once per assistant (a service
call, a transaction and a permission check each). Here one outer join answers all of it, with
the permission `list_patterns` asks for (`roster.read` for this client): the assistant's
reference and name are what the week grid already shows the same person for the same client.
The rows are plain frozen dataclasses: nothing detached from a session reaches the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, RotaPattern
from bpa_provider.services.base import require, service


@dataclass(frozen=True)
class PatternRow:
    """One rota pattern, with its assistant's reference and name ("" when it has none)."""

    id: int
    version: int | None
    client_id: int
    assistant_id: int | None
    assistant_ref: str
    assistant_name: str
    name: str
    weekdays: str  # "0,2,4" (Monday = 0)
    start_time: time
    end_time: time  # earlier than start_time: the shift ends the next day
    kind: str
    cycle_weeks: int
    cycle_week: int  # counted from 0
    valid_from: date
    valid_to: date | None
    generated_until: date | None


@service
def client_patterns(db: Database, actor: Actor, client_id: int) -> list[PatternRow]:
    """The client's patterns, oldest first (by valid-from, then id), each with its assistant."""
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    query = (
        select(RotaPattern, Assistant.ref, Assistant.name)
        .outerjoin(Assistant, Assistant.id == RotaPattern.assistant_id)
        .where(RotaPattern.client_id == client_id)
        .order_by(RotaPattern.valid_from, RotaPattern.id)
    )
    with db.read() as s:
        return [_row(p, ref, name) for p, ref, name in s.execute(query).all()]


def _row(p: RotaPattern, ref: str | None, name: str | None) -> PatternRow:
    assert p.id is not None  # read from the table: it has one
    return PatternRow(
        id=p.id,
        version=p.version,
        client_id=p.client_id,
        assistant_id=p.assistant_id,
        assistant_ref=ref or "",
        assistant_name=name or "",
        name=p.name,
        weekdays=p.weekdays,
        start_time=p.start_time,
        end_time=p.end_time,
        kind=p.kind,
        cycle_weeks=p.cycle_weeks,
        cycle_week=p.cycle_week,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        generated_until=p.generated_until,
    )
