"""One access-log row in words and on a screen of its own, for the audit-log area
(`screens/audit_log.py`): action codes, roles (with impersonation), the record a row is about, the
SSH connection and `audit.verify_chain`'s reasons in the person's language, a before/after snapshot
as indented plain text (never markup), and `AuditRowScreen`, the whole row (Enter on a row).
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.safe_text import visible_text
from bpa_provider.screens.ui import TranslatedBindings
from bpa_provider.services import audit_log

# Actions offered in the filter, in the order people ask about them. Their words come from
# labels.ACTIONS where it has them, else from EXTRA_ACTIONS below.
FILTER_ACTIONS = (
    "view",
    "reveal_id",
    "create",
    "update",
    "end",
    "refused",
    "export",
    "import",
    "anonymise",
    "erase",
    "impersonate",
    "verify",
    "backup",
    "restore",
)
EXTRA_ACTIONS = {
    "import": N_("imported"),
    "anonymise": N_("anonymised"),
    "impersonate": N_("impersonated"),
    "verify": N_("chain verified"),
    "backup": N_("backed up"),
    "restore": N_("restored"),
    "erase": N_("snapshots erased"),
}

# audit.verify_chain's reasons (English) in the person's language.
REASONS = {
    "link to the previous row does not match": N_("its link to the previous row does not match"),
    "row content does not match its hash": N_("its content does not match its hash"),
    "a snapshot does not match its digest": N_("a before/after snapshot does not match its digest"),
}


def action_word(code: str) -> str:
    """An action code as a word (an unknown code is shown as it is)."""
    if code in labels.ACTIONS:
        return labels.action(code)
    return _(EXTRA_ACTIONS[code]) if code in EXTRA_ACTIONS else code


def role_text(code: str) -> str:
    """A role as the log stores it; "coordinator<-root" is an impersonation by root."""
    role, _sep, by = code.partition("<-")
    if by:
        return _("{role}, impersonated by {login}").format(role=labels.role(role), login=by)
    return labels.role(role)


def reason_text(reason: str) -> str:
    return _(REASONS[reason]) if reason in REASONS else reason


def record_text(row: Any) -> str:
    """Which record a row is about: "client 3", "access log"."""
    if row.entity == "audit_event":
        return _("access log")
    what = labels.kind(row.entity) if row.entity in labels.KINDS else row.entity
    return f"{what} {row.entity_id}" if row.entity_id is not None else what


def connection_text(connection: str) -> str:
    return connection or _("local (no SSH)")


def json_text(value: str | None) -> Text:
    """A before/after snapshot (JSON) as indented plain text; never markup."""
    if not value:
        return Text("")
    try:
        shown = json.dumps(json.loads(value), ensure_ascii=False, indent=2)
    except (TypeError, ValueError):
        shown = str(value)  # shown as stored rather than not at all
    return visible_text(Text(shown))


class AuditRowScreen(TranslatedBindings, ModalScreen[None]):
    """One log row in full: every field, and the record before and after a change."""

    DEFAULT_CSS = """
    AuditRowScreen { align: center middle; }
    AuditRowScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 100%;
                                      border: round $accent; background: $surface; padding: 0 1; }
    AuditRowScreen .heading { text-style: bold; margin-top: 1; }
    """

    BINDINGS = [Binding("escape,enter,q", "close", N_("Close"))]

    def __init__(self, row: audit_log.LogRow, broken: str = "") -> None:
        super().__init__()
        self.translate_bindings()
        self.row = row
        self.broken = broken

    def compose(self) -> ComposeResult:
        row = self.row
        title = Text(_("Access-log row {id}").format(id=row.id), style="bold")
        if self.broken:
            title.append("  " + _("BROKEN: {reason}").format(reason=reason_text(self.broken)))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        action = Text(action_word(row.action))
        if action.plain != row.action:
            action.append(f" ({row.action})")
        pairs = [
            (_("When"), Text(f"{format_date(row.at)} {row.at:%H:%M:%S %Z}")),
            (_("Who"), Text(row.actor)),
            (_("Role"), Text(role_text(row.role))),
            (_("What"), action),
            (_("Record"), Text(record_text(row))),
            (_("About"), Text(row.subject)),
            (_("Summary"), Text(row.summary)),
            (_("Connection"), Text(connection_text(row.connection))),
        ]
        for label, value in pairs:
            grid.add_row(Text(label + ":"), visible_text(value))
        with VerticalScroll():
            yield Static(title)
            yield Static(grid)
            # Snapshots are offered by the service's row when it carries them (national IDs are
            # masked in the log already); a row without them shows nothing here. One erased by
            # retention says so, rather than looking like a row that never had one.
            for name, heading in (("before", _("Before")), ("after", _("After"))):
                value = getattr(row, name, None)
                if value:
                    yield Static(Text(heading), classes="heading")
                    yield Static(json_text(value))
                elif getattr(row, f"{name}_erased", False):
                    yield Static(Text(heading), classes="heading")
                    yield Static(Text(_("erased"), style="italic"), classes="erased")
            yield Static(Text("\n" + _("Esc closes.")))

    def action_close(self) -> None:
        self.dismiss(None)
