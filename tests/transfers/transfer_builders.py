"""Builders for the transfer tests: a client with assistants, employments and assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import factories as f
from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.rules.national_id import make_se


@dataclass
class World:
    client: str
    assistants: list[str]


def build(
    db: Database,
    actor: Actor,
    *,
    country: str = "no",
    muni: str = "Hamar",
    assistants: int = 2,
    employed_from: str = "2024-01-01",
) -> World:
    """A municipality, an active client, and `assistants` assistants employed and assigned to it."""
    f.municipality(db, actor, muni, country=country, notice_months=3)
    c = f.client(db, actor, muni)
    refs = []
    for n in range(assistants):
        born = date(1990, 1 + n, 10 + n)
        number = f.valid_fnr(born) if country == "no" else make_se(born, 100 + n)
        a = f.assistant(db, actor, name=f"Assistant {n}", national_id=number)
        f.employment(
            db,
            actor,
            a.ref,
            start_date=employed_from,
            hourly_wage=230.5 + n,
            position_percent=80 - n,
            seniority_date="2019-03-01",
        )
        f.assignment(db, actor, a.ref, c.ref, start_date="2026-01-01")
        refs.append(a.ref)
    return World(c.ref, refs)


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()
