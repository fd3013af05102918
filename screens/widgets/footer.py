"""The key bar at the bottom of the main and record screens: Textual's `Footer`, composed again
only when what it shows changes.

Textual's Footer builds a widget per key (each styled, laid out and drawn) every time the screen's
bindings are updated — on a screen's mount, its resume and every focus change — even when the keys
shown are the same. Opening a record updated them about five times, and the footer's rebuilds were
≈ 45 ms of the ≈ 100 ms the UI thread spent pushing an empty record screen (docs/performance.md,
"Session 8 (tui)"). `KeyBar` remembers what it last composed (each shown key, its description,
whether it is enabled, its tooltip, and the palette's key) and skips an update that would compose
the same; what it draws is Footer's own (tests/screens/test_key_bar.py). A change that comes
while a recompose is still on its way asks for no second one: the first composes the keys as
they are when it runs.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyBar(Footer):
    """Footer that recomposes only when the keys it shows change."""

    _composed: tuple[Any, ...] | None = None
    _pending = False  # a recompose is asked for and has not composed yet

    def _shown(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What `Footer.compose` would show for `screen`'s bindings now."""
        app = self.app
        return (
            tuple(
                (
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    binding.group,
                    enabled,
                    tooltip,
                )
                for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
                if binding.show
            ),
            self.show_command_palette,
            self.compact,
        )

    def compose(self):  # type: ignore[no-untyped-def]  # noqa: ANN201 - Footer's signature
        # Footer composes nothing until the screen first says its bindings changed, and then
        # composes again: the screen was laid out and drawn twice. The screen's bindings are
        # there already when the footer is composed, so it shows them at once (a later update
        # with the same keys then composes nothing).
        self.set_reactive(Footer._bindings_ready, True)
        self._pending = False
        self._composed = self._shown(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (
            self._bindings_ready
            and self._composed is not None
            and self.is_attached
            and screen is self.screen
            and self._shown(screen) == self._composed
        ):
            return  # the same keys as shown: nothing to compose
        asks = self.is_attached and screen is self.screen and bool(screen.app.app_focus)  # as Footer's
        if asks and self._pending:
            # A recompose is on its way, and it composes the keys as they are when it runs: a
            # second one (opening a list moves the focus and changes the keys twice before the
            # first has run) composed, laid out and drew the same keys again.
            return
        super().bindings_changed(screen)
        self._pending = asks
