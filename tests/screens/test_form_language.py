"""Field errors in the person's language, from the message id a rule or service raised (no reverse
translation of English): as typed (records.check_field) and as refused by the service on save."""

from __future__ import annotations

from datetime import date

import fixed_data
import pytest
from pilot_steps import settle
from textual.widgets import Input, Static

from bpa_provider import i18n
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import parse_date
from bpa_provider.screens.forms import RecordForm
from bpa_provider.screens.ui import field_message, hours, period, text
from bpa_provider.services import records


def error_under(form: RecordForm, name: str) -> str:
    row = form.row(name)
    assert row is not None, name
    return str(row.query_one(".error", Static).render())


async def test_a_form_field_error_in_norwegian(make_app, fixed_db):
    app = make_app(lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_form("client")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        good = fixed_data.fnr(date(1985, 3, 14))
        typo = good[:-1] + str((int(good[-1]) + 1) % 10)
        form.row("national_id").query_one(Input).focus()
        await pilot.press(*typo)
        await pilot.pause()
        assert error_under(form, "national_id") == "Fødselsnummer: kontrollsifrene stemmer ikke (feiltastet siffer?)"

        # What the service refuses on save lands under the field, in Norwegian, label first.
        with pytest.raises(ValidationError) as refused:
            records.create(
                fixed_db,
                fixed_data.BUILDER,
                "client",
                {"name": "", "municipality_id": "Atlantis", "start_date": "31.02.2026"},
            )
        for problem in refused.value.errors:
            form.show_problem(problem)
        await pilot.pause()
        assert error_under(form, "name") == "Navn må fylles ut"
        assert error_under(form, "municipality_id") == "«Atlantis» er ikke en kjent kommune"
        assert error_under(form, "start_date") == "«31.02.2026» er ikke en gyldig dato"


@pytest.mark.parametrize(
    "lang, required, check_digits, minimum",
    [
        (
            "en",
            "Name is required",
            "National ID: the check digits do not match (mistyped digit?)",
            "Hours must be at least 0.25",
        ),
        (
            "nb",
            "Navn må fylles ut",
            "Fødselsnummer: kontrollsifrene stemmer ikke (feiltastet siffer?)",
            "Timer må være minst 0,25",
        ),
        (
            "sv",
            "Namn måste fyllas i",
            "Personnummer: kontrollsiffrorna stämmer inte (felskriven siffra?)",
            "Timmar måste vara minst 0,25",
        ),
    ],
)
def test_label_and_problem_read_as_one_sentence(lang, required, check_digits, minimum):
    i18n.set_language(lang)
    label = i18n._
    assert field_message(label("Name"), records.check_field("client", "name", "")) == required
    good = fixed_data.fnr(date(1985, 3, 14))
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert field_message(label("National ID"), records.check_field("client", "national_id", bad)) == check_digits
    assert field_message(label("Hours"), records.check_field("decision", "hours", "0.1")) == minimum


def test_a_service_message_is_translated_with_its_parameters():
    i18n.set_language("sv")
    problem = FieldError(
        "valid_to",
        N_("{label} must be on or after the start ({date})"),
        params={"label": i18n.Msg("Valid to"), "date": date(2026, 3, 1)},
    )
    assert field_message("Giltig till", problem).endswith("(2026-03-01)")
    assert problem.text == "Valid to must be on or after the start (01.03.2026)"  # logs stay English


def test_screens_write_numbers_and_dates_the_language_s_way():
    i18n.set_language("nb")
    assert hours(72.5) == "72,5" and period(date(2026, 1, 1), None) == "01.01.2026–"
    assert str(text(37.25)) == "37,25"
    i18n.set_language("sv")
    assert hours(72.5) == "72,5" and str(text(parse_date("31.12.2026"))) == "2026-12-31"
    i18n.set_language("en")
    assert hours(72.5) == "72.5" and str(text(date(2026, 12, 31))) == "31.12.2026"
