"""The lists a person opens first are built ahead, hidden, once the dashboard the person is looking
at is filled, and ask for their first page then (`MainScreen.prepare_views`, on in a person's session):
the key that opens one only shows it, with its first page already there. Before, the key imported, composed and styled the list and
then asked for its rows (0.6–1.1 s key to screen in a real terminal, docs/performance.md)."""

from __future__ import annotations

import threading
import time

import fixed_data
from pilot_steps import settle

from bpa_provider.db.engine import Database
from bpa_provider.screens.app import BpaApp
from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.services import records, sections


def _spy_pages(monkeypatch) -> list[str]:  # noqa: ANN001
    asked: list[str] = []
    real = records.list_records

    def spy(db, actor, kind, **kwargs):  # noqa: ANN001
        asked.append(kind)
        return real(db, actor, kind, **kwargs)

    monkeypatch.setattr(records, "list_records", spy)
    return asked


async def _prepared(app, pilot) -> None:  # noqa: ANN001
    for _ in range(200):
        await settle(app, pilot)
        if all(app.screen.query(f"#{key}") for key in ("clients", "assistants")):
            break
    await settle(app, pilot)


async def test_the_lists_are_built_ahead_and_a_key_only_shows_one(fixed_db, coordinator, monkeypatch):
    asked = _spy_pages(monkeypatch)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await _prepared(app, pilot)
        clients = app.screen.query_one("#clients", RecordList)
        assert not clients.display  # built, not shown: the dashboard is still on screen
        assert sorted(asked) == ["assistant", "client"]  # each list's first page, fetched once
        assert clients.query_one(PagedTable).row_count == clients.total > 0
        shown_columns = clients.shown
        await pilot.press("2")
        await settle(app, pilot)
        assert clients.display and app.screen.current == "clients"
        assert len(asked) == 2  # showing it asked nothing more
        assert clients.shown == shown_columns  # the columns fitted before it was shown still fit
        assert clients.query_one(PagedTable).row_count == clients.total
    deferred.dispose()


async def test_a_list_built_ahead_fits_the_width_it_is_shown_at_without_asking_again(
    fixed_db, coordinator, monkeypatch
):
    asked = _spy_pages(monkeypatch)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await _prepared(app, pilot)
        clients = app.screen.query_one("#clients", RecordList)
        await pilot.press("2")
        await settle(app, pilot)
        wide = clients.shown
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert len(clients.shown) < len(wide)  # fewer columns at 80…
        assert clients.query_one(PagedTable).row_count == clients.total
        assert len(clients.query_one(PagedTable).columns) == len(clients.shown)
        assert len(asked) == 2  # …over the rows held: nothing asked again
    deferred.dispose()


