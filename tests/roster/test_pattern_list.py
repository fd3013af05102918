"""The pattern list's read model (services/pattern_list.py): every pattern of the client with its
assistant's reference and name, in one read, refused to a supervisor of another client."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

import pytest
from roster_world import supervisor_actor, utc

from bpa_provider.errors import PermissionDenied
from bpa_provider.services import roster
from bpa_provider.services.pattern_list import client_patterns

MONDAY = date(2026, 11, 30)


def _pattern(world, assistant, weekdays: str, valid_from: date, name: str = "") -> None:
    roster.create_pattern(
        world.db,
        world.admin,
        world.client.id,
        assistant.id,
        weekdays=weekdays,
        start_time="08:00",
        end_time="16:00",
        valid_from=valid_from,
        name=name,
        today=MONDAY,
        now=utc(2026, 11, 29),
    )


def test_rows_carry_the_pattern_and_its_assistant_in_the_services_order(world):
    _pattern(world, world.substitute, "tue", date(2026, 12, 14), name="B week")
    _pattern(world, world.regular, "mon,wed", MONDAY, name="A week")
    rows = client_patterns(world.db, world.admin, world.client.id)
    listed = roster.list_patterns(world.db, world.admin, world.client.id)
    assert [r.id for r in rows] == [p.id for p in listed]  # oldest valid-from first
    first, second = rows
    assert (first.name, first.assistant_ref, first.assistant_name) == ("A week", world.regular.ref, "Per Hansen")
    assert (second.assistant_ref, second.assistant_name) == (world.substitute.ref, "Siri Vik")
    assert first.weekdays == "0,2" and first.start_time == time(8) and first.end_time == time(16)
    assert first.version == listed[0].version and first.valid_from == MONDAY and first.generated_until is not None


def test_the_whole_list_is_one_read(world, monkeypatch):
    for n, day in enumerate(("fri", "thu", "wed")):  # days apart: a person's patterns may not overlap
        _pattern(world, world.regular if n % 2 else world.substitute, day, date(2026, 12, 7 + 7 * n))
    reads = []
    real = type(world.db).read

    @contextmanager
    def counted(self):
        reads.append(1)
        with real(self) as s:
            yield s

    monkeypatch.setattr(type(world.db), "read", counted)
    rows = client_patterns(world.db, world.admin, world.client.id)
    assert len(rows) == 3 and len(reads) == 1


def test_a_supervisor_of_another_client_is_refused(world):
    _pattern(world, world.regular, "mon", MONDAY)
    other = supervisor_actor(world.db, world.admin, None)
    with pytest.raises(PermissionDenied):
        client_patterns(world.db, other, world.client.id)
    own = supervisor_actor(world.db, world.admin, world.client.ref, login="own")
    assert [r.assistant_ref for r in client_patterns(world.db, own, world.client.id)] == [world.regular.ref]
