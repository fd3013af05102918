"""The one-line header: where you are on the left; who you are, your role and the database on
the right (the database by file or host name, so it fits at 80 columns)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from bpa_provider.screens import labels
from bpa_provider.screens.ui import short_db_name


class TopBar(Horizontal):
    """Title and place on the left; user, role and database on the right."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $foreground; }
    TopBar #where { width: 1fr; text-style: bold; padding: 0 1; }
    TopBar #who { width: auto; max-width: 60%; padding: 0 1; }
    """

    def __init__(self, where: str = "") -> None:
        super().__init__()
        self._where = where

    def compose(self) -> ComposeResult:
        yield Static(id="where")
        yield Static(id="who")

    def on_mount(self) -> None:
        app = self.app
        who = Text(no_wrap=True, overflow="ellipsis")
        who.append(app.actor.login)  # type: ignore[attr-defined]
        who.append(f" · {labels.role(app.actor.role)} · ")  # type: ignore[attr-defined]
        who.append(short_db_name(app.db.url))  # type: ignore[attr-defined]
        self.query_one("#who", Static).update(who)
        self.set_where(self._where)

    def set_where(self, where: str) -> None:
        """Show the current place, e.g. "Clients" or "K-0042 Kari Nordmann"."""
        self._where = where
        line = Text("bpa-provider", no_wrap=True, overflow="ellipsis")
        if where:
            line.append(" › ")
            line.append(where)
        self.query_one("#where", Static).update(line)
