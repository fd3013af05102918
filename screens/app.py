"""The Textual application and `run_app`, its entry point from the CLI."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from bpa_provider.access import Actor
from bpa_provider.services import listing
from db.engine import Database


class BpaApp(App):
    """bpa-provider's terminal app."""

    TITLE = "bpa-provider"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, db: Database, actor: Actor, **kwargs):
        super().__init__()
        self.db = db
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="clients")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.actor.login} ({self.actor.role})"
        table = self.query_one(DataTable)
        cols = listing.COLUMNS["client"]
        table.add_columns(*cols)
        rows, _ = listing.rows(self.db, self.actor, "client", limit=200)
        for r in rows:
            table.add_row(*[str(r.get(c) or "") for c in cols])


def run_app(db: Database, actor: Actor, lang: str | None = None, settings=None) -> int:  # noqa: ANN001
    BpaApp(db, actor).run()
    return 0
