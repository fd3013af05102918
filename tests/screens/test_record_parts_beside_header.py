"""A record's parts are asked for beside its header when the header's permission check cannot
refuse the person (a role that reads every record of the kind): their round trips and Python
overlap the header's (and on SQLite the header's commit), instead of starting when it has
answered. A supervisor's (scoped) screens still ask after the header, so that a refused opening
stays one refusal in the access log (docs/performance.md, "Session 11 — record")."""

from __future__ import annotations

import threading

import fixed_data
import pytest
from pilot_steps import settle

from bpa_provider.access import ROLES, Actor
from bpa_provider.screens import detail_base
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.services import details, records


@pytest.mark.parametrize("role", ROLES)
def test_only_a_role_that_reads_every_record_asks_beside_the_header(role):
    scope = frozenset({1}) if role == "supervisor" else None
    actor = Actor(login="x", role=role, supervisor_id=1 if role == "supervisor" else None, client_scope=scope)
    for kind in ("client", "assistant"):
        beside = details.parts_beside_header(actor, kind)
        assert beside == (actor.may(f"{kind}.read") and role != "supervisor")


async def test_the_parts_are_asked_while_the_header_is_still_out(make_app, monkeypatch):
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)
    release = threading.Event()
    asked_while_held: list[str] = []
    real_header = details.client_header

    def held_header(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        assert release.wait(10)
        return real_header(*args, **kwargs)

    def spied(name: str):  # noqa: ANN202
        real = getattr(details, name)

        def part(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if not release.is_set():
                asked_while_held.append(name)
            return real(*args, **kwargs)

        return part

    monkeypatch.setattr(details, "client_header", held_header)
    for name in ("client_records", "client_hours", "client_continuity"):
        monkeypatch.setattr(details, name, spied(name))
    app = make_app()  # a coordinator: reads every client
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        for _ in range(100):
            await pilot.pause(0.02)
            if len(asked_while_held) == 3:
                break
        assert asked_while_held == ["client_records", "client_hours", "client_continuity"]  # was: none
        release.set()
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.shown
        assert all(screen.has(tag) for tag in ("records", "hours", "continuity"))
