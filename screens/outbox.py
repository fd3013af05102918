"""The Outbox area (`0`): the messages the app has written to people — a shift offered, changed or
cancelled, an absence, hours waiting for approval — and what became of each (docs/notify.md).

One line per message, newest first: when due, kind, recipient (their reference, as the service gives
it: never an address or the message text, which may name people), state and attempts (a sent one
with when it was sent), and the last error; times on the clock of the client the message is about.
The state is a word — DUE, RETRYING (after a failed attempt, with the next try), sent, FAILED
(given up), skipped (no address or no consent) — so it reads without colour. `f` shows only the
failed ones, `a` all again. Sending is `notify send` (the command line, run by cron): the screen
only reads, through `services.notify.list_outbox`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.area_pane import AreaPane, flag
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import text
from bpa_provider.services import notify

KIND_WORDS = {
    "shift_offered": N_("shift offered"),
    "shift_confirmed": N_("shift confirmed"),
    "shift_changed": N_("shift changed"),
    "shift_cancelled": N_("shift cancelled"),
    "absence": N_("absence"),
    "approval_due": N_("approval due"),
}
STATE_WORDS = {
    "due": N_("DUE"),
    "retrying": N_("RETRYING"),
    "sent": N_("sent"),
    "failed": N_("FAILED"),
    "skipped": N_("skipped"),
}
# Why a message was skipped: the service's English ids, translated here (other errors are the
# mail server's own words and are shown as they came).
SKIP_REASONS = (N_("no e-mail address"), N_("no consent to e-mail"))


def when(moment: datetime | None, tz: str = "Europe/Oslo") -> str:
    """A recent moment without the year, the language's way: 01.03 13:01 (03-01 in Swedish), on
    the clock of the client the message is about (the row's `tz`: stored instants are UTC); "–"
    for none (not sent yet)."""
    if moment is None:
        return "–"
    local = moment.astimezone(ZoneInfo(tz))
    day = format_date(local.date())
    return f"{day[5:] if day[4:5] == '-' else day[:5]} {local:%H:%M}"


def state_of(row: notify.OutboxRow) -> str:
    """The message's state as the screen names it: a pending message that failed once is retrying."""
    if row.status == "pending":
        return "retrying" if row.attempts else "due"
    return row.status


class OutboxView(AreaPane):
    """The outbox, newest first."""

    BINDINGS = [
        Binding("f", "only('failed')", N_("Failed only")),
        Binding("a", "only('')", N_("All")),
        Binding("f5", "reload", N_("Reload")),
    ]

    TABLE_ID = "outbox-table"

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.only = ""

    def load(self) -> None:
        super().load()
        self.call_service("outbox", notify.list_outbox, self.db, self.actor, self.only or None)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result) or result.tag != "outbox" or not self.keep_rows(result):
            return
        self.fill(
            self.query_one(f"#{self.TABLE_ID}", DataTable),
            [(_("Due"), 11), (_("Kind"), 14), (_("To"), 7), (_("State"), 17), (_("Last error"), None)],
            self.rows,
            self._cells,
            min_rest=5,
        )
        counts = {k: sum(1 for r in self.rows if state_of(r) == k) for k in STATE_WORDS}
        if not self.rows:
            self.status(_("No failed message.") if self.only else _("The outbox is empty."))
            return
        self.status(
            _("{due} due · {retrying} retrying · {failed} failed · {sent} sent · {skipped} skipped").format(**counts)
            + (" · " + _("failed only (a: all)") if self.only else "")
        )

    @staticmethod
    def _cells(r: notify.OutboxRow) -> list[Text]:
        state = state_of(r)
        shown = _(STATE_WORDS.get(state, state))
        if r.attempts:
            shown += f" ×{r.attempts}"
        if r.sent_at is not None:  # when the server took it: in the state's cell, the error keeps its room
            shown += " " + when(r.sent_at, r.tz)
        error = _(r.last_error) if r.last_error in SKIP_REASONS else r.last_error
        return [
            Text(when(r.next_attempt, r.tz)),
            Text(_(KIND_WORDS[r.kind]) if r.kind in KIND_WORDS else r.kind),
            text(r.recipient),
            flag(shown, state in ("failed", "retrying")),
            text(error),
        ]

    def action_only(self, status: str) -> None:
        self.only = status
        self.load()

    def record_changed(self, kind: str) -> None:
        self.mark_stale()
