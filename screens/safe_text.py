"""Text from the database is shown, never obeyed by the terminal.

Names, notes and filters came from people and files (a handover package, a CSV, a command line),
and a terminal acts on control characters: an escape sequence in a course name cleared the
Transfers screen, one in an audit filter hid the newest rows of the Audit log. Two layers keep
that out:

- `visible_cell` draws control characters and bidi overrides as their codes (`\\x1b`, `\\u202e`),
  the check `bpa_provider.render` applies to the CLI's tables; every table of the app
  (`widgets/safe_table.SafeTable`) and the previews beside them pass their cells through it.
- `ControlCharacters` is a line filter on the whole app: whatever widget a control character
  reaches, it leaves the screen's output before the terminal sees it (Rich gives such characters no
  width, so dropping them keeps every line's layout).
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from bpa_provider.render import visible

CODE_STYLE = Style(reverse=True)  # a code stands out from the text typed around it

T = TypeVar("T")


def visible_text(text: Text) -> Text:
    """A copy of `text` with every control character drawn as its code (styles kept)."""
    plain = text.plain
    if visible(plain) == plain:
        return text
    out = text.blank_copy()
    start = 0
    for index, char in enumerate(plain):
        code = visible(char)
        if code != char:
            out.append_text(text[start:index])
            shown = Text(code)
            for span in text[index : index + 1].spans:  # the character's own styles, then the mark
                shown.stylize(span.style)
            shown.stylize(CODE_STYLE)
            out.append_text(shown)
            start = index + 1
    out.append_text(text[start:])
    return out


def visible_cell(value: T) -> T | Text | str:
    """A table cell (text, a string or anything else DataTable draws) safe for the terminal."""
    if isinstance(value, Text):
        return visible_text(value)
    if isinstance(value, str):
        return visible(value)
    return value


class ControlCharacters(LineFilter):
    """Drops control characters from every line the app draws (the last line of defence)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(visible(segment.text) != segment.text for segment in segments if not segment.control):
            return segments
        return [
            segment if segment.control else Segment(_strip(segment.text), segment.style, None) for segment in segments
        ]


def _strip(text: str) -> str:
    return "".join(char for char in text if visible(char) == char)
