"""The transfer forms of the checklist: open a transfer, record a step, inform an assistant,
record a written refusal or the client's consent, cancel. Each is a `TransferForm`
(`transfer_form_base`) whose `service_check` is the service's own pure check
(`services.transfer_checks`), so what the form refuses as it is typed is what the service refuses.
The handover package forms (export, import) are in `transfer_package_forms`, re-exported here.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from bpa_provider.errors import FieldError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.rules.transfer_steps import last_day_before
from bpa_provider.screens.transfer_form_base import Field, TransferForm
from bpa_provider.screens.transfer_package_forms import ExportForm, ImportForm
from bpa_provider.screens.widgets.fields import FieldRow
from bpa_provider.services import records, transfer_checks, transfers
from bpa_provider.services.transfer_views import TransferView

# --------------------------------------------------------------------------- opening


DIRECTION_CHOICES = (
    ("out", N_("out: the client leaves us")),
    ("in", N_("in: the client comes to us")),
)


class OpenTransferForm(TransferForm):
    """Open a transfer: the notice step is recorded on the notice date; the service computes the
    effective date from the municipality's notice period unless an agreed date is given."""

    def heading(self) -> str:
        return _("New transfer")

    def intro(self) -> Text | None:
        return Text(
            _(
                "Opening a transfer records the notice. The effective date is the notice date plus "
                "the municipality's notice period, unless you enter an agreed date."
            )
        )

    def lookups(self) -> list[FieldRow]:
        spec = records.FieldSpec("client", N_("Client"), kind="ref", ref_kind="client", required=True)
        return [FieldRow("transfer", spec, editing=False)]

    def fields(self) -> list[Field]:
        return [
            Field(
                "direction",
                _("Direction"),
                "select",
                True,
                "out",
                tuple((_(label), code) for code, label in DIRECTION_CHOICES),
            ),
            Field("counterpart", _("Other provider"), required=True, max_len=200),
            Field("notice_date", _("Notice date"), "date", True, self.today_text()),
            Field(
                "agreed_date", _("Agreed date"), "date", hint=_("Leave empty to use the municipality's notice period.")
            ),
        ]

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_open(
            values.get("direction") or "",
            values.get("counterpart"),
            values.get("notice_date"),
            values.get("agreed_date"),
        )[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        self.call_service(
            "save",
            transfers.open_transfer,
            app.db,
            app.actor,
            values["client"],
            values["direction"],
            values["counterpart"],
            values["notice_date"],
            values["agreed_date"] or None,
            today=app.today,
            policy=app.settings.policy,
        )


# --------------------------------------------------------------------------- steps


class StepForm(TransferForm):
    """Record a step as done on a date, with a note. The step list offers every step not yet
    done; the next one is chosen unless the person came from another step's row."""

    def __init__(self, view: TransferView, code: str | None = None) -> None:
        super().__init__(view)
        self.code = code or view.next_step or ""

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: record a step").format(id=self.view.id)

    def intro(self) -> Text | None:
        return self.about()

    def fields(self) -> list[Field]:
        assert self.view is not None
        open_steps = tuple((_(s.title), s.code) for s in self.view.steps if s.done_on is None)
        return [
            Field("step", _("Step"), "select", True, self.code, open_steps),
            Field("on", _("Done on"), "date", True, self.today_text()),
            Field("note", _("Note")),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self._describe(self.code)

    def edited(self, name: str) -> None:
        if name == "step":
            self._describe(self.input_row("step").raw_value())

    def _describe(self, code: str) -> None:
        """Under the step: whose step it is, its basis, its due date, what cut-over does."""
        assert self.view is not None
        step = next((s for s in self.view.steps if s.code == code), None)
        if step is None:
            return
        parts = []
        if step.reported:
            parts.append(_("the new provider's step, recorded as reported to us"))
        if step.law:
            parts.append(step.law)
        if step.due_date:
            parts.append(_("due {date}").format(date=format_date(step.due_date)))
        if code == "cutover":
            parts.append(
                _("ends the client's assignments, rota and planned shifts with us")
                if self.view.direction == "out"
                else _("creates employments and assignments from the handover package")
            )
        self.input_row("step").set_note("; ".join(parts))

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_step(values.get("on"), values.get("note"), self.bpa.today)[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.complete_step,
            app.db,
            app.actor,
            self.view.id,
            values["step"],
            values["on"],
            values["note"],
            policy=app.settings.policy,
            **self.common(),
        )


# --------------------------------------------------------------------------- assistants


def assistant_options(view: TransferView, *, informed: bool | None = None) -> tuple[tuple[str, str], ...]:
    """The transfer's assistants as select options (only informed / uninformed ones when asked)."""
    return tuple(
        (f"{a.ref} {a.name}", a.ref)
        for a in view.assistants
        if informed is None or (a.informed_on is not None) == informed
    )


class InformForm(TransferForm):
    """Record that an assistant was informed (aml. § 16-6) and their deadline to refuse in writing.

    The deadline follows the informed date (+ the policy's minimum, 14 days) until the person
    types one; an earlier deadline is refused under the field as it is typed (§ 16-3).
    """

    def __init__(self, view: TransferView, assistant_ref: str | None = None) -> None:
        super().__init__(view)
        pending = [a.ref for a in view.assistants if a.informed_on is None]
        self.assistant_ref = assistant_ref or (
            pending[0] if pending else (view.assistants[0].ref if view.assistants else "")
        )
        self.deadline_typed = False

    @property
    def min_days(self) -> int:
        return self.bpa.settings.policy.refusal_min_days

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: assistant informed").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "Every assistant must be told in writing and given at least {n} days to refuse "
                "(arbeidsmiljøloven § 16-3, § 16-6)."
            ).format(n=self.bpa.settings.policy.refusal_min_days)
        )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        today = self.bpa.today
        return [
            Field("assistant", _("Assistant"), "select", True, self.assistant_ref, assistant_options(self.view)),
            Field("on", _("Informed on"), "date", True, format_date(today)),
            Field(
                "deadline",
                _("Refusal deadline"),
                "date",
                True,
                format_date(transfer_checks.earliest_deadline(today, self.min_days)),
            ),
        ]

    def edited(self, name: str) -> None:
        if name == "deadline":
            self.deadline_typed = True
        elif name == "on" and not self.deadline_typed:
            informed = transfer_checks.day_or_none(self.input_row("on").raw_value())
            if informed is not None:
                self.input_row("deadline").set_value(
                    format_date(transfer_checks.earliest_deadline(informed, self.min_days))
                )

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_inform(values.get("on"), values.get("deadline"), self.min_days)[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.inform_assistant,
            app.db,
            app.actor,
            self.view.id,
            values["assistant"],
            values["on"],
            values["deadline"],
            policy=app.settings.policy,
            **self.common(),
        )


