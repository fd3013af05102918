"""Hour accounting: decided vs planned vs worked hours per client, balances and year-end flags.

What counts (issue 4, "the plan becomes the actuals by default"):
- **planned hours**: every shift that is not cancelled;
- **worked hours**: shifts with status `worked` or `approved`, plus `planned` shifts that have
  ended (`end_utc <= now`) and have no pending deviation — nobody needs to tick off a shift that
  went as planned. Cancelled shifts never count; a planned shift with a pending deviation counts
  as planned, not worked, until the deviation is decided.
- a shift's hours are its real elapsed time (a 22:00-08:00 night is 9 h or 11 h across a DST
  change), clipped at the local midnights that bound the period in the client's municipality's
  time zone, so a night crossing into the next month is split at local midnight.
- **decided hours** of a period come from `rules.hours.decided_hours` (hours per week x covered
  days / 7; per-month decisions pro rata).
- **balance** = decided + balance adjustments dated in the period (`HourBalanceEntry`, e.g. the
  opening balance of a handover: positive = hours still available) - worked.
- **flag**: the projected use of the calendar year (`rules.hours.project_year_end`) against the
  year's decided hours plus adjustments, with the thresholds of `config.Policy`. The year runs over
  the part of the calendar year covered by the client's decisions; the projection is made as of the
  end of the reported month, or today when that is earlier. The plan beats the pace: hours already
  planned count as they are, the days beyond the last planned shift are filled at the pace so far.

The sums are computed in SQL (services/hour_sums.py: one aggregate query grouped by client).
Decisions are few per client and summed in Python with the same pure rule the rest of the app
uses. For the projection, the month report reads each client's closed (locked) months from the
hour ledger (services/hour_ledger.py) and only the rest of the year from raw shifts; the figures
are the same either way (tests/services/test_hour_ledger.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer, String, bindparam, column, select, text
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Municipality, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules import hours as rules
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.services import core_rows, hour_ledger
from bpa_provider.services.base import require, service
from bpa_provider.services.hour_sums import MAX_SHIFT, Sums, Window, window_sums
from bpa_provider.services.hours_projection import decided_hours as _decided
from bpa_provider.services.hours_projection import project as _project
from bpa_provider.services.hours_projection import served as _served
from bpa_provider.services.hours_projection import thresholds as _thresholds
from bpa_provider.services.hours_projection import year_bounds as _year_bounds
from bpa_provider.services.hours_projection import year_windows as _year_windows
from bpa_provider.services.worked import counted_as_worked

# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class HoursRow:
    """One client's hours in a month, and the year-end flag."""

    client_id: int
    client: str  # the client's ref
    name: str
    municipality: str
    decided_hours: float
    planned_hours: float
    worked_hours: float
    balance: float  # decided - worked, this month
    year_decided: float | None  # decided hours of the year plus balance adjustments
    year_projected: float | None  # projected use of the year
    usage_pct: float | None  # year_projected / year_decided x 100 (None without decided hours)
    flag: str  # ok, warn, alert, under ("" when the report was asked without the outlook)
    # The day the projection is made as of: the last day of the month, or today when that is
    # earlier (None without the outlook). Shifts after it count as planned, not used.
    projected_as_of: date | None = None
    # The month's planned hours split: covered (a shift someone is to work) and uncovered (vacant
    # shifts, docs/absence.md); covered + uncovered = planned.
    covered_hours: float = 0.0
    uncovered_hours: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- SQL

_Window = Window
_Sums = Sums
_window_sums = window_sums
_worked_condition = counted_as_worked


