"""The Textual application and `run_app`, its entry point from the CLI.

`BpaApp` holds what every screen needs (database, acting user, settings, today's date) and the
navigation between screens: opening records, forms and the end-a-record dialog, the help screen,
the language switch. The record screens it keeps ready ahead of a key are prepared by its part
`RecordPreparation` (screens/record_prep.py). The screens themselves live one per module beside
this one.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import SystemCommand, get_system_commands_provider
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from bpa_provider.access import Actor
from bpa_provider.config import Settings
from bpa_provider.i18n import N_, _, set_language
from bpa_provider.screens.calls import wait_while_filling, yield_to_keys
from bpa_provider.screens.commands import NavigationCommands, RecordCommands, ScreenActions
from bpa_provider.screens.help import HelpScreen, collect
from bpa_provider.screens.main import PREPARE_AFTER, MainScreen
from bpa_provider.screens.messages import OpenRecord, ShowClientRoster
from bpa_provider.screens.record_prep import DETAIL_SCREENS, RecordPreparation, detail_screen
from bpa_provider.screens.safe_text import ControlCharacters
from bpa_provider.screens.ui import TranslatedBindings

if TYPE_CHECKING:
    from bpa_provider.db.engine import Database

PREPARED_SCREENS = (
    "bpa_provider.screens.lists",
    "bpa_provider.screens.client_detail",
    "bpa_provider.screens.assistant_detail",
)


class BpaApp(TranslatedBindings, RecordPreparation):
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
