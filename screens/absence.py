"""An assistant's absences: kind, dates, grade, document date and status, newest first; `n` records
one, `e` changes one, `x` ends one on a day typed in, `c` cancels one recorded in error.
Opened with `b` from the assistant's screen (docs/absence.md).

Everything goes through `services.absence` in a worker. After a save the rules' warnings on the
absence (self-certification limits, a sick note needed, the employer period and the day NAV takes
over, holiday beyond the entitlement) are shown as the service gives them — translated, each with
its rule and law — under the list, together with how many shifts became vacant or went back.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.rules.absence import KIND_LABELS
from bpa_provider.screens import labels
from bpa_provider.screens.absence_form import absence_form
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import period, text
from bpa_provider.services import absence

STATUS_WORDS = {"cancelled": N_("cancelled"), "ended": N_("ended"), "current": N_("CURRENT"), "planned": N_("planned")}


def status_of(row: absence.AbsenceRow, today: date) -> str:
    """An absence's state on `today`: cancelled, ended, current or planned (a word, not a colour)."""
    if row.cancelled:
        return "cancelled"
    if row.to_date < today:
        return "ended"
    return "current" if row.from_date <= today else "planned"


def kind_word(kind: str) -> str:
    return labels.label(KIND_LABELS.get(kind, kind))


def saved_lines(saved: Any) -> list[str]:
    """What a save says beyond "Saved.": shifts made vacant or given back, and the rules' warnings."""
    out: list[str] = []
    if getattr(saved, "vacated", 0):
        out.append(
            ngettext(
                "{n} shift became vacant: find substitutes in Rosters (v).",
                "{n} shifts became vacant: find substitutes in Rosters (v).",
                saved.vacated,
            ).format(n=saved.vacated)
        )
    if getattr(saved, "restored", 0):
        out.append(
            ngettext(
                "{n} vacant shift went back to the assistant.",
                "{n} vacant shifts went back to the assistant.",
                saved.restored,
            ).format(n=saved.restored)
        )
    out += [
        _("WARNING {rule}: {text} ({law})").format(rule=w.rule, text=str(w.text), law=w.law)
        for w in getattr(saved, "warnings", ())
    ]
    return out


