"""The demo company: deterministic for a seed, refuses a database with clients, loads on SQLite
and PostgreSQL, and its rota breaks the working-time rules only where that is planted."""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bpa_provider import audit
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import (
    Assistant,
    AuditEvent,
    Client,
    Employment,
    HourlyRate,
    Municipality,
    OnboardingStep,
    RotaPattern,
    Shift,
    Transfer,
    TransferAssistant,
    TransferStep,
    User,
)
from bpa_provider.demo import fits, load_demo, sunday_weeks, weekly
from bpa_provider.errors import ValidationError
from bpa_provider.rules import national_id as nid
from bpa_provider.rules.worktime import ShiftFact, check_assistant, profile
from bpa_provider.services.hours import hours_report
from bpa_provider.services.roster import occurrences

TODAY = date(2026, 4, 15)
SMALL = dict(clients=10, assistants=30, months=2, today=TODAY)


def _people(db: Database) -> list[tuple]:
    with db.read() as s:
        clients = s.execute(select(Client.ref, Client.name, Client.national_id).order_by(Client.ref)).all()
        assistants = s.execute(
            select(Assistant.ref, Assistant.name, Assistant.national_id).order_by(Assistant.ref)
        ).all()
        shifts = s.execute(
            select(Shift.client_id, Shift.assistant_id, Shift.start_utc, Shift.status).order_by(Shift.id).limit(200)
        ).all()
    return [tuple(r) for r in clients + assistants + shifts]


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def fresh_sqlite(tmp_path, sqlite_template):
    """Makes more empty, migrated SQLite databases."""
    made: list[Database] = []

    def make(name: str) -> Database:
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        made.append(Database(make_engine(f"sqlite:///{path}")))
        return made[-1]

    yield make
    for database in made:
        database.dispose()


def test_same_seed_same_company_other_seed_other_people(fresh_sqlite, admin):
    a, b, c = fresh_sqlite("a"), fresh_sqlite("b"), fresh_sqlite("c")
    for database, seed in ((a, 7), (b, 7), (c, 8)):
        load_demo(database, admin, seed=seed, **SMALL)
    first = _people(a)
    assert first == _people(b)
    assert len(first) > 40
    other = _people(c)
    assert [r[2] for r in other[:10]] != [r[2] for r in first[:10]]  # other national IDs


def test_refuses_a_database_that_has_clients(sqlite_db, admin):
    load_demo(sqlite_db, admin, seed=1, clients=3, assistants=9, months=1, today=TODAY)
    shifts, events = _count(sqlite_db, Shift), _count(sqlite_db, AuditEvent)
    with pytest.raises(ValidationError) as exc:
        load_demo(sqlite_db, admin, seed=2, clients=3, months=1, today=TODAY)
    assert "already has clients" in str(exc.value)
    assert (_count(sqlite_db, Shift), _count(sqlite_db, AuditEvent)) == (shifts, events)


def test_demo_company_on_both_engines(db, admin):
    summary = load_demo(db, admin, seed=3, **SMALL)
    assert summary.counts["client"] == 10 and summary.counts["assistant"] == 30
    with db.read() as s:
        munis = {m.name: m for m in s.execute(select(Municipality)).scalars()}
        assert munis["Hamar"].unit_name == "PAO"
        assert munis["Drammen"].unit_name == "Tjenestetildeling og koordinerende enhet"
        assert (munis["Bjuv"].country, munis["Bjuv"].timezone) == ("SE", "Europe/Stockholm")
        state = s.execute(
            select(HourlyRate.valid_from, HourlyRate.rate)
            .where(HourlyRate.municipality_id.is_(None))
            .order_by(HourlyRate.valid_from)
        ).all()
        assert state == [(date(2023, 1, 1), Decimal("324.50")), (date(2024, 1, 1), Decimal("332.60"))]
        for country, number in s.execute(
            select(Municipality.country, Client.national_id).join(Client, Client.municipality_id == Municipality.id)
        ):
            nid.validate(number, country)  # synthetic but valid
        roles = sorted(s.execute(select(User.role)).scalars())
        assert roles == ["auditor", "coordinator", "coordinator", "supervisor"]
        assert sorted(s.execute(select(Transfer.direction)).scalars()) == ["in", "out"]
        assert _count(db, TransferStep) >= 20 and _count(db, TransferAssistant) >= 2
        # New hires without a police certificate who already have planned shifts.
        no_cert = s.execute(
            select(func.count(Shift.id))
            .join(Employment, Employment.assistant_id == Shift.assistant_id)
            .where(Employment.police_certificate_on.is_(None), Shift.status == "planned")
        ).scalar_one()
        assert no_cert > 0
        overdue = s.execute(
            select(func.count())
            .select_from(OnboardingStep)
            .where(
                OnboardingStep.code == "basic_course",
                OnboardingStep.done_on.is_(None),
                OnboardingStep.due_date < TODAY,
            )
        ).scalar_one()
        assert overdue >= 2  # new supervisors past the 90 days without the basic course
        statuses = set(s.execute(select(Shift.status).distinct()).scalars())
        assert {"approved", "worked", "planned"} <= statuses
        events = s.execute(select(AuditEvent.summary).where(AuditEvent.action == "demo")).scalars().all()
        assert len(events) == 1 and "demo data loaded" in events[0]
        assert audit.verify_chain(s).ok
        # Bulk-inserted instants read back as aware UTC through the ORM.
        first = s.execute(select(Shift).order_by(Shift.id).limit(1)).scalar_one()
        assert first.start_utc.tzinfo == UTC and first.start_utc.date() >= date(2026, 2, 14)
    rows = hours_report(db, admin, 2026, 3, today=TODAY, now=datetime(2026, 4, 15, 12, tzinfo=UTC))
    assert sum(r.worked_hours for r in rows) > 0


