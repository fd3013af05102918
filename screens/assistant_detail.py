"""An assistant's screen: the record, employments with credentials, assignments with reviews,
courses, staff reviews held, and the next shifts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.ui import hours, period, text
from bpa_provider.services import details


class AssistantDetailScreen(DetailScreen):
    """One assistant, everything about them on one scrolling screen."""

    kind = "assistant"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("e", "edit", N_("Edit assistant")),
        Binding("m", "new_employment", N_("New employment")),
        Binding("a", "new_assignment", N_("Assign to client")),
        Binding("x", "end", N_("End…"), show=False),  # in F1 and the palette; the footer is full at 80
        Binding("b", "absence", N_("Absence"), show=False),  # screens/absence.py
        Binding("r", "reveal", N_("Show national ID"), show=False),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    PARTS = (("records", ("records",)), ("shifts", ("shifts",)))

    def load(self) -> None:
        self.ask_header(details.assistant_header, policy=self.bpa.settings.policy)

    def part_calls(self) -> list[tuple[str, Callable[..., Any]]]:
        return [("records", details.assistant_records), ("shifts", details.assistant_shifts)]

    def assemble(self) -> details.AssistantDetail:
        """The header and the parts answered so far (a part not yet here: empty, and not shown)."""
        head: details.AssistantHeader = self.header
        rec: details.AssistantRecords | None = self.got["records"].value if self.has("records") else None
        return details.AssistantDetail(
            assistant=head.assistant,
            employments=head.employments,
            assignments=rec.assignments if rec else [],
            courses=rec.courses if rec else [],
            reviews=rec.reviews if rec else [],
            shifts=self.got["shifts"].value if self.has("shifts") else None,
            certificate_not_required=head.certificate_not_required,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        may = self.bpa.actor.may
        needs = {
            "edit": "assistant.write",
            "new_employment": "employment.write",
            "new_assignment": "assignment.write",
            "end": "employment.write",
            "absence": "absence.write",
        }
        if action in needs:
            return may(needs[action])
        return super().check_action(action, parameters)

    def build(self) -> list[Widget]:
        d: details.AssistantDetail = self.detail
        return [*self._summary(d), *self._employments(d)]

    def build_part(self, place: str) -> list[Widget]:
        d: details.AssistantDetail = self.detail
        if place == "records":
            return [*self._assignments(d), *self._courses(d), *self._reviews(d)]
        return self._shifts(d)

    def _summary(self, d: details.AssistantDetail) -> list[Widget]:
        a = d.assistant
        pairs = [
            (_("Assistant"), Text(f"{a.ref} {a.name}", style="bold")),
            (_("National ID"), self.national_id_text(a.national_id)),
            (_("Birth date"), text(a.birth_date)),
            (_("Phone"), text(a.phone)),
            (_("E-mail"), text(a.email)),
            (_("EEA resident"), text(a.eea_resident)),
        ]
        out: list[Widget] = [self.summary(pairs)]
        if d.employments is not None:
            today = self.bpa.today
            current = next(
                (e for e in d.employments if e.start_date <= today and (e.end_date is None or e.end_date >= today)),
                None,
            )
            out.append(self.summary([(_("Credentials"), self._credentials(current))], per_line=1))
        return out

    @staticmethod
    def _credentials(e: Any) -> Text:
        if e is None:
            return Text(_("no current employment"), style="bold")
        out = Text()
        if e.police_certificate_on:
            out.append(_("police certificate {day}").format(day=text(e.police_certificate_on)))
        else:
            out.append(_("NO POLICE CERTIFICATE"), style="bold")
        out.append(" · ")
        if e.confidentiality_on:
            out.append(_("confidentiality signed {day}").format(day=text(e.confidentiality_on)))
        else:
            out.append(_("NO CONFIDENTIALITY"), style="bold")
        return out

    def _employments(self, d: details.AssistantDetail) -> list[Widget]:
        if d.employments is None:
            return []
        out: list[Widget] = [self.heading(_("Employments"), len(d.employments))]
        if not d.employments:
            return out + [self.note(_("No employment yet. Press m to add one."))]
        out.append(
            self.table(
                "employments",
                [
                    (_("Period"), 22),
                    (_("Position %"), 10),
                    (_("Kind"), 10),
                    (_("Police cert."), 12),
                    (_("Confidentiality"), 15),
                ],
                d.employments,
                lambda e: [
                    Text(period(e.start_date, e.end_date)),
                    Text(hours(e.position_percent)),
                    Text(labels.choice(e.kind)),
                    text(e.police_certificate_on)
                    if e.police_certificate_on
                    else Text(_("not required"))
                    if e.id in d.certificate_not_required
                    else Text(_("missing"), style="bold"),
                    text(e.confidentiality_on) if e.confidentiality_on else Text(_("missing"), style="bold"),
                ],
            )
        )
        return out

    def _assignments(self, d: details.AssistantDetail) -> list[Widget]:
        return self.assignments(
            _("Clients"),
            d.assignments,
            empty=_("Not assigned to a client. Press a to assign."),
            who=(_("Client"), lambda x: x.client_ref, lambda x: x.client_name),
        )

    def _courses(self, d: details.AssistantDetail) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Courses"), len(d.courses))]
        if not d.courses:
            return out + [self.note(_("No course recorded."))]
        out.append(
            self.table(
                "courses",
                [(_("Course"), 30), (_("Status"), 12), (_("Completed"), 11)],
                d.courses,
                lambda c: [text(c.name), Text(labels.choice(c.status)), text(c.completed_on)],
            )
        )
        return out

    def _reviews(self, d: details.AssistantDetail) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Staff reviews"), len(d.reviews))]
        if not d.reviews:
            return out + [self.note(_("No staff review recorded."))]
        out.append(
            self.table(
                "reviews",
                [(_("Held"), 11), (_("Ref"), 7), (_("Client"), 24)],
                d.reviews,
                lambda r: [text(r.held_on), text(r.client_ref), text(r.client_name)],
            )
        )
        return out

    def _shifts(self, d: details.AssistantDetail) -> list[Widget]:
        if d.shifts is None:  # the role may not read rosters
            return []
        out: list[Widget] = [self.heading(_("Upcoming shifts"), len(d.shifts))]
        if not d.shifts:
            return out + [self.note(_("No upcoming shift."))]
        out.append(
            self.table(
                "shifts",
                [(_("Day"), 11), (_("Time"), 12), (_("Client"), 24), (_("Kind"), 8), (_("Status"), 10)],
                d.shifts,
                lambda s: [
                    text(s.start.date()),
                    Text(f"{s.start:%H:%M}–{s.end:%H:%M}"),
                    text(f"{s.client_ref} {s.client_name}".strip()),
                    Text(labels.choice(s.kind)),
                    Text(labels.choice(s.status)),
                ],
            )
        )
        return out

    # -- actions ---------------------------------------------------------------------------
    def _preset(self) -> dict[str, tuple[Any, str]]:
        a = self.detail.assistant
        return {"assistant_id": (a.ref, f"{a.ref} {a.name}")}

    def action_edit(self) -> None:
        self.bpa.open_form("assistant", self.record_id)

    def action_new_employment(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("employment", preset=self._preset())

    def action_new_assignment(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("assignment", preset=self._preset())

    def action_absence(self) -> None:
        if self.detail is not None:
            from bpa_provider.screens.absence import AbsenceScreen

            a = self.detail.assistant
            self.app.push_screen(AbsenceScreen(self.record_id, a.ref, a.name))

    def action_end(self) -> None:
        """End the selected employment or assignment."""
        table, row = self.selected()
        if table == "employments":
            self.bpa.open_end("employment", row, period(row.start_date, row.end_date))
        elif table == "assignments":
            self.bpa.open_end("assignment", row.assignment, f"{row.client_ref} {row.client_name}")
        else:
            self.notify(_("Choose an employment or a client row first (Tab moves between tables)."))

    def open_row(self, table_id: str, row: Any) -> None:
        if table_id == "employments":
            self.bpa.open_form("employment", row.id)
        elif table_id == "assignments":
            self.bpa.open_record("client", row.assignment.client_id)