def worked_hours_in(
    session: Session,
    client_id: int,
    tz: str,
    first: date,
    last_exclusive: date,
    now: datetime,
    *,
    whole_shifts_started_before_end: bool = False,
) -> float:
    """Worked hours of one client on the local days `[first, last_exclusive)` in zone `tz`: the
    same sum as the reports (other services, e.g. the handover balance, ask here rather than
    counting shifts a second way). With `whole_shifts_started_before_end`, a shift that starts
    before `last_exclusive` counts whole — the hours after that midnight too (a night shift across
    a provider switch is the old provider's)."""
    if last_exclusive <= first:
        return 0.0
    sums = _window_sums(session, [_Window("w", first, last_exclusive)], [tz], now, [client_id]).get(client_id)
    worked = sums.worked["w"] if sums else 0.0
    if whole_shifts_started_before_end:
        edge = local_day_start_utc(last_exclusive, tz)
        for _start, end in session.execute(
            select(Shift.start_utc, Shift.end_utc).where(
                Shift.client_id == client_id,
                Shift.start_utc < edge,
                Shift.end_utc > edge,
                Shift.start_utc >= edge - MAX_SHIFT,
                _worked_condition(now),
            )
        ).all():
            worked += (end - edge).total_seconds() / 3600.0
    return worked


def _ids(binds: list[Any], test: str, column: str, client_ids: Iterable[int] | None) -> str:
    """`test` (" AND ", " WHERE ") and `column IN (…)` for a written-out statement when
    `client_ids` is given (its bound list appended to `binds`), else nothing."""
    if client_ids is None:
        return ""
    binds.append(bindparam("ids", sorted(set(client_ids)), expanding=True))
    return f"{test}{column} IN :ids"


def _period_binds(first: date, last_exclusive: date) -> list[Any]:
    return [bindparam("first", first, type_=Date), bindparam("next", last_exclusive, type_=Date)]


# The month report's reads of decisions, adjustments and clients are written out (`text`), the
# columns typed as the models type them: a CLI run starts with an empty statement cache, and
# building and compiling these constructs cost ~0.5 ms each of `report hours`' own work (issue 19).


def _entry_sums(
    session: Session, first: date, last_exclusive: date, client_ids: Iterable[int] | None
) -> dict[int, float]:
    binds = _period_binds(first, last_exclusive)
    only = _ids(binds, " AND ", "client_id", client_ids)
    q = (
        text(
            "SELECT client_id, sum(hours) AS total FROM hour_balance_entry "
            f"WHERE entry_date >= :first AND entry_date < :next{only} GROUP BY client_id"
        )
        .bindparams(*binds)
        .columns(column("client_id", Integer), column("total", Float))
    )
    return {cid: float(total or 0.0) for cid, total in core_rows.rows(session, q)}


def _decisions(
    session: Session, first: date, last_exclusive: date, client_ids: Iterable[int] | None
) -> dict[int, list[Any]]:
    """Per client, the decisions overlapping the period, oldest first: rows with the attributes
    `_served` reads (not ORM objects: a large provider's year has ~6,000 decisions, and building
    them as entities was a tenth of the month report's time)."""
    binds = _period_binds(first, last_exclusive)
    only = _ids(binds, " AND ", "client_id", client_ids)
    q = (
        text(
            "SELECT client_id, hours, hours_unit, valid_from, valid_to FROM decision "
            f"WHERE valid_from < :next AND (valid_to IS NULL OR valid_to >= :first){only} "
            "ORDER BY client_id, valid_from"
        )
        .bindparams(*binds)
        .columns(
            column("client_id", Integer),
            column("hours", Float),
            column("hours_unit", String),
            column("valid_from", Date),
            column("valid_to", Date),
        )
    )
    out: dict[int, list[Any]] = {}
    for d in core_rows.rows(session, q):
        out.setdefault(d.client_id, []).append(d)
    return out


def _clients(session: Session, scope: Iterable[int] | None) -> list[Any]:
    """The clients (in `scope` when given) by ref: id, ref, name, start and end date, and their
    municipality's name and time zone."""
    binds: list[Any] = []
    only = _ids(binds, " WHERE ", "client.id", scope)
    q = (
        text(
            "SELECT client.id, client.ref, client.name, client.start_date, client.end_date, "
            "municipality.name AS municipality, municipality.timezone FROM client "
            f"JOIN municipality ON municipality.id = client.municipality_id{only} "
            "ORDER BY client.ref"
        )
        .bindparams(*binds)
        .columns(
            column("id", Integer),
            column("ref", String),
            column("name", String),
            column("start_date", Date),
            column("end_date", Date),
            column("municipality", String),
            column("timezone", String),
        )
    )
    return list(core_rows.rows(session, q).all())


# --------------------------------------------------------------------------- services


