"""A client with a regular assistant and three possible substitutes, and a week of future shifts:
the world of the vacancy and notice tests (a builder module: tests never import a conftest)."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.services import roster

WEEK = [date(2027, 1, 11) + timedelta(days=i) for i in range(5)]  # Monday to Friday, in the future


def world(db: Database, actor: Actor) -> dict:
    f.municipality(db, actor, "Hamar")
    client = f.client(db, actor, "Hamar")
    f.decision(db, actor, client.ref)
    people = {}
    for key, name, extra in (
        ("sick", "Siri Syk", {}),
        ("known", "Kjell Kjent", {}),
        ("new", "Nina Ny", {}),
        ("nocert", "Ola Uten", {"police_certificate_on": ""}),
    ):
        contact = {} if key == "nocert" else {"email": f"{key}@example.org", "email_consent": "yes"}
        person = f.assistant(db, actor, name=name, **contact)
        f.employment(db, actor, person.ref, **extra)
        f.assignment(db, actor, person.ref, client.ref, role="regular" if key == "sick" else "substitute")
        people[key] = person
    for day in WEEK:
        roster.create_shift(db, actor, client.id, people["sick"].id, f"{day.isoformat()} 08:00", "15:30")
    # Kjell has worked with the client before (a December shift, in the past relative to the week).
    roster.create_shift(db, actor, client.id, people["known"].id, "2026-12-01 08:00", "12:00")
    return {"client": client, **people}
