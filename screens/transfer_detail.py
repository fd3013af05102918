"""A transfer's screen: what is done, what is next and by when, and what it means for each assistant.

Sections: the transfer (client, direction, counterpart, dates, days left, next step, consent),
the step checklist, the assistants with their status and consequence, and the handover package
exported from this screen. Keys act on the transfer, or on the step or assistant under the cursor
of the focused table (Enter on a step records it; Enter on an assistant records what is missing).
Every change goes through `services.transfers` / `services.handover` in a modal form
(screens/transfer_forms.py); the screen shows the view the service returns.

State is always written as words (DONE, NEXT, OVERDUE, TRANSFERRING, REFUSED…), never by colour
alone, so it reads the same under NO_COLOR. The helpers here are shared with the transfers list.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.transfer_forms import (
    CancelForm,
    ConsentForm,
    ExportForm,
    InformForm,
    RefusalForm,
    StepForm,
    TransferForm,
)
from bpa_provider.screens.ui import text
from bpa_provider.services import transfer_rows, transfers
from bpa_provider.services.handover import ExportResult
from bpa_provider.services.transfer_views import AssistantView, StepView, TransferView

# The workflow's step titles (rules.transfer_flow) marked here for the catalog; shown with _().
STEP_TITLES = (
    N_("Notice received"),
    N_("Notice given"),
    N_("Client signed"),
    N_("Sent to case unit"),
    N_("Municipality signed"),
    N_("Försäkringskassan notified"),
    N_("Current provider told"),
    N_("Assistants informed"),
    N_("Refusal deadline passed"),
    N_("Handover sent"),
    N_("Handover received"),
    N_("Cut-over"),
    N_("Closed"),
)

# What the transfer means for an assistant (AssistantView.status), as words.
ASSISTANT_STATUS = {
    "transferring": N_("TRANSFERRING"),
    "refused": N_("REFUSED"),
    "ends": N_("ENDS"),
    "stays": N_("STAYS"),
    "joining": N_("JOINING"),
}

ENDED = transfer_rows.ENDED_STATES


# --------------------------------------------------------------------------- words for values


def direction_word(direction: str) -> str:
    """IN or OUT, as text (the list's first word of a transfer)."""
    return _("OUT") if direction == "out" else _("IN")


def with_whom(direction: str, counterpart: str) -> str:
    return (_("to {provider}") if direction == "out" else _("from {provider}")).format(provider=counterpart)


def days(n: int) -> str:
    return ngettext("{n} day", "{n} days", abs(n)).format(n=abs(n))


def days_left_text(n: int | None) -> str:
    """Days until a date: "12 days", "today", "3 days ago" (a date that has simply passed)."""
    if n is None:
        return ""
    if n == 0:
        return _("today")
    return days(n) if n > 0 else _("{days} ago").format(days=days(n))


def due_text(n: int | None, *, short: bool = False) -> Text:
    """Days until a step is due; an overdue step says OVERDUE in words (bold, not only coloured).
    `short` leaves out how many days overdue (where the due date stands beside it)."""
    if n is None:
        return Text("")
    if n < 0:
        return Text(_("OVERDUE") if short else _("OVERDUE {days}").format(days=days(n)), style="bold")
    if n == 0:
        return Text(_("DUE today"), style="bold")
    return Text(_("in {days}").format(days=days(n)))


def state_text(state: str, next_title: str | None) -> Text:
    """What a transfer is at: CANCELLED, CLOSED, or the next step to do."""
    if state == "cancelled":
        return Text(_("CANCELLED"), style="bold")
    if state == "closed":
        return Text(_("CLOSED"), style="bold")
    return Text(_(next_title) if next_title else "–")


def cut_over(v: TransferView) -> bool:
    """True once the cut-over step is done: the client and the assistants have moved."""
    return any(s.code == "cutover" and s.done_on is not None for s in v.steps)


def step_status(step: StepView, next_code: str | None) -> Text:
    """DONE, NEXT (with the days to its due date, or OVERDUE), OVERDUE n days, or the days left."""
    if step.done_on is not None:
        return Text(_("DONE"), style="bold")
    if step.code == next_code:
        out = Text(_("NEXT"), style="bold reverse")
        due = due_text(step.days_left, short=True)
        if due.plain:
            out.append(" · ")
            out.append(due)
        return out
    return due_text(step.days_left)


# --------------------------------------------------------------------------- the screen


class TransferDetailScreen(DetailScreen):
    """One transfer with its checklist and assistants; the actions of each step."""

    kind = "transfer"

    BINDINGS = [
        # Esc is left out of the footer: at 80 columns the transfer's own actions need the room.
        Binding("escape", "back", N_("Back"), show=False),
        Binding("c", "complete", N_("Step…")),
        Binding("i", "inform", N_("Inform…")),
        Binding("r", "refusal", N_("Refusal…")),
        Binding("k", "consent", N_("Consent…")),
        Binding("p", "export", N_("Export…")),
        Binding("x", "cancel_transfer", N_("Cancel…")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    # action -> the permission it needs
    NEEDS = {
        "complete": "transfer.write",
        "inform": "transfer.write",
        "refusal": "transfer.write",
        "consent": "transfer.write",
        "cancel_transfer": "transfer.write",
        "export": "handover.export",
    }

    def __init__(self, record_id: int) -> None:
        super().__init__(record_id)
        self.changes: tuple[Any, ...] = ()  # what the last step did (cut-over), kept across reloads
        self.exported: ExportResult | None = None
        self.export_folder: str | None = None
        self._quiet = False  # True while this screen announces its own change

    @property
    def view(self) -> TransferView | None:
        return self.detail

    def record_changed(self, kind: str) -> None:
        if not self._quiet:
            self.load()

    def load(self) -> None:
        app = self.bpa
        self.call_service("detail", transfers.get_transfer, app.db, app.actor, self.record_id, today=app.today)

    def where(self) -> str:
        v = self.view
        assert v is not None
        return _("Transfer {id}: {ref} {name}").format(id=v.id, ref=v.client_ref, name=v.client_name)

    async def show(self) -> None:
        await super().show()
        v = self.view
        if v is not None and v.next_step:
            codes = [s.code for s in v.steps]
            self.query_one("#steps", DataTable).move_cursor(row=codes.index(v.next_step), animate=False)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NEEDS:
            if not self.bpa.actor.may(self.NEEDS[action]):
                return False
            v = self.view
            if v is None:
                return None
            if action == "export":
                return v.direction == "out" and v.state != "cancelled"
            if v.state in ENDED:
                return None  # shown, dimmed: the transfer is over
            if action in ("inform", "refusal", "cancel_transfer") and cut_over(v):
                return None  # the assistants have moved; only closing (and consent) remain
            if action in ("inform", "refusal") and not v.assistants:
                return None
            return True
        return super().check_action(action, parameters)

    # -- sections --------------------------------------------------------------------------
    def build(self) -> list[Widget]:
        v = self.view
        assert v is not None
        return [*self._summary(v), *self._changes(), *self._steps(v), *self._assistants(v), *self._package(v)]

    def _summary(self, v: TransferView) -> list[Widget]:
        effective = Text(format_date(v.effective_date))
        if v.state not in ENDED:
            effective.append(f" ({days_left_text(v.days_left)})")
        if v.agreed_date:
            effective.append(" · " + _("agreed"))
        nxt = state_text(v.state, v.next_title)
        if v.next_title and v.next_due:
            nxt.append(" · " + _("due {date}").format(date=format_date(v.next_due)) + " (")
            nxt.append(due_text(next((s.days_left for s in v.steps if s.code == v.next_step), None)))
            nxt.append(")")
        consent = text(v.client_consent_on) if v.client_consent_on else Text(_("not recorded (no client part)"))
        direction = Text(direction_word(v.direction) + " ", style="bold")
        direction.append(with_whom(v.direction, v.counterpart))
        out: list[Widget] = [
            self.summary(
                [
                    (_("Client"), Text(f"{v.client_ref} {v.client_name}", style="bold")),
                    (_("Direction"), direction),
                    (_("Notice date"), text(v.notice_date)),
                    (_("Effective date"), effective),
                    (_("Next step") if v.state not in ENDED else _("Status"), nxt),
                    (_("Client consent"), consent),
                    (_("Country"), Text(_("Sweden") if v.country == "SE" else _("Norway"))),
                ]
            )
        ]
        if v.state == "cancelled" and v.cancelled_reason:
            out.append(self.note(_("Cancelled: {reason}").format(reason=v.cancelled_reason)))
        # E.g. Försäkringskassan's deadline before the notice (services.transfer_views.fk_deadline_warnings).
        out.extend(self.note(str(warning)) for warning in v.warnings)  # i18n.Msg: in the reader's language
        return out

    def _changes(self) -> list[Widget]:
        if not self.changes:
            return []
        return [self.note(_("Done with the last step: {changes}").format(changes="; ".join(map(str, self.changes))))]

    def _steps(self, v: TransferView) -> list[Widget]:
        done = sum(1 for s in v.steps if s.done_on is not None)
        out: list[Widget] = [self.heading(_("Steps ({done} of {n} done)").format(done=done, n=len(v.steps)))]
        # The room left of the screen's width after padding, margin, scrollbar and cell padding.
        room = self.size.width - 6 - 4 * 2
        fixed = 10 + 18 + 8
        step_width = max(24, min(32, room - fixed))  # 30 at 80 columns: titles in Norwegian are long
        columns: list[tuple[str, int | None]] = [
            (_("Step"), step_width),
            (_("Date"), 10),
            (_("Status"), 18),
            (_("By"), 8),
        ]
        # A note gets a column when the screen is wide enough; it is always shown whole under the
        # table for the step under the cursor.
        note_width = room - step_width - fixed - 2
        if note_width >= 16:
            columns.append((_("Note"), note_width))

        def cells(s: StepView) -> list[Text]:
            row = [
                Text(_(s.title) + (" *" if s.reported else "")),
                text(s.done_on or s.due_date),
                step_status(s, v.next_step),
                text(s.done_by),
            ]
            return row + ([text(s.note)] if len(columns) > 4 else [])

        out.append(self.table("steps", columns, v.steps, cells))
        out.append(Static(self.step_info(self._cursor_step(v)), classes="note", id="step-info"))
        legend = [_("Date: the day done, or the due date while open.")]
        if any(s.reported for s in v.steps):
            legend.append(_("* the new provider's step, recorded as reported to us."))
        if v.state not in ENDED and self.bpa.actor.may("transfer.write"):
            legend.append(_("Enter or c records the step under the cursor."))
        out.append(self.note(" ".join(legend)))
        return out

    def _cursor_step(self, v: TransferView) -> StepView:
        """The step the checklist's cursor starts on: the next one to do (else the first)."""
        return next((s for s in v.steps if s.code == v.next_step), v.steps[0])

    @staticmethod
    def step_info(s: StepView) -> Text:
        """One step in full: title, whose step, legal basis, due and done, by whom, the note."""
        out = Text(_(s.title), style="bold")
        facts = []
        if s.reported:
            facts.append(_("the new provider's step, recorded as reported to us"))
        if s.law:
            facts.append(s.law)
        if s.due_date:
            facts.append(_("due {date}").format(date=format_date(s.due_date)))
        if s.done_on:
            facts.append(_("done {date} by {who}").format(date=format_date(s.done_on), who=s.done_by))
        if facts:
            out.append(" · " + " · ".join(facts))
        if s.note:
            out.append("\n" + _("Note: {note}").format(note=s.note))
        return out

    @on(DataTable.RowHighlighted, "#steps")
    def _step_highlighted(self, event: DataTable.RowHighlighted) -> None:
        steps = self.rows_of.get("steps", ())
        if 0 <= event.cursor_row < len(steps):
            for info in self.query("#step-info").results(Static):
                info.update(self.step_info(steps[event.cursor_row]))

    def _assistants(self, v: TransferView) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Assistants"), len(v.assistants))]
        if not v.assistants:
            empty = (
                _("No assistant is assigned to the client.")
                if v.direction == "out"
                else _("No assistant yet: they arrive with the handover package.")
            )
            return out + [self.note(empty)]

        def cells(a: AssistantView) -> list[Text]:
            status = Text(_(ASSISTANT_STATUS.get(a.status, a.status)), style="bold")
            informed = text(a.informed_on) if a.informed_on else Text(_("NOT YET"), style="bold")
            left = Text("")
            if a.refusal_deadline and a.refused_on is None and a.deadline_days_left is not None:
                left = (
                    Text(days(a.deadline_days_left))
                    if a.deadline_days_left > 0
                    else Text(_("today") if a.deadline_days_left == 0 else _("passed"))
                )
            return [text(a.ref), text(a.name), status, informed, text(a.refusal_deadline), left]

        out.append(
            self.table(
                "assistants",
                [
                    (_("Ref"), 7),
                    (_("Name"), 14),
                    (_("Status"), 12),
                    (_("Informed"), 10),
                    (_("Deadline"), 10),
                    (_("Left"), 8),
                ],
                v.assistants,
                cells,
            )
        )
        for a in v.assistants:
            line = Text(f"{a.ref}: ", style="bold")
            line.append(a.consequence)
            out.append(Static(line, classes="note"))
        return out

    def _package(self, v: TransferView) -> list[Widget]:
        if v.direction != "out":
            return []
        out: list[Widget] = [self.heading(_("Handover package"))]
        e = self.exported
        if e is None:
            return out + [self.note(_("Not exported from this screen yet. Press p to export it (any stage)."))]
        line = Text(
            _("Exported at stage {stage}: {n} assistant(s), client part {part}.").format(
                stage=e.stage, n=e.assistants, part=_("included") if e.client_part else _("not included")
            )
        )
        line.append("\n" + _("JSON: {path}").format(path=e.json_path))
        line.append("\n" + _("Readable copy: {path}").format(path=e.md_path))
        line.append("\n" + _("SHA-256: {sha}").format(sha=e.sha256))
        return out + [Static(line, classes="summary", id="export-result")]

    # -- actions ---------------------------------------------------------------------------
    def _form(self, form: TransferForm, *, also: tuple[str, ...] = ()) -> None:
        """Open a form; what it saved becomes the screen's view, and other screens reload."""

        def saved(result: Any) -> None:
            if result is None:
                if form.conflicted:
                    self.load()  # show the other person's change the form told about
                return
            if isinstance(result, ExportResult):
                self.exported = result
                self.export_folder = str(result.json_path.parent)  # the next export offers it again
                self.notify(_("Package written. SHA-256: {sha}").format(sha=result.sha256), markup=False)
                self.call_later(self.show)
                return
            self.detail = result
            self.changes = result.changes
            self.notify(_("Saved."))
            self.call_later(self.show)
            # The service returned the new view: this screen need not fetch it again.
            self._quiet = True
            try:
                for kind in ("transfer", *also):
                    self.bpa.broadcast_change(kind)
            finally:
                self._quiet = False

        self.bpa.push_screen(form, saved)

    def _selected_step(self) -> StepView | None:
        table, row = self.selected()
        return row if table == "steps" else None

    def _selected_assistant(self) -> AssistantView | None:
        table, row = self.selected()
        return row if table == "assistants" else None

    def action_complete(self, code: str | None = None) -> None:
        v = self.view
        if v is None:
            return
        step = self._selected_step() if code is None else None
        if step is not None and step.done_on is not None:
            self.notify(
                _("{step} is already done ({date}).").format(step=_(step.title), date=format_date(step.done_on))
            )
            return
        code = code or (step.code if step else None)
        if not any(s.done_on is None for s in v.steps):
            return
        # Cut-over ends or creates clients' assignments and employments: the lists reload too.
        self._form(StepForm(v, code), also=("client", "assistant"))

    def action_inform(self, ref: str | None = None) -> None:
        if self.view is not None:
            person = self._selected_assistant()
            self._form(InformForm(self.view, ref or (person.ref if person else None)))

    def action_refusal(self, ref: str | None = None) -> None:
        if self.view is not None:
            person = self._selected_assistant()
            self._form(RefusalForm(self.view, ref or (person.ref if person else None)))

    def action_consent(self) -> None:
        if self.view is not None:
            self._form(ConsentForm(self.view))

    def action_cancel_transfer(self) -> None:
        if self.view is not None:
            self._form(CancelForm(self.view), also=("client",))

    def action_export(self) -> None:
        if self.view is not None:
            self._form(ExportForm(self.view, self.export_folder))

    def open_row(self, table_id: str, row: Any) -> None:
        """Enter: a step is recorded; an assistant gets what is missing (informed, then a refusal)."""
        if not self.bpa.actor.may("transfer.write") or self.view is None or self.view.state in ENDED:
            return
        if table_id == "steps":
            self.action_complete() if row.done_on is None else self.notify(
                _("{step} is already done ({date}).").format(step=_(row.title), date=format_date(row.done_on))
            )
        elif table_id == "assistants" and not cut_over(self.view):
            if row.informed_on is None:
                self.action_inform(row.ref)
            elif row.refused_on is None:
                self.action_refusal(row.ref)
