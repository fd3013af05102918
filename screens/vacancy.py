"""Vacant shifts and who can take them (services/vacancy.py; docs/absence.md, docs/tui-rosters.md).

- `VacantScreen` — the vacant shifts of the next 14 days, earliest first (`v` in Rosters);
  Enter opens a shift's candidates.
- `CandidatesScreen` — the assistants for one vacant shift in the service's rank order: the
  eligible first, each with its reasons (warnings, met the client, hours left, a new face), each
  excluded one with the rule that excludes them. Enter fills the shift with the one under the
  cursor (`roster fill`: the same checks as `roster add`), `o` offers it to them by e-mail.
  Opened from the vacant list or with `f` on a vacant shift in the roster week.

Eligibility is written as a word in its own column (not colour alone, so it reads with NO_COLOR);
a row is one line, its whole text shows below the table when highlighted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.i18n import N_, _
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import hours, text
from bpa_provider.services import records, roster, vacancy

DAYS_AHEAD = 14


def shift_label(start: Any, end: Any, tz: str = "Europe/Oslo") -> str:
    """ "09.03.2026 08:00–15:30" on the client's clock (vacant rows carry UTC instants and the
    client's zone: a Swedish client's shift reads in Stockholm time, a Norwegian one's in Oslo)."""
    zone = ZoneInfo(tz)
    a, b = start.astimezone(zone), end.astimezone(zone)
    return f"{text(a.date()).plain} {a:%H:%M}–{b:%H:%M}"


def was_for(ref: str | None) -> str:
    """Whom a vacant shift was for; a shift created vacant was nobody's ("new vacant shift")."""
    return _("was for {ref}").format(ref=ref) if ref else _("new vacant shift")


def fill(db: Database, actor: Actor, shift_id: int, assistant_ref: str, policy: Policy | None = None) -> Any:
    """`roster fill`: the vacant shift given to the assistant, with the checks of `roster add`."""
    person = records.find_id(db, actor, "assistant", assistant_ref)
    return roster.reassign_shift(db, actor, shift_id, None, person, policy=policy)


class _ListScreen(DetailScreen):
    """A screen of one table with the cursor in it when loaded."""

    TABLE = ""

    async def show(self) -> None:
        await super().show()
        found = self.query(f"#{self.TABLE}")
        if found and not isinstance(self.focused, DataTable):
            found.first(DataTable).focus()

    def record_changed(self, kind: str) -> None:
        if kind in ("shift", "absence", "assistant"):
            self.load()


class VacantScreen(_ListScreen):
    """The vacant shifts of the next 14 days, earliest first."""

    TABLE = "vacant"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "candidates", N_("Candidates"), priority=True),
        Binding("f5", "reload", N_("Reload")),
    ]

    def __init__(self) -> None:
        super().__init__(0)

    def load(self) -> None:
        app = self.bpa
        self.call_service(
            "detail", vacancy.list_vacant, app.db, app.actor, app.today, app.today + timedelta(days=DAYS_AHEAD - 1)
        )

    def where(self) -> str:
        return _("Vacant shifts")

    def build(self) -> list[Widget]:
        rows: list[vacancy.VacantRow] = self.detail
        today = self.bpa.today
        title = _("Vacant shifts {a}–{b}").format(
            a=text(today).plain, b=text(today + timedelta(days=DAYS_AHEAD - 1)).plain
        )
        out: list[Widget] = [self.heading(title, len(rows))]
        if not rows:
            return out + [self.note(_("No vacant shift in the next 14 days."))]
        out.append(
            self.table(
                self.TABLE,
                [(_("Shift"), 23), (_("Client"), 10), (_("Was for"), 10), (_("Hours"), 6), (_("State"), 8)],
                rows,
                lambda r: [
                    Text(shift_label(r.start, r.end, r.tz)),
                    text(r.client),
                    text(r.was_assistant) if r.was_assistant else Text(_("(new)")),
                    Text(hours(r.hours)),
                    Text(_("VACANT"), style="bold"),
                ],
            )
        )
        out.append(self.note(_("Enter: who can take it")))
        return out

    def action_candidates(self) -> None:
        table_id, row = self.selected()
        if table_id == self.TABLE and row is not None:
            self.open_row(table_id, row)

    def open_row(self, table_id: str, row: Any) -> None:
        label = f"{row.client} {shift_label(row.start, row.end, row.tz)} · " + was_for(row.was_assistant)
        self.app.push_screen(CandidatesScreen(row.id, label))