def _zones(session: Session) -> list[str]:
    return [z for z in session.execute(select(Municipality.timezone).distinct()).scalars()]


def _check_month(year: int, month: int) -> None:
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise ValidationError(N_("{month} is not a month: use YYYY-MM"), field="month", month=f"{year:04d}-{month:02d}")


@service
def hours_report(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    *,
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
    outlook: bool = True,
) -> list[HoursRow]:
    """Decided, planned (covered and uncovered) and worked hours of every client in scope for a
    month, with the year flag.

    Clients are listed when they were clients during the month, or had a decision or shifts in
    it; a supervisor sees only their own clients. Ordered by client ref. `outlook=False` leaves
    out the year-end projection (its columns empty), which reads the whole year's shifts: the
    month's numbers alone read only the month.
    """
    require(actor, "hours.read", what="see hour accounts")
    return _report_rows(db, actor, year, month, today, now, policy, outlook)


def _report_rows(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    today: date | None,
    now: datetime | None,
    policy: Policy | None,
    outlook: bool = True,
    only: Iterable[int] | None = None,
) -> list[HoursRow]:
    """`hours_report`'s rows; with `only`, of those of the actor's clients only (the dashboard's
    stored outlook recomputes the few clients whose inputs changed, services/hour_outlook.py)."""
    _check_month(year, month)
    now = now or utcnow()
    today = today or date.today()
    m_first, m_next = rules.month_bounds(year, month)
    as_of = min(today, m_next - timedelta(days=1))
    scope = sorted(actor.client_scope or ()) if actor.is_scoped else None
    if only is not None:
        scope = sorted(set(only) if scope is None else set(only) & set(scope))
    thresholds = _thresholds(policy)
    with db.read() as s:
        clients = _clients(s, scope)
        zones = {c[6] for c in clients}
        month_window = _Window("month", m_first, m_next)
        y_first, y_next = _year_bounds(year)
        if outlook:
            decisions = _decisions(s, y_first, y_next, scope)
            entries = _entry_sums(s, y_first, y_next, scope)
            # Closed months come from the hour ledger, the rest of the year from raw shifts.
            cut = _year_windows(year, as_of)[0].last_exclusive
            sums = hour_ledger.outlook_sums(s, month_window, year, cut, {c[0]: c[6] for c in clients}, now, scope)
        else:
            decisions, entries = _decisions(s, m_first, m_next, scope), {}
            sums = _window_sums(s, [month_window], zones, now, scope)
    rows: list[HoursRow] = []
    for cid, ref, name, start, end, muni, tz in clients:
        mine = _served(decisions.get(cid, []), start, end)
        decided = _decided(mine, m_first, m_next)
        got = sums.get(cid)
        planned = got.planned["month"] if got else 0.0
        worked = got.worked["month"] if got else 0.0
        uncovered = got.vacant["month"] if got and got.vacant else 0.0
        was_client = (start is None or start < m_next) and (end is None or end >= m_first)
        if not (was_client or decided > 0 or planned > 0):
            continue
        proj = _project(year, as_of, mine, entries.get(cid, 0.0), got, tz, thresholds) if outlook else None
        rows.append(
            HoursRow(
                client_id=cid,
                client=ref,
                name=name,
                municipality=muni,
                decided_hours=round(decided, 2),
                planned_hours=round(planned, 2),
                worked_hours=round(worked, 2),
                balance=round(decided - worked, 2),
                year_decided=round(proj.decided, 2) if proj else None,
                year_projected=round(proj.projected_used, 2) if proj else None,
                usage_pct=round(proj.ratio * 100, 1) if proj and proj.decided > 0 else None,
                flag=proj.flag if proj else "",
                projected_as_of=as_of if proj else None,
                covered_hours=round(planned - uncovered, 2),
                uncovered_hours=round(uncovered, 2),
            )
        )
    return rows


@service
def usage_flags(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    *,
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> list[HoursRow]:
    """The clients of `hours_report` whose year-end flag is not ok (warn, alert or under)."""
    require(actor, "hours.read", what="see hour accounts")
    return [r for r in _report_rows(db, actor, year, month, today, now, policy) if r.flag != "ok"]
