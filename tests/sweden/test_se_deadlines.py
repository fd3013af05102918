"""Försäkringskassan deadlines at month and year ends: the rules, and the dashboard list."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.rules.calendar import fk_provider_change_deadline, fk_time_report_deadline
from bpa_provider.services import sweden


@pytest.mark.parametrize(
    "year, month, due",
    [
        (2026, 11, date(2027, 1, 5)),
        (2026, 12, date(2027, 2, 5)),
        (2027, 1, date(2027, 3, 5)),
        (2028, 2, date(2028, 4, 5)),
    ],
)
def test_time_report_due_the_5th_of_the_second_month_after(year, month, due):
    assert fk_time_report_deadline(year, month) == due


@pytest.mark.parametrize(
    "change, due",
    [
        (date(2027, 1, 1), date(2026, 12, 15)),
        (date(2027, 1, 31), date(2026, 12, 15)),
        (date(2027, 3, 1), date(2027, 2, 15)),
        (date(2026, 12, 31), date(2026, 11, 15)),
    ],
)
def test_provider_change_due_the_15th_of_the_month_before(change, due):
    assert fk_provider_change_deadline(change) == due


def test_dashboard_deadlines_across_the_year_end(db, admin):
    f.municipality(db, admin, "Bjuv", country="se")
    f.municipality(db, admin, "Hamar")
    c = f.client(db, admin, "Bjuv", name="Sara")
    f.decision(db, admin, c.ref, hours=200, hours_unit="month", issuer="fk", valid_from="2026-01-01")
    n = f.client(db, admin, "Hamar", name="Kari")
    f.decision(db, admin, n.ref, hours=20, valid_from="2026-01-01")

    def due(today: date) -> list[tuple]:
        return [(d.client_ref, d.month, d.deadline, d.days_left) for d in sweden.fk_deadlines(db, admin, today)]

    assert due(date(2026, 12, 28)) == [(c.ref, "2026-11", date(2027, 1, 5), 8)]
    assert due(date(2027, 1, 5)) == [(c.ref, "2026-11", date(2027, 1, 5), 0)]
    assert due(date(2027, 1, 6)) == []  # November passed, December is 30 days away
    assert due(date(2027, 1, 25)) == [(c.ref, "2026-12", date(2027, 2, 5), 11)]
    # A supervisor sees only the clients they supervise.
    other = Actor("sup", "supervisor", client_scope=frozenset({n.id}))
    assert sweden.fk_deadlines(db, other, date(2026, 12, 28)) == []
