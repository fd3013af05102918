"""The navigation list on the left: one line per area, with its number key."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from bpa_provider.screens.nav import Area


class NavList(OptionList):
    """Areas as options; moving the highlight shows the area, Enter moves into it."""

    DEFAULT_CSS = """
    NavList { width: 17; height: 1fr; border: none; border-right: vkey $panel-lighten-2; padding: 0; }
    NavList:focus { border: none; border-right: heavy $accent; }
    """

    def __init__(self, areas: list[Area]) -> None:
        options = [Option(Text.assemble((f"{a.number} ", "dim"), a.label), id=a.key) for a in areas]
        super().__init__(*options, id="nav")

    def select_area(self, key: str) -> None:
        """Highlight `key` without moving focus (a number key or the palette chose it).

        The highlight follows what the app already shows, so it must not announce itself as a
        move: an announced move would show the area again, and with two arrows in flight the
        echoes of each would pull the highlight back and forth for ever.
        """
        index = self.get_option_index(key)
        if self.highlighted != index:
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = index
