"""A client's hour account on a day (`client_account`): week, month, year to date and the decision
in force, each decided vs planned vs worked, the balance adjustments and the year-end outlook.

What counts, and how, is described in services/hours.py; the account is kept apart from the month
report so `report hours` does not build the account's types on its way (issue 19: a CLI run pays
its modules' import in its own work). `services.hours` still gives these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, Decision, HourBalanceEntry, Municipality
from bpa_provider.db.types import utcnow
from bpa_provider.errors import NotFound
from bpa_provider.i18n import N_
from bpa_provider.rules import hours as rules
from bpa_provider.services.base import require, service
from bpa_provider.services.hour_sums import Sums as _Sums
from bpa_provider.services.hour_sums import Window as _Window
from bpa_provider.services.hour_sums import window_sums as _window_sums
from bpa_provider.services.hours_projection import Grant as _Grant
from bpa_provider.services.hours_projection import decided_hours as _decided
from bpa_provider.services.hours_projection import project as _project
from bpa_provider.services.hours_projection import served as _served
from bpa_provider.services.hours_projection import thresholds as _thresholds
from bpa_provider.services.hours_projection import year_bounds as _year_bounds
from bpa_provider.services.hours_projection import year_windows as _year_windows


@dataclass(frozen=True)
class PeriodHours:
    """Decided, planned and worked hours of one client over one period."""

    name: str  # week, month, year_to_date, decision
    first: date
    last: date  # inclusive
    decided: float
    planned: float
    worked: float
    adjustments: float  # HourBalanceEntry hours dated in the period
    balance: float  # decided + adjustments - worked


@dataclass(frozen=True)
class BalanceEntry:
    """One adjustment of the hour account (e.g. the opening balance from a handover)."""

    entry_date: date
    hours: float
    source: str
    note: str


@dataclass(frozen=True)
class HourAccount:
    """A client's hour account on a day: the periods, the adjustments and the year-end outlook."""

    client_id: int
    client: str
    name: str
    today: date
    week: PeriodHours
    month: PeriodHours
    year_to_date: PeriodHours
    decision: PeriodHours | None  # the decision in force today, over its whole period
    entries: list[BalanceEntry]
    opening_balance: float  # sum of all entries
    balance: float  # the running balance: year to date
    projection: rules.Projection
    flag: str

    @property
    def periods(self) -> list[PeriodHours]:
        return [p for p in (self.week, self.month, self.year_to_date, self.decision) if p is not None]


def _period(name: str, w: _Window, decisions: list[_Grant], sums: _Sums | None, adjustments: float) -> PeriodHours:
    decided = _decided(decisions, w.first, w.last_exclusive)
    planned = sums.planned[name] if sums else 0.0
    worked = sums.worked[name] if sums else 0.0
    return PeriodHours(
        name=name,
        first=w.first,
        last=w.last_exclusive - timedelta(days=1),
        decided=round(decided, 2),
        planned=round(planned, 2),
        worked=round(worked, 2),
        adjustments=round(adjustments, 2),
        balance=round(decided + adjustments - worked, 2),
    )


@service
def client_account(
    db: Database,
    actor: Actor,
    client_id: int,
    today: date | None = None,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> HourAccount:
    """One client's hour account on `today`: week, month, year to date and the decision in force,
    each decided vs planned vs worked, the balance adjustments, and the year-end projection."""
    require(actor, "hours.read", client_id=client_id, what="see hour accounts")
    today = today or date.today()
    now = now or utcnow()
    thresholds = _thresholds(policy)
    with db.read() as s:
        row = s.execute(
            select(Client.ref, Client.name, Municipality.timezone, Client.start_date, Client.end_date)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Client.id == client_id)
        ).first()
        if row is None:
            raise NotFound(N_("Client {id} does not exist"), id=client_id)
        ref, name, tz, served_from, served_to = row
        decisions = _served(
            list(
                s.execute(
                    select(Decision).where(Decision.client_id == client_id).order_by(Decision.valid_from)
                ).scalars()
            ),
            served_from,
            served_to,
        )
        entries = [
            BalanceEntry(e.entry_date, e.hours, e.source, e.note)
            for e in s.execute(
                select(HourBalanceEntry)
                .where(HourBalanceEntry.client_id == client_id)
                .order_by(HourBalanceEntry.entry_date, HourBalanceEntry.id)
            ).scalars()
        ]
        current = next(
            (d for d in decisions if d.valid_from <= today and (d.valid_to is None or d.valid_to >= today)),
            None,
        )
        y_first, y_next = _year_bounds(today.year)
        week = _Window("week", *rules.week_bounds(today))
        month = _Window("month", *rules.month_bounds(today.year, today.month))
        ytd = _Window("year_to_date", y_first, today + timedelta(days=1))
        windows = [week, month, ytd, *_year_windows(today.year, today)]
        if current is not None:
            # An open-ended decision is accounted to the end of the current year.
            d_next = current.valid_to + timedelta(days=1) if current.valid_to else y_next
            windows.append(_Window("decision", current.valid_from, d_next))
        sums = _window_sums(s, windows, [tz], now, [client_id]).get(client_id)

    def adj(w: _Window) -> float:
        return sum(e.hours for e in entries if w.first <= e.entry_date < w.last_exclusive)

    periods = {w.name: _period(w.name, w, decisions, sums, adj(w)) for w in windows if w.name not in ("ytd", "year")}
    year_adj = sum(e.hours for e in entries if e.entry_date.year == today.year)
    year_decisions = [d for d in decisions if d.valid_from < y_next and (d.valid_to is None or d.valid_to >= y_first)]
    proj = _project(today.year, today, year_decisions, year_adj, sums, tz, thresholds)
    return HourAccount(
        client_id=client_id,
        client=ref,
        name=name,
        today=today,
        week=periods["week"],
        month=periods["month"],
        year_to_date=periods["year_to_date"],
        decision=periods.get("decision"),
        entries=entries,
        opening_balance=round(sum(e.hours for e in entries), 2),
        balance=periods["year_to_date"].balance,
        projection=proj,
        flag=proj.flag,
    )
