"""More of the app's screens as snapshots, with the looks of test_tui_snapshots.py (80x24 in
English and Norwegian, 120x40): the forms a coordinator's day opens (decision, supervisor,
assistant, shift, transfer, staff review), the roster's assistant pane and `g` prompt, the tabs
of Courses and Reviews, the command palette, and the question a half-filled form asks before
the app quits.

Kept apart from test_tui_snapshots.py so that module's list and this one can grow in parallel;
the data, "today" and the clocks are the same (fixed_data.py and the helpers imported below).
Re-baseline deliberately: `pytest tests/screens/test_tui_snapshots_more.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import test_tui_snapshots as base

LOOKS = base.LOOKS


def _screens(db) -> dict[str, Callable[[Any], Awaitable[None]]]:
    kari = base._ref_id(db, "client", "K-0001")
    return {
        "decision_form": base._open("client", kari, "d"),
        "supervisor_form": base._open("client", kari, "s"),
        "assistant_form": base._keys("3", "n"),
        # Thursday's shift, which follows Wednesday's late one after too short a rest
        "shift_form": base._roster(db, "week", "right", "right", "right", "enter"),
        "roster_assistant": base._roster(db, "assistant"),
        "goto_week": base._roster(db, "week", "g"),
        "transfer_form": base._keys("5", "n"),
        "review_form": base._keys("7", "r"),
        "courses_sessions": base._keys("6", "greater_than_sign"),
        "courses_expiring": base._keys("6", "greater_than_sign", "greater_than_sign", "greater_than_sign"),
        "reviews_actions": base._keys("7", "greater_than_sign"),
        "reviews_held": base._keys("7", "greater_than_sign", "greater_than_sign"),
        "palette": base._keys("ctrl+p", "k", "a", "r", "i"),
        "quit_with_changes": _quit_from_a_half_filled_form(),
    }


def _quit_from_a_half_filled_form() -> Callable[[Any], Awaitable[None]]:
    fill = base._new_client_half_filled()

    async def run(pilot) -> None:
        await fill(pilot)
        await pilot.press("ctrl+q")
        await base._settle(pilot)

    return run


SCREEN_NAMES = [
    "decision_form",
    "supervisor_form",
    "assistant_form",
    "shift_form",
    "roster_assistant",
    "goto_week",
    "transfer_form",
    "review_form",
    "courses_sessions",
    "courses_expiring",
    "reviews_actions",
    "reviews_held",
    "palette",
    "quit_with_changes",
]


@pytest.mark.parametrize("look", LOOKS)
@pytest.mark.parametrize("screen", SCREEN_NAMES)
def test_screen(snap_compare, make_app, fixed_db, screen, look):
    (size, lang) = look
    base._fixed_clock(lambda: (base._week_of_work(fixed_db), base._a_transfer(fixed_db)))
    run_before = _screens(fixed_db)[screen]
    assert snap_compare(make_app(lang=lang), terminal_size=size, run_before=run_before)
