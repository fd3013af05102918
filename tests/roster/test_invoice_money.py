"""Money is Decimal, rounded once (rules.money): `report invoice` and `report fk-invoice` agree to
the øre on the same hours and rate (issue 18, defect 2), on both engines."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_world import add, make_world

from bpa_provider.db.models import Decision, HourlyRate, Shift
from bpa_provider.rules import money
from bpa_provider.services import invoice, sweden_reports

NOW = datetime(2100, 1, 1, tzinfo=UTC)  # after every month used here


def _swedish(db, admin):  # noqa: ANN001, ANN202
    w = make_world(db, admin, muni_name="Bjuv", country="se")
    with db.write() as s:
        add(
            s,
            Decision,
            client_id=w.client.id,
            issuer="fk",
            hours=200.0,
            hours_unit="month",
            valid_from=date(2025, 1, 1),
        )
    return w


def _month_with(db, w, year: int, month: int, minutes: int, rate: Decimal) -> None:  # noqa: ANN001
    """One worked shift of `minutes` on the 2nd at 08:00 UTC and a state rate from the 1st."""
    start = datetime(year, month, 2, 8, 0, tzinfo=UTC)
    with db.write() as s:
        s.add(
            HourlyRate(country="SE", municipality_id=None, valid_from=date(year, month, 1), rate=rate, currency="SEK")
        )
        s.add(
            Shift(
                client_id=w.client.id,
                assistant_id=w.regular.id,
                start_utc=start,
                end_utc=start + timedelta(minutes=minutes),
                status="worked",
            )
        )


def _both(db, admin, year: int, month: int) -> tuple[Decimal, Decimal]:  # noqa: ANN001
    (plain,) = invoice.invoice_basis(db, admin, year, month, now=NOW)
    (fk,) = sweden_reports.fk_invoice_basis(db, admin, year, month, now=NOW)
    return plain.amount, fk.amount


def test_the_rounding_rule_is_half_up_per_line():
    assert money.line_amount(4.5, 346.27) == Decimal("1558.22")  # 1558.215, not 1558.21
    assert money.line_amount(Decimal("4.5"), Decimal("346.27")) == Decimal("1558.22")
    assert money.money(2.675) == Decimal("2.68")  # the float 2.675 is 2.67499…: read by its repr
    assert money.quantity(4.499999999627) == Decimal("4.50")  # an SQL sum of elapsed time
    assert money.as_text(Decimal("1558.2")) == "1558.20"
    assert money.as_text(Decimal("1558.2"), decimal_comma=True) == "1558,20"
    for bad in (float("nan"), float("inf"), "NaN", "x", True, None):
        try:
            money.to_decimal(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted as an amount")


def test_invoice_and_fk_invoice_agree_on_the_issue_example(db, admin):
    w = _swedish(db, admin)
    _month_with(db, w, 2027, 3, 270, Decimal("346.27"))  # 4.5 h x 346.27 = 1558.215
    plain, fk = _both(db, admin, 2027, 3)
    assert plain == fk == Decimal("1558.22")
    (line,) = invoice.invoice_basis(db, admin, 2027, 3, now=NOW)
    assert (line.hours, line.rate, line.currency) == (Decimal("4.50"), Decimal("346.27"), "SEK")


def test_the_invoice_report_prints_money_with_two_decimals(db, admin, capsys):
    from types import SimpleNamespace

    from bpa_provider.cli.reports import invoice as report

    w = _swedish(db, admin)
    _month_with(db, w, 2027, 3, 270, 346.27)
    written = {}
    ctx = SimpleNamespace(
        database=lambda: db, actor=lambda: admin, emit=lambda rows, fmt, cols: written.update(rows=rows, fmt=fmt)
    )
    report.run(ctx, SimpleNamespace(month="2027-03", format="json"))
    (row,) = written["rows"]
    # exact Decimals of two decimals: JSON and CSV write their text, a table the language's mark
    assert tuple(str(row[k]) for k in ("hours", "rate", "amount")) == ("4.50", "346.27", "1558.22")


def test_the_invoice_report_rows_as_the_lines_give_them(db, admin):
    """The CLI's rows are the service's lines (already rounded, not rounded again): a rate stored
    with four decimals is printed with two, and a client whose municipality has no rate gets
    empty rate and amount cells beside its hours and the note."""
    from types import SimpleNamespace

    from bpa_provider.cli.reports import invoice as report

    w = make_world(db, admin)  # Hamar, Norway: no rate
    start = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)
    with db.write() as s:
        s.add(
            Shift(
                client_id=w.client.id,
                assistant_id=w.regular.id,
                start_utc=start,
                end_utc=start + timedelta(minutes=95),
                status="worked",
            )
        )
    written: dict = {}
    ctx = SimpleNamespace(
        database=lambda: db, actor=lambda: admin, emit=lambda rows, fmt, cols: written.update(rows=rows, cols=cols)
    )
    report.run(ctx, SimpleNamespace(month="2027-03", format="csv"))
    (row,) = written["rows"]
    assert list(row) == written["cols"] == invoice.COLUMNS
    assert (str(row["hours"]), row["rate"], row["amount"], row["currency"], row["rate_valid_from"]) == (
        "1.58",
        "",
        "",
        "",
        None,
    )
    assert row["note"] == "no hourly rate in force"
    with db.write() as s:
        s.add(
            HourlyRate(
                country="NO",
                municipality_id=w.muni.id,
                valid_from=date(2027, 1, 1),
                rate=Decimal("412.3350"),
                currency="NOK",
            )
        )
    report.run(ctx, SimpleNamespace(month="2027-03", format="csv"))
    (row,) = written["rows"]
    # 1.58 h x 412.34 = 651.4972: the rate rounded first (as every invoice line), then the amount
    assert (str(row["rate"]), str(row["amount"]), row["currency"], row["note"]) == ("412.34", "651.50", "NOK", "")


_months = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=1, max_value=16 * 60), cents=st.integers(min_value=100_00, max_value=999_99))
def test_the_two_invoices_always_agree(db, admin, minutes, cents):
    if not hasattr(db, "_se_world"):
        db._se_world = _swedish(db, admin)
    n = next(_months)
    year, month = 2027 + n // 12, n % 12 + 1
    rate = Decimal(cents) / 100  # stored exactly, as `fk rate add` stores it
    _month_with(db, db._se_world, year, month, minutes, rate)
    plain, fk = _both(db, admin, year, month)
    assert plain == fk == money.line_amount(Decimal(minutes) / 60, Decimal(cents) / 100)