class AbsenceScreen(DetailScreen):
    """One assistant's absences (cancelled ones too, marked), with the keys that change them."""

    kind = "assistant"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("n", "new", N_("New absence")),
        Binding("e", "edit", N_("Change")),
        Binding("x", "end", N_("End on…")),
        Binding("c", "cancel_absence", N_("Cancel absence")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, record_id: int, ref: str, name: str) -> None:
        super().__init__(record_id)
        self.ref, self.person = ref, name
        self.remarks: list[str] = []  # what the last save said (warnings), until the next one

    def load(self) -> None:
        app = self.bpa
        self.call_service("detail", absence.list_absences, app.db, app.actor, self.ref, include_cancelled=True)

    def where(self) -> str:
        return _("Absence · {who}").format(who=f"{self.ref} {self.person}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "edit", "end", "cancel_absence"):
            return self.bpa.actor.may(absence.PERMISSION)
        return super().check_action(action, parameters)

    def build(self) -> list[Widget]:
        rows: list[absence.AbsenceRow] = self.detail
        today = self.bpa.today
        out: list[Widget] = [self.heading(_("Absence"), len(rows))]
        if not rows:
            out.append(self.note(_("No absence recorded. Press n to record one.")))
        else:
            out.append(
                self.table(
                    "absences",
                    [
                        (_("Kind"), 12),
                        (_("Period"), 21),
                        (_("Days"), 5),
                        (_("Grade"), 5),
                        (_("Document"), 10),
                        (_("Status"), 9),
                    ],
                    rows,
                    lambda r: [
                        Text(kind_word(r.kind)),
                        Text(period(r.from_date, r.to_date)),
                        Text(str(r.days)),
                        Text(f"{r.grade} %"),
                        text(r.document_on),
                        Text(
                            _(STATUS_WORDS[status_of(r, today)]),
                            style="bold" if status_of(r, today) == "current" else "",
                        ),
                    ],
                )
            )
        if self.remarks:
            out.append(self.heading(_("Last saved")))
            out += [self.note(line) for line in self.remarks]
        return out

    async def show(self) -> None:
        await super().show()
        found = self.query("#absences")
        if found and not isinstance(self.focused, DataTable):
            found.first(DataTable).focus()

    # -- actions ---------------------------------------------------------------------------
    def _chosen(self) -> absence.AbsenceRow | None:
        table_id, row = self.selected()
        if table_id != "absences" or row is None:
            self.explain(_("Choose an absence first."))
            return None
        if row.cancelled:
            self.explain(_("The absence was cancelled; record a new one"))
            return None
        return row

    def _saved(self, saved: Any) -> None:
        if saved is None:
            return
        self.remarks = saved_lines(saved)
        self.notify(
            _("Saved.") + (" " + " ".join(self.remarks) if self.remarks else ""),
            severity="warning" if getattr(saved, "warnings", None) else "information",
            markup=False,
        )
        self.bpa.broadcast_change("absence")  # reloads this screen; rosters show the vacant shifts

    def action_new(self) -> None:
        app = self.bpa
        app.push_screen(absence_form(app.db, app.actor, self.ref, self.person, policy=app.settings.policy), self._saved)

    def action_edit(self) -> None:
        row = self._chosen()
        if row is not None:
            app = self.bpa
            app.push_screen(
                absence_form(app.db, app.actor, self.ref, self.person, row, policy=app.settings.policy), self._saved
            )

    def open_row(self, table_id: str, row: Any) -> None:
        if table_id == "absences":
            self.action_edit()

    def action_end(self) -> None:
        row = self._chosen()
        if row is None:
            return
        from bpa_provider.screens.date_prompt import DatePrompt

        app = self.bpa
        question = _("{kind} {a}–{b}: the last day of the absence").format(
            kind=kind_word(row.kind), a=text(row.from_date).plain, b=text(row.to_date).plain
        )

        def ended(day: date | None) -> None:
            if day is not None:
                self.call_service(
                    "end-absence",
                    absence.end_absence,
                    app.db,
                    app.actor,
                    row.id,
                    day,
                    row.version,
                    policy=app.settings.policy,
                )

        app.push_screen(DatePrompt(question, _("Last day"), max(row.from_date, min(app.today, row.to_date))), ended)

    def action_cancel_absence(self) -> None:
        row = self._chosen()
        if row is None:
            return
        from bpa_provider.screens.confirm import ConfirmScreen

        app = self.bpa
        question = _(
            "Cancel the absence {kind} {a}–{b}? It was recorded in error: it is kept in the history and "
            "counted nowhere; its vacant shifts go back to the assistant."
        ).format(kind=kind_word(row.kind), a=text(row.from_date).plain, b=text(row.to_date).plain)

        def answer(yes: bool | None) -> None:
            if yes:
                self.call_service("cancel-absence", absence.cancel_absence, app.db, app.actor, row.id, row.version)

        app.push_screen(ConfirmScreen(question, yes=_("Cancel absence"), no=_("Keep it")), answer)

    def on_end_absence(self, result: ServiceResult) -> None:
        if result.error is not None:
            self.notify(error_words(result.error), severity="error", markup=False)
        else:
            self._saved(result.value)

    def on_cancel_absence(self, result: ServiceResult) -> None:
        if result.error is not None:
            self.notify(error_words(result.error), severity="error", markup=False)
            return
        self.remarks = []
        self.notify(_("Absence cancelled."), markup=False)
        self.bpa.broadcast_change("absence")

    def record_changed(self, kind: str) -> None:
        if kind in ("absence", "shift", "assistant"):
            self.load()
