"""A small provider for the roster tests: Hamar (Norway) with one client, a regular assistant and a
substitute, both employed with credentials and assigned; builders for shifts on the local clock.

The world is written with plain INSERTs, not through the record services: building a SQLModel
object costs ~40 ms here (pydantic deep-copies each table class's `_v` version Column on every
instance — reported to the lead), and nine records per test through the services cost more than
the tests themselves. The record services have their own tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from bpa_provider.access import Actor
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Decision,
    Employment,
    Municipality,
    Supervision,
    Supervisor,
)
from bpa_provider.services.records import next_ref

UTC = UTC


@dataclass
class World:
    db: object
    admin: Actor
    client: Client
    regular: Assistant
    substitute: Assistant
    muni: Municipality


def add(s, model: type, **values) -> object:
    """Insert one row (version 1) and load it back as an ORM object."""
    new_id = s.execute(insert(model).returning(model.id), [{"version": 1, **values}]).scalar_one()
    return s.execute(select(model).where(model.id == new_id)).scalar_one()


def make_world(db, admin: Actor, *, muni_name: str = "Hamar", country: str = "no") -> World:
    se = country == "se"
    with db.write() as s:
        muni = add(
            s,
            Municipality,
            name=muni_name,
            country=country.upper(),
            timezone="Europe/Stockholm" if se else "Europe/Oslo",
        )
        client = add(
            s,
            Client,
            ref=next_ref(s, Client, "K-"),
            name="Kari Nordmann",
            municipality_id=muni.id,
            start_date=date(2025, 1, 1),
        )
        add(s, Decision, client_id=client.id, hours=37.5, valid_from=date(2025, 1, 1))
        people = []
        for name, role in (("Per Hansen", "regular"), ("Siri Vik", "substitute")):
            person = add(s, Assistant, ref=next_ref(s, Assistant, "A-"), name=name)
            add(
                s,
                Employment,
                assistant_id=person.id,
                start_date=date(2025, 1, 1),
                police_certificate_on=date(2024, 12, 1),
                confidentiality_on=date(2024, 12, 1),
            )
            add(
                s,
                Assignment,
                assistant_id=person.id,
                client_id=client.id,
                role=role,
                start_date=date(2025, 1, 1),
                fk_reported_on=date(2025, 1, 1) if se else None,
            )
            people.append(person)
    return World(db, admin, client, people[0], people[1], muni)


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def supervisor_actor(db, admin: Actor, client_ref: str | None, login: str = "sup") -> Actor:
    """A supervisor user leading `client_ref` (None: no client at all), as an Actor."""
    with db.write() as s:
        sup = add(s, Supervisor, ref=next_ref(s, Supervisor, "S-"), name="Anne Leder")
        if client_ref is not None:
            client_id = s.execute(select(Client.id).where(Client.ref == client_ref)).scalar_one()
            add(s, Supervision, supervisor_id=sup.id, client_id=client_id, since=date(2025, 1, 1))
    return Actor(login=login, role="supervisor", supervisor_id=sup.id)


def may_dataset(w: World) -> dict[str, object]:
    """The fixed month for payroll, invoice and continuity (Hamar, May 2026, CEST = UTC+2).

    Regular assistant: Mon 4 May 08-16 (8 ordinary); Fri 8 May 17-23 (6 ordinary, 4 evening,
    2 night); Sat 9 May 08-12 (4 weekend; only 9 h rest after Friday: a NO-REST-DAILY warning);
    Thu 14 May, Ascension Day, 08-12 (4 holiday); passive night Tue 19 May 22-07 (9 passive,
    3 paid). Substitute: Sun 31 May 22:00-Mon 1 Jun 06:00 awake night (2 weekend, 6 ordinary,
    8 night), counted in May. One April shift of the regular, so only the substitute is new in May.
    """
    from bpa_provider.services import roster

    db, admin, c, a, sub = w.db, w.admin, w.client, w.regular, w.substitute
    made = {}
    made["april"] = roster.create_shift(db, admin, c.id, a.id, "2026-04-20T08:00", "16:00").shift
    made["mon"] = roster.create_shift(db, admin, c.id, a.id, "2026-05-04T08:00", "16:00").shift
    made["fri"] = roster.create_shift(db, admin, c.id, a.id, "2026-05-08T17:00", "23:00").shift
    sat = roster.create_shift(db, admin, c.id, a.id, "2026-05-09T08:00", "12:00")
    made["sat"], made["sat_warnings"] = sat.shift, sat.warnings
    made["ascension"] = roster.create_shift(db, admin, c.id, a.id, "2026-05-14T08:00", "12:00").shift
    made["passive"] = roster.create_shift(db, admin, c.id, a.id, "2026-05-19T22:00", "07:00", kind="passive").shift
    made["sub_night"] = roster.create_shift(db, admin, c.id, sub.id, "2026-05-31T22:00", "06:00", kind="night").shift
    return made
