"""The world of the absence, vacancy and outbox screen tests (a builder module; tests never import
a conftest): a client, her regular assistant with a week of future shifts, and two substitutes —
one who has worked with her, one new."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.services import roster

WEEK = [date(2027, 1, 11) + timedelta(days=i) for i in range(5)]  # Monday to Friday, in the future
TODAY = date(2027, 1, 8)  # the app's "today": the Friday before


def world(db: Database, actor: Actor) -> dict:
    f.municipality(db, actor, "Hamar")
    client = f.client(db, actor, "Hamar")
    f.decision(db, actor, client.ref)
    people = {}
    for key, name in (("sick", "Siri Syk"), ("known", "Kjell Kjent"), ("new", "Nina Ny")):
        person = f.assistant(db, actor, name=name, email=f"{key}@example.org", email_consent="yes")
        f.employment(db, actor, person.ref)
        f.assignment(db, actor, person.ref, client.ref, role="regular" if key == "sick" else "substitute")
        people[key] = person
    for day in WEEK:
        roster.create_shift(db, actor, client.id, people["sick"].id, f"{day.isoformat()} 08:00", "15:30")
    roster.create_shift(db, actor, client.id, people["known"].id, "2026-12-01 08:00", "12:00")
    return {"client": client, **people}
