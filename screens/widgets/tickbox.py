"""A checkbox that says what it holds: `[x]` when ticked, `[ ]` when not.

Textual's checkbox draws `▐X▌` either way and tells the two apart by colour alone; on a dim
terminal, over SSH or with NO_COLOR a new assistant's "EEA resident" looked ticked and was saved as
"no". The brackets read the same in every terminal.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """Checkbox drawn as `[x]` / `[ ]`."""

    @property
    def _button(self) -> Content:
        # The widget's own colours, not the button's (those draw an unticked box in the
        # background colour, which is the point of the original and the problem here).
        return Content.styled("[x]", "bold") if self.value else Content("[ ]")
