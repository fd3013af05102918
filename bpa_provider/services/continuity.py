"""Continuity of care per client (`rules.continuity`): distinct assistants in 14 and 30 days, the
share of hours by regular assistants, new faces this month, substitutes who never met the client.

Regular or substitute is the assistant's assignment role with the client on the shift's date (no
assignment: a substitute). Assistants who worked with the client before the loaded window count
as met, found with one SQL DISTINCT instead of loading the client's whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Municipality, Shift
from bpa_provider.errors import NotFound
from bpa_provider.i18n import N_
from bpa_provider.rules.continuity import Continuity, ShiftSeen, continuity
from bpa_provider.services.base import require, service
from bpa_provider.services.continuity_sets import Bounds, ClientSums, Pair, from_shifts, pair_rows
from bpa_provider.services.worked import NOT_STAFFED

# The tables' own columns: every statement here is a Core statement (no ORM compile step on a
# command's first call), and the working-time stack (`services.worktime`, ~18 ms of imports) is
# not needed for a client's place. Issue 19: the report's own work beside its floor.
SHIFTS: Table = Shift.__table__  # type: ignore[attr-defined]
CLIENTS: Table = Client.__table__  # type: ignore[attr-defined]
MUNICIPALITIES: Table = Municipality.__table__  # type: ignore[attr-defined]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[attr-defined]
ASSISTANTS: Table = Assistant.__table__  # type: ignore[attr-defined]
_shift, _client, _municipality = SHIFTS.c, CLIENTS.c, MUNICIPALITIES.c
_assignment, _assistant = ASSIGNMENTS.c, ASSISTANTS.c


class Place(NamedTuple):
    """What the report needs of a client: who it is and its municipality's time zone (as
    `services.worktime_clients.ClientInfo` reads them)."""

    id: int
    ref: str
    name: str
    tz: str


def places(s: Session, client_ids: Iterable[int]) -> dict[int, Place]:
    """Each client's `Place`, in one query."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    query = (
        select(_client.id, _client.ref, _client.name, _municipality.timezone)
        .join_from(CLIENTS, MUNICIPALITIES, _municipality.id == _client.municipality_id)
        .where(_client.id.in_(ids))
    )
    return {cid: Place(cid, ref, name, tz or "Europe/Oslo") for cid, ref, name, tz in s.execute(query)}


