"""Refusals of an approval name shifts by when they start (in the person's language), never by
their database id."""

from __future__ import annotations

from datetime import date

import pytest
from roster_world import utc

from bpa_provider import i18n
from bpa_provider.errors import ValidationError
from bpa_provider.services import periods, roster

WEEK = (date(2026, 3, 2), date(2026, 3, 9))


def test_unfinished_and_deviating_shifts_are_named_by_day_and_time(world, coordinator):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    one = roster.create_shift(db, admin, c.id, a.id, "2026-03-02T08:00", "16:00").shift
    roster.create_shift(db, admin, c.id, a.id, "2026-03-04T08:00", "16:00")
    roster.update_shift(db, admin, one.id, None, end="17:00")  # a deviation waits
    with pytest.raises(ValidationError) as exc:
        periods.approve_period(db, coordinator, c.id, *WEEK, now=utc(2026, 3, 4, 12))
    err = exc.value
    assert "the first starts 04.03.2026 08:00" in err.for_field("period")
    assert "the shifts starting 02.03.2026 08:00" in err.for_field("deviations")
    assert "#" not in err.message and f" {one.id}" not in err.for_field("deviations")
    try:
        i18n.set_language("sv")
        assert "det första börjar 2026-03-04 08:00" in err.localized()
    finally:
        i18n.set_language("en")
