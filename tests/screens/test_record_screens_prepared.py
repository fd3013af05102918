"""The record screens are built ahead, holding no record, once the lists are (`BpaApp.prepare_records`,
on in a person's session): the first client or assistant opened then shows in the kept screen,
as the next one does, and shows what a screen built on the key shows. Building them asks for no
record's header (which logs an opening): the parts' calls run once for the first row of each list,
so that their statements are compiled before a person waits for them (docs/performance.md,
"Session 10 — record"); the header's statements are compiled on reads of no row, logging no view
(`details.warm_header`, "Session 12 — pgrecord")."""

from __future__ import annotations

import asyncio
import threading

import fixed_data
import pytest
from pilot_steps import settle
from sqlalchemy import event, func, select
from sqlalchemy.engine.default import CacheStats
from sqlalchemy.orm import Session
from test_terminal_escapes import plain_screen
from textual import events

from bpa_provider.db.engine import Database
from bpa_provider.db.models import AuditEvent, Client, Municipality
from bpa_provider.screens import detail_base
from bpa_provider.screens.app import DETAIL_SCREENS, BpaApp
from bpa_provider.screens.assistant_detail import AssistantDetailScreen
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.services import details, records


async def _prepared(app, pilot) -> None:  # noqa: ANN001
    for _ in range(300):
        await settle(app, pilot)
        kept = app._kept_records
        if len(kept) == len(DETAIL_SCREENS) and all(s.is_mounted for s in kept.values()) and not app._record_steps:
            break
    await settle(app, pilot)


def _spy(monkeypatch, module, name: str, asked: list[tuple[str, int]]) -> None:  # noqa: ANN001
    real = getattr(module, name)

    def spy(db, actor, record_id, *args, **kwargs):  # noqa: ANN001, ANN202
        asked.append((name, record_id))
        return real(db, actor, record_id, *args, **kwargs)

    monkeypatch.setattr(module, name, spy)


def _views(db: Database) -> int:
    """The access log's view rows (docs/privacy.md: what is read ahead unseen is not a view)."""
    with db.read() as s:
        return s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "view")).scalar_one()


async def _open(app, pilot, kind: str, ref: str) -> str:  # noqa: ANN001
    app.open_record(kind, records.find_id(app.db, fixed_data.BUILDER, kind, ref))
    await settle(app, pilot)
    return plain_screen(app)


async def test_the_first_record_opens_in_a_screen_built_ahead_as_a_new_screen_shows_it(
    fixed_db, coordinator, monkeypatch
):
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)  # every part in the first frame, however slow
    expected = {}
    for kind, ref in (("client", "K-0002"), ("assistant", "A-0002")):
        app = BpaApp(fixed_db, coordinator, lang="en", today=fixed_data.TODAY)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            expected[kind] = await _open(app, pilot, kind, ref)
    asked: list[tuple[str, int]] = []
    for name in ("client_header", "client_records", "assistant_header", "assistant_records"):
        _spy(monkeypatch, details, name, asked)
    deferred = Database(url=str(fixed_db.engine.url.database))
    views_before = _views(fixed_db)
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _prepared(app, pilot)
        assert _views(fixed_db) == views_before  # read ahead, unseen: no view in the access log
        built = dict(app._kept_records)
        assert isinstance(built["client"], ClientDetailScreen)
        assert isinstance(built["assistant"], AssistantDetailScreen)
        assert not any(screen in app.screen_stack for screen in built.values())  # built, not shown
        # No header asked (no opening logged); the parts once, for each list's first row.
        first = {kind: app.main_screen().view(f"{kind}s").rows[0].id for kind in ("client", "assistant")}
        assert sorted(asked) == sorted([("assistant_records", first["assistant"]), ("client_records", first["client"])])
        for kind, ref in (("client", "K-0002"), ("assistant", "A-0002")):
            shown = await _open(app, pilot, kind, ref)
            assert app.screen is built[kind], "the first record of its kind shows in the screen built ahead"
            assert shown == expected[kind]
            await pilot.press("escape")
            await settle(app, pilot)
    deferred.dispose()


async def test_without_preparing_no_record_screen_is_built_ahead(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.5)
        assert app._kept_records == {}
        await _open(app, pilot, "client", "K-0001")
        assert isinstance(app.screen, ClientDetailScreen) and app._kept_records == {"client": app.screen}


async def test_after_a_language_switch_the_record_screens_are_built_again_in_it(fixed_db, coordinator):
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _prepared(app, pilot)
        before = dict(app._kept_records)
        await pilot.press("escape")  # a person's keys switch the language (the lists then wait for theirs)
        await app.set_language_and_rebuild("nb")
        await _prepared(app, pilot)
        again = dict(app._kept_records)
        assert again.keys() == before.keys()
        assert all(again[kind] is not before[kind] and again[kind].is_mounted for kind in again)
        assert not any(screen.is_attached for screen in before.values())  # the old ones are gone
        text = await _open(app, pilot, "client", "K-0001")
        assert app.screen is again["client"] and "Vedtak" in text  # "Decisions", in the new language
    deferred.dispose()


