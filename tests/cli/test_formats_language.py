"""formats.py: one place for numbers, dates and money in each language; message parameters use it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bpa_provider import i18n
from bpa_provider.errors import Invalid
from bpa_provider.formats import format_date, format_datetime, format_hours, format_money, format_number
from bpa_provider.i18n import N_, render_message


@pytest.mark.parametrize(
    "lang, day, hours, money, moment",
    [
        ("en", "31.12.2026", "72.5", "12,345.50", "31.12.2026 14:30"),
        ("nb", "31.12.2026", "72,5", "12\u00a0345,50", "31.12.2026 14:30"),
        ("sv", "2026-12-31", "72,5", "12\u00a0345,50", "2026-12-31 14:30"),
    ],
)
def test_each_language_writes_its_own_way(lang, day, hours, money, moment):
    assert format_date(date(2026, 12, 31), lang) == day
    assert format_hours(72.5, lang) == hours and format_hours(40.0, lang) == "40"
    assert format_money(Decimal("12345.5"), lang) == money
    assert format_datetime(datetime(2026, 12, 31, 14, 30), lang) == moment


def test_edges():
    assert format_number(None) == "" and format_date(None) == ""
    assert format_number(-0.001, lang="nb") == "0"
    assert format_number(-1.5, lang="nb") == "-1,5"
    assert format_number(0.125, 3, lang="sv") == "0,125"


def test_message_parameters_follow_the_language_and_english_stays_english():
    problem = Invalid(N_("must be at least {n}"), n=0.25)
    try:
        i18n.set_language("nb")
        assert problem.localized() == "må være minst 0,25"
        assert render_message("{d:%d}.{n:.2f}", {"d": date(2026, 3, 1), "n": 1.5}) == "01.1,50"
    finally:
        i18n.set_language("en")
    assert problem.message == str(problem) == "must be at least 0.25"


def test_every_column_of_the_record_lists_has_a_translated_heading():
    from bpa_provider.headings import HEADINGS
    from bpa_provider.locale import extract
    from bpa_provider.services.listing import COLUMNS

    keys = {key for columns in COLUMNS.values() for key in columns}
    assert keys <= set(HEADINGS), sorted(keys - set(HEADINGS))
    for lang in ("nb", "sv"):
        entries = extract.po_entries((extract.HERE / lang / "LC_MESSAGES" / "bpa.po").read_text(encoding="utf-8"))
        assert [h for h in HEADINGS.values() if not entries.get(h)] == [], lang