def test_rota_breaks_rules_only_where_planted(sqlite_db, admin):
    load_demo(sqlite_db, admin, seed=5, clients=12, assistants=36, months=2, today=TODAY)
    with sqlite_db.read() as s:
        rows = s.execute(
            select(
                Shift.id,
                Shift.assistant_id,
                Shift.client_id,
                Shift.start_utc,
                Shift.end_utc,
                Shift.kind,
                Municipality.timezone,
                Municipality.country,
            )
            .join(Client, Client.id == Shift.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Shift.status != "cancelled")
        ).all()
    by_assistant: dict[int, list] = defaultdict(list)
    for r in rows:
        by_assistant[r.assistant_id].append(r)
    found = defaultdict(set)
    for aid, shifts in by_assistant.items():
        facts = [
            ShiftFact(r.id, r.assistant_id, r.client_id, r.start_utc, r.end_utc, r.kind, r.timezone) for r in shifts
        ]
        rules = profile("no-default" if shifts[0].country == "NO" else "se-default")
        for v in check_assistant(facts, rules):
            found[v.rule_id].add(aid)
    # Nobody works two Sundays in a row (NO-SUNDAY, § 10-8 (4)): the rota rotates weekends.
    assert "NO-SUNDAY" not in found
    # Planted: the evening assistant of the two large clients also takes a morning shift.
    assert set(found) <= {"NO-REST-DAILY", "SE-REST-DAILY", "NO-NORMAL-DAY"}
    assert 1 <= len(set().union(*found.values())) <= 3


def test_weekly_template_check():
    day = [(0, 8 * 60, 16 * 60)]
    assert fits([], day)
    assert not fits(day, [(0, 15 * 60, 18 * 60)])  # overlap
    assert not fits([(0, 15 * 60, 22 * 60)], [(1, 7 * 60, 12 * 60)])  # 9 h rest
    assert not fits([(0, 15 * 60, 20 * 60)], [(1, 7 * 60, 12 * 60)])  # 11 h rest, but 10 h work in 24 h
    assert not fits([(d, 8 * 60, 12 * 60) for d in range(6)], [(6, 8 * 60, 12 * 60)])  # no weekly rest
    assert not fits([(d, 8 * 60, 16 * 60) for d in range(5)], [(5, 8 * 60, 12 * 60)])  # over 40 h


def test_two_week_template_and_sundays():
    weekend = [(5, 10 * 60, 16 * 60), (6, 10 * 60, 16 * 60)]
    assert sunday_weeks(weekend) == {0} and sunday_weeks([(12, 19 * 60, 21 * 60)]) == {1}
    assert sunday_weeks([(5, 9 * 60, 17 * 60)]) == set()  # Saturday, before 18:00
    assert sunday_weeks([(5, 22 * 60, 32 * 60)]) == {0}  # the night into Sunday
    assert fits(weekend, [(d + 7, 10 * 60, 16 * 60) for d in range(4)])  # the other week: weekdays
    assert not fits(weekend, [(13, 10 * 60, 16 * 60)])  # Sundays in both weeks: two in a row
    assert weekly([0], 60, 120) == [(0, 60, 120), (7, 60, 120)]
    assert not fits(weekly(range(5), 8 * 60, 16 * 60), [(12, 8 * 60, 12 * 60)])  # over 40 h in week 1


def test_every_shift_of_a_pattern_falls_on_one_of_its_days(sqlite_db, admin):
    """The stored patterns describe the rota, two-week rotations included (roster.occurrences)."""
    load_demo(sqlite_db, admin, seed=5, clients=12, assistants=36, months=2, today=TODAY)
    with sqlite_db.read() as s:
        patterns = {p.id: p for p in s.execute(select(RotaPattern)).scalars()}
        rows = s.execute(
            select(Shift.pattern_id, Shift.start_utc, Municipality.timezone)
            .join(Client, Client.id == Shift.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Shift.pattern_id.is_not(None))
        ).all()
    assert {p.cycle_weeks for p in patterns.values()} == {1, 2}
    days: dict[int, set] = defaultdict(set)
    for pid, start, tz in rows:
        days[pid].add(start.astimezone(ZoneInfo(tz)).date())
    for pid, seen in days.items():
        allowed = set(occurrences(patterns[pid], min(seen), max(seen)))
        assert seen <= allowed, (patterns[pid].name, sorted(seen - allowed)[:3])
