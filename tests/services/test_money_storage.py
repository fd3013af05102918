"""Money columns hold exact decimals: round trips on both engines, and migration 0009 keeps values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import select

from bpa_provider.db import migrate
from bpa_provider.db.engine import make_engine
from bpa_provider.db.models import Employment, HourlyRate
from bpa_provider.db.types import to_money_value
from tests import factories

AMOUNTS = [Decimal("206.38"), Decimal("332.60"), Decimal("0.0001"), Decimal("346.27"), Decimal("99999999.9999")]


@pytest.mark.parametrize("amount", AMOUNTS)
def test_a_stored_rate_and_wage_read_back_exactly(db, admin, amount):
    aid = factories.assistant(db, admin).id
    with db.write() as s:
        s.add(HourlyRate(country="SE", valid_from=date(2026, 1, 1), rate=amount, currency="SEK"))
        s.add(Employment(assistant_id=aid, start_date=date(2026, 1, 1), hourly_wage=amount))
    with db.read() as s:
        rate = s.execute(select(HourlyRate.rate)).scalar_one()
        wage = s.execute(select(Employment.hourly_wage).where(Employment.assistant_id == aid)).scalar_one()
    assert isinstance(rate, Decimal) and isinstance(wage, Decimal)
    assert rate == amount and wage == amount
    assert str(rate) == str(wage) == str(amount)  # the same text on both engines: 332.60, not 332.6000


def test_a_float_is_bound_through_its_text_not_its_binary_expansion(db):
    with db.write() as s:
        s.add(HourlyRate(country="SE", valid_from=date(2026, 1, 1), rate=346.27, currency="SEK"))
    with db.read() as s:
        assert s.execute(select(HourlyRate.rate)).scalar_one() == Decimal("346.27")


@pytest.mark.parametrize("bad", ["NaN", float("inf"), "-Infinity", "abc", True, "1.00001", "1e9"])
def test_non_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        to_money_value(bad)


def _seed_0008(engine):
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO hourly_rate (country, valid_from, rate, currency, note, version) "
                "VALUES ('NO', '2026-01-01', 206.38, 'NOK', '', 1), ('SE', '2026-01-01', 332.6, 'SEK', '', 1)"
            )
        )
        c.execute(
            text(
                "INSERT INTO assistant (ref, name, phone, email, email_consent, language, eea_resident, "
                "anonymised, created_at, updated_at, version) VALUES ('A1', 'x', '', '', false, '', true, "
                "false, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
            )
        )
        aid = c.execute(text("SELECT id FROM assistant")).scalar_one()
        for wage in ("346.27", "NULL"):
            c.execute(
                text(
                    "INSERT INTO employment (assistant_id, start_date, end_reason, position_percent, kind, "
                    f"hourly_wage, employee_number, police_certificate_checked_by, transferred_from, created_at, updated_at, version) VALUES "
                    f"({aid}, '2026-01-01', '', 100, 'permanent', {wage}, '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
                )
            )


def _values(engine):
    with engine.connect() as c:
        rates = [r[0] for r in c.execute(text("SELECT rate FROM hourly_rate ORDER BY id"))]
        wages = [r[0] for r in c.execute(text("SELECT hourly_wage FROM employment ORDER BY id"))]
    return rates, wages


def _check_migration_keeps_values(engine):
    migrate.upgrade(engine, "0008")
    _seed_0008(engine)
    migrate.upgrade(engine, "0009")
    rates, wages = _values(engine)
    assert [to_money_value(v) for v in rates] == [Decimal("206.38"), Decimal("332.6")]
    assert [None if v is None else to_money_value(v) for v in wages] == [Decimal("346.27"), None]
    migrate.downgrade(engine, "0008")
    rates, wages = _values(engine)
    assert rates == [206.38, 332.6] and wages == [346.27, None]
    assert all(isinstance(v, float) for v in rates)


def test_migration_0009_keeps_values_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    _check_migration_keeps_values(engine)
    migrate.upgrade(engine)
    with engine.connect() as c:  # stored as the decimal's text, not a REAL
        assert c.execute(text("SELECT typeof(rate), rate FROM hourly_rate ORDER BY id")).all() == [
            ("text", "206.38"),
            ("text", "332.60"),
        ]


@pytest.mark.pg
def test_migration_0009_keeps_values_on_postgresql(pg_cluster):
    from pgserver import scratch_database

    with scratch_database(pg_cluster, "bpa_money") as url:
        engine = make_engine(url)
        _check_migration_keeps_values(engine)
        engine.dispose()
