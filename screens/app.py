"""The Textual application and `run_app`, its entry point from the CLI.

`BpaApp` holds what every screen needs (database, acting user, settings, today's date) and the
navigation between screens: opening records, forms and the end-a-record dialog, the help screen,
the language switch. The screens themselves live one per module beside this one.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, SystemCommand, get_system_commands_provider
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from bpa_provider.access import Actor
from bpa_provider.config import Settings
from bpa_provider.i18n import N_, _, set_language
from bpa_provider.screens.calls import keys_idle, wait_for_keys, wait_while_filling, yield_to_keys
from bpa_provider.screens.commands import NavigationCommands, RecordCommands, ScreenActions
from bpa_provider.screens.help import HelpScreen, collect
from bpa_provider.screens.main import PREPARE_AFTER, PREPARED_AREAS, MainScreen
from bpa_provider.screens.messages import OpenRecord, ShowClientRoster
from bpa_provider.screens.nav import visible_areas
from bpa_provider.screens.safe_text import ControlCharacters
from bpa_provider.screens.ui import TranslatedBindings

if TYPE_CHECKING:
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


PREPARED_SCREENS = (
    "bpa_provider.screens.lists",
    "bpa_provider.screens.client_detail",
    "bpa_provider.screens.assistant_detail",
)

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
#: Seconds between two steps of that preparation before the person's first key (after it,
#: screens/main.py `PREPARE_AFTER`).
RECORDS_NEXT = 0.02


class BpaApp(TranslatedBindings, App[int]):
    """bpa-provider's terminal app. `today` may be fixed (tests, snapshots); by default it is the
    date when asked."""

    TITLE = "bpa-provider"
    CSS_PATH = "app.tcss"
    COMMANDS = {NavigationCommands, ScreenActions, RecordCommands, get_system_commands_provider}
    BINDINGS = [
        Binding("f1", "help", N_("Help")),
        Binding("question_mark", "help", N_("Help"), show=False),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
    ]

    def __init__(
        self,
        db: Database,
        actor: Actor,
        lang: str | None = None,
        settings: Settings | None = None,
        today: date | None = None,
        prepare: bool = False,
    ) -> None:
        self.lang = set_language(lang)
        super().__init__()
        # Nothing drawn may steer the terminal, whatever widget shows it (screens/safe_text.py).
        self._filters.append(ControlCharacters())
        self.translate_bindings()
        self.db = db
        self.actor = actor
        self.settings = settings or Settings()
        self._today = today
        self._waiting: list[Callable[[], Any]] | None = None if db.started else []
        # Build the lists a person opens first ahead of their key, hidden, while the database stack
        # loads; they fetch once it is loaded (`MainScreen.prepare_views`). On for a person's session (`run_app`); tests
        # that count calls or build data after start get the plain behaviour unless they ask.
        self.prepare = prepare
        self._kept_records: dict[str, Screen[Any]] = {}  # kind -> its record screen, kept (open_record)
        self._key_seen = False  # a key has been pressed in this session (prepare_records)
        self._key_event: events.Key | None = None  # the latest key (on_event)
        self._record_modules = False  # RECORD_MODULES imported (prepare_records)
        self._record_steps: list[Callable[[], Awaitable[None]]] = []  # prepare_records' steps left
        self._record_task: asyncio.Task[None] | None = None  # the step running (prepare_records)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._key_seen = True
            yield_to_keys()  # the dashboard's background calls wait: the key comes first
            if event is not self._key_event:  # (a key comes here again as it bubbles up)
                self._key_event = event
                for kept in self._kept_records.values():  # a record being built: the key is for it
                    if getattr(kept, "presenting", False):
                        kept.present_now()  # type: ignore[attr-defined]
        await super().on_event(event)

    # -- the database stack, loaded after the first paint -----------------------------------
    def on_mount(self) -> None:
        if self._waiting is not None:
            self.call_after_refresh(self._load_database_stack)
        if self.prepare:
            self.when_ready(lambda: self.set_timer(PREPARE_AFTER, self.prepare_records))

    def when_ready(self, callback: Callable[[], Any]) -> None:
        """Run `callback` once the database stack is loaded (at once if it is)."""
        if self._waiting is None:
            callback()
        else:
            self._waiting.append(callback)

    def _load_database_stack(self) -> None:
        self.run_worker(self._database_stack_worker, name="database-stack", thread=True, exit_on_error=False)

    def _database_stack_worker(self) -> None:
        """SQLAlchemy, the models and the dashboard's services, and the supervisor's scope.

        As at start-up, the collector is paused while the modules create their objects, which
        are then frozen (see `tune_garbage_collector`)."""
        actor = self.actor
        gc.disable()
        try:
            importlib.import_module("bpa_provider.services.dashboard")
            base = importlib.import_module("bpa_provider.services.base")
            actor = base.scoped_actor(self.db, actor)
            warm_up(self.db)
        except Exception:  # noqa: BLE001 - each screen's own call shows what is wrong, in words
            pass
        finally:
            gc.freeze()
            gc.enable()
        self.call_from_thread(self._database_ready, actor)
        # The screens a person opens first, imported here rather than on the UI thread when the
        # key comes (≈ 50 ms each on this machine, more under load: part of "key to screen"),
        # once the dashboard the person is looking at is filled (its sections need the interpreter).
        wait_while_filling()
        for name in PREPARED_SCREENS:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the key that opens it says what is wrong
                pass

    def _database_ready(self, actor: Actor) -> None:
        if actor.login == self.actor.login and actor.role == self.actor.role:
            self.actor = actor  # the same person, with a supervisor's clients filled in
        waiting, self._waiting = self._waiting or [], None
        for callback in waiting:
            callback()

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
        if lists_next or main.wanted != main.current or not keys_idle(RECORDS_QUIET):
            self.set_timer(PREPARE_AFTER, self.prepare_records)
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
        # Before the person's first key they are reading the dashboard: the next step a frame
        # later, so that all are done well before that key. (A timer, not `call_after_refresh`:
        # a step awaited in the app's own message queue would hold the keys until it is done.)
        self.set_timer(PREPARE_AFTER if self._key_seen else RECORDS_NEXT, self.prepare_records)

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
        await asyncio.to_thread(_warm, calls)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def get_default_screen(self) -> Screen:
        return MainScreen()

    # -- the palette: no screenshots (they write personal data to disk) -------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self._refuse_screenshot()

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> str | None:
        self._refuse_screenshot()
        return None

    def save_screenshot(self, *args: Any, **kwargs: Any) -> str:
        self._refuse_screenshot()
        return ""

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Refused: over SSH Textual's driver would start a browser on the server, not for the
        person, and a link planted in user text could trigger it."""
        self.notify(_("Links are not opened from bpa-provider."), severity="warning")

    def deliver_text(self, *args: Any, **kwargs: Any) -> None:
        """Refused: delivering files from the server would write personal data to disk."""
        self._refuse_delivery()

    def deliver_binary(self, *args: Any, **kwargs: Any) -> None:
        """Refused, as `deliver_text`."""
        self._refuse_delivery()

    def _refuse_delivery(self) -> None:
        self.notify(_("Files are not sent from the app: use the export commands."), severity="warning")

    def _refuse_screenshot(self) -> None:
        self.notify(_("Screenshots are switched off: they would write personal data to disk."), severity="warning")

    # -- navigation ------------------------------------------------------------------------
    def main_screen(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    # -- leaving: a form with changes is never thrown away without a question --------------
    def unsaved_forms(self) -> list[Screen]:
        """The open forms holding changes nobody saved."""
        from bpa_provider.screens.form_base import FormScreen

        return [s for s in self.screen_stack if isinstance(s, FormScreen) and s.changed]

    def _unless_unsaved(self, question: str, yes: str, then: Callable[[], Any]) -> None:
        """Run `then` at once, or after a yes when a form holds unsaved changes (Esc is no)."""
        if not self.unsaved_forms():
            self.call_later(then)
            return
        from bpa_provider.screens.confirm import ConfirmScreen

        self.push_screen(
            ConfirmScreen(question, yes=yes, no=_("Keep editing")), lambda sure: self.call_later(then) if sure else None
        )

    async def action_quit(self) -> None:
        """Ctrl+Q: quit, but ask first when a form holds changes."""
        self._unless_unsaved(_("Quit and throw away the changes in the open form?"), _("Quit"), self.exit)

    async def action_go(self, area: str) -> None:
        """Back to the main screen, showing `area` (asking first if a form would be closed)."""
        self._unless_unsaved(
            _("Close the open form and throw away its changes?"), _("Close it"), lambda: self.go_to(area)
        )

    async def go_to(self, area: str) -> Widget:
        """Back to the main screen, showing `area`; returns the area's view."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, MainScreen):
            await self.pop_screen()
        for kept in self._kept_records.values():  # built in the language before
            self.uninstall_screen(kept)
            await kept.remove()
        self._kept_records.clear()
        self._record_steps.clear()  # for the screens let go
        if self.prepare:  # built again ahead, for the next record
            self.set_timer(PREPARE_AFTER, self.prepare_records)
        main = self.main_screen()
        await main.action_go(area)
        return main.view(area)  # type: ignore[return-value]

    @on(ShowClientRoster)
    async def _show_client_roster(self, message: ShowClientRoster) -> None:
        """A client's roster week or hour account, from wherever the client was."""
        view = await self.go_to("rosters")
        view.open_client(message.client_id, message.label)  # type: ignore[union-attr]
        if message.pane != "week":
            view.action_pane(message.pane)  # type: ignore[union-attr]

    @on(OpenRecord)
    def _open_record(self, message: OpenRecord) -> None:
        self.open_record(message.kind, message.record_id)

    def open_record(self, kind: str, record_id: int) -> None:
        """A client or assistant opens its screen; other records open their edit form.

        The first record screen of each kind is kept when it is closed (installed, its body emptied:
        `DetailScreen.on_screen_suspend`) and shows the next record of its kind (`reopen`): its top
        bar, key bar and status line are not composed and styled again, a quarter to a third of the
        UI thread's work to open a record (docs/performance.md, "Session 9 (tui)"). A record opened
        from a record of the same kind (the kept screen is on the stack) gets a screen of its own."""
        screen_type = detail_screen(kind)
        if screen_type is None:
            self.open_form(kind, record_id)
            return
        top = self.screen
        if isinstance(top, screen_type) and top.record_id == record_id:  # type: ignore[attr-defined]
            top.load()  # type: ignore[attr-defined]
            return
        kept = self._kept_records.get(kind)
        if kept is not None and kept not in self.screen_stack and kept.is_mounted:
            # Shown once built with the record (or at PART_WAIT, or on the next key): drawn once.
            kept.reopen(record_id, lambda: self._present(kind, kept))  # type: ignore[attr-defined]
            return
        screen = screen_type(record_id)  # type: ignore[call-arg]
        if kept is None:
            self._kept_records[kind] = screen
            self.install_screen(screen, name=f"kept-{kind}")
        self.push_screen(screen)

    def _present(self, kind: str, kept: Screen[Any]) -> None:
        """Push the kept record screen `reopen` built, unless it was let go (a language switch)
        or is shown already."""
        if self._kept_records.get(kind) is kept and kept not in self.screen_stack and kept.is_mounted:
            self.push_screen(kept)

    def open_form(
        self, kind: str, record_id: int | None = None, preset: dict[str, tuple[Any, str]] | None = None
    ) -> None:
        """Create (no id) or edit a record in a modal form."""

        def saved(record: Any) -> None:
            if record is None:
                return
            self.notify(_("Saved."))
            self.broadcast_change(kind)
            if record_id is None and kind in DETAIL_SCREENS:
                self.open_record(kind, record.id)

        from bpa_provider.screens.forms import RecordForm

        self.push_screen(RecordForm(kind, record_id, preset), saved)

    def open_end(self, kind: str, record: Any, name: str | None = None) -> None:
        """Ask for the end date and reason of a record, then end it."""

        def ended(result: Any) -> None:
            if result is not None:
                self.notify(_("Ended."))
                self.broadcast_change(kind)

        from bpa_provider.screens.end_form import EndForm

        self.push_screen(EndForm(kind, record, name), ended)

    def broadcast_change(self, kind: str) -> None:
        """Every open screen reloads what may show the changed record."""
        for screen in self.screen_stack:
            hook = getattr(screen, "record_changed", None)
            if hook is not None:
                hook(kind)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(collect(self, self.screen)))

    async def set_language_and_rebuild(self, lang: str) -> None:
        """Switch language: the main screen is built again in it (other screens are closed)."""
        self.lang = set_language(lang)
        self.translate_bindings()
        while len(self.screen_stack) > 1 and not isinstance(self.screen, MainScreen):
            await self.pop_screen()
        for kept in self._kept_records.values():  # built in the language before
            self.uninstall_screen(kept)
            await kept.remove()
        self._kept_records.clear()
        self._record_steps.clear()  # for the screens let go
        if self.prepare:  # built again ahead, for the next record
            self.set_timer(PREPARE_AFTER, self.prepare_records)
        await self.main_screen().rebuild()


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


