"""The state's hourly rate is read by the one money rule (services/validation.money_value) and
refused in the rate form's own words: finer than öre, or not a number in (0, 10000]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bpa_provider.errors import ValidationError
from bpa_provider.services import sweden


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("332.605", "at most two decimals (öre)"),
        ("332,605", "at most two decimals (öre)"),
        (-1.555, "above 0 and at most 10000"),
        ("0", "above 0 and at most 10000"),
        ("10000.01", "above 0 and at most 10000"),
        ("1e999999", "above 0 and at most 10000"),
        ("inf", "above 0 and at most 10000"),
    ],
)
def test_a_rate_is_refused_in_the_forms_words(db, admin, raw, words):
    with pytest.raises(ValidationError) as exc:
        sweden.add_state_rate(db, admin, date(2025, 1, 1), raw)
    assert words in exc.value.for_field("rate")


def test_a_rate_with_a_decimal_comma_is_stored_exact(db, admin):
    row = sweden.add_state_rate(db, admin, date(2025, 1, 1), "340,5")
    assert row.rate == Decimal("340.50")
