"""The absence form: record a new absence for an assistant, or change one (services/absence.py).

It is a `SpecForm` (screens/spec_form.py), so it keeps every form's promises: each field is
checked as it is typed with the parser the service uses (`records.parse_value`) and the problem
stands under it; Save (Ctrl+S or F2) is refused while a field has a problem; the service checks
again (a grade on a kind that has none, an overlap, a day outside employment…) and its problems
land under the fields it names — its field names are this form's (`kind`, `from_date`, `to_date`,
`grade`, `document_on`, `note`). The rules' warnings on a saved absence (self-certification
limits, employer period, holiday left) are the screen behind's to show (screens/absence.py).
"""

from __future__ import annotations

from typing import Any

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import FieldError, Invalid, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.absence import KIND_LABELS, KINDS
from bpa_provider.screens import labels
from bpa_provider.screens.spec_form import SpecFieldRow, SpecForm
from bpa_provider.services import absence
from bpa_provider.services.records import FieldSpec, parse_value

ABSENCE_FIELDS = (
    FieldSpec("kind", N_("Kind"), "choice", required=True, choices=KINDS),
    FieldSpec("from_date", N_("From"), "date", required=True),
    FieldSpec("to_date", N_("To"), "date", required=True, hint=N_("the last day of the absence")),
    FieldSpec(
        "grade", N_("Grade %"), "int", minimum=1, maximum=100, hint=N_("a sick note's grade; 100 for every other kind")
    ),
    FieldSpec(
        "document_on", N_("Document received"), "date", hint=N_("the day the sick note or other document arrived")
    ),
    FieldSpec("note", N_("Note"), max_len=500, hint=N_("not in the access log; keep health details out")),
)


def parsed(data: dict[str, Any]) -> dict[str, Any]:
    """The form's strings as the service's values (every problem at once, under its field)."""
    out: dict[str, Any] = {}
    errors: list[FieldError] = []
    for spec in ABSENCE_FIELDS:
        if spec.name not in data:
            continue
        try:
            out[spec.name] = parse_value(None, spec, data[spec.name])
        except Invalid as exc:
            errors.append(FieldError.about(spec.name, spec.label, exc))
    if errors:
        raise ValidationError(errors)
    return out


def absence_form(
    db: Database, actor: Actor, assistant: str, name: str, row: Any | None = None, *, policy: Any = None
) -> SpecForm:
    """New absence for `assistant` (a reference), or change `row` (an `AbsenceRow`) — sending only
    what changed, with the version read. Dismisses with the service's `Saved`."""
    rows = [SpecFieldRow(f, editing=row is not None, words=KIND_LABELS) for f in ABSENCE_FIELDS]
    who = f"{assistant} {name}".strip()
    if row is None:

        def add(data: dict[str, Any]) -> Any:
            v = parsed(data)
            return absence.add_absence(
                db,
                actor,
                assistant,
                v.get("kind", ""),
                v["from_date"],
                v["to_date"],
                grade=v.get("grade") or 100,
                document_on=v.get("document_on"),
                note=v.get("note") or "",
                policy=policy,
            )

        return SpecForm(_("New absence for {who}").format(who=who), rows, add, values={"grade": 100})
    values = {
        "kind": row.kind,
        "from_date": row.from_date,
        "to_date": row.to_date,
        "grade": row.grade,
        "document_on": row.document_on,
    }

    def edit(data: dict[str, Any]) -> Any:
        v = parsed(data)
        return absence.edit_absence(db, actor, row.id, row.version, policy=policy, **v)

    title = _("Change the absence of {who}").format(who=who)
    return SpecForm(
        title, rows, edit, values=values, send="changed", info=labels.label(KIND_LABELS.get(row.kind, row.kind))
    )
