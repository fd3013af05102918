"""The main screen: top bar, navigation on the left, the chosen area on the right, keys below.

An area's view is built the first time it is shown and kept, so coming back to a list keeps its
search, order and cursor; in a person's session the clients and assistants lists are built ahead,
hidden, once the dashboard the person looks at is filled (or at once when it is not the first
area), and fetch their first page once the database stack is loaded (`prepare_views`). Number
keys 1–9 jump to an area; Esc goes back to the navigation.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, OptionList

from bpa_provider.i18n import N_, _
from bpa_provider.screens.calls import being_filled, keys_idle
from bpa_provider.screens.dashboard import DashboardView
from bpa_provider.screens.nav import AREAS, visible_areas
from bpa_provider.screens.nav import area as find_area
from bpa_provider.screens.ui import TranslatedBindings
from bpa_provider.screens.widgets.footer import KeyBar
from bpa_provider.screens.widgets.nav import NavList
from bpa_provider.screens.widgets.status_line import StatusLine, explain
from bpa_provider.screens.widgets.topbar import TopBar

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

_LISTS = {"clients": "CLIENTS", "assistants": "ASSISTANTS", "municipalities": "MUNICIPALITIES"}

# Areas whose view lives in a module of its own, written with its service; the module is imported
# the first time the area is shown, so start-up does not pay for areas nobody opens. Each view is
# built as `View(id=area)` and offers `record_changed(kind)` and `focus_content()`.
AREA_VIEWS = {
    "rosters": ("bpa_provider.screens.rosters", "RostersView"),
    "transfers": ("bpa_provider.screens.transfers", "TransfersView"),
    "courses": ("bpa_provider.screens.courses", "CoursesView"),
    "reviews": ("bpa_provider.screens.reviews", "ReviewsView"),
    "audit": ("bpa_provider.screens.audit_log", "AuditLogView"),
    "outbox": ("bpa_provider.screens.outbox", "OutboxView"),
}


#: Areas whose view is built ahead, hidden (when the app prepares views: `BpaApp.prepare`): once no
#: screen is being filled — the dashboard counts from its first paint until every section has
#: answered (`calls.filling`, at most 3 s; beside the database stack's loading it cost the
#: sections ≈ 60 ms CPU of one interpreter, docs/performance.md "Session 11 — fill") — their
#: module imported in a thread, their widgets composed and styled, their first page fetched once
#: the stack is loaded: the key that opens one then only shows it. Opening the clients list the
#: first time took 0.6–1.1 s in a real terminal, most of it this work (docs/performance.md); a key
#: pressed before the build builds the list itself, as without preparing.
PREPARED_AREAS = ("clients", "assistants")
PREPARE_AFTER = 0.2  # seconds: the person's own key is being answered, try again after this
FILLED_POLL = 0.03  # seconds: while the dashboard is being filled, how often the lists' build looks again
PREPARE_QUIET = 1.0  # seconds since the last key before a view is built ahead (theirs is drawn by then)


def view_module(key: str) -> str:
    """The module of an area's view."""
    if key == "dashboard":
        return "bpa_provider.screens.dashboard"
    return "bpa_provider.screens.lists" if key in _LISTS else AREA_VIEWS[key][0]


def make_view(key: str) -> Widget:
    """The widget that shows an area."""
    if key == "dashboard":
        return DashboardView(id=key)
    if key in _LISTS:
        lists = importlib.import_module(view_module(key))  # with it the services: not at start-up
        return lists.RecordList(getattr(lists, _LISTS[key]), id=key)
    return getattr(importlib.import_module(view_module(key)), AREA_VIEWS[key][1])(id=key)


