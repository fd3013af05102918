"""The forms' as-you-type checks (screens/typed_checks.py) use the services' validation rule and
word a problem after the field's label, the same way on every form."""

from __future__ import annotations

from datetime import date

from bpa_provider.i18n import current_language, set_language
from bpa_provider.screens.shift_form import roster_words
from bpa_provider.screens.typed_checks import date_problem, text_problem
from bpa_provider.services import validation


def test_a_date_is_parsed_by_the_validation_rule_and_its_problem_names_the_field():
    assert date_problem(" 02.03.2026 ", "Held on") == (date(2026, 3, 2), None)
    assert date_problem("2026-03-02", "Held on") == (date(2026, 3, 2), None)
    assert date_problem("", "Due") == (None, None)
    assert date_problem("  ", "Held on", required=True) == (None, "Held on is required")
    assert date_problem("31.02.2026", "End date") == (None, "End date: “31.02.2026” is not a real calendar date")
    day, problem = date_problem("soon", "From")
    assert day is None and problem is not None and problem.startswith("From: “soon” is not a date")


def test_text_is_refused_as_the_service_would_store_it():
    assert text_problem("  fine  ", "Summary", 4) is None  # trimmed first, as stored
    assert text_problem("a" * 6, "Summary", 5) == "Summary is too long (6 characters, at most 5)"
    assert text_problem("two\nlines", "Participants", 50) == "Participants must be on one line (no line breaks or tabs)"
    assert text_problem("two\nlines", "Summary", 50, multiline=True) is None
    assert "control characters" in (text_problem("bad \x1b[31m", "Summary", 50) or "")
    # Whatever the module refuses, the form refuses too (one rule).
    assert validation.text_problem("a" * 6, 5) is not None


def test_a_service_keeping_its_own_words_is_quoted_in_them():
    own = roster_words("Note", 3)
    assert text_problem("abcd", "Note", 3, own=own) == "Note is too long (at most 3 characters)"
    assert text_problem("a\x07", "Note", 3, own=own) == "Note contains control characters; remove them"


def test_the_words_are_translated():
    before = current_language()
    set_language("nb")
    try:
        problem = date_problem("", "Avholdt", required=True)[1]
    finally:
        set_language(before)
    assert problem is not None and problem.startswith("Avholdt") and "required" not in problem
