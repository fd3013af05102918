"""A Swedish client's March 2026, built through the real services (shifts straight into the Shift
table, as the roster service is someone else's): the numbers the Swedish tests assert on.

Bjuv (SE). Client Sara Svensson with a samordningsnummer, a Försäkringskassan decision of
200 h per month from 1 Jan 2026. State rates 324.50 (2023), 332.60 (2024), 345.00 (2027).
- Anna (regular, reported to FK 20 Feb): Mon-Fri 2-6 Mar 08-16 (40 h); every day 9-15 Mar
  08-16 (56 h, no 36 h weekly rest); a night 28 Mar 22:00 - 29 Mar 07:00 across the change to
  summer time (2 h on the 28th, 6 real hours on the 29th). 104 h.
- Anna is sick 16-27 Mar (12 days, no doctor's note yet).
- Bo (substitute, reported to FK 18 Mar) works Anna's shifts 16-20 and 23-27 Mar 08-16 (80 h;
  16 h on the 16th and 17th are before his FK report). Not counted: a cancelled shift on the 22nd
  and an ended planned shift on the 21st whose deviation is pending.
Totals: 184 h worked, 168 h payable, SEK 55,876.80 at 332.60. Claim: days 2-12 = 17-27 Mar,
9 shifts x 8 h = 72 h, doctor's note needed (day 8 = 23 Mar reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bpa_provider.db.models import Shift
from bpa_provider.rules.dates import local_to_utc
from bpa_provider.rules.national_id import make_se
from bpa_provider.services import records, sweden

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # after the month: planned shifts have ended
ZONE = "Europe/Stockholm"
CLIENT_NR = make_se(date(1990, 4, 12), 123, coordination=True)  # day 72: a samordningsnummer
ANNA_NR = make_se(date(1995, 2, 3), 456)


@dataclass
class Scenario:
    client_id: int
    client_ref: str
    anna_id: int
    bo_id: int
    anna_ref: str
    bo_ref: str
    muni_id: int


def local(y: int, m: int, d: int, h: int) -> datetime:
    return local_to_utc(datetime(y, m, d, h), ZONE)


def day_shift(client_id: int, assistant_id: int, d: date, status: str = "worked", **kw) -> Shift:
    return Shift(
        client_id=client_id,
        assistant_id=assistant_id,
        start_utc=local(d.year, d.month, d.day, 8),
        end_utc=local(d.year, d.month, d.day, 16),
        status=status,
        **kw,
    )


def build(db, actor) -> Scenario:  # noqa: ANN001
    muni = records.create(db, actor, "municipality", {"name": "Bjuv", "country": "se"})
    client = records.create(
        db,
        actor,
        "client",
        {"name": "Sara Svensson", "municipality_id": "Bjuv", "national_id": CLIENT_NR, "start_date": "2026-01-01"},
    )
    records.create(
        db,
        actor,
        "decision",
        {"client_id": client.ref, "issuer": "fk", "hours": 200, "hours_unit": "month", "valid_from": "2026-01-01"},
    )
    anna = records.create(db, actor, "assistant", {"name": "Anna Andersson", "national_id": ANNA_NR})
    bo = records.create(db, actor, "assistant", {"name": "Bo Berg", "birth_date": "1988-09-30"})
    for person, role in ((anna, "regular"), (bo, "substitute")):
        records.create(
            db,
            actor,
            "employment",
            {
                "assistant_id": person.ref,
                "start_date": "2026-01-01",
                "police_certificate_on": "2025-12-01",
                "confidentiality_on": "2025-12-01",
            },
        )
        records.create(
            db,
            actor,
            "assignment",
            {"assistant_id": person.ref, "client_id": client.ref, "role": role, "start_date": "2026-01-01"},
        )
    sweden.register_assistant(db, actor, anna.ref, client.ref, date(2026, 2, 20))
    sweden.register_assistant(db, actor, bo.ref, client.ref, date(2026, 3, 18))
    for valid_from, rate in ((date(2023, 1, 1), 324.50), (date(2024, 1, 1), 332.60), (date(2027, 1, 1), 345.00)):
        sweden.add_state_rate(db, actor, valid_from, rate)

    c, a, b = client.id, anna.id, bo.id
    march = [date(2026, 3, d) for d in range(1, 32)]
    with db.write() as s:
        statuses = ("worked", "approved", "planned")
        for i, d in enumerate(march[1:6] + march[8:15]):  # 2-6 Mar, then 9-15 Mar every day
            s.add(day_shift(c, a, d, statuses[i % 3]))
        s.add(
            Shift(
                client_id=c,
                assistant_id=a,
                start_utc=local(2026, 3, 28, 22),
                end_utc=local(2026, 3, 29, 7),
                kind="active",
                status="approved",
            )
        )
        for d in march[15:20] + march[22:27]:  # 16-20 and 23-27 Mar, replacing Anna
            s.add(day_shift(c, b, d, "planned", replaces_assistant_id=a))
        s.add(day_shift(c, b, march[20], "planned", replaces_assistant_id=a, deviation_status="pending"))
        s.add(day_shift(c, b, march[21], "cancelled", replaces_assistant_id=a))
    return Scenario(c, client.ref, a, b, anna.ref, bo.ref, muni.id)


def anna_shift_facts(db, scenario: Scenario) -> list:  # noqa: ANN001
    """Anna's shifts as the working-time rules see them."""
    from sqlalchemy import select

    from bpa_provider.rules.worktime import ShiftFact

    with db.read() as s:
        rows = (
            s.execute(select(Shift).where(Shift.assistant_id == scenario.anna_id, Shift.status != "cancelled"))
            .scalars()
            .all()
        )
    return [ShiftFact(r.id, r.assistant_id, r.client_id, r.start_utc, r.end_utc, r.kind, ZONE) for r in rows]


def march_days(first: int, last: int) -> list[date]:
    return [date(2026, 3, 1) + timedelta(days=d - 1) for d in range(first, last + 1)]
