"""The record screens prepared ahead of a person's key, while the app is idle.

`RecordPreparation`, a part of `BpaApp`: the first client or assistant a person opens costs what
the next one does, because a record screen of each kind is already composed, mounted, styled and
laid out holding no record, and the statements its header and parts run are compiled — all in
steps that give way to keys (docs/performance.md, "Session 10 — record", "Session 12 — pgrecord",
"Session 12 — yield"). Nothing here reads a record a person did not open or logs a view
(docs/privacy.md). `BpaApp.open_record` uses the screens kept here.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

from bpa_provider.screens.calls import keys_idle, quiet_left, wait_for_keys
from bpa_provider.screens.main import PREPARE_AFTER, PREPARED_AREAS, MainScreen
from bpa_provider.screens.nav import visible_areas

if TYPE_CHECKING:
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import Database

# The screens a record opens, imported when first opened: with them come the services and the
# database stack, which the first paint does not wait for (docs/performance.md).
DETAIL_SCREENS: dict[str, tuple[str, str]] = {
    "client": ("bpa_provider.screens.client_detail", "ClientDetailScreen"),
    "assistant": ("bpa_provider.screens.assistant_detail", "AssistantDetailScreen"),
}


def detail_screen(kind: str) -> type[Screen] | None:
    """The screen class that shows a record of `kind` (None: the record opens its form)."""
    where = DETAIL_SCREENS.get(kind)
    if where is None:
        return None
    return getattr(importlib.import_module(where[0]), where[1])


#: What the record screens' services import when first called (services/details.py,
#: detail_common.py and assistant_details.py import them inside the call, so that reports do not
#: load them): ≈ 65 ms of imports in the first record's calls, holding the GIL while the UI thread
#: draws it. Imported by `BpaApp.prepare_records`, after the lists are built ahead.
RECORD_MODULES = (
    "bpa_provider.services.hours",
    "bpa_provider.services.continuity",
    "bpa_provider.services.transfers",
    "bpa_provider.services.reviews",
    "bpa_provider.services.worktime",
    "bpa_provider.services.roster",
    "bpa_provider.rules.worktime",
)

#: Seconds since the last key (and no key's call running) before a record screen is built ahead
#: (`BpaApp.prepare_records`): one build is ≈ 20 ms of the UI thread, which a key pressed meanwhile
#: waits for at most — shorter than the lists' quiet (screens/main.py), which build for longer.
RECORDS_QUIET = 0.3
#: Seconds between two steps of that preparation (each step still waits for the keys' quiet), and
#: between two looks while a key's call runs or a screen is being filled.
RECORDS_NEXT = 0.02
#: The connections a record's opening uses at once on PostgreSQL — its header's worker and its
#: parts' thread (screens/detail_base.py) — each warmed ahead with the header's and parts' reads.
RECORD_CONNECTIONS = 2


class RecordPreparation(App[int]):
    """What `BpaApp` does to prepare its record screens. Its state, and the database, the person
    and the day it reads for, are `BpaApp`'s (made in `BpaApp.__init__`; `today` a property
    there): declared here only, so that nothing here shadows them."""

    db: Database
    actor: Actor
    today: date
    _kept_records: dict[str, Screen[Any]]
    _key_seen: bool
    _record_modules: bool
    _record_steps: list[Callable[[], Awaitable[None]]]
    _record_task: asyncio.Task[None] | None

    async def prepare_records(self) -> None:
        """Build the record screen of the next kind not kept yet (`open_record`), holding no
        record, then the next: the first client or assistant a person opens then costs what the
        next one does — no screen composed, mounted and styled while they wait, nor the modules
        its services import on their first call (docs/performance.md, "Session 10 — record").

        One step at a time (`_record_steps`: the modules imported in a thread; for each kind its
        screen composed and mounted, then styled and laid out, then its statements compiled in a
        thread), each looking at the keys first: a key pressed while one runs is answered before
        the next step starts, which then waits for the keys to be quiet again (docs/performance.md,
        "Session 12 — yield"). Keys first: while a key's call runs, a key came in the last
        `RECORDS_QUIET` seconds or the area asked for is being built, this waits; and before the
        person's first key, the lists go first (screens/main.py `prepare_views`)."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None or not main.is_attached or (self._record_task is not None and not self._record_task.done()):
            return  # (a step running looks at the next itself)
        if not self._record_steps and all(kind in self._kept_records for kind in DETAIL_SCREENS):
            return
        lists_next = not self._key_seen and any(
            main.view(key) is None for key in PREPARED_AREAS if any(a.key == key for a in visible_areas(self.actor))
        )
        if lists_next or main.wanted != main.current:
            self.set_timer(PREPARE_AFTER, self.prepare_records)
            return
        if not keys_idle(RECORDS_QUIET):
            # Looked at again when the keys' quiet is over, not PREPARE_AFTER later: looked at every
            # 0.2 s, a step waited up to 0.5 s after a key, and at a key every 0.45 s (the tmux
            # probe; a person paging) the client's statements were not compiled yet when its first
            # record was opened on PostgreSQL (docs/performance.md, "Session 13 — record").
            self.set_timer(max(quiet_left(RECORDS_QUIET), RECORDS_NEXT), self.prepare_records)
            return
        if not self._record_steps:
            if not self._record_modules:
                self._record_steps.append(self._import_record_modules)
            else:
                kind = next(kind for kind in DETAIL_SCREENS if kind not in self._kept_records)
                self._record_steps += [
                    functools.partial(self._build_kept, kind),
                    functools.partial(self._style_kept, kind),
                    functools.partial(self._warm_kept, main, kind),
                ]
        # The step in a task of its own, not in this timer's callback: the keys were seen waiting
        # for a callback's await to end (the warm-up thread's 20–50 ms; Pilot: not answered at all).
        self._record_task = asyncio.create_task(self._record_step(self._record_steps.pop(0)))

    async def _record_step(self, step: Callable[[], Awaitable[None]]) -> None:
        """One step of `prepare_records`, then the next looked at a moment later."""
        try:
            await step()
        except Exception as exc:  # noqa: BLE001 - preparing ahead is only a head start
            # Not raised into a task nobody awaits (asyncio would print it over the screen when
            # the task is collected): the preparation stops, and a record opened later builds its
            # screen on the key as without it, where a real fault is reported as for any key.
            self._record_steps.clear()
            self.log.error(f"record screens not prepared ahead: {exc!r}")
            return
        if not self.is_running:  # the app closed meanwhile: nothing more to prepare
            return
        # The next step a frame later, so that all are done well before the next key (it waits
        # for the keys' quiet itself: the steps' work and what a key may wait for are as before, in
        # one pause instead of one step a pause). (A timer, not `call_after_refresh`: a step
        # awaited in the app's own message queue would hold the keys until it is done.)
        self.set_timer(RECORDS_NEXT, self.prepare_records)

    async def _import_record_modules(self) -> None:
        """`prepare_records`' first step: in a thread, the UI thread keeps drawing and answering keys."""
        await asyncio.to_thread(_import_all, [m for m, _c in DETAIL_SCREENS.values()] + list(RECORD_MODULES))
        self._record_modules = True

    def _kept_ahead(self, kind: str) -> Screen[Any] | None:
        """The `kind` screen being built ahead, while it is: None once it was let go (a language
        switch) or given a record (`open_record`: what is left of its preparation is not needed)."""
        screen = self._kept_records.get(kind)
        if screen is None or screen in self.screen_stack or getattr(screen, "record_id", 0):
            return None
        return screen

    async def _build_kept(self, kind: str) -> None:
        """Composed and mounted, not shown."""
        screen_type = detail_screen(kind)
        assert screen_type is not None
        screen = screen_type()  # no record: `reopen` gives it one
        self._kept_records[kind] = screen
        self.install_screen(screen, name=f"kept-{kind}")
        # Textual's (pinned) own first step of pushing a screen: registered, composed and mounted,
        # here without showing it (a record opened meanwhile gets a screen of its own).
        _same, mounted = self._get_screen(screen)
        await mounted

    async def _style_kept(self, kind: str) -> None:
        """Marked as styled (its widgets were, as they were mounted) and laid out at this size."""
        screen = self._kept_ahead(kind)
        if screen is not None and screen.is_mounted:
            screen.styled_now()  # type: ignore[attr-defined]
            screen._refresh_layout(self.size)  # noqa: SLF001 - Textual's (pinned): laid out at this size

    async def _warm_kept(self, main: MainScreen, kind: str) -> None:
        screen = self._kept_ahead(kind)
        if screen is not None and screen.is_mounted:
            await self._warm_parts(main, kind, screen)

    async def _warm_parts(self, main: MainScreen, kind: str, screen: Screen[Any]) -> None:
        """The statements a `kind` record's screen runs, compiled ahead in a thread: SQLAlchemy
        compiles each statement on its first use in a session of the app (≈ 50 ms for the client's
        parts, holding the GIL), which the first record opened would otherwise pay while its
        screen waits for its parts (`detail_base.PART_WAIT`). The header's reads — and the read of
        the view it logs — on reads of no row (`details.warm_header`: nothing read, no view
        logged); then each part call once for the first row of its list built ahead (one the
        person may see), the answers dropped — the parts read and write nothing else; the header,
        which logs an opening, is asked for when a person opens a record."""
        from bpa_provider.services import details

        view = main.view(f"{kind}s")
        first = next(iter(getattr(view, "rows", None) or ()), None)
        calls: list[Callable[..., Any]] = [lambda: details.warm_header(self.db, kind)]
        if first is not None:  # the list not built ahead (or empty): its first record's parts pay, as before
            args = (self.db, self.actor, first.id, self.today)
            calls += [functools.partial(fn, *args) for _tag, fn in screen.part_calls()]  # type: ignore[attr-defined]
        await asyncio.to_thread(warm_on, self.db, calls, RECORD_CONNECTIONS if self.db.dialect == "postgresql" else 1)


def warm_on(db: Database, calls: list[Callable[[], Any]], connections: int) -> None:
    """`calls` (`_warm`) once on each of the `connections` the pool hands out first (LIFO:
    db/engine.py), as a record's opening will use them: a PostgreSQL backend pays its own first use
    of a record's tables — `client_records` 10.7–12.0 ms on a backend that had not run it against
    6.1–6.5 on one that had (docs/performance.md, "Session 13 — pgfirst"). Each connection but the
    last is kept while the next runs them, so that the pool hands out another; they go back in
    order, the first warmed ending on top."""
    if connections <= 1:
        _warm(calls)
        return
    _warm(calls)
    with db.holding():
        warm_on(db, calls, connections - 1)


def _import_all(modules: Iterable[str]) -> None:
    """Import `modules` (one that fails is left to the key that needs it to report)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the key that opens it says what is wrong
            pass


def _warm(calls: Iterable[Callable[[], Any]]) -> None:
    """Each of `calls`, after any key's work (`wait_for_keys`); answers and errors dropped (the
    key that needs one asks again and says what is wrong)."""
    for call in calls:
        wait_for_keys()
        try:
            call()
        except Exception:  # noqa: BLE001, S112 - a warm-up: the record's own call reports
            continue
