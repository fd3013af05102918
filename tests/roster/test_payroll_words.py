"""Payroll refusals in the reader's language, naming shifts by client, day and time (issues 14, 16)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from roster_world import may_dataset

from bpa_provider.i18n import current_language, set_language
from bpa_provider.services import payroll, worktime
from bpa_provider.services.roster import create_shift


@pytest.fixture
def norwegian():
    before = current_language()
    set_language("nb")
    yield
    set_language(before)


def test_blockers_are_english_ids_shown_in_norwegian(world, coordinator, norwegian):
    may_dataset(world)
    found = payroll.payroll_check(world.db, coordinator, 2026, 5)
    unapproved = next(b for b in found if b.kind == "unapproved")
    assert "not approved" in unapproved.detail  # English for the log and the tests
    assert "not approved" not in unapproved.text() and unapproved.text() != unapproved.detail
    with pytest.raises(payroll.PayrollBlocked) as exc:
        payroll.export_payroll(world.db, coordinator, 2026, 5)
    assert "not approved" in exc.value.message
    assert "not approved" not in exc.value.localized()


def test_a_shift_not_yet_worked_is_named_by_day_and_time_not_id(world, coordinator):
    day = date.today() + timedelta(days=40)  # a month to come: nothing in it is worked yet
    sh = create_shift(
        world.db, world.admin, world.client.id, world.regular.id, f"{day.isoformat()}T10:00", "14:00"
    ).shift
    found = [b for b in payroll.payroll_check(world.db, coordinator, day.year, day.month) if b.kind == "not_worked"]
    assert found and f"#{sh.id}" not in found[0].detail
    assert f"{world.client.ref} {day:%d.%m} 10:00–14:00" in found[0].detail


def test_acknowledging_a_rule_that_does_not_apply_names_the_shift(world, coordinator):
    sh = create_shift(world.db, world.admin, world.client.id, world.regular.id, "2026-03-02T08:00", "12:00").shift
    with pytest.raises(worktime.ValidationError) as exc:
        worktime.acknowledge_warning(world.db, coordinator, sh.id, "NO-REST-DAILY", "ok")
    assert "02.03 08:00–12:00" in exc.value.message and f"shift {sh.id}" not in exc.value.message


def test_a_period_in_a_refusal_is_dated_the_readers_way(world, coordinator):
    from bpa_provider.services import periods

    with pytest.raises(periods.ValidationError) as exc:
        periods.reopen_period(world.db, world.admin, world.client.id, date(2026, 5, 1), date(2026, 6, 1), "typo")
    assert "01.05.2026–31.05.2026" in exc.value.message
    before = current_language()
    try:
        set_language("sv")
        assert "2026-05-01–2026-05-31" in exc.value.localized()
    finally:
        set_language(before)
