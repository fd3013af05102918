"""The transfer services' input checks are pure (no database) and are what the services refuse
with: a form that calls them (screens/transfer_forms.py) says what the service would say."""

from __future__ import annotations

from datetime import date

import pytest

from bpa_provider import i18n
from bpa_provider.errors import ValidationError
from bpa_provider.services import transfer_checks as checks
from bpa_provider.services import transfers as tr

TODAY = date(2026, 3, 2)


def _shown(errors):
    return [(e.field, e.localized()) for e in errors]


def test_opening_is_checked_without_a_database():
    name, notice, agreed, errors = checks.check_open("sideways", "  Aleris  ", "02.03.2026", "01.03.2026")
    assert (name, notice, agreed) == ("Aleris", date(2026, 3, 2), date(2026, 3, 1))
    assert [e.field for e in errors] == ["direction", "agreed_date"]
    _n, _d, _a, errors = checks.check_open("out", "x" * 201, "31.02.2026", "")
    assert [e.field for e in errors] == ["counterpart", "notice_date"]
    assert errors[0].localized() == "Other provider is too long (201 characters, at most 200)"


def test_a_step_after_today_and_a_short_deadline_are_refused():
    day, note, errors = checks.check_step("03.03.2026", "  sent  ", TODAY)
    assert (day, note) == (date(2026, 3, 3), "sent")
    assert _shown(errors) == [("on", "cannot be after today (02.03.2026): record a step when it is done")]
    _i, _u, errors = checks.check_inform("02.03.2026", "15.03.2026", 14)
    assert [e.field for e in errors] == ["deadline"]
    assert checks.earliest_deadline(TODAY, 14) == date(2026, 3, 16)
    assert checks.check_inform("02.03.2026", "16.03.2026", 14)[-1] == []


def test_consent_and_cancel():
    assert checks.check_consent("", True, TODAY) == (None, [])
    assert [e.field for e in checks.check_consent("", False, TODAY)[1]] == ["on"]
    reason, day, errors = checks.check_cancel("", None, TODAY)
    assert (reason, day, [e.field for e in errors]) == ("", TODAY, ["reason"])
    assert checks.day_or_none("not a date") is None
    assert checks.day_or_none("16.03.2026") == date(2026, 3, 16)


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_the_service_refuses_with_the_checks_own_problems(db, admin, lang):
    """A transfer that does not exist is never reached: the input is refused first, with exactly
    the problems the pure check gives (so a form showing them shows the service's words)."""
    i18n.set_language(lang)
    try:
        with pytest.raises(ValidationError) as exc:
            tr.complete_step(db, admin, 999, "client_signed", "05.03.2026", "\x1b[2J", today=TODAY)
        expected = checks.check_step("05.03.2026", "\x1b[2J", TODAY)[-1]
        assert len(expected) == 2
        assert exc.value.errors == expected
        assert [e.localized() for e in exc.value.errors] == [e.localized() for e in expected]
    finally:
        i18n.set_language("en")