def staffed() -> Any:
    """`services.worked.staffed` over the table's own column: neither cancelled nor vacant."""
    return _shift.status.not_in(NOT_STAFFED)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def local_range(first: date, last_exclusive: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `first` and at `last_exclusive`."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last_exclusive, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    return lo, hi


@dataclass(frozen=True)
class ClientContinuity:
    """One client's continuity on `today`; assistants by reference."""

    client_id: int
    client_ref: str
    client_name: str
    distinct_14d: int
    distinct_30d: int
    regular_share: float
    new_faces_month: tuple[str, ...]
    substitutes_never_met: tuple[str, ...]


class _Role(Protocol):
    """What the role look-up reads of an assignment (an ORM object or a row)."""

    @property
    def role(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...


COLUMNS = [
    "client_ref",
    "client_name",
    "distinct_14d",
    "distinct_30d",
    "regular_share",
    "new_faces_month",
    "substitutes_never_met",
]


def _regular(assignments: Sequence[Any], assistant_id: int, day: date) -> bool:
    return _regular_among([a for a in assignments if a.assistant_id == assistant_id], day)


def _regular_among(mine: Sequence[_Role], day: date) -> bool:
    """Regular on `day` by the assistant's assignments with the client (that day's, else any)."""
    on_day = [a for a in mine if a.start_date <= day and (a.end_date is None or day <= a.end_date)]
    chosen = on_day or mine
    return any(a.role == "regular" for a in chosen)


def _window(today: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC range of shift starts the measures read: from the earlier of 30 days back and the
    first of the month, to a month ahead (planned shifts)."""
    first = min(today - timedelta(days=30), today.replace(day=1))
    return local_range(first, today + timedelta(days=32), tz)


def _shown(info: Place, result: Continuity, refs: dict[int, str]) -> ClientContinuity:
    return ClientContinuity(
        info.id,
        info.ref,
        info.name,
        result.distinct_14d,
        result.distinct_30d,
        round(result.regular_share, 4),
        tuple(sorted(refs[i] for i in result.new_faces_month)),
        tuple(sorted(refs[i] for i in result.substitutes_never_met)),
    )


def _measure(s: Session, client_id: int, today: date) -> ClientContinuity:
    info = places(s, [client_id]).get(client_id)
    if info is None:
        raise NotFound(N_("Client {id} does not exist"), id=client_id)
    lo, hi = _window(today, info.tz)
    shifts = [
        (aid, start, end)
        for aid, start, end in s.execute(
            select(_shift.assistant_id, _shift.start_utc, _shift.end_utc).where(
                _shift.client_id == client_id,
                staffed(),
                _shift.start_utc >= lo,
                _shift.start_utc < hi,
            )
        )
        if aid is not None  # staffed: always someone's
    ]
    earlier = {
        aid
        for aid in s.execute(
            select(_shift.assistant_id)
            .distinct()
            .where(_shift.client_id == client_id, staffed(), _shift.start_utc < lo)
        ).scalars()
        if aid is not None
    }
    roles = s.execute(
        select(_assignment.assistant_id, _assignment.role, _assignment.start_date, _assignment.end_date).where(
            _assignment.client_id == client_id
        )
    ).all()
    seen = [ShiftSeen(aid, start, end, _regular(roles, aid, local_date(start, info.tz))) for aid, start, end in shifts]
    result = continuity(seen, today, info.tz, earlier)
    ids = set(result.new_faces_month) | set(result.substitutes_never_met)
    refs = (
        dict(s.execute(select(_assistant.id, _assistant.ref).where(_assistant.id.in_(sorted(ids)))).all())
        if ids
        else {}
    )
    return _shown(info, result, refs)


@service
def client_continuity(
    db: Database, actor: Actor, client_id: int, today: date, *, policy: Policy | None = None
) -> ClientContinuity:
    """One client's continuity measures as of `today` (`policy`: accepted as every report's
    services take it; continuity needs no rule set)."""
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return _measure(s, client_id, today)


@service
def continuity_report(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None
) -> list[ClientContinuity]:
    """Continuity of every active client (a supervisor: their own clients), by reference
    (`policy`: accepted as every report's services take it; continuity needs no rule set).

    Set-based: a few statements for all clients together (the window's figures summed per
    (client, assistant) pair by the database, the pairs who met before it, the assignments, the
    refs), not four per client and not a row per shift (`continuity_sets`); each client's figures
    equal what `rules.continuity` gives in `client_continuity` (tests/roster/test_continuity_sets.py).
    """
    require(actor, "roster.read", what="see rosters")
    with db.read() as s:
        q = select(_client.id).where(_client.status.in_(("active", "transferring_out"))).order_by(_client.ref)
        if actor.is_scoped:
            q = q.where(_client.id.in_(sorted(actor.client_scope or ())))
        ids = list(s.execute(q).scalars().all())
        infos = places(s, ids)
        # The window is local days: one pass per clock. Zones whose window and bounds are the same
        # instants (Oslo and Stockholm always are) share one pass: the company's window is read
        # once, not once per zone with each zone's clients listed (what made it 2x its floor on
        # PostgreSQL at 100 %: two passes and two probes of the earlier shifts).
        clock_of: dict[str, tuple[tuple[datetime, datetime], Bounds]] = {}
        by_clock: dict[tuple[tuple[datetime, datetime], Bounds], set[int]] = defaultdict(set)
        for cid in ids:
            tz = infos[cid].tz
            if tz not in clock_of:  # once a zone, not once a client
                clock_of[tz] = (_window(today, tz), Bounds.of(today, tz))
            by_clock[clock_of[tz]].add(cid)
        pairs: dict[tuple[int, int], Pair] = {}
        bounds_of: dict[int, Bounds] = {}
        windows: list[tuple[tuple[Any, ...], set[int]]] = []
        earlier: dict[int, set[int]] = defaultdict(set)
        for ((lo, hi), bounds), members in by_clock.items():
            window: tuple[Any, ...] = (staffed(), _shift.start_utc >= lo, _shift.start_utc < hi)
            if actor.is_scoped or len(by_clock) > 1:  # the company on one clock reads the window whole
                window += (_shift.client_id.in_(sorted(members)),)
            windows.append((window, members))
            bounds_of.update(dict.fromkeys(members, bounds))
            # One row per (client, assistant), summed by the database (continuity_sets).
            pairs.update((key, p) for key, p in pair_rows(s, window, bounds).items() if key[0] in members)
            # Who met the client before the window: only pairs seen in it matter to the rules
            # (new faces and substitutes are among them), so each pair is one index probe.
            seen = select(_shift.client_id, _shift.assistant_id).where(*window).distinct().subquery("pair")
            e = SHIFTS.alias("e")
            before = (
                select(e.c.id)
                .where(
                    e.c.assistant_id == seen.c.assistant_id,
                    e.c.client_id == seen.c.client_id,
                    e.c.status.not_in(NOT_STAFFED),
                    e.c.start_utc < lo,
                )
                .exists()
            )
            for cid, aid in s.execute(select(seen.c.client_id, seen.c.assistant_id).where(before)).all():
                if cid in members and aid is not None:
                    earlier[cid].add(aid)
        assignments: dict[tuple[int, int], list[_Role]] = defaultdict(list)  # rows with what _regular_among reads
        for a in s.execute(
            select(
                _assignment.client_id,
                _assignment.assistant_id,
                _assignment.role,
                _assignment.start_date,
                _assignment.end_date,
            )
        ).all():  # fetched at once: iterating a result fetches row by row (psycopg: a call a row)
            assignments[a.client_id, a.assistant_id].append(a)
        # A pair whose assignments all have one role has that role on every date (most pairs; no
        # assignment: a substitute). Only a pair whose role changed has its shifts read one by one.
        varying = {pair for pair in pairs if len({r.role for r in assignments.get(pair, [])}) > 1}
        sums: dict[int, ClientSums] = defaultdict(ClientSums)
        for (cid, aid), p in pairs.items():
            if (cid, aid) not in varying:
                regular = any(r.role == "regular" for r in assignments.get((cid, aid), []))
                sums[cid].add(aid, p, p.seconds if regular else 0.0, p.upcoming and not regular)
        if varying:
            clients = sorted({cid for cid, _aid in varying})
            by_client: dict[int, list[tuple[int, datetime, datetime]]] = defaultdict(list)
            for window, members in windows:
                for cid, aid, start, end in s.execute(
                    select(_shift.client_id, _shift.assistant_id, _shift.start_utc, _shift.end_utc).where(
                        *window, _shift.client_id.in_(clients)
                    )
                ):
                    if cid in members and aid is not None and (cid, aid) in varying:
                        by_client[cid].append((aid, start, end))
            for cid, rows in by_client.items():
                tz = infos[cid].tz

                def role(aid: int, start: datetime, cid: int = cid, tz: str = tz) -> bool:
                    return _regular_among(assignments.get((cid, aid), []), local_date(start, tz))

                found, regular_seconds = from_shifts(rows, bounds_of[cid], role)
                for aid, p in found.items():
                    sums[cid].add(aid, p, regular_seconds.get(aid, 0.0), p.upcoming_substitute)
        results = {cid: sums[cid].result(bounds_of[cid], earlier[cid]) for cid in ids}
        wanted = sorted({i for r in results.values() for i in (*r.new_faces_month, *r.substitutes_never_met)})
        refs = (
            dict(s.execute(select(_assistant.id, _assistant.ref).where(_assistant.id.in_(wanted))).all())
            if wanted
            else {}
        )
    return [_shown(infos[cid], results[cid], refs) for cid in ids]


__all__ = ["COLUMNS", "ClientContinuity", "client_continuity", "continuity_report"]