class MainScreen(TranslatedBindings, Screen):
    """Navigation plus the current area."""

    BINDINGS = [
        *(Binding(str(a.number), f"go('{a.key}')", a.title, show=False) for a in AREAS),
        Binding("escape", "to_nav", N_("Navigation"), show=False),
        Binding("q", "quit", N_("Quit"), show=False),  # Ctrl+Q quits from anywhere; the footer is full at 80
    ]

    def __init__(self) -> None:
        super().__init__()
        self.translate_bindings()
        self.current = ""
        self.wanted = ""  # the area asked for last; `current` once its view is built

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        areas = visible_areas(self.bpa.actor)
        yield TopBar()
        with Horizontal(id="body"):
            yield NavList(areas)
            yield ContentSwitcher(id="content")
        yield StatusLine()
        yield KeyBar(compact=True)

    async def on_mount(self) -> None:
        first = visible_areas(self.bpa.actor)
        if first:
            await self.show_area(first[0].key)
        self.query_one(NavList).focus()
        if self.bpa.prepare:
            # Built once no screen is being filled (the dashboard, from its first paint); each list
            # asks for its rows once the stack is ready (RecordList.on_mount).
            self.call_after_refresh(self.prepare_views)

    async def prepare_views(self) -> None:
        """Build the next view of `PREPARED_AREAS` the person may open, hidden, then the one after
        it a frame later (a key pressed meanwhile waits for one build at most). Its module is
        imported in a thread, so the screen never waits for the import. An area built already
        (shown, or asked for while this ran) is left as it is; while a view the person asked for
        is being built, or a key's call runs or a key just came, this waits (theirs first)."""
        if self.wanted != self.current or not keys_idle(PREPARE_QUIET):
            # Waiting for the dashboard's sections (not a key): looked at again sooner, so the
            # lists are built just after its last answer rather than up to PREPARE_AFTER later.
            self.set_timer(FILLED_POLL if being_filled() else PREPARE_AFTER, self.prepare_views)
            return
        for key in PREPARED_AREAS:
            if not any(a.key == key for a in visible_areas(self.bpa.actor)) or self.view(key) is not None:
                continue
            try:
                await asyncio.to_thread(importlib.import_module, view_module(key))
            except Exception:  # noqa: BLE001 - work ahead of a key: the key that opens it says what is wrong
                return
            if not self.is_attached or not self.app.is_running:  # the app is closing: nothing to build
                return
            if self.view(key) is None:
                view = make_view(key)
                view.display = False
                await self.query_one(ContentSwitcher).mount(view)
            self.call_after_refresh(self.prepare_views)
            return

    async def rebuild(self) -> None:
        """Build everything again (after a language switch), keeping the current area."""
        self.translate_bindings()
        area = self.current
        self.current = self.wanted = ""
        await self.recompose()
        if area:
            await self.show_area(area)
        self.query_one(NavList).focus()

    def _screen_resized(self, size: Size) -> None:
        """Textual lays out the screen beneath again whenever another screen is pushed over it (the
        new screen's first Resize is passed to the screens below), at the same size: the main
        screen's every area, the hidden ones too — ≈ 30 ms of the UI thread in the middle of
        opening a record (docs/performance.md, "Session 9 (tui)"). Covered and the same size as its
        last layout, nothing has moved; a real resize (another size) is laid out as before, and a
        change inside it meanwhile by its own refresh. (`_screen_resized` is Textual's, pinned.)"""
        if self.app.screen is not self and size == self._compositor.size:
            return
        super()._screen_resized(size)

    def watch_focused(self, focused: Widget | None) -> None:
        """The bar beside the area in use: `#content` has the class `-focus-within` while the focus
        is inside it (app.tcss). With the `:focus-within` pseudo-class Textual restyled the whole of
        `#content` — every area's widgets, the hidden dashboard's too — at each move of the focus
        inside it: 33–65 ms of the UI thread at 120x40 (opening a list, `/` to its search;
        bench/ui_probe.py). The class restyles `#content` alone (its border is not inherited)."""
        try:
            content = self.query_one("#content", ContentSwitcher)
        except NoMatches:  # not composed yet, or being composed again
            return
        inside = focused is not None and content in focused.ancestors
        if content.has_class("-focus-within") != inside:
            content.set_class(inside, "-focus-within", update=False)
            self.app.stylesheet.update_nodes([content], animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go" and parameters:
            return any(a.key == parameters[0] for a in visible_areas(self.bpa.actor))
        return True

    # -- areas -----------------------------------------------------------------------------
    async def show_area(self, key: str, follow_nav: bool = True) -> Widget:
        """Show an area (building its view on first use) and return the view.

        `follow_nav` moves the navigation's highlight to the area; it is False when the
        highlight is what asked for the area (it is already there, or further on). The newest
        request wins: one that arrives while an earlier view is still being built supersedes it.
        """
        self.wanted = key
        if follow_nav:
            self.query_one(NavList).select_area(key)
        switcher = self.query_one(ContentSwitcher)
        view = self.view(key)
        if view is None and view_module(key) not in sys.modules:
            # The area's module (and its services) imported in a thread: the UI thread keeps
            # drawing and answering keys meanwhile instead of stalling for the whole import
            # (≈ 0.1 s for the rosters area; bench/ui_probe.py "open rosters area").
            await asyncio.to_thread(importlib.import_module, view_module(key))
            view = self.view(key)  # built meanwhile by another request for it
        if view is None:
            view = make_view(key)
            superseded = self.wanted != key  # another area asked for during the import: built hidden
            view.display = not superseded
            mounting = switcher.mount(view)
            # Shown while it is built: the view it replaces hides at once, so its own work stops
            # (the dashboard's sections) instead of running beside the one asked for.
            if not superseded:
                switcher.current = key
            await mounting
            if self.wanted != key:
                return view
        switcher.current = key
        self.current = key
        self.query_one(TopBar).set_where(find_area(key).label)
        return view

    async def action_go(self, key: str) -> None:
        view = await self.show_area(key)
        if self.current == key:
            self.call_after_refresh(view.focus_content)  # type: ignore[attr-defined]

    def action_quit(self) -> None:
        """`q` quits from the navigation only: inside an area it sits next to `w` and `a`, and a
        slip would close the app (Ctrl+Q quits from anywhere)."""
        if self.query_one(NavList).has_focus:
            self.call_later(self.app.action_quit)
        else:
            explain(self, _("q quits from the navigation (Esc, then q) — or Ctrl+Q from anywhere."))

    def action_to_nav(self) -> None:
        self.query_one(NavList).focus()

    @on(OptionList.OptionHighlighted, "#nav")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Keys come in bursts over SSH: by the time this message is handled the highlight may
        # have moved on, and a newer message is queued for where it is now. Show only where the
        # highlight is, never a stale step of the way.
        if event.option_index != event.option_list.highlighted:
            return
        if event.option.id and event.option.id != self.wanted:
            await self.show_area(event.option.id, follow_nav=False)

    @on(OptionList.OptionSelected, "#nav")
    async def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            await self.action_go(event.option.id)

    def view(self, key: str) -> Widget | None:
        """The area's view if it was built already."""
        return next((c for c in self.query_one(ContentSwitcher).children if c.id == key), None)

    def record_changed(self, kind: str) -> None:
        """Every built view reloads what may have changed (the hidden ones when next shown)."""
        for child in self.query_one(ContentSwitcher).children:
            child.record_changed(kind)  # type: ignore[attr-defined]
