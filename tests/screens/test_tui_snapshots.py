"""A snapshot of every screen, at 80x24 in English and Norwegian and at 120x40, so a change of
layout shows in review (one line per row, nothing wrapped, nothing cut mid-word).

The data, "today" and the log's clock are fixed (fixed_data.py), plus a few shifts and an open
transfer made here through the services, so a changed snapshot means a changed screen.
Re-baseline deliberately with `pytest tests/screens/test_tui_snapshots.py --snapshot-update` and
look at the changed SVGs before committing; textual is pinned, and an upgrade means re-baselining.
docs/tui.md shows some of these SVGs as the day's walk-through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import fixed_data
import pytest
from textual.widgets import Input

from bpa_provider.services import records, roster, transfers

BUILDER = fixed_data.BUILDER

# (terminal size, language)
LOOKS = [
    pytest.param(((80, 24), "en"), id="80x24-en"),
    pytest.param(((80, 24), "nb"), id="80x24-nb"),
    pytest.param(((120, 40), "en"), id="120x40-en"),
]


async def _settle(pilot) -> None:
    """Every worker done and its answer on screen. The dashboard shows answers that come close
    together in one paint, after `GATHER_ANSWERS` seconds: a snapshot taken sooner would catch
    a half-filled screen on a machine busy enough to delay the last answer."""
    from bpa_provider.screens.dashboard import GATHER_ANSWERS

    await pilot.pause()
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause(2 * GATHER_ANSWERS)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _ref_id(db, kind: str, ref: str) -> int:
    return records.find_id(db, BUILDER, kind, ref)


def _week_of_work(db) -> None:
    """Kari's week of "today": four shifts by Per, one of them after too short a rest."""
    kari, per = _ref_id(db, "client", "K-0001"), _ref_id(db, "assistant", "A-0001")
    roster.create_shift(db, BUILDER, kari, per, "2026-03-02T08:00", "16:00")
    roster.create_shift(db, BUILDER, kari, per, "2026-03-03T08:00", "16:00")
    roster.create_shift(db, BUILDER, kari, per, "2026-03-04T14:00", "22:00")
    roster.create_shift(db, BUILDER, kari, per, "2026-03-05T06:00", "14:00")


def _a_transfer(db) -> None:
    transfers.open_transfer(db, BUILDER, "K-0003", "out", "Aleris Omsorg", "2026-02-16", today=fixed_data.TODAY)


def _fixed_clock(make: Callable[[], Any]) -> None:
    """Make the test's own data with the log's and the records' clock fixed (as fixed_data does),
    so the access log and histories show the same times every run."""
    from datetime import datetime, timedelta
    from itertools import count
    from unittest import mock

    tick = count()
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    now = lambda: start + timedelta(minutes=next(tick))  # noqa: E731
    with mock.patch("bpa_provider.audit.utcnow", now), mock.patch("bpa_provider.db.models.utcnow", now):
        make()


def _keys(*keys: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return run


def _open(kind: str, record_id: int, *then: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_record(kind, record_id)
        await _settle(pilot)
        for key in then:
            await pilot.press(key)
            await _settle(pilot)

    return run


def _roster(db, pane: str = "week", *then: str) -> Callable[[Any], Awaitable[None]]:
    kari = _ref_id(db, "client", "K-0001")

    async def run(pilot) -> None:
        await _settle(pilot)
        await pilot.press("4")
        await _settle(pilot)
        view = pilot.app.screen.view("rosters")
        view.open_client(kari, "K-0001 Kari Nordmann")
        await _settle(pilot)
        if pane != "week":
            view.action_pane(pane)
            await _settle(pilot)
        for key in then:
            await pilot.press(key)
            await _settle(pilot)

    return run


def _new_client_half_filled(pilot_keys: tuple[str, ...] = ("2", "n")) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot) -> None:
        await _settle(pilot)
        for key in pilot_keys:
            await pilot.press(key)
            await _settle(pilot)
        form = pilot.app.screen
        form.row("name").query_one(Input).value = "Astrid Lie"
        form.row("national_id").query_one(Input).value = "0101"  # a problem under its field
        form.row("national_id").validate(force=True)
        form.row("name").focus_editor()
        await _settle(pilot)

    return run


def _help() -> Callable[[Any], Awaitable[None]]:
    """F1 on the client list; the help names the database by its full address, which lives in a
    temporary folder here: it is shown as a fixed one."""
    from unittest import mock

    async def run(pilot) -> None:
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)
        with mock.patch.object(type(pilot.app.db), "url", property(lambda _db: "sqlite:////srv/bpa/bpa.sqlite3")):
            await pilot.press("f1")
            await _settle(pilot)

    return run


def _screens(db) -> dict[str, Callable[[Any], Awaitable[None]]]:
    """Every screen, by name: how to get there from the start."""
    return {
        "dashboard": _keys(),
        "clients": _keys("2"),
        "client_detail": _open("client", _ref_id(db, "client", "K-0001")),
        "client_form": _new_client_half_filled(),
        "end_client": _open("client", _ref_id(db, "client", "K-0002"), "x"),
        "assistants": _keys("3"),
        "assistant_detail": _open("assistant", _ref_id(db, "assistant", "A-0001")),
        "roster_week": _roster(db),
        "roster_hours": _roster(db, "hours"),
        # approve (p, yes), lock (l, yes), then e: the status line says why nothing can change
        "week_locked": _roster(db, "week", "p", "y", "l", "y", "e"),
        "transfers": _keys("5"),
        "transfer_detail": _keys("5", "enter"),
        "courses_onboarding": _keys("6"),
        "onboarding_checklist": _keys("6", "enter"),
        "courses_catalog": _keys("6", "greater_than_sign", "greater_than_sign"),
        "reviews": _keys("7"),
        "municipalities": _keys("8"),
        "audit_log": _keys("9"),
        "help": _help(),
    }


SCREEN_NAMES = [
    "dashboard",
    "clients",
    "client_detail",
    "client_form",
    "end_client",
    "assistants",
    "assistant_detail",
    "roster_week",
    "roster_hours",
    "week_locked",
    "transfers",
    "transfer_detail",
    "courses_onboarding",
    "onboarding_checklist",
    "courses_catalog",
    "reviews",
    "municipalities",
    "audit_log",
    "help",
]


@pytest.mark.parametrize("look", LOOKS)
@pytest.mark.parametrize("screen", SCREEN_NAMES)
def test_screen(snap_compare, make_app, fixed_db, screen, look):
    (size, lang) = look
    _fixed_clock(lambda: (_week_of_work(fixed_db), _a_transfer(fixed_db)))
    run_before = _screens(fixed_db)[screen]
    assert snap_compare(make_app(lang=lang), terminal_size=size, run_before=run_before)
