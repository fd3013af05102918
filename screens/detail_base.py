"""What the client and assistant screens share: loading in workers, sections of heading plus
table, the row under the cursor, revealing a national ID, and going back with Esc.

A record's screen asks for its header first ("detail": the record itself, one cheap call that
also logs the opening, and the permission check); the header's worker then starts the parts, each
in a thread of its own. The screen is built once when every part has answered, if that is within
`PART_WAIT` seconds of the record being asked for; otherwise the header shows as soon as it is
there and past that time, with "Loading…" in the places (`PARTS`) of the parts still out, each
filled as its answer comes. So a slow section (hours, continuity, shifts) never holds the record
back, and a quick record is laid out and drawn once rather than once per part (each build
restyles, lays out and paints the screen again: ≈ 0.1 s of the UI thread for the client's four,
docs/performance.md); on a busy machine, where the parts come late, it behaves as before.

A kept screen given the next record (`reopen` with `present`) is shown only once it is built:
the list stays on screen meanwhile, and the screen is laid out and drawn once, with the record,
instead of first empty ("Loading…") and then again — that empty frame cost 5–12 ms of the UI
thread, holding the GIL while the header's call ran (docs/performance.md, "Session 11 — record").
It is shown at once, as before, when `PART_WAIT` is over without its header, when the header
fails, or when a key comes meanwhile (`present_now`): the key goes to the record, as it would have.

A section's table is focusable; keys such as Enter (open) and x (end) act on the row under the
cursor of the focused table, so "which record?" is always the one the person is looking at.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import VerticalGroup, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from bpa_provider.i18n import _
from bpa_provider.screens.calls import ServiceCaller, key_answer
from bpa_provider.screens.detail_blocks import SectionBlocks
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.screens.widgets.footer import KeyBar
from bpa_provider.screens.widgets.row_tip import RowTip, RowTips
from bpa_provider.screens.widgets.status_line import ExplainsKeys, StatusLine
from bpa_provider.screens.widgets.topbar import TopBar
from bpa_provider.services import details, records

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp


#: Seconds from asking for a record within which its screen waits for every part to build once
#: (issue 19's target for opening a record: 150 ms).
PART_WAIT = 0.15


class DetailScreen(RowTips, ExplainsKeys, ServiceCaller, TranslatedBindings, SectionBlocks):
    """Base of a record's screen: subclasses load `detail` and build the sections."""

    DEFAULT_CSS = """
    DetailScreen #body { height: 1fr; padding: 0 1; }
    DetailScreen .heading { text-style: bold; margin-top: 1; }
    DetailScreen .note { color: $text-muted; padding-left: 2; }
    DetailScreen .summary { padding-left: 2; height: auto; }
    DetailScreen DataTable { height: auto; max-height: 14; margin-left: 2; }
    DetailScreen RowTip { padding: 0 1; background: $panel; color: $foreground; }
    """

    kind = ""
    # The places below the header, in screen order: (place id, the calls whose answers fill it).
    PARTS: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, record_id: int | None = None) -> None:
        """`record_id` None: built ahead, holding no record until `reopen` (BpaApp.prepare_records)."""
        super().__init__()
        self.translate_bindings()
        self.record_id: int = record_id if record_id is not None else 0
        self._load_on_mount = record_id is not None
        self.detail: Any = None
        self.header: Any = None  # the header call's answer
        self.got: dict[str, ServiceResult] = {}  # each part call's latest answer
        self.revealed: str | None = None
        self.rows_of: dict[str, Sequence[Any]] = {}  # table id -> the record behind each row
        self.shown = False  # the sections have been built once (a reload then rebuilds at once)
        self._parts_timer: Timer | None = None  # running while the header waits for its parts
        self._asked_at = 0.0  # time.monotonic() when the record was asked for (its first opening)
        self._styled_at: int | None = None  # the app's CSS generation at the last resume
        self._present: Callable[[], Any] | None = None  # shows this screen, once built (`reopen`)
        self._present_timer: Timer | None = None  # shows it at `PART_WAIT` however far it is

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield VerticalScroll(Static(_("Loading…")), id="body")
        yield RowTip()
        yield StatusLine()
        yield KeyBar(compact=True)

    def on_mount(self) -> None:
        if self._load_on_mount:
            self.load()

    def styled_now(self) -> None:
        """Built ahead (BpaApp.prepare_records): its widgets were styled as they were mounted, so
        its first showing need not restyle it, as a kept screen shown again (`_on_screen_resume`)."""
        self._styled_at = self.app._css_update_count  # noqa: SLF001 - Textual's (pinned) CSS generation

    # -- kept for the next record (BpaApp.open_record) ---------------------------------------
    def reopen(self, record_id: int, present: Callable[[], Any] | None = None) -> None:
        """Show another record in this screen, kept after it was closed (its body emptied then,
        `on_screen_suspend`): as a new screen would, without composing its bars again.

        `present` (the app's push of this screen) is called once the record is built, or at
        `PART_WAIT`, or on a key (`present_now`): see the module's docstring."""
        self._forget_record()
        self.record_id = record_id
        self.shown = False
        self.load()
        if present is not None:
            self._present = present
            self._present_timer = self.set_timer(PART_WAIT, self._present_anyway)

    @property
    def presenting(self) -> bool:
        """Built for a record and not shown yet (`reopen` with `present`)."""
        return self._present is not None

    def present_now(self) -> None:
        """Show the screen now, as far as it is built (a key came, or it is built)."""
        if self._present_timer is not None:
            self._present_timer.stop()
            self._present_timer = None
        present, self._present = self._present, None
        if present is not None:
            present()
            # Laid out and drawn as soon as it is resumed, not at the screen's next frame tick
            # (Textual's update timer, 1/60 s apart: up to 16 ms of waiting with nothing to do).
            self.call_later(self._on_timer_update)  # Textual's (pinned)

    async def _present_anyway(self) -> None:
        """`PART_WAIT` is over: show what there is (the header with its parts so far, or
        "Loading…" until the header comes)."""
        self._present_timer = None
        if self._parts_timer is not None:
            await self._show_waiting()  # shows the header and presents the screen
        self.present_now()

    def _forget_record(self) -> None:
        """Nothing of the record shown stays: any answer still out for it is dropped when it
        comes (a part answering after the screen was closed found its place gone), and what it
        held (its answers, a national ID shown) is let go."""
        if self._parts_timer is not None:
            self._parts_timer.stop()
            self._parts_timer = None
        if self._present_timer is not None:
            self._present_timer.stop()
            self._present_timer = None
        self._present = None
        seqs = self.__dict__.get("_call_seq", {})
        for tag in seqs:
            seqs[tag] += 1
        self.detail = self.header = None
        self.got, self.rows_of = {}, {}
        self.revealed = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """(Before Textual's own handler.) Textual restyles the whole screen each time it is pushed,
        25–48 ms of the UI thread for a record's screen under load; a kept screen shown again
        (`reopen`) was styled already — its new body's widgets as they were mounted — so it is
        restyled only if the app's styles changed since (a theme switched meanwhile)."""
        count = self.app._css_update_count  # noqa: SLF001 - Textual's (pinned) CSS generation
        if self._styled_at == count:
            event.refresh_styles = False
        self._styled_at = count

    async def on_screen_suspend(self) -> None:
        """Closed (not only covered by a form): nothing of this record stays in the screen, which
        the app may keep to show the next record in (`reopen`)."""
        if self in self.app.screen_stack:
            return
        self._forget_record()
        self.query_one(TopBar).set_where("")
        tip = self._tip()
        if tip is not None:
            tip.update("")
            tip.set_class(False, "-shown")
        self.query_one(StatusLine).clear()
        body = self.query_one("#body", VerticalScroll)
        await body.remove_children()
        await body.mount(Static(_("Loading…")))
        body.scroll_home(animate=False)

    def load(self) -> None:
        """Ask for the header in a worker, tag "detail" (each subclass calls its own service,
        through `ask_header` when it has parts)."""

    def part_calls(self) -> list[tuple[str, Callable[..., Any]]]:
        """Each part's tag (as in `PARTS`) and service, called with (db, actor, record id, today)."""
        return []

    def ask_parts(self) -> None:
        """Ask for every part, each in its own worker (tagged as in `PARTS`)."""
        app = self.bpa
        for tag, fn in self.part_calls():
            self.call_service(tag, fn, app.db, app.actor, self.record_id, app.today)

    def ask_header(self, fn: Callable[..., Any], **kwargs: Any) -> None:
        """Ask for the header (`fn(db, actor, record id, today, **kwargs)`, tag "detail"). When
        the screen opens, the header's worker starts the parts itself — with the header when the
        person surely may read the record (`details.parts_beside_header`), else as soon as the
        header has answered (so the person may see the record): never after the header's answer
        has waited for the UI thread (≈ 60 ms once). One thread asks for them in `part_calls`
        order, posting each answer as it comes: three at once only took turns for the GIL with
        each other and with the UI thread's drawing (their SQL is a few ms; most of their time is
        Python)."""
        app = self.bpa
        args = (app.db, app.actor, self.record_id, app.today)
        if self.shown or not self.PARTS:
            self.call_service("detail", fn, *args, **kwargs)
            return
        self.got = {}
        self._asked_at = time.monotonic()
        header_seq = self._next_seq("detail")
        parts = [(tag, part, self._next_seq(tag)) for tag, part in self.part_calls()]
        target = self

        def parts_job() -> None:
            for tag, part, seq in parts:
                value, error = key_answer(part, args, {})
                try:  # a screen closed meanwhile takes no more (nor does an app that has ended)
                    if not target.post_message(ServiceResult(tag, value, error, seq)):
                        return
                except RuntimeError:
                    return

        # Beside the header when its permission check cannot refuse this person (so a refused
        # opening stays one refusal in the log, not one per part): on PostgreSQL the parts' round
        # trips then overlap the header's, on SQLite the parts run while the header's view is
        # written to disk (its commit's fsync). Otherwise after the header, as before.
        beside = details.parts_beside_header(app.actor, self.kind)

        def start_parts() -> None:
            threading.Thread(target=parts_job, name=f"{self.kind}-parts", daemon=True).start()

        def job() -> None:
            if beside:
                start_parts()
            value, error = key_answer(fn, args, kwargs)
            if get_current_worker().is_cancelled:
                return
            target.post_message(ServiceResult("detail", value, error, header_seq))
            if error is None and not beside:
                start_parts()

        self.run_worker(job, name="detail", group="detail", thread=True, exclusive=True, exit_on_error=False)

    def assemble(self) -> Any:
        """`detail`: the header with every part's answer so far (each subclass its own)."""
        return self.header

    def build(self) -> list[Widget]:
        """The header's widgets, from `detail` (each subclass builds its own)."""
        return []

    def build_part(self, place: str) -> list[Widget]:
        """A part's widgets, from `detail`, once its calls have answered."""
        return []

    def has(self, tag: str) -> bool:
        """True once the part call `tag` has answered (without an error)."""
        got = self.got.get(tag)
        return got is not None and got.error is None

    def where(self) -> str:
        record = getattr(self.detail, self.kind)
        return f"{record.ref} {record.name}"

    async def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if any(result.tag in tags for _place, tags in self.PARTS):
            self.got[result.tag] = result  # (before the header: kept until it comes)
            if self._parts_timer is not None:  # the header waits for the parts: all here now?
                if all(tag in self.got for _place, tags in self.PARTS for tag in tags):
                    await self._show_waiting()
            elif self.header is not None:
                self.detail = self.assemble()
                await self.show_part(result.tag)
            return
        if result.tag not in ("detail", "reveal"):  # a key's own call: `on_<tag>` answers it
            handler = getattr(self, "on_" + result.tag.replace("-", "_"), None)
            if handler is not None:
                handler(result)
            return
        if result.tag == "reveal":
            if result.error is not None:
                self.notify(describe_error(result.error), severity="error")
            else:
                self.revealed = result.value
                await self.show()
            return
        if result.error is not None:
            body = self.query_one("#body", VerticalScroll)
            await body.remove_children()
            await body.mount(Static(Text(describe_error(result.error))))
            self.present_now()
            return
        self.header = result.value
        if self.PARTS and not self.shown:  # the first opening: build once, with the parts
            # (asked by the header's worker, `ask_header`; some may have answered already)
            if self._parts_timer is not None:  # asked again while waiting: wait afresh
                self._parts_timer.stop()
                self._parts_timer = None
            left = PART_WAIT - (time.monotonic() - self._asked_at)
            if left > 0 and not all(tag in self.got for _place, tags in self.PARTS for tag in tags):
                self._parts_timer = self.set_timer(left, self._show_waiting)
                return
            self.detail = self.assemble()  # every part here, or past the wait: show what there is
            await self.show()
            return
        self.detail = self.assemble()
        await self.show()
        self.ask_parts()

    async def _show_waiting(self) -> None:
        """The header waited: every part has answered, or `PART_WAIT` is over: build the screen."""
        if self._parts_timer is None:
            return
        self._parts_timer.stop()
        self._parts_timer = None
        self.detail = self.assemble()
        await self.show()

    async def show(self) -> None:
        """(Re)build the sections from `detail`, keeping focus on the same table if possible; a
        screen built to be shown (`reopen` with `present`) is shown then."""
        focused = self.focused.id if isinstance(self.focused, DataTable) else None
        self.rows_of = {}
        self.shown = True
        widgets = [*self.build()]
        widgets += [VerticalGroup(*self._place(place, tags), id=f"part-{place}") for place, tags in self.PARTS]
        body = self.query_one("#body", VerticalScroll)
        # One frame: the emptied body was drawn on its own between the removal and the mount.
        with self.app.batch_update():
            self.query_one(TopBar).set_where(self.where())
            await body.remove_children()
            await body.mount_all(widgets)
        if focused:
            self.call_after_refresh(self._refocus, focused)
        self.present_now()

    def _place(self, place: str, tags: tuple[str, ...]) -> list[Widget]:
        if any(tag not in self.got for tag in tags):
            return [self.note(_("Loading…"))]
        failed = next((self.got[tag].error for tag in tags if self.got[tag].error is not None), None)
        if failed is not None:
            return [self.note(describe_error(failed))]
        return self.build_part(place)

    async def show_part(self, tag: str) -> None:
        """Fill the places that `tag`'s answer completes (the rest of the screen stays)."""
        focused = self.focused.id if isinstance(self.focused, DataTable) else None
        for place, tags in self.PARTS:
            if tag in tags:
                box = self.query_one(f"#part-{place}", VerticalGroup)
                await box.remove_children()
                await box.mount_all(self._place(place, tags))
        if focused and not self.focused:
            self.call_after_refresh(self._refocus, focused)

    def _refocus(self, table_id: str) -> None:
        found = self.query(f"#{table_id}")
        if found:
            found.first().focus()

    def selected(self) -> tuple[str, Any] | tuple[None, None]:
        """(table id, record) under the cursor of the focused table."""
        table = self.focused
        if isinstance(table, DataTable) and table.id in self.rows_of and table.row_count:
            rows = self.rows_of[table.id]
            if 0 <= table.cursor_row < len(rows):
                return table.id, rows[table.cursor_row]
        return None, None

    def national_id_text(self, value: str | None) -> Text:
        if self.revealed is not None:
            return Text(self.revealed)
        masked = records.display_national_id(self.bpa.actor, value)
        hint = _(" (r: show)") if value and self.bpa.actor.may("national_id.reveal") else ""
        return Text(masked + hint)

    # -- actions shared by both screens ---------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.bpa.actor.may("national_id.reveal")
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_reveal(self) -> None:
        self.call_service("reveal", records.reveal_national_id, self.bpa.db, self.bpa.actor, self.kind, self.record_id)

    def record_changed(self, kind: str) -> None:
        self.load()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        table_id = event.data_table.id or ""
        rows = self.rows_of.get(table_id, ())
        if 0 <= event.cursor_row < len(rows):
            self.open_row(table_id, rows[event.cursor_row])

    def open_row(self, table_id: str, row: Any) -> None:
        """Enter on a row: subclasses open the row's record."""