class RefusalForm(TransferForm):
    """Record an assistant's written refusal to transfer, received by their deadline."""

    def __init__(self, view: TransferView, assistant_ref: str | None = None) -> None:
        super().__init__(view)
        candidates = [a.ref for a in view.assistants if a.informed_on is not None and a.refused_on is None]
        self.assistant_ref = assistant_ref or (candidates[0] if candidates else "")

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: written refusal").format(id=self.view.id)

    def intro(self) -> Text | None:
        assert self.view is not None
        out = self.about()
        if self.view.direction == "out":
            out.append(
                "\n"
                + _(
                    "An assistant who refuses in writing does not transfer: their employment with us "
                    "ends on {date} unless they work for other clients."
                ).format(date=format_date(last_day_before(self.view.effective_date)))
            )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        return [
            Field("assistant", _("Assistant"), "select", True, self.assistant_ref, assistant_options(self.view)),
            Field(
                "on",
                _("Refused on"),
                "date",
                True,
                self.today_text(),
                hint=_("The date the written refusal was received."),
            ),
        ]

    def edited(self, name: str) -> None:
        if name == "assistant":
            self._show_deadline()

    def on_mount(self) -> None:
        super().on_mount()
        self._show_deadline()

    def _show_deadline(self) -> None:
        assert self.view is not None
        ref = self.input_row("assistant").raw_value()
        person = next((a for a in self.view.assistants if a.ref == ref), None)
        note = ""
        if person is not None and person.refusal_deadline is not None:
            note = _("Informed {informed}; deadline {deadline}").format(
                informed=format_date(person.informed_on), deadline=format_date(person.refusal_deadline)
            )
        elif person is not None:
            note = _("Not informed yet: record that first (i on the transfer screen).")
        self.input_row("assistant").set_note(note)

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_refusal(values.get("on"))[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.record_refusal,
            app.db,
            app.actor,
            self.view.id,
            values["assistant"],
            values["on"],
            policy=app.settings.policy,
            **self.common(),
        )


# --------------------------------------------------------------------------- consent, cancel


class ConsentForm(TransferForm):
    """Record the client's consent to hand over the client part of the package (or withdraw it)."""

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: client's consent").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "With the client's consent the handover package also carries the decision, the "
                "supervisors, the rota pattern and the hour balance."
            )
        )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        given = self.view.client_consent_on
        out = [Field("on", _("Consent given on"), "date", False, format_date(given or self.bpa.today))]
        if given is not None:
            out.append(Field("withdraw", _("Withdraw consent"), "check", value=False))
        return out

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_consent(values.get("on"), bool(values.get("withdraw")), self.bpa.today)[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        withdraw = bool(values.get("withdraw"))
        self.call_service(
            "save",
            transfers.record_consent,
            app.db,
            app.actor,
            self.view.id,
            None if withdraw else values["on"],
            withdraw=withdraw,
            **self.common(),
        )


class CancelForm(TransferForm):
    """Cancel the transfer before cut-over; the steps done stay as history with the reason."""

    def heading(self) -> str:
        assert self.view is not None
        return _("Cancel transfer {id}").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "The steps done stay as history. A cancelled transfer cannot be reopened; "
                "open a new one if the switch comes back."
            )
        )
        return out

    def save_label(self) -> str:
        return _("Cancel the transfer (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [
            Field("reason", _("Reason"), required=True),
            Field("on", _("Date"), "date", True, self.today_text()),
        ]

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        return transfer_checks.check_cancel(values.get("reason"), values.get("on"), self.bpa.today)[-1]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.cancel_transfer,
            app.db,
            app.actor,
            self.view.id,
            values["reason"],
            values["on"],
            **self.common(),
        )


__all__ = [
    "CancelForm",
    "ConsentForm",
    "ExportForm",
    "ImportForm",
    "InformForm",
    "OpenTransferForm",
    "RefusalForm",
    "StepForm",
    "TransferForm",
]