def warm_up(db: Database) -> None:
    """What the first query of any screen would otherwise pay for while a person waits: the ORM's
    mapper configuration (every model's relationships resolved, ≈ 30–60 ms) and a pooled
    connection with its pragmas. Done by the start-up worker, before the first key's call."""
    from sqlalchemy import text
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    with db.read() as s:
        s.execute(text("SELECT 1"))


#: Collector thresholds for an interactive session (CPython's default is 700, 10, 10).
GC_THRESHOLDS = (2000, 20, 100)


def tune_garbage_collector() -> None:
    """Keep Python's cyclic garbage collector from freezing the screen.

    A collection holds the GIL for as long as it walks its objects, whichever thread triggered it,
    so the screen waits too. Measured with bench/ui_probe.py on the large demo database (2-core
    machine): full collections over the ~200,000 objects of a running app took 80-200 ms each and
    came several times per key press while a page of rows or a roster week was being loaded.
    - `gc.freeze()` leaves what start-up built (modules, classes, the ORM mapping: ~100,000
      objects that are never garbage) out of every later collection. No `gc.collect()` first:
      it would cost start-up ~30 ms to free the few cycles import left behind.
    - GC_THRESHOLDS make young collections a little larger and full ones rarer (every ~4 million
      net allocations rather than ~70,000); most garbage is freed by reference counting anyway.
    With both, the longest stall of the list and roster steps fell from 90-150 ms to 40-55 ms.
    Called once, before the app runs; it also switches collection back on if start-up paused it
    (the CLI pauses it while it imports, see `bpa_provider.cli.main` and `Context.open_app`)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()


def run_app(db: Database, actor: Actor, lang: str | None = None, settings: Settings | None = None) -> int:
    """Run the app until the person quits; the exit code for the CLI."""
    app = BpaApp(db, actor, lang=lang, settings=settings, prepare=True)
    tune_garbage_collector()
    app.run()
    return app.return_code or 0
