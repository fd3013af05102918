"""A small fixed dataset for the screen tests and snapshots, built through the real services.

Everything that reaches the screen is fixed: the dates, the national IDs and the audit log's
clock (patched while building), so snapshots do not change from run to run. "Today" for the app
is TODAY.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from unittest import mock

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.rules.national_id import make_no
from bpa_provider.services import records

TODAY = date(2026, 3, 2)
BUILDER = Actor(login="coord", role="coordinator")


def fnr(born: date) -> str:
    """The first valid synthetic Norwegian number for a birth date."""
    return next(n for i in range(100, 500) if (n := make_no(born, i)))


def build(db: Database) -> None:
    """Three municipalities, five clients, a supervisor, two assistants."""
    tick = count()
    start = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
    with mock.patch("bpa_provider.audit.utcnow", lambda: start + timedelta(minutes=next(tick))):
        _build(db)


def _build(db: Database) -> None:
    a = BUILDER
    create = lambda kind, **data: records.create(db, a, kind, data)  # noqa: E731
    create("municipality", name="Hamar", country="no", unit_name="PAO", approved=True)
    create("municipality", name="Drammen", country="no", unit_name="Tjenestetildeling")
    create("municipality", name="Bjuv", country="se")
    kari = create(
        "client",
        name="Kari Nordmann",
        municipality_id="Hamar",
        national_id=fnr(date(1985, 3, 14)),
        start_date="01.01.2025",
        phone="912 34 567",
        address="Storgata 1, Hamar",
    )
    create(
        "decision",
        client_id=kari.ref,
        hours=37.5,
        valid_from="01.01.2025",
        valid_to="15.04.2026",
        case_number="2024/1187",
        services="practical,training",
    )
    ola = create("client", name="Ola Hansen", municipality_id="Drammen", start_date="2026-01-01")
    create("decision", client_id=ola.ref, hours=40, valid_from="2026-01-01")
    ingrid = create("client", name="Ingrid Berg", municipality_id="Hamar", start_date="2025-06-01")
    create("decision", client_id=ingrid.ref, hours=25, valid_from="2025-06-01", valid_to="2026-03-31")
    create("decision", client_id=ingrid.ref, hours=28, valid_from="2026-04-01")
    create("client", name="Sven Svensson", municipality_id="Bjuv", status="prospect")
    create("client", name="Lise [/bold] Lie", municipality_id="Drammen", start_date="2026-02-01")
    create(
        "supervisor",
        name="Anne Nordmann",
        phone="977 00 111",
        client_id=kari.ref,
        relation="parent",
        since="2025-01-01",
    )
    per = create("assistant", name="Per Hansen", phone="400 00 001")
    create(
        "employment",
        assistant_id=per.ref,
        start_date="2025-01-01",
        position_percent=80,
        police_certificate_on="2024-12-01",
        confidentiality_on="2024-12-01",
    )
    mona = create("assistant", name="Mona Lund", phone="400 00 002")
    create(
        "employment",
        assistant_id=mona.ref,
        start_date="2026-02-01",
        position_percent=50,
        confidentiality_on="2026-01-28",
    )
    create("assignment", assistant_id=per.ref, client_id=kari.ref, start_date="2025-01-01")
    create("assignment", assistant_id=mona.ref, client_id=kari.ref, start_date="2026-02-01", role="substitute")
