"""The handover package forms of a transfer: export the package of an outgoing transfer into a
folder, import one (F3 checks a file first, with the service's own check: `handover.check_file`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.binding import Binding

from bpa_provider.errors import ValidationError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.transfer_form_base import Field, TransferForm
from bpa_provider.screens.ui import describe_error
from bpa_provider.services import handover
from bpa_provider.services.transfer_views import TransferView

# --------------------------------------------------------------------------- handover package


class ExportForm(TransferForm):
    """Write the handover package (JSON + Markdown) of an outgoing transfer into a folder."""

    aliases = {"out_dir": "out_dir"}

    def __init__(self, view: TransferView, folder: str | None = None) -> None:
        super().__init__(view)
        self.folder = folder if folder is not None else str(Path.cwd())

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: export the handover package").format(id=self.view.id)

    def intro(self) -> Text | None:
        assert self.view is not None
        out = self.about()
        part = (
            _("included (consent {date})").format(date=format_date(self.view.client_consent_on))
            if self.view.client_consent_on
            else _("not included (no consent recorded)")
        )
        out.append("\n" + _("Client part: {part}.").format(part=part))
        out.append(
            "\n"
            + _(
                "The file holds national IDs and pay: it is written readable by you only. "
                "Recording it as sent is the step \u201cHandover sent\u201d."
            )
        )
        return out

    def save_label(self) -> str:
        return _("Export (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [Field("out_dir", _("Folder"), required=True, value=self.folder, max_len=4096)]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        # The sender's name is the one of the provider's signing key (provider init).
        self.call_service(
            "save", handover.export_package, app.db, app.actor, self.view.id, str(values["out_dir"]).strip()
        )


class ImportForm(TransferForm):
    """Import a handover package: everything is validated first and a bad file is refused with every
    problem listed and nothing written. F3 checks the file without importing it."""

    BINDINGS = [Binding("f3", "check", N_("Check file"))]

    def heading(self) -> str:
        return _("Import a handover package")

    def intro(self) -> Text | None:
        return Text(
            _(
                "Opens the incoming transfer (or updates it with a newer package) with the client "
                "and the assistants from the file. Nothing is written unless the whole file is valid."
            )
        )

    def save_label(self) -> str:
        return _("Import (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [
            Field(
                "file",
                _("Package file"),
                required=True,
                max_len=4096,
                placeholder=_("path to handover-….json"),
                hint=_("F3 checks the file without importing it."),
            )
        ]

    def action_check(self) -> None:
        row = self.input_row("file")
        message = row.problem()
        if message:
            row.show_error(message)
            row.focus_editor()
            return
        row.show_error(None)
        self.banner(_("Checking…"))
        self.call_service("check", handover.check_file, str(row.raw_value()))

    def answer(self, result: ServiceResult) -> None:
        if result.tag != "check":
            return
        if result.error is not None:
            self.banner(describe_error(result.error))
            return
        doc, problems = result.value
        if problems:
            self.refused(
                ValidationError(problems),
                _("The file is not a valid package. Problems found: {n}").format(n=len(problems)),
            )
            return
        n = len(doc["employment_part"]["assistants"])
        self.banner("")
        self.input_row("file").set_note(
            Text(
                _(
                    "Valid package from {sender}: client {client}, stage {stage}, {n} assistant(s), client part {part}."
                ).format(
                    sender=doc["from_provider"]["name"],
                    client=doc["client"]["name"],
                    stage=doc["stage"],
                    n=n,
                    part=_("included") if doc["client_part"] is not None else _("not included"),
                )
            )
        )

    def refused(self, error: ValidationError, lead: str | None = None) -> None:
        if lead is None:
            lead = _("Nothing was imported. Problems found: {n}").format(n=len(error.errors))
        super().refused(error, lead)

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        self.call_service(
            "save",
            handover.import_package,
            app.db,
            app.actor,
            str(values["file"]).strip(),
            today=app.today,
            policy=app.settings.policy,
        )
