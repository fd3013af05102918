"""The dashboard's sections run on a pool of their own (screens/calls.py): a key pressed while
they are still being computed is answered at once, not after them. Before, every section took
one of the six threads of asyncio's default pool, and a list's call waited for a free one."""

from __future__ import annotations

import threading

from pilot_steps import settle

from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.services import sections


async def test_a_list_opens_while_every_dashboard_section_is_still_computing(make_app, monkeypatch):
    release = threading.Event()
    started: list[str] = []
    real = sections.gather_section

    def slow(db, actor, today, key, policy=None, limit=None):  # noqa: ANN001
        started.append(key)
        assert release.wait(20)
        return real(db, actor, today, key, policy, limit)

    monkeypatch.setattr(sections, "gather_section", slow)
    app = make_app()
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(100):
                await pilot.pause(0.02)
                if started:
                    break
            assert started  # the dashboard is computing its sections
            await pilot.press("2")
            view = app.screen.query_one("#clients", RecordList)
            for _ in range(250):
                await pilot.pause(0.02)
                if view.query_one(PagedTable).row_count:
                    break
            assert view.query_one(PagedTable).row_count == view.total > 0
            assert not release.is_set()  # every section still held back
            release.set()
            await settle(app, pilot)
    finally:
        release.set()


def test_background_calls_wait_for_a_keys_call_and_after_a_key(monkeypatch):
    """A background call does not start while a key's call runs, nor just after a key; it starts
    once they are over (and after YIELD_AT_MOST at the latest)."""
    from bpa_provider.screens import calls

    monkeypatch.setattr(calls, "YIELD_AT_MOST", 30.0)
    monkeypatch.setattr(calls, "_hold_until", 0.0)
    order: list[str] = []
    key_running, key_may_end = threading.Event(), threading.Event()

    def key_call() -> None:
        key_running.set()
        assert key_may_end.wait(10)
        order.append("key")

    fg = threading.Thread(target=calls._foreground_answer, args=(key_call, (), {}))
    fg.start()
    assert key_running.wait(10)
    bg = threading.Thread(target=calls._background_answer, args=(lambda: order.append("background"), (), {}))
    bg.start()
    bg.join(0.2)
    assert order == []  # waiting for the key's call
    key_may_end.set()
    fg.join(10)
    bg.join(10)
    assert order == ["key", "background"]

    order.clear()
    calls.yield_to_keys(30.0)
    bg = threading.Thread(target=calls._background_answer, args=(lambda: order.append("background"), (), {}))
    bg.start()
    bg.join(0.2)
    assert order == []  # a key was just pressed
    monkeypatch.setattr(calls, "_hold_until", 0.0)
    with calls._quiet:
        calls._quiet.notify_all()
    bg.join(10)
    assert order == ["background"]


def test_work_done_ahead_waits_while_a_screen_is_being_filled(monkeypatch):
    """`keys_idle` (the moment for the lists built at start) is False while the dashboard says it
    is being filled, True once it says it is done — or once FILL_AT_MOST has passed, whatever it
    says; `wait_while_filling` (the start-up worker, before importing the screens opened first)
    returns when the filling ends."""
    import time

    from bpa_provider.screens import calls

    monkeypatch.setattr(calls, "_last_key", float("-inf"))
    monkeypatch.setattr(calls, "_filling", {})
    owner = object()
    assert calls.keys_idle() and not calls.being_filled()
    calls.filling(owner, True)
    assert not calls.keys_idle() and calls.being_filled()  # the lists' build looks again sooner
    calls.filling(owner, False)
    assert calls.keys_idle() and not calls.being_filled()

    monkeypatch.setattr(calls, "FILL_AT_MOST", 0.1)
    calls.filling(owner, True)  # and never says it is done
    assert not calls.keys_idle()
    time.sleep(0.15)
    assert calls.keys_idle()

    class Worker:
        is_cancelled = False

    monkeypatch.setattr(calls, "FILL_AT_MOST", 30.0)
    monkeypatch.setattr(calls, "get_current_worker", lambda: Worker)
    calls.filling(owner, True)
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (calls.wait_while_filling(), done.set()))
    waiter.start()
    assert not done.wait(0.2)  # still being filled
    calls.filling(owner, False)
    assert done.wait(10)
    waiter.join(10)

    calls.filling(owner, True)
    done.clear()
    waiter = threading.Thread(target=lambda: (calls.wait_while_filling(), done.set()))
    waiter.start()
    assert not done.wait(0.2)
    Worker.is_cancelled = True  # the app is closing: the start-up worker stops waiting
    assert done.wait(10)
    waiter.join(10)
    calls.filling(owner, False)


def test_a_key_before_the_work_was_asked_for_does_not_hold_it(monkeypatch):
    """`wait_for_keys(asked_at)`: the key that asked for the work (pressed before `asked_at`) does
    not hold it back; a key pressed after it does."""
    import time

    from bpa_provider.screens import calls

    monkeypatch.setattr(calls, "YIELD_AT_MOST", 30.0)
    monkeypatch.setattr(calls, "_hold_until", 0.0)
    monkeypatch.setattr(calls, "_last_key", float("-inf"))
    calls.yield_to_keys(30.0)  # the key that asks
    asked_at = time.monotonic()
    started = time.monotonic()
    calls.wait_for_keys(asked_at)
    assert time.monotonic() - started < 1.0  # not held by the key that asked

    done = threading.Event()
    waiter = threading.Thread(target=lambda: (calls.wait_for_keys(asked_at - 60), done.set()))
    waiter.start()
    assert not done.wait(0.2)  # asked before that key: held
    monkeypatch.setattr(calls, "_hold_until", 0.0)
    with calls._quiet:
        calls._quiet.notify_all()
    assert done.wait(10)
    waiter.join(10)
