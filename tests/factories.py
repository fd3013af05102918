"""Small builders for test data, through the real services (so they are validated and audited)."""

from __future__ import annotations

from datetime import date
from itertools import count

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.rules.national_id import make_no
from bpa_provider.services import records

_seq = count(100)


def valid_fnr(born: date = date(1980, 5, 17)) -> str:
    """A synthetic Norwegian number that passes today's check-digit rule."""
    while True:
        number = make_no(born, next(_seq) % 500)
        if number:
            return number


def municipality(db: Database, actor: Actor, name: str = "Hamar", **kw) -> object:
    return records.create(db, actor, "municipality", {"name": name, "country": kw.pop("country", "no"), **kw})


def client(db: Database, actor: Actor, muni: str = "Hamar", **kw) -> object:
    data = {"name": "Kari Nordmann", "municipality_id": muni, "start_date": "2026-01-01", **kw}
    return records.create(db, actor, "client", data)


def decision(db: Database, actor: Actor, client_ref: str, hours: float = 37.5, **kw) -> object:
    data = {"client_id": client_ref, "hours": hours, "valid_from": "2026-01-01", **kw}
    return records.create(db, actor, "decision", data)


def assistant(db: Database, actor: Actor, **kw) -> object:
    return records.create(db, actor, "assistant", {"name": "Per Hansen", **kw})


def employment(db: Database, actor: Actor, assistant_ref: str, **kw) -> object:
    data = {
        "assistant_id": assistant_ref,
        "start_date": "2025-01-01",
        "position_percent": 80,
        "police_certificate_on": "2024-12-01",
        "confidentiality_on": "2024-12-01",
        **kw,
    }
    return records.create(db, actor, "employment", data)


def assignment(db: Database, actor: Actor, assistant_ref: str, client_ref: str, **kw) -> object:
    data = {"assistant_id": assistant_ref, "client_id": client_ref, "start_date": "2026-01-01", **kw}
    return records.create(db, actor, "assignment", data)


def without_hour_ledger(db: Database, fn):  # noqa: ANN001, ANN201
    """`fn()` once more with the hour ledger emptied, then the ledger put back row for row: a
    figure read from the ledger must equal the same figure summed from the shifts."""
    from sqlalchemy import delete, select

    from bpa_provider.db.models import HourLedger

    columns = [c.name for c in HourLedger.__table__.columns]
    with db.read() as s:
        saved = [{c: getattr(r, c) for c in columns} for r in s.execute(select(HourLedger)).scalars()]
    with db.write() as s:
        s.execute(delete(HourLedger))
    try:
        return fn()
    finally:
        with db.write() as s:
            for row in saved:
                s.add(HourLedger(**row))


def half_without_checklist(db: Database) -> set[int]:
    """Every other supervisor (by id, of those with a checklist) left without a checklist and
    without the basic course, written directly: courses overdue then lists both kinds of pair —
    an open step past its date, and a basic course past its deadline. The supervisors' ids."""
    from sqlalchemy import select

    from bpa_provider.db.models import CourseEnrollment, OnboardingStep

    with db.write() as s:
        steps = s.execute(select(OnboardingStep).order_by(OnboardingStep.id)).scalars().all()
        gone = set(sorted({st.supervisor_id for st in steps})[::2])
        for st in steps:
            if st.supervisor_id in gone:
                s.delete(st)
        for e in s.execute(select(CourseEnrollment)).scalars():
            if e.supervisor_id in gone:
                s.delete(e)
    return gone
