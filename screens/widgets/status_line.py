"""The line above the footer that says why a key did nothing.

A key that cannot act now (a locked week, a role without the permission, no row chosen) used to
do nothing and say nothing. Views that bind such keys mix in `ExplainsKeys` and answer
`why_not(action)`; the reason appears here, in words, and goes away after a few seconds or with the
next thing said. Toasts are kept for what happened ("Saved."), so a reason never covers the
screen's own text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.timer import Timer
from textual.widgets import Static

SHOWN_SECONDS = 8.0


class StatusLine(Static):
    """One line, hidden while there is nothing to say."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; display: none; text-style: bold; background: $warning 25%; }
    StatusLine.-shown { display: block; }
    """

    _timer: Timer | None = None

    def say(self, message: str) -> None:
        """Show `message` (one line, cut with … if long) for a few seconds."""
        self.update(Text(message, no_wrap=True, overflow="ellipsis"))
        self.add_class("-shown")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SHOWN_SECONDS, self.clear)

    def clear(self) -> None:
        self.update("")
        self.remove_class("-shown")

    @property
    def message(self) -> str:
        return str(self.render()) if self.has_class("-shown") else ""


def explain(node: Any, message: str) -> None:
    """Say `message` on the status line of `node`'s screen (a toast where the screen has none)."""
    lines = node.screen.query(StatusLine)
    if lines:
        lines.first().say(message)
    else:
        node.app.notify(message, severity="warning", markup=False)


class ExplainsKeys:
    """Mixin for a widget or screen with bindings: a key whose action `check_action` refuses now
    says why (`why_not`), instead of nothing. Keys with no reason to give fall through as before,
    so a binding of the same key further up still gets them."""

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why `action` cannot run now, in words; None when there is nothing to say."""
        return None

    def explain(self, message: str) -> None:
        explain(self, message)

    def on_key(self, event: events.Key) -> None:
        node: Any = self
        bindings = node._bindings.key_to_bindings.get(event.key, ())
        for binding in bindings:
            name, _sep, rest = binding.action.partition("(")
            if "." in name:  # an action of another namespace (app.quit): not ours to explain
                continue
            parameters = _parameters(rest)
            if node.check_action(name, parameters):
                return  # it can act: the binding runs as usual
            reason = self.why_not(name, parameters)
            if reason:
                event.stop()
                event.prevent_default()
                self.explain(reason)
                return


def _parameters(rest: str) -> tuple[object, ...]:
    """The parameters of an action string's tail ("'week')" -> ('week',))."""
    rest = rest.rstrip(")")
    if not rest:
        return ()
    import ast

    try:
        value = ast.literal_eval(f"({rest},)")
    except (ValueError, SyntaxError):
        return ()
    return tuple(value)