def _rows(db: Database) -> int:
    """Every row of the access log (a warm-up writes none, of any kind)."""
    with db.read() as s:
        return s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


@pytest.mark.parametrize("kind", ["client", "assistant"])
def test_the_header_warm_up_reads_no_row_and_writes_nothing(fixed_db, kind):
    """`details.warm_header` runs only reads whose every id is `NO_ROW` (no row has it) or whose
    LIMIT is 0, loads no record and adds no access-log row."""
    with fixed_db.read() as s:
        assert s.get(Client, details.NO_ROW) is None and s.get(Municipality, details.NO_ROW) is None
    executed: list[tuple[str, object]] = []
    loaded: list[object] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        executed.append((statement, parameters))

    def load(session, instance):  # noqa: ANN001, ANN202
        loaded.append(instance)

    before = _rows(fixed_db)
    event.listen(fixed_db.engine, "before_cursor_execute", seen)
    event.listen(Session, "loaded_as_persistent", load)
    try:
        details.warm_header(fixed_db, kind)
    finally:
        event.remove(fixed_db.engine, "before_cursor_execute", seen)
        event.remove(Session, "loaded_as_persistent", load)
    selects = [(sql, params) for sql, params in executed if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 2  # the record, and the hash the view would chain to
    assert [sql for sql, _p in executed if not sql.lstrip().upper().startswith(("SELECT", "BEGIN", "ROLLBACK"))] == []
    for sql, params in selects:
        values = list(params.values()) if isinstance(params, dict) else list(params)
        if "LIMIT" in sql.upper():
            assert values[0] == 0, sql  # LIMIT 0 (then its OFFSET)
        else:
            assert values and all(v == details.NO_ROW for v in values), sql
    assert loaded == []  # no record read
    assert _rows(fixed_db) == before  # no view logged, nothing written


async def test_the_first_record_s_header_finds_its_reads_compiled_ahead_and_shows_the_same(fixed_db, coordinator):
    """Built ahead (`prepare=True`), the first client's header reads its municipality and the hash
    its view chains to with statements compiled while the app was idle (a cache hit: no compiling
    while the person waits); the view is logged once, when the record is opened, and the record
    shows as on a screen built on the key."""
    app = BpaApp(fixed_db, coordinator, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        expected = await _open(app, pilot, "client", "K-0002")
    deferred = Database(url=str(fixed_db.engine.url.database))
    views_before = _views(fixed_db)
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    header_reads: list[tuple[str, CacheStats]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        if "parts" not in threading.current_thread().name and (
            "FROM municipality" in statement or "audit_event.hash" in statement
        ):
            header_reads.append((statement.split("FROM")[1].split()[0], context.cache_hit))

    async with app.run_test(size=(120, 40)) as pilot:
        await _prepared(app, pilot)
        assert _views(fixed_db) == views_before  # warmed ahead, unseen: no view logged
        event.listen(deferred.engine, "before_cursor_execute", seen)
        try:
            shown = await _open(app, pilot, "client", "K-0002")
        finally:
            event.remove(deferred.engine, "before_cursor_execute", seen)
        assert app.screen is app._kept_records["client"]
        assert shown == expected
        assert _views(fixed_db) == views_before + 1  # the opening, logged once
        assert {table for table, _hit in header_reads} == {"municipality", "audit_event"}
        assert all(hit is CacheStats.CACHE_HIT for _table, hit in header_reads), header_reads
    deferred.dispose()


async def test_a_key_pressed_while_a_record_screen_is_prepared_is_answered_before_the_next_step(
    fixed_db, coordinator, monkeypatch
):
    """The preparation goes one step at a time (`BpaApp.prepare_records`): a key that comes while
    a step is running — here the client's screen being built, held until the key has come — is
    answered before the next step starts; the steps left are done afterwards, and the first client
    then opens in the screen built ahead and shows what a screen built on the key shows."""
    app = BpaApp(fixed_db, coordinator, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        expected = await _open(app, pilot, "client", "K-0002")
    order: list[str] = []
    gate = asyncio.Event()

    def spy(name: str) -> None:
        real = getattr(BpaApp, name)

        async def step(self, kind, *args):  # noqa: ANN001, ANN202
            order.append(f"{name} {kind}")
            await real(self, kind, *args)
            if name == "_build_kept" and kind == "client":
                try:  # the person's key comes while this step runs
                    await asyncio.wait_for(gate.wait(), 10)
                except TimeoutError:
                    order.append("the key waited for the step")

        monkeypatch.setattr(BpaApp, name, step)

    for name in ("_build_kept", "_style_kept"):
        spy(name)
    real_warm = BpaApp._warm_kept

    async def warm(self, main, kind):  # noqa: ANN001, ANN202
        order.append(f"_warm_kept {kind}")
        await real_warm(self, main, kind)

    monkeypatch.setattr(BpaApp, "_warm_kept", warm)
    real_event = BpaApp.on_event

    async def on_event(self, event):  # noqa: ANN001, ANN202
        await real_event(self, event)
        if getattr(event, "key", None) == "down" and "key answered" not in order:
            order.append("key answered")
            gate.set()

    monkeypatch.setattr(BpaApp, "on_event", on_event)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await asyncio.sleep(0.05)
            if "_build_kept client" in order and app._kept_records["client"].is_mounted:
                break
        app.post_message(events.Key("down", None))  # not Pilot's press: it waits for the app to be idle
        await _prepared(app, pilot)
        assert order == [
            "_build_kept client",
            "key answered",  # before the steps left, which waited for it
            "_style_kept client",
            "_warm_kept client",
            "_build_kept assistant",
            "_style_kept assistant",
            "_warm_kept assistant",
        ]
        shown = await _open(app, pilot, "client", "K-0002")
        assert app.screen is app._kept_records["client"]
        assert shown == expected
    deferred.dispose()


async def test_a_step_that_fails_stops_the_preparation_and_the_record_still_opens(fixed_db, coordinator, monkeypatch):
    """A fault while preparing ahead (here: building the client's screen) is not raised into a
    task nobody awaits, nor into the app: the preparation stops with nothing more built, and the
    first client then opens on its key in a screen of its own, showing what it shows without any
    preparation."""
    app = BpaApp(fixed_db, coordinator, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        expected = await _open(app, pilot, "client", "K-0002")
    tried: list[str] = []

    async def broken(self, kind):  # noqa: ANN001, ANN202
        tried.append(kind)
        raise RuntimeError("planted")

    monkeypatch.setattr(BpaApp, "_build_kept", broken)
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if tried and app._record_task is not None and app._record_task.done():
                break
        for _ in range(10):  # a moment more: no step is looked at again
            await settle(app, pilot)
        assert tried == ["client"]
        assert app._record_task is not None and app._record_task.exception() is None
        assert app._record_steps == [] and app._kept_records == {}
        shown = await _open(app, pilot, "client", "K-0002")
        assert app.is_running
        assert shown == expected
    deferred.dispose()


async def test_after_each_key_the_steps_left_go_on_in_the_next_pause(fixed_db, coordinator, monkeypatch):
    """After a key, the steps left of the preparation wait for the keys' quiet (`RECORDS_QUIET`)
    and then go on at its end, one after another in that pause — not one step per look a poll
    (`PREPARE_AFTER`) apart, which left the client's statements uncompiled when a person pressing
    a key every half second opened the first record. Here a key comes after every step, and the
    poll is made longer than the test waits: the preparation is still done, in order, writes no
    access-log row, and the first client then shows in the kept screen as a screen built on the
    key shows it (one view logged, on opening)."""
    from bpa_provider.screens import record_prep

    app = BpaApp(fixed_db, coordinator, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        expected = await _open(app, pilot, "client", "K-0002")
    monkeypatch.setattr(record_prep, "PREPARE_AFTER", 600.0)  # a step waiting for the poll never comes
    done: list[str] = []
    real_step = BpaApp._record_step

    async def step(self, fn):  # noqa: ANN001, ANN202
        await real_step(self, fn)
        done.append(getattr(fn, "func", fn).__name__)
        self.post_message(events.Key("f24", None))  # the person's next key (bound to nothing)

    monkeypatch.setattr(BpaApp, "_record_step", step)
    deferred = Database(url=str(fixed_db.engine.url.database))
    views_before, rows_before = _views(fixed_db), _rows(fixed_db)
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY, prepare=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(events.Key("f24", None))  # a key before any step: the lists need not come first
        for _ in range(400):
            await asyncio.sleep(0.05)
            if len(done) == 7:
                break
        assert done == [
            "_import_record_modules",
            "_build_kept",
            "_style_kept",
            "_warm_kept",
            "_build_kept",
            "_style_kept",
            "_warm_kept",
        ]
        assert set(app._kept_records) == set(DETAIL_SCREENS)
        await settle(app, pilot)
        assert _rows(fixed_db) == rows_before  # prepared unseen: no view logged, nothing written
        shown = await _open(app, pilot, "client", "K-0002")
        assert app.screen is app._kept_records["client"]
        assert shown == expected
        assert _views(fixed_db) == views_before + 1  # the opening, logged once
    deferred.dispose()
