"""The absence rules at their limits: the employer period (16 days, joined periods), self-
certification, sick pay's four weeks, holiday entitlement and how holiday days are counted."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bpa_provider.rules.absence import (
    AbsencePolicy,
    Span,
    employer_periods,
    holiday_entitlement,
    holiday_working_days,
    self_cert_findings,
    sick_pay_findings,
)


def test_the_employer_pays_the_first_16_days_and_nav_the_rest():
    (p,) = employer_periods([Span(date(2026, 3, 2), date(2026, 3, 31))])
    assert len(p.employer_days) == 16 and p.employer_days[-1] == date(2026, 3, 17)
    assert p.employer_period_end == date(2026, 3, 17)
    assert p.refund_days[0] == date(2026, 3, 18) and len(p.refund_days) == 14


def test_exactly_16_days_gives_no_refund_and_17_gives_one():
    (p16,) = employer_periods([Span(date(2026, 3, 1), date(2026, 3, 16))])
    (p17,) = employer_periods([Span(date(2026, 3, 1), date(2026, 3, 17))])
    assert (len(p16.refund_days), p16.employer_period_end) == (0, date(2026, 3, 16))
    assert p17.refund_days == (date(2026, 3, 17),)


def test_periods_less_than_16_days_apart_share_one_employer_period():
    first = Span(date(2026, 3, 1), date(2026, 3, 10))  # 10 employer days
    second = Span(date(2026, 3, 26), date(2026, 4, 5))  # 15 days between: joined, 6 more then NAV
    a, b = employer_periods([first, second])
    assert len(a.employer_days) == 10 and len(b.employer_days) == 6
    assert b.employer_period_end == date(2026, 3, 31) == a.employer_period_end
    assert b.refund_days[0] == date(2026, 4, 1)


def test_sixteen_days_apart_start_a_new_employer_period():
    first = Span(date(2026, 3, 1), date(2026, 3, 10))
    second = Span(date(2026, 3, 27), date(2026, 4, 20))  # 16 days between: a new period
    _, b = employer_periods([first, second])
    assert len(b.employer_days) == 16 and b.employer_days[0] == date(2026, 3, 27)


def test_sickness_again_soon_after_a_full_employer_period_is_nav_from_day_one():
    full = Span(date(2026, 1, 5), date(2026, 1, 30))
    again = Span(date(2026, 2, 9), date(2026, 2, 12))
    _, b = employer_periods([full, again])
    assert b.employer_days == () and len(b.refund_days) == 4


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 40)), min_size=1, max_size=8))
def test_every_sick_day_is_either_the_employers_or_navs_and_no_chain_pays_more_than_16(raw):
    spans, cursor = [], date(2026, 1, 1)
    for gap, length in raw:  # non-overlapping spans, as the service guarantees
        start = cursor + timedelta(days=gap % 40)
        spans.append(Span(start, start + timedelta(days=length)))
        cursor = start + timedelta(days=length + 1)
    periods = employer_periods(spans)
    for span, p in zip(spans, periods):
        assert len(p.employer_days) + len(p.refund_days) == (span.end - span.start).days + 1
    by_end: dict = {}
    for p in periods:
        if p.employer_period_end is not None:
            by_end.setdefault(p.employer_period_end, 0)
            by_end[p.employer_period_end] += len(p.employer_days)
    assert all(total <= 16 for total in by_end.values())


def test_self_certification_limits_cite_the_law():
    employed = date(2025, 1, 1)
    ok = self_cert_findings(Span(date(2026, 3, 2), date(2026, 3, 4)), employed, [])
    assert ok == []
    long = self_cert_findings(Span(date(2026, 3, 2), date(2026, 3, 5)), employed, [])
    assert [f.rule for f in long] == ["NO-SELF-CERT-LENGTH"] and long[0].law == "folketrygdloven § 8-24"
    earlier = [
        Span(date(2025, 5, 1), date(2025, 5, 1)),
        Span(date(2025, 8, 1), date(2025, 8, 1)),
        Span(date(2025, 11, 1), date(2025, 11, 1)),
        Span(date(2026, 1, 5), date(2026, 1, 5)),
    ]
    fifth = self_cert_findings(Span(date(2026, 3, 2), date(2026, 3, 2)), employed, earlier)
    assert [f.rule for f in fifth] == ["NO-SELF-CERT-TIMES"]
    # The one from May 2025 is more than 12 months before April 2026: four in the window is allowed.
    assert self_cert_findings(Span(date(2026, 5, 4), date(2026, 5, 4)), employed, earlier[1:]) == []


def test_self_certification_needs_two_months_and_sick_pay_four_weeks():
    start = date(2026, 3, 1)
    early = self_cert_findings(Span(date(2026, 4, 30), date(2026, 4, 30)), start, [])
    assert [f.rule for f in early] == ["NO-SELF-CERT-EARLY"]
    assert self_cert_findings(Span(date(2026, 5, 1), date(2026, 5, 1)), start, []) == []
    assert [f.rule for f in sick_pay_findings(Span(date(2026, 3, 28), date(2026, 3, 28)), start)] == [
        "NO-SICK-PAY-EARLY"
    ]
    assert sick_pay_findings(Span(date(2026, 3, 29), date(2026, 3, 29)), start) == []


def test_holiday_entitlement_and_days_counted():
    assert holiday_entitlement(2026, date(1966, 12, 31)) == 31  # turns 60 in 2026
    assert holiday_entitlement(2026, date(1967, 1, 1)) == 25
    assert holiday_entitlement(2026, None, AbsencePolicy(holiday_days=30)) == 30
    week = Span(date(2026, 7, 6), date(2026, 7, 12))  # Monday to Sunday
    assert holiday_working_days(week, "NO", set()) == 6  # Saturdays count in Norway
    assert holiday_working_days(week, "SE", set()) == 5
    easter = Span(date(2026, 3, 30), date(2026, 4, 5))  # Maundy Thursday, Good Friday
    assert holiday_working_days(easter, "NO", {date(2026, 4, 2), date(2026, 4, 3)}) == 4
