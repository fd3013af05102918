"""The search-and-pick field of the Rosters area (`screens/rosters.py`): a search over clients or
assistants (the services scope what a role may find) with the first matches below it; Enter picks and
posts `Picker.Picked`. With `auto_single`, a list of exactly one record picks itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from bpa_provider.i18n import _
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import describe_error
from bpa_provider.services import records

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

SEARCH_DELAY = 0.2
PICK_LIMIT = 50


class Picker(ServiceCaller, Vertical):
    """A search field over a list of clients or assistants; Enter picks (posts `Picked`)."""

    DEFAULT_CSS = """
    Picker { height: auto; }
    Picker OptionList { height: auto; max-height: 16; border: none; padding: 0; }
    Picker .status { color: $text-muted; height: 1; }
    """

    BINDINGS = [Binding("down", "to_list", show=False)]

    class Picked(Message):
        """A record was chosen."""

        def __init__(self, picker: Picker, kind: str, record_id: int, label: str, auto: bool = False) -> None:
            super().__init__()
            self.picker = picker
            self.auto = auto  # picked by itself (the only record), not by a key
            self.kind = kind
            self.record_id = record_id
            self.label = label

        @property
        def control(self) -> Picker:
            """The picker, so `@on(Picker.Picked, "#id")` can tell two pickers apart."""
            return self.picker

    def __init__(self, kind: str, *, id: str, placeholder: str, auto_single: bool = False) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.placeholder = placeholder
        self.auto_single = auto_single  # pick by itself when there is exactly one record at all
        self.rows: list[Any] = []
        self.loaded = False
        self._timer: Timer | None = None

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, compact=True, classes="search")
        yield OptionList(classes="choices")
        yield Static("", classes="status")

    def load(self) -> None:
        """Ask for the records matching the search (the first PICK_LIMIT, by reference)."""
        self.call_service(
            "search",
            records.list_records,
            self.bpa.db,
            self.bpa.actor,
            self.kind,
            search=self.query_one(Input).value,
            order="ref",
            limit=PICK_LIMIT,
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        status = self.query_one(".status", Static)
        if result.error is not None:
            status.update(Text(describe_error(result.error)))
            return
        page = result.value
        first_load = not self.loaded
        self.loaded = True
        self.rows = list(page.rows)
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Option(Text(f"{r.ref} {r.name}"), id=str(r.id)) for r in self.rows])
        if self.rows:
            choices.highlighted = 0
        if not page.total:
            status.update(Text(_("Nothing found.")))
        elif page.total > len(self.rows):
            status.update(
                Text(
                    _("{shown} of {total}: type more of the name or reference").format(
                        shown=len(self.rows), total=page.total
                    )
                )
            )
        else:
            status.update(Text(_("{n} found · Enter opens").format(n=page.total)))
        if first_load and self.auto_single and page.total == 1 and not self.query_one(Input).value:
            self._pick(0, auto=True)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.load)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        choices = self.query_one(OptionList)
        self._pick(choices.highlighted if choices.highlighted is not None else 0)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int, auto: bool = False) -> None:
        if 0 <= index < len(self.rows):
            row = self.rows[index]
            self.post_message(self.Picked(self, self.kind, row.id, f"{row.ref} {row.name}", auto))

    def action_to_list(self) -> None:
        if self.rows:
            self.query_one(OptionList).focus()

    def focus_search(self) -> None:
        self.query_one(Input).focus()
