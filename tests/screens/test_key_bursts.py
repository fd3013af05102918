"""Keys that arrive in a burst (normal over SSH): the screen ends where the keys say, and the app
is idle soon after.

Pilot's `press` waits for the app to go idle between keys, which hid a highlight → show area →
highlight loop in the navigation. These tests hand the keys to the driver one after the other
without waiting, the way a terminal delivers a burst.
"""

from __future__ import annotations

import asyncio
import time

from pilot_steps import settle
from textual import events
from textual.widgets import ContentSwitcher
from tooling import wait_for

from bpa_provider.screens.main import MainScreen
from bpa_provider.screens.widgets.nav import NavList


def burst(app, *keys: str) -> None:  # noqa: ANN001
    """Hand keys to the driver back to back, as a terminal does with a burst of input."""
    for key in keys:
        char = key if len(key) == 1 else None
        app._driver.process_message(events.Key(key, char))


async def quiet_after(app, pilot, seconds: float = 1.0) -> int:  # noqa: ANN001
    """How many times an area was shown during `seconds` after the app first went idle."""
    screen = app.screen
    assert isinstance(screen, MainScreen)
    shown: list[str] = []
    original = screen.show_area

    async def counting(key: str, *args, **kwargs):  # noqa: ANN002, ANN003
        shown.append(key)
        return await original(key, *args, **kwargs)

    screen.show_area = counting  # type: ignore[method-assign]
    cpu = time.process_time()
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu
    screen.show_area = original  # type: ignore[method-assign]
    # The runaway loop kept a core ~90 % busy; an idle app uses a few per cent of one.
    assert cpu < 0.5 * seconds, f"the app used {cpu:.2f} s of CPU in {seconds} s while idle"
    return len(shown)


def current(app) -> str:  # noqa: ANN001
    return app.screen.query_one(ContentSwitcher).current


async def test_two_quick_downs_end_two_areas_down_and_go_quiet(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "down", "down")
        await settle(app, pilot)
        await wait_for(pilot, lambda: current(app) == "assistants", what="the keys to end on assistants")
        assert current(app) == "assistants"
        assert app.screen.query_one(NavList).highlighted == 2
        assert await quiet_after(app, pilot) == 0
        assert current(app) == "assistants"


async def test_a_long_burst_of_arrows_and_numbers_ends_where_the_keys_say(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "down", "down", "down", "up", "down", "down")
        await settle(app, pilot)
        await wait_for(pilot, lambda: current(app) == "transfers", what="the keys to end on transfers")
        assert current(app) == "transfers"
        assert await quiet_after(app, pilot) == 0
        burst(app, "down", "down", "escape", "3")
        await settle(app, pilot)
        await wait_for(pilot, lambda: current(app) == "assistants", what="the keys to end on assistants")
        assert current(app) == "assistants"
        assert await quiet_after(app, pilot) == 0
        assert current(app) == "assistants"


async def test_a_burst_then_enter_moves_into_the_area_the_keys_chose(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, "down", "down", "up", "enter")
        await settle(app, pilot)
        await wait_for(pilot, lambda: current(app) == "clients", what="the keys to end on clients")
        assert current(app) == "clients"
        assert app.screen.query_one(NavList).highlighted == 1
        assert not app.screen.query_one(NavList).has_focus
        assert await quiet_after(app, pilot) == 0
