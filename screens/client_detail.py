"""A client's screen — the hub of a coordinator's day: the record, decisions, this month's hours
and the year-end outlook, supervisors, assistants with their reviews, an open transfer and the
record's history, with keys to everything about the client kept elsewhere: the roster week (w),
the hour account (h), the transfer (t), the supervisor's onboarding (o) and the assistant's last
review (v). Opening it is logged (services.details)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from bpa_provider.formats import format_datetime
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import to_local
from bpa_provider.screens import labels
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.messages import ShowClientRoster
from bpa_provider.screens.ui import describe_error, hours, period, text
from bpa_provider.services import details


class ClientDetailScreen(DetailScreen):
    """One client, everything about them on one scrolling screen."""

    kind = "client"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("e", "edit", N_("Edit client")),
        Binding("d", "new_decision", N_("New decision")),
        Binding("a", "new_assignment", N_("Assign assistant"), show=False),
        Binding("s", "new_supervisor", N_("New supervisor"), show=False),
        Binding("l", "link_supervisor", N_("Link supervisor"), show=False),
        Binding("x", "end", N_("End…"), show=False),
        Binding("w", "roster", N_("Roster week")),
        Binding("h", "hour_account", N_("Hour account")),
        Binding("t", "transfer", N_("Transfer"), show=False),
        Binding("o", "onboarding", N_("Onboarding"), show=False),
        Binding("v", "last_review", N_("Last review"), show=False),
        Binding("r", "reveal", N_("Show national ID"), show=False),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    # The permission each key needs; without it the key is not offered, and says why if pressed.
    NEEDS = {
        "edit": "client.write",
        "new_decision": "decision.write",
        "new_assignment": "assignment.write",
        "new_supervisor": "supervisor.write",
        "link_supervisor": "supervisor.write",
        "end": "client.write",
        "roster": "roster.read",
        "hour_account": "hours.read",
        "transfer": "transfer.read",
        "onboarding": "course.read",
        "last_review": "review.read",
    }

    PARTS = (("decisions", ("records",)), ("hours", ("hours", "continuity")), ("people", ("records",)))

    def load(self) -> None:
        self.ask_header(details.client_header)

    def part_calls(self) -> list[tuple[str, Callable[..., Any]]]:
        return [
            ("records", details.client_records),
            ("hours", details.client_hours),
            ("continuity", details.client_continuity),
        ]

    def assemble(self) -> details.ClientDetail:
        """The header and the parts answered so far (a part not yet here: empty, and not shown)."""
        head: details.ClientHeader = self.header
        rec: details.ClientRecords | None = self.got["records"].value if self.has("records") else None
        return details.ClientDetail(
            client=head.client,
            municipality=head.municipality,
            decisions=rec.decisions if rec else [],
            supervisors=rec.supervisors if rec else [],
            assignments=rec.assignments if rec else [],
            hours=self.got["hours"].value if self.has("hours") else None,
            reviews_available=rec.reviews_available if rec else False,
            transfer=rec.transfer if rec else None,
            history=rec.history if rec else None,
            continuity=self.got["continuity"].value if self.has("continuity") else None,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NEEDS:
            return self.bpa.actor.may(self.NEEDS[action])
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        return _("Your role may not do that here.") if action in self.NEEDS else None

    # -- sections --------------------------------------------------------------------------
    def build(self) -> list[Widget]:
        return self._summary(self.detail)

    def build_part(self, place: str) -> list[Widget]:
        d: details.ClientDetail = self.detail
        if place == "decisions":
            return self._decisions(d)
        if place == "hours":
            return self._hours(d)
        return [*self._supervisors(d), *self._assistants(d), *self._transfer(d), *self._history(d)]

    def _summary(self, d: details.ClientDetail) -> list[Widget]:
        c = d.client
        status = labels.choice(c.status)
        return [
            self.summary(
                [
                    (_("Client"), Text(f"{c.ref} {c.name}", style="bold")),
                    (_("Status"), Text(status if c.status == "active" else status.upper(), style="bold")),
                    (_("National ID"), self.national_id_text(c.national_id)),
                    (_("Birth date"), text(c.birth_date)),
                    (_("Municipality"), text(d.municipality.name if d.municipality else "")),
                    (_("Period"), Text(period(c.start_date, c.end_date))),
                    (_("Phone"), text(c.phone)),
                    (_("Address"), text(c.address)),
                ]
            )
        ]

    def _decisions(self, d: details.ClientDetail) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Decisions"), len(d.decisions))]
        if not d.decisions:
            return out + [self.note(_("No decision yet. Press d to add one."))]
        today = self.bpa.today
        out.append(
            self.table(
                "decisions",
                [
                    (_("Period"), 23),
                    (_("Hours"), 10),
                    (_("Case number"), 12),
                    (_("Services"), 22),
                    (_("Two-helper"), 10),
                    (_("Night"), 6),
                ],
                d.decisions,
                lambda x: [
                    Text(
                        period(x.valid_from, x.valid_to)
                        + (" ◀" if x.valid_from <= today and (x.valid_to is None or x.valid_to >= today) else "")
                    ),
                    Text(f"{hours(x.hours)}/{labels.choice(x.hours_unit)}"),
                    text(x.case_number),
                    text(", ".join(labels.choice(s) for s in x.services.split(",") if s)),
                    Text(hours(x.two_helper_hours) if x.two_helper_hours else ""),
                    text(x.night_hours_allowed),
                ],
            )
        )
        out.append(self.note(_("◀ marks the decision in force today.")))
        return out

    def _hours(self, d: details.ClientDetail) -> list[Widget]:
        h = d.hours
        if h is None:  # the role may not see hour accounts
            return []
        out: list[Widget] = [self.heading(_("Hours"))]
        month = _("This month: decided {decided} h · used {used} h").format(
            decided=hours(h.decided), used=hours(h.used)
        )
        if h.planned is not None:
            month += " · " + _("planned {planned} h").format(planned=hours(h.planned))
        out.append(Static(Text(month), classes="summary"))
        if h.year_decided:
            # The flag is the year's: it stands with the year's figures, never the month's.
            year = Text(
                _("Year-end outlook: {projected} h of {decided} h ({pct} %)").format(
                    projected=hours(round(h.year_projected or 0)),
                    decided=hours(round(h.year_decided)),
                    pct=round((h.year_ratio or 0) * 100),
                )
            )
            if h.flag and h.flag != "ok":
                year.append(f"  {labels.flag(h.flag)}", style="bold")
            out.append(Static(year, classes="summary"))
        out.append(self.note(_("w roster week · h hour account")))
        c = d.continuity
        if c is not None:
            # Continuity (domain.md): fewer, fixed helpers; Sweden counts staff met in 14 days.
            seen = _("Assistants: {d14} in 14 days, {d30} in 30 days · {share} % of hours by regulars").format(
                d14=c.distinct_14d, d30=c.distinct_30d, share=round(c.regular_share * 100)
            )
            if c.new_faces_month:
                seen += " · " + _("new this month: {refs}").format(refs=", ".join(c.new_faces_month))
            if c.substitutes_never_met:
                seen += " · " + _("substitute never met the client: {refs}").format(
                    refs=", ".join(c.substitutes_never_met)
                )
            out.append(Static(Text(seen), classes="summary"))
        return out

    def _supervisors(self, d: details.ClientDetail) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Work supervisors"), len(d.supervisors))]
        if not d.supervisors:
            return out + [self.note(_("No supervisor yet. Press s to add one."))]
        out.append(
            self.table(
                "supervisors",
                [(_("Ref"), 7), (_("Name"), 20), (_("Phone"), 12), (_("Relation"), 10), (_("Period"), 22)],
                d.supervisors,
                lambda x: [
                    text(x.supervisor.ref),
                    text(x.supervisor.name),
                    text(x.supervisor.phone),
                    Text(labels.choice(x.supervision.relation)),
                    Text(period(x.supervision.since, x.supervision.until)),
                ],
            )
        )
        return out

    def _assistants(self, d: details.ClientDetail) -> list[Widget]:
        return self.assignments(
            _("Assistants"),
            d.assignments,
            empty=_("No assistant assigned. Press a to assign one."),
            who=(_("Name"), lambda x: x.assistant_ref, lambda x: x.assistant_name),
            next_review=d.reviews_available,
        )

    def _transfer(self, d: details.ClientDetail) -> list[Widget]:
        out: list[Widget] = [self.heading(_("Provider transfer"))]
        t = d.transfer
        if t is None:
            return out + [self.note(_("No open transfer."))]
        direction = _("to {provider}") if t.direction == "out" else _("from {provider}")
        line = Text(direction.format(provider=t.counterpart))
        line.append(" · " + _("effective {day}").format(day=text(t.effective_date)))
        line.append(" · " + _("last step: {step}").format(step=t.state))
        return out + [Static(line, classes="summary"), self.note(_("t opens the transfer"))]

    def _history(self, d: details.ClientDetail) -> list[Widget]:
        if d.history is None:
            return []
        out: list[Widget] = [self.heading(_("History"), len(d.history))]
        if not d.history:
            return out + [self.note(_("No changes recorded."))]
        tz = d.municipality.timezone if d.municipality else "Europe/Oslo"
        out.append(
            self.table(
                "history",
                [(_("When"), 16), (_("Who"), 10), (_("What"), 24), (_("Summary"), None)],
                d.history,
                lambda x: [
                    Text(format_datetime(to_local(x.at, tz))),
                    text(x.actor),
                    Text(f"{labels.kind(x.entity)} {labels.action(x.action)}"),
                    # "Client created" says nothing the previous column does not.
                    text("" if x.action == "create" else x.summary),
                ],
            )
        )
        return out

    # -- actions ---------------------------------------------------------------------------
    def _preset(self) -> dict[str, tuple[Any, str]]:
        c = self.detail.client
        return {"client_id": (c.ref, f"{c.ref} {c.name}")}

    def action_edit(self) -> None:
        self.bpa.open_form("client", self.record_id)

    def action_new_decision(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("decision", preset=self._preset())

    def action_new_assignment(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("assignment", preset=self._preset())

    def action_new_supervisor(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("supervisor", preset=self._preset())

    def action_link_supervisor(self) -> None:
        if self.detail is not None:
            self.bpa.open_form("supervision", preset=self._preset())

    def action_end(self) -> None:
        """End the selected decision, supervision or assignment; with no row selected, the client."""
        if self.detail is None:
            return
        table, row = self.selected()
        if table == "decisions":
            self.bpa.open_end("decision", row, period(row.valid_from, row.valid_to))
        elif table == "supervisors":
            self.bpa.open_end("supervision", row.supervision, f"{row.supervisor.ref} {row.supervisor.name}")
        elif table == "assignments":
            self.bpa.open_end("assignment", row.assignment, f"{row.assistant_ref} {row.assistant_name}")
        else:
            self.bpa.open_end("client", self.detail.client)

    def _records_here(self) -> bool:
        """The client's sections have come (a key about them says so until then)."""
        if not self.has("records"):
            self.explain(_("Loading…"))
            return False
        return True

    # -- the hub: what is kept about the client elsewhere ------------------------------------
    def _label(self) -> str:
        c = self.detail.client
        return f"{c.ref} {c.name}"

    def action_roster(self) -> None:
        if self.detail is not None:
            self.post_message(ShowClientRoster(self.record_id, self._label(), "week"))

    def action_hour_account(self) -> None:
        if self.detail is not None:
            self.post_message(ShowClientRoster(self.record_id, self._label(), "hours"))

    def action_transfer(self) -> None:
        if self.detail is None or not self._records_here():
            return
        if self.detail.transfer is None:
            self.explain(_("No open transfer for this client."))
            return
        from bpa_provider.screens.transfer_detail import TransferDetailScreen

        self.app.push_screen(TransferDetailScreen(self.detail.transfer.id))

    def action_onboarding(self) -> None:
        """The onboarding checklist of the supervisor under the cursor (or the current one)."""
        if self.detail is None or not self._records_here():
            return
        table, row = self.selected()
        current = [x for x in self.detail.supervisors if x.supervision.until is None] or self.detail.supervisors
        line = row if table == "supervisors" else (current[0] if current else None)
        if line is None:
            self.explain(_("No supervisor yet: s adds one."))
            return
        from bpa_provider.screens.course_onboarding import ChecklistScreen

        self.app.push_screen(ChecklistScreen(line.supervisor.id))

    def action_last_review(self) -> None:
        """The last staff review of the assistant under the cursor (or the only one) with this client."""
        if self.detail is None or not self._records_here():
            return
        table, row = self.selected()
        lines = self.detail.assignments
        line = row if table == "assignments" else (lines[0] if len(lines) == 1 else None)
        if line is None:
            self.explain(_("Choose an assistant in the list first."))
            return
        from bpa_provider.services import reviews

        app = self.bpa
        self.call_service(
            "last-review",
            reviews.list_reviews,
            app.db,
            app.actor,
            assistant=line.assignment.assistant_id,
            client=self.record_id,
        )

    def on_last_review(self, result: Any) -> None:
        if result.error is not None:
            self.explain(describe_error(result.error))
        elif not result.value:
            self.explain(_("No review held yet with this client."))
        else:
            from bpa_provider.screens.review_forms import ReviewScreen

            self.app.push_screen(ReviewScreen(result.value[0].id))

    def open_row(self, table_id: str, row: Any) -> None:
        if table_id == "decisions":
            self.bpa.open_form("decision", row.id)
        elif table_id == "supervisors":
            self.bpa.open_form("supervisor", row.supervisor.id)
        elif table_id == "assignments":
            self.bpa.open_record("assistant", row.assignment.assistant_id)
