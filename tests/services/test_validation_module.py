"""The one validation module: each check refuses what it must, in one message, on every path."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpa_provider.errors import FieldError, Invalid, ValidationError
from bpa_provider.services import records, validation

# --------------------------------------------------------------------------- text


@given(st.text(max_size=60))
def test_accepted_text_holds_no_control_character_or_line_break(raw: str) -> None:
    try:
        text = validation.check_text(raw, "note", 60)
    except ValidationError:
        return
    assert not validation.CONTROL.search(text)
    assert not validation.LINE_BREAKS.search(text)
    assert text == raw.strip()


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        ("\x1b[2Jcleared", "control"),
        ("abc\u202edcba", "control"),
        ("two\nlines", "lines"),
        ("x" * 41, "long"),
        ("\udcff", "invalid"),
    ],
)
def test_each_text_problem_is_named(raw: str, what: str) -> None:
    problem = validation.text_problem(raw, 40)
    assert problem is not None and problem[0] == what
    assert isinstance(problem[1], Invalid)


def test_check_text_collects_instead_of_raising_and_keeps_own_words() -> None:
    errors: list[FieldError] = []
    assert validation.check_text("", "reason", 10, required=True, errors=errors) == ""
    assert validation.check_text("a\x07", "note", 10, messages={"control": "no bells"}, errors=errors) == ""
    assert [(e.field, e.message) for e in errors] == [("reason", "is required"), ("note", "no bells")]


def test_a_label_words_the_problem_as_one_sentence() -> None:
    with pytest.raises(ValidationError) as caught:
        validation.check_text(" ", "reason", 10, required=True, label="Reason")
    assert caught.value.errors[0].text == "Reason is required"


def test_records_and_services_share_the_text_rule() -> None:
    # The registry's clean_text and the services' check_text are the same rule (one message).
    spec = records.FieldSpec("name", "Name", max_len=5)
    with pytest.raises(Invalid) as a:
        records.clean_text("a\x1bb", spec)
    with pytest.raises(ValidationError) as b:
        validation.check_text("a\x1bb", "name", 5)
    assert a.value.template == b.value.errors[0].message
    assert records.check_text is validation.check_text


# --------------------------------------------------------------------------- dates


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_both_date_spellings_give_the_same_day(day: date) -> None:
    assert validation.date_value(day.isoformat()) == day
    assert validation.date_value(day.strftime("%d.%m.%Y")) == day
    assert validation.date_value(datetime.combine(day, datetime.min.time())) == day


@pytest.mark.parametrize("raw", ["31.02.2026", "2026-13-01", "１２.01.2026", "tomorrow", "../../etc/passwd"])
def test_check_date_refuses_what_is_not_a_day(raw: str) -> None:
    errors: list[FieldError] = []
    assert validation.check_date(raw, "since", errors=errors) is None
    assert len(errors) == 1 and errors[0].field == "since"


def test_an_absent_date_is_none_unless_required() -> None:
    assert validation.check_date("  ", "until") is None
    with pytest.raises(ValidationError) as caught:
        validation.check_date(None, "since", required=True, label="Start date")
    assert caught.value.errors[0].text == "Start date is required"


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize("raw", ["../../etc/passwd", "K/1", "-K1", "K 1", "K1\x1b", "Å-1", "x" * 21])
def test_path_like_or_odd_references_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        validation.check_ref(raw, "client")


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}", fullmatch=True))
def test_every_reference_of_the_pattern_is_accepted(ref: str) -> None:
    assert validation.check_ref(ref, "client") == ref


def test_a_registry_reference_is_refused_in_the_same_words() -> None:
    spec = records.SPECS["client"].field("ref")
    with pytest.raises(Invalid) as a:
        records.parse_value(None, spec, "../x")
    assert a.value.template == validation.REF_WORDS
    assert validation.ref_problem("../x") is not None
    assert validation.ref_problem("../x").template == validation.REF_WORDS  # type: ignore[union-attr]


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize("raw", ["NaN", "-inf", "Infinity", "sNaN", "1e999999", "12.345", "abc", ""])
def test_money_refuses_what_is_not_an_amount(raw: str) -> None:
    with pytest.raises(Invalid):
        validation.money_value(raw)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_money_reads_an_amount_exactly_either_decimal_mark(amount: Decimal) -> None:
    assert validation.money_value(str(amount)) == amount
    assert validation.money_value(str(amount).replace(".", ",")) == amount


def test_money_limits_and_optional_absence() -> None:
    assert validation.check_money("", "rate") is None
    errors: list[FieldError] = []
    assert validation.check_money("-1", "rate", minimum=0, errors=errors) is None
    assert errors[0].message == "must be at least {n}"
    assert validation.check_money("199,50", "rate", minimum=0) == Decimal("199.50")
