"""Hour accounting on a fixed dataset, on SQLite and PostgreSQL: the SQL sums agree with the pure
rules (DST nights, a month-crossing night split at local midnight), cancelled shifts never count,
a planned shift that has ended counts as worked, scoping and flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.models import HourBalanceEntry, Shift, Supervision, Supervisor
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.rules.hours import decided_hours, hours_in_range, month_bounds
from bpa_provider.services import hour_account, hours, records

OSLO, STHLM = "Europe/Oslo", "Europe/Stockholm"
NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)
TODAY = date(2026, 4, 15)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# (client, tz, start, end, status, deviation) — the whole fixed dataset.
SHIFTS = [
    ("K-0001", OSLO, (2026, 3, 28, 22), (2026, 3, 29, 8), "worked", "none"),  # spring DST: 9 h
    ("K-0001", OSLO, (2026, 3, 31, 22), (2026, 4, 1, 8), "approved", "none"),  # 2 h March, 8 h April
    ("K-0001", OSLO, (2026, 3, 10, 8), (2026, 3, 10, 16), "cancelled", "none"),  # never counts
    ("K-0001", OSLO, (2026, 3, 11, 8), (2026, 3, 11, 16), "planned", "none"),  # ended: counts as worked
    ("K-0001", OSLO, (2026, 3, 12, 8), (2026, 3, 12, 16), "planned", "pending"),  # deviation pending
    ("K-0001", OSLO, (2026, 4, 20, 8), (2026, 4, 20, 12), "planned", "none"),  # future: planned only
    ("K-0001", OSLO, (2026, 10, 24, 22), (2026, 10, 25, 8), "planned", "none"),  # autumn DST: 11 h
    ("K-0002", STHLM, (2026, 3, 31, 23), (2026, 4, 1, 1), "worked", "none"),  # 1 h + 1 h
    ("K-0002", STHLM, (2026, 4, 20, 8), (2026, 4, 20, 18), "planned", "none"),
]


@pytest.fixture
def dataset(db, admin):
    f.municipality(db, admin, "Hamar")
    f.municipality(db, admin, "Bjuv", country="se")
    f.client(db, admin, "Hamar", name="Kari Nordmann")
    f.client(db, admin, "Bjuv", name="Sven Svensson")
    f.decision(db, admin, "K-0001", 37.5, valid_from="2026-01-01", valid_to="2026-12-31")
    f.decision(db, admin, "K-0002", 1, valid_from="2026-04-01", valid_to="2026-04-30")
    a = f.assistant(db, admin)
    with db.write() as s:
        ids = {"K-0001": 1, "K-0002": 2}
        for ref, tz, start, end, status, deviation in SHIFTS:
            s.add(
                Shift(
                    client_id=ids[ref],
                    assistant_id=a.id,
                    start_utc=local(tz, *start),
                    end_utc=local(tz, *end),
                    status=status,
                    deviation_status=deviation,
                )
            )
        s.add(HourBalanceEntry(client_id=1, entry_date=date(2026, 1, 1), hours=10.0, source="handover"))
    return db


def _by_ref(rows):
    return {r.client: r for r in rows}


def _expected(ref: str, year: int, month: int, now: datetime, worked_only: bool) -> float:
    """The same sums by the pure rules, shift by shift."""
    first, nxt = month_bounds(year, month)
    total = 0.0
    for client, tz, start, end, status, deviation in SHIFTS:
        if client != ref or status == "cancelled":
            continue
        s, e = local(tz, *start), local(tz, *end)
        counts = status in ("worked", "approved") or (status == "planned" and e <= now and deviation != "pending")
        if worked_only and not counts:
            continue
        total += hours_in_range(s, e, tz, first, nxt)
    return total


def test_march_sums_dst_night_split_cancelled_and_planned_past(dataset, admin):
    rows = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW))
    k1 = rows["K-0001"]
    # 9 (DST night) + 2 (March part of the crossing night) + 8 (planned, ended) = 19
    assert k1.worked_hours == pytest.approx(19.0)
    assert k1.planned_hours == pytest.approx(27.0)  # + the shift with a pending deviation
    assert k1.decided_hours == pytest.approx(37.5 * 31 / 7, abs=0.01)
    assert k1.balance == pytest.approx(k1.decided_hours - 19.0, abs=0.01)
    assert k1.worked_hours == pytest.approx(_expected("K-0001", 2026, 3, NOW, True))
    assert k1.planned_hours == pytest.approx(_expected("K-0001", 2026, 3, NOW, False))
    # Stockholm time: the night is split at Stockholm's midnight, not Oslo's or UTC's.
    assert rows["K-0002"].worked_hours == pytest.approx(1.0)
    assert rows["K-0002"].decided_hours == 0.0


def test_april_gets_the_rest_of_the_crossing_night_and_future_is_planned_only(dataset, admin):
    rows = _by_ref(hours.hours_report(dataset, admin, 2026, 4, today=TODAY, now=NOW))
    assert rows["K-0001"].worked_hours == pytest.approx(8.0)
    assert rows["K-0001"].planned_hours == pytest.approx(12.0)
    assert rows["K-0002"].worked_hours == pytest.approx(1.0)
    assert rows["K-0002"].planned_hours == pytest.approx(11.0)
    assert rows["K-0002"].decided_hours == pytest.approx(30 / 7, abs=0.01)


def test_autumn_dst_night_is_eleven_hours_once_ended(dataset, admin):
    before = _by_ref(hours.hours_report(dataset, admin, 2026, 10, today=TODAY, now=NOW))["K-0001"]
    assert (before.planned_hours, before.worked_hours) == (pytest.approx(11.0), 0.0)
    later = datetime(2026, 11, 1, tzinfo=UTC)
    after = _by_ref(hours.hours_report(dataset, admin, 2026, 10, today=date(2026, 11, 1), now=later))["K-0001"]
    assert after.worked_hours == pytest.approx(11.0)


def test_flags_follow_the_year_projection_and_policy(dataset, admin):
    rows = _by_ref(hours.hours_report(dataset, admin, 2026, 4, today=TODAY, now=NOW))
    # K-0002: 1 h/week for April only, 12 h used and planned: far over the decision.
    assert rows["K-0002"].flag == "alert"
    # K-0001: 27 h used of a 37.5 h/week year after 15 weeks: under-use.
    assert rows["K-0001"].flag == "under"
    assert rows["K-0001"].year_decided == pytest.approx(37.5 * 365 / 7 + 10, abs=0.01)  # + opening balance
    flagged = hours.usage_flags(dataset, admin, 2026, 4, today=TODAY, now=NOW)
    assert {r.client for r in flagged} == {"K-0001", "K-0002"}
    lenient = replace(Policy(), usage_under=0.0)
    flagged = hours.usage_flags(dataset, admin, 2026, 4, today=TODAY, now=NOW, policy=lenient)
    assert [r.client for r in flagged] == ["K-0002"]


def test_client_account_periods_balance_and_entries(dataset, admin):
    acc = hour_account.client_account(dataset, admin, 1, TODAY, now=NOW)
    assert (acc.week.first, acc.week.last) == (date(2026, 4, 13), date(2026, 4, 19))
    assert acc.week.planned == 0.0
    assert (acc.month.planned, acc.month.worked) == (pytest.approx(12.0), pytest.approx(8.0))
    assert acc.year_to_date.worked == pytest.approx(27.0)
    decided_ytd = decided_hours(37.5, "week", date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), date(2026, 4, 16))
    assert acc.year_to_date.decided == pytest.approx(decided_ytd, abs=0.01)
    assert acc.year_to_date.adjustments == 10.0
    assert acc.balance == pytest.approx(decided_ytd + 10 - 27, abs=0.01)
    assert acc.decision is not None and acc.decision.decided == pytest.approx(37.5 * 365 / 7, abs=0.01)
    assert acc.decision.planned == pytest.approx(27 + 12 + 11)  # every non-cancelled shift of 2026
    assert [e.source for e in acc.entries] == ["handover"] and acc.opening_balance == 10.0
    assert acc.flag == acc.projection.flag == "under"


def test_supervisor_sees_only_own_clients(dataset, admin):
    with dataset.write() as s:
        sup = Supervisor(ref="S-0001", name="Kari Nordmann")
        s.add(sup)
        s.flush()
        s.add(Supervision(supervisor_id=sup.id, client_id=1, since=date(2026, 1, 1)))
        sup_id = sup.id
    me = Actor(login="kari", role="supervisor", supervisor_id=sup_id)
    rows = hours.hours_report(dataset, me, 2026, 3, today=TODAY, now=NOW)
    assert [r.client for r in rows] == ["K-0001"]
    with pytest.raises(PermissionDenied):
        hour_account.client_account(dataset, me, 2, TODAY, now=NOW)


def test_bad_month_is_a_validation_error(dataset, admin):
    with pytest.raises(ValidationError):
        hours.hours_report(dataset, admin, 2026, 13)


def test_client_without_anything_in_the_month_is_left_out(dataset, admin):
    records.update(dataset, admin, "client", 2, None, {"start_date": "2026-04-01"})
    rows = _by_ref(hours.hours_report(dataset, admin, 2026, 1, today=TODAY, now=NOW))
    assert set(rows) == {"K-0001"}


def test_zones_with_other_offsets_are_split_at_their_own_midnight(dataset, admin):
    # Oslo and Stockholm share offsets; a zone that does not makes the query pick bounds per zone.
    f.municipality(dataset, admin, "Testby", timezone="Europe/London")
    c = f.client(dataset, admin, "Testby", name="Ola London")
    with dataset.write() as s:
        s.add(
            Shift(
                client_id=c.id,
                assistant_id=1,
                status="worked",
                start_utc=local("Europe/London", 2026, 3, 31, 22),
                end_utc=local("Europe/London", 2026, 4, 1, 8),
            )
        )
    march = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW))
    april = _by_ref(hours.hours_report(dataset, admin, 2026, 4, today=TODAY, now=NOW))
    assert (march[c.ref].worked_hours, april[c.ref].worked_hours) == (2.0, 8.0)
    assert (march["K-0001"].worked_hours, april["K-0001"].worked_hours) == (19.0, 8.0)
    assert march["K-0002"].worked_hours == 1.0


def test_month_numbers_without_the_outlook_are_the_same(dataset, admin):
    full = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW))
    plain = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW, outlook=False))
    for ref in full:
        assert (plain[ref].decided_hours, plain[ref].planned_hours, plain[ref].worked_hours) == (
            full[ref].decided_hours,
            full[ref].planned_hours,
            full[ref].worked_hours,
        )
        assert (plain[ref].flag, plain[ref].year_projected, plain[ref].usage_pct) == ("", None, None)


def test_the_projection_says_which_day_it_is_made_as_of(dataset, admin):
    # The end of the reported month, or today when that is earlier; nothing without the outlook.
    march = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW))
    april = _by_ref(hours.hours_report(dataset, admin, 2026, 4, today=TODAY, now=NOW))
    plain = _by_ref(hours.hours_report(dataset, admin, 2026, 3, today=TODAY, now=NOW, outlook=False))
    assert march["K-0001"].projected_as_of == date(2026, 3, 31)
    assert april["K-0001"].projected_as_of == TODAY
    assert plain["K-0001"].projected_as_of is None


def test_decided_hours_count_from_the_client_start_with_us(db, admin):
    """A client taken over mid-month brings the earlier days as an opening balance, so the
    decision's hours before the client's start date must not count again."""
    from bpa_provider.services import hours

    f.municipality(db, admin)
    c = f.client(db, admin, start_date="2026-03-16")
    f.decision(db, admin, c.ref, hours=35, valid_from="2026-01-01")
    (row,) = hours.hours_report(db, admin, 2026, 3, today=date(2026, 3, 31), outlook=False)
    assert row.decided_hours == pytest.approx(35 * 16 / 7)