async def test_the_lists_are_built_ahead_once_every_dashboard_section_has_answered(fixed_db, coordinator, monkeypatch):
    """The dashboard the person is looking at comes first: its sections share one interpreter with
    the lists built ahead (and the record screens imported ahead), so those wait until every
    section has answered — here the slowest section answers 0.4 s after the others."""
    events: list[str] = []
    lock = threading.Lock()
    real_gather, real_list = sections.gather_section, records.list_records

    def gather(db, actor, today, key, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if key == sections.DECISIONS_ENDING:
            time.sleep(0.4)
        try:
            return real_gather(db, actor, today, key, *args, **kwargs)
        finally:
            with lock:
                events.append("section")

    def list_records(db, actor, kind, **kwargs):  # noqa: ANN001, ANN003
        with lock:
            events.append("list")
        return real_list(db, actor, kind, **kwargs)

    monkeypatch.setattr(sections, "gather_section", gather)
    monkeypatch.setattr(records, "list_records", list_records)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await _prepared(app, pilot)
        assert app.screen.query_one("#clients", RecordList)
        assert events.count("list") == 2
        assert events.index("list") > len(events) - 1 - events[::-1].index("section")  # after the last section
    deferred.dispose()


async def test_without_preparing_a_list_is_built_when_first_opened(make_app, monkeypatch):
    asked = _spy_pages(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.1)
        assert not app.screen.query("#clients") and asked == []
        await pilot.press("2")
        await settle(app, pilot)
        assert asked == ["client"]


async def test_a_change_saved_after_the_list_was_built_is_in_it_when_shown(fixed_db, coordinator, monkeypatch):
    """A list built ahead and then marked stale by a change (as every saved form does) asks again
    when it is shown: it never shows the rows of before the change."""
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await _prepared(app, pilot)
        clients = app.screen.query_one("#clients", RecordList)
        before = clients.total
        records.create(fixed_db, coordinator, "client", {"name": "Åse Ny", "municipality_id": "Hamar"})
        app.broadcast_change("client")
        await pilot.press("2")
        await settle(app, pilot)
        assert clients.total == before + 1
        assert "Åse Ny" in [r.name for r in clients.rows]
    deferred.dispose()


async def test_the_view_a_key_leaves_is_hidden_while_the_new_one_is_built(make_app, monkeypatch):
    """The dashboard is hidden as soon as the key for a list comes, not once the list is built:
    its sections stop (and are not started) while the list is being built and filled."""
    seen: list[bool] = []
    real = RecordList.on_mount

    def on_mount(self) -> None:  # noqa: ANN001
        seen.append(self.app.screen.query_one("#dashboard").display)
        real(self)

    monkeypatch.setattr(RecordList, "on_mount", on_mount)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert seen == [False]
        assert app.screen.query_one("#clients").display and app.screen.current == "clients"


def test_the_start_up_worker_leaves_the_mappers_configured_and_a_connection_pooled(fixed_db):
    """`warm_up` (run by the start-up worker after the imports): the first key's query finds the
    ORM configured and a connection, its pragmas set, waiting in the pool."""
    from sqlalchemy.orm import mapperlib

    from bpa_provider.db import models  # noqa: F401 - the mappers to configure
    from bpa_provider.screens.app import warm_up

    deferred = Database(url=str(fixed_db.engine.url.database))
    assert not deferred.started
    warm_up(deferred)
    assert deferred.started and deferred.engine.pool.checkedin() == 1
    assert not any(reg._new_mappers for reg in mapperlib._all_registries())
    deferred.dispose()


async def test_the_lists_wait_for_the_dashboard_from_its_first_paint_and_ask_once_it_is_filled(
    fixed_db, coordinator, monkeypatch
):
    """The dashboard counts as being filled from its first paint, not only once its sections are
    asked for (after the database stack is loaded): the lists built ahead are neither imported nor
    built beside the stack's loading — on the one interpreter the sections then wait for (≈ 60 ms
    CPU of a start at 100 %, docs/performance.md "Session 11 — fill") — and once every section has
    answered, each is built and asks for its first page once (screens/main.py)."""
    import threading

    from bpa_provider.screens import app as app_module

    asked = _spy_pages(monkeypatch)
    loaded = threading.Event()
    warm_up = app_module.warm_up

    def slow_warm_up(db):  # noqa: ANN001, ANN202
        assert loaded.wait(10)
        warm_up(db)

    monkeypatch.setattr(app_module, "warm_up", slow_warm_up)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(25):  # half a second of the stack loading (PREPARE_AFTER is 0.2 s)
            await pilot.pause(0.02)
        assert app.screen.query("#dashboard")
        assert not any(app.screen.query(f"#{key}") for key in ("clients", "assistants"))  # not built…
        assert asked == []  # …nor asked
        loaded.set()
        await _prepared(app, pilot)
        assert sorted(asked) == ["assistant", "client"]  # each list's first page, once
        clients = app.screen.query_one("#clients", RecordList)
        assert clients.query_one(PagedTable).row_count == clients.total > 0
    deferred.dispose()
