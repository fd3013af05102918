"""A provider with distinctive people outside one supervisor's scope, for the isolation tests.

Supervisor S-0001 (user `sup`) leads client K-0001 only. Everything about K-0002 — its name, its
supervisor, the assistant who works only there, their national IDs, the shifts there — carries a
marker (`markers`) that must never appear in anything the supervisor is shown. A-0001 works for
both clients (shared); A-0003 works for both and has no police certificate on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import factories as f
from sqlalchemy import insert, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, Shift
from bpa_provider.rules.national_id import make_no, mask
from bpa_provider.services import course_enrollment, courses, onboarding, records, reviews, roster, users

UTC = UTC


def _fnr(born: date) -> str:
    for k in range(500):
        number = make_no(born, k)
        if number:
            return number
    raise AssertionError("no synthetic number")


OUT_CLIENT_NID = _fnr(date(1933, 3, 13))
OUT_ASSISTANT_NID = _fnr(date(1944, 4, 14))
OUT_SUPERVISOR_NAME = "Xerxes Fremmedleder"


@dataclass
class IsolationWorld:
    db: Database
    admin: Actor
    outside_shift_ids: list[int]
    markers: list[str]


def build(db: Database, admin_login: str) -> IsolationWorld:
    users.ensure_first_admin(db, admin_login)
    admin = Actor(admin_login, "admin")
    f.municipality(db, admin)
    inside = f.client(db, admin, name="Ina Innenfor", national_id=_fnr(date(1970, 1, 1)))
    outside = f.client(db, admin, name="Zorro Utenforsson", national_id=OUT_CLIENT_NID, address="Hemmeligveien 7")
    for c in (inside, outside):
        f.decision(db, admin, c.ref, hours=60)
    records.create(db, admin, "supervisor", {"name": "Sara Innen", "client_id": inside.ref, "since": "2025-01-01"})
    records.create(
        db, admin, "supervisor", {"name": OUT_SUPERVISOR_NAME, "client_id": outside.ref, "since": "2025-01-01"}
    )
    users.add_user(db, admin, "sup", "supervisor", "S-0001")
    shared = f.assistant(db, admin, name="Delta Deltid", national_id=_fnr(date(1990, 2, 2)))
    hidden = f.assistant(db, admin, name="Quentin Skjulested", national_id=OUT_ASSISTANT_NID)
    nocert = f.assistant(db, admin, name="Carl Utenattest", national_id=_fnr(date(1991, 3, 3)))
    f.employment(db, admin, shared.ref)
    f.employment(db, admin, hidden.ref)
    f.employment(db, admin, nocert.ref, police_certificate_on="")
    for person, clients in ((shared, (inside, outside)), (hidden, (outside,)), (nocert, (inside, outside))):
        for c in clients:
            f.assignment(db, admin, person.ref, c.ref)
    # Shifts at the outside client: the shared assistant's long day before an early start at the
    # inside client (a daily-rest warning there), and a day the supervisor will try to overlap.
    outside_ids = []
    for start, end in (("2026-03-02T08:00", "20:00"), ("2026-03-04T08:00", "16:00")):
        outside_ids += [sh.id for sh in roster.create_shift(db, admin, outside.id, shared.id, start, end).shifts]
    roster.create_shift(db, admin, inside.id, shared.id, "2026-03-03T06:00", "10:00")
    outside_ids += [
        sh.id for sh in roster.create_shift(db, admin, outside.id, hidden.id, "2026-03-03T08:00", "16:00").shifts
    ]
    # The uncertified assistant: shifts written directly (the service would refuse them), one at
    # each client.
    with db.write() as s:
        now = datetime.now(UTC)
        for client_id, day in ((outside.id, 5), (inside.id, 6)):
            new = s.execute(
                insert(Shift).returning(Shift.id),
                [
                    dict(
                        version=1,
                        client_id=client_id,
                        assistant_id=nocert.id,
                        kind="active",
                        status="planned",
                        start_utc=datetime(2026, 3, day, 7, tzinfo=UTC),
                        end_utc=datetime(2026, 3, day, 12, tzinfo=UTC),
                        created_at=now,
                        updated_at=now,
                    )
                ],
            ).scalar_one()
            if client_id == outside.id:
                outside_ids.append(new)
        assert s.execute(select(Client.ref).where(Client.id == outside.id)).scalar() == "K-0002"
    # Reviews, courses and an onboarding checklist at the outside client.
    reviews.record_review(db, admin, hidden.ref, outside.ref, "2026-02-01", summary="Zorro notat")
    reviews.record_review(db, admin, shared.ref, outside.ref, "2026-02-02", summary="Zorro delt")
    course = courses.create_course(
        db,
        admin,
        {"name": "Førstehjelp", "kind": "assistant_training", "hours": 6, "organiser": "Uloba", "validity_months": 12},
    )
    cs = courses.create_session(db, admin, course.id, {"starts_on": "2025-04-01"})
    course_enrollment.enroll(db, admin, cs.id, [hidden.ref, shared.ref, "S-0002"], client=outside.ref)
    course_enrollment.record_session_outcomes(
        db, admin, cs.id, [hidden.ref, shared.ref, "S-0002"], "completed", "2025-04-01"
    )
    onboarding.start_onboarding(db, admin, "S-0002", outside.ref)
    markers = [
        "K-0002",
        "Zorro",
        "Utenforsson",
        "Hemmeligveien",
        "A-0002",
        "Quentin",
        "Skjulested",
        "S-0002",
        "Xerxes",
        "Fremmedleder",
        OUT_CLIENT_NID,
        OUT_ASSISTANT_NID,
        mask(OUT_CLIENT_NID)[:6],
        mask(OUT_ASSISTANT_NID)[:6],
    ]
    return IsolationWorld(db, admin, outside_ids, markers)