class CandidatesScreen(_ListScreen):
    """Who can take one vacant shift, best first; Enter fills it, `o` offers it."""

    TABLE = "candidates"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "fill", N_("Fill with this one"), priority=True),
        Binding("o", "offer", N_("Offer by e-mail")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, shift_id: int, label: str) -> None:
        super().__init__(shift_id)
        self.label = label

    def load(self) -> None:
        app = self.bpa
        self.call_service("detail", vacancy.candidates, app.db, app.actor, self.record_id, policy=app.settings.policy)

    def where(self) -> str:
        return _("Candidates · {shift}").format(shift=self.label)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("fill", "offer"):
            return self.bpa.actor.may("roster.write")
        return super().check_action(action, parameters)

    def build(self) -> list[Widget]:
        rows: list[vacancy.Candidate] = self.detail
        out: list[Widget] = [self.note(self.label), self.heading(_("Candidates"), len(rows))]
        if not rows:
            return out + [self.note(_("Nobody assigned to the client can be asked: assign a substitute first."))]
        rank = {id(c): i + 1 for i, c in enumerate(rows)}
        out.append(
            self.table(
                self.TABLE,
                [(_("#"), 2), (_("Assistant"), 18), (_("Eligible"), 8), (_("Why"), 36)],
                rows,
                lambda c: [
                    Text(str(rank[id(c)])),
                    text(f"{c.assistant} {c.name}"),
                    Text(_("yes") if c.eligible else _("NO"), style="" if c.eligible else "bold"),
                    Text("; ".join(str(r) for r in c.reasons)),
                ],
            )
        )
        return out

    def _chosen(self) -> vacancy.Candidate | None:
        table_id, row = self.selected()
        if table_id != self.TABLE or row is None:
            self.explain(_("Choose a candidate first."))
            return None
        return row

    def _eligible(self) -> vacancy.Candidate | None:
        """The chosen candidate if they may take the shift; else why not, said on the status line."""
        c = self._chosen()
        if c is not None and not c.eligible:
            self.explain(
                _("{who} cannot take it: {why}").format(who=c.assistant, why="; ".join(str(r) for r in c.reasons))
            )
            return None
        return c

    def action_fill(self) -> None:
        c = self._eligible()
        if c is None:
            return
        app = self.bpa
        self.call_service("fill", fill, app.db, app.actor, self.record_id, c.assistant, app.settings.policy)

    def open_row(self, table_id: str, row: Any) -> None:
        self.action_fill()

    def action_offer(self) -> None:
        c = self._eligible()
        if c is None:
            return
        app = self.bpa
        self.call_service("offer", vacancy.offer, app.db, app.actor, self.record_id, c.assistant)

    def on_fill(self, result: ServiceResult) -> None:
        if result.error is not None:
            self.notify(error_words(result.error), severity="error", markup=False)
            return
        warned = sorted({v.rule_id for v in getattr(result.value, "warnings", [])})
        if warned:
            self.notify(
                _("Filled, with warnings: {rules}.").format(rules=", ".join(warned)), severity="warning", markup=False
            )
        else:
            self.notify(_("Filled."), markup=False)
        self.app.pop_screen()
        self.bpa.broadcast_change("shift")

    def on_offer(self, result: ServiceResult) -> None:
        if result.error is not None:
            self.notify(error_words(result.error), severity="error", markup=False)
        elif result.value:
            self.notify(_("Offered: the e-mail is in the outbox."), markup=False)
        else:
            self.notify(_("It was offered to them already."), markup=False)


def open_candidates(view: Any, shift: Any) -> None:
    """`f` in the roster week: the candidates of the vacant shift under the cursor, or why not."""
    if shift is None:
        view.explain(_("No shift under the cursor."))
    elif shift.status != "vacant":
        view.explain(_("The shift is not vacant"))
    elif not view.bpa.actor.may("roster.write"):
        view.explain(_("Your role may not do that in the roster."))
    else:
        label = (
            f"{shift.client_ref} {text(shift.start.date()).plain} {shift.start:%H:%M}–{shift.end:%H:%M} · "
            + was_for(shift.assistant_ref)
        )
        view.app.push_screen(CandidatesScreen(shift.id, label))
