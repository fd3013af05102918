"""A record whose parts answer together is built once: the header waits (at most `PART_WAIT`)
for its parts, so the screen is styled, laid out and drawn once, not once per part (which cost
the client's screen ≈ 0.1 s of the UI thread, docs/performance.md). A slow part still never holds
the record back (tests/screens/test_record_header_first.py)."""

from __future__ import annotations

import asyncio
import threading

import fixed_data
from pilot_steps import settle
from textual.widgets import Static

from bpa_provider.screens import detail_base
from bpa_provider.screens.assistant_detail import AssistantDetailScreen
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.services import details, records


def _count_builds(monkeypatch) -> dict[str, int]:  # noqa: ANN001
    builds = {"show": 0, "show_part": 0}
    real_show, real_part = detail_base.DetailScreen.show, detail_base.DetailScreen.show_part

    async def show(self):  # noqa: ANN001, ANN202
        builds["show"] += 1
        await real_show(self)

    async def show_part(self, tag):  # noqa: ANN001, ANN202
        builds["show_part"] += 1
        await real_part(self, tag)

    monkeypatch.setattr(detail_base.DetailScreen, "show", show)
    monkeypatch.setattr(detail_base.DetailScreen, "show_part", show_part)
    # However slow the machine, every part answers within this: the test is about the building.
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)
    return builds


def _text(screen) -> str:  # noqa: ANN001
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def test_a_client_is_built_once_with_every_part(make_app, monkeypatch):
    builds = _count_builds(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        shown = _text(screen)
        assert "K-0001 Kari Nordmann" in shown and "Decisions (1)" in shown and "This month:" in shown
        assert "Loading…" not in shown
        assert builds == {"show": 1, "show_part": 0}
        screen.action_reload()  # a reload shows the header at once and fills the parts as before
        await settle(app, pilot)
        assert builds["show"] == 2 and "Loading…" not in _text(screen)


async def test_an_assistant_is_built_once_with_every_part(make_app, monkeypatch):
    builds = _count_builds(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("assistant", records.find_id(app.db, fixed_data.BUILDER, "assistant", "A-0001"))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AssistantDetailScreen)
        shown = _text(screen)
        assert "A-0001" in shown and "Upcoming shifts" in shown and "Loading…" not in shown
        assert builds == {"show": 1, "show_part": 0}


async def test_the_parts_are_asked_by_the_headers_worker(make_app, monkeypatch):
    """The parts start as soon as the header has answered, not when its answer reaches the UI
    thread (which is still drawing the new screen then): the header's answer is held here until
    a part has started, which before never happened."""
    started = threading.Event()
    real_records = details.client_records

    def records_part(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started.set()
        return real_records(*args, **kwargs)

    monkeypatch.setattr(details, "client_records", records_part)
    seen: list[bool] = []
    real_on = detail_base.DetailScreen.on_service_result

    async def on_service_result(self, result):  # noqa: ANN001, ANN202
        if result.tag == "detail":
            for _ in range(150):
                if started.is_set():
                    break
                await asyncio.sleep(0.01)
            seen.append(started.is_set())
        await real_on(self, result)

    monkeypatch.setattr(detail_base.DetailScreen, "on_service_result", on_service_result)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await settle(app, pilot)
        assert seen == [True]
        assert "Decisions (1)" in _text(app.screen) and "Loading…" not in _text(app.screen)


async def test_a_header_later_than_the_wait_shows_at_once(make_app, monkeypatch):
    """On a busy machine the header itself may come after `PART_WAIT`: it shows at once, with the
    parts still out loading in their places, rather than waiting longer for them."""
    monkeypatch.setattr(detail_base, "PART_WAIT", 0.3)
    header_may_answer, hours_may_answer = threading.Event(), threading.Event()
    real_header, real_hours = details.client_header, details.client_hours

    def late_header(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        assert header_may_answer.wait(10)
        return real_header(*args, **kwargs)

    def held_hours(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        assert hours_may_answer.wait(10)
        return real_hours(*args, **kwargs)

    monkeypatch.setattr(details, "client_header", late_header)
    monkeypatch.setattr(details, "client_hours", held_hours)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await pilot.pause(0.4)  # past the wait, the header not answered yet
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.header is None
        header_may_answer.set()
        for _ in range(200):
            await pilot.pause(0.01)
            if screen.header is not None:
                break
        await pilot.pause()
        shown = _text(screen)
        assert "K-0001 Kari Nordmann" in shown and "Loading…" in shown  # at once, hours still out
        hours_may_answer.set()
        await settle(app, pilot)
        assert "This month:" in _text(screen) and "Loading…" not in _text(screen)
