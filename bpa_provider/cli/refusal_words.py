"""A refused command's problems as one line for a person: each field by its heading in the language.

`ValidationError.localized()` names a problem's field by its key (`assistant_id: …`), which a form
uses to mark the field; on the command line the person reads the key, so it is shown by the
heading of that column (`headings.py`: "Assistent: …"), or as it is when no heading names it.
"""

from __future__ import annotations

from bpa_provider.errors import FieldError, ServiceError, ValidationError
from bpa_provider.i18n import _


def field_word(field: str) -> str:
    """A field's key as a person reads it: its heading in the language, else the key itself."""
    from bpa_provider.headings import HEADINGS

    english = HEADINGS.get(field) or HEADINGS.get(field.removesuffix("_id"))
    return _(english) if english else field


def _shown(problem: FieldError) -> str:
    where = _("line {n}: ").format(n=problem.row) if problem.row is not None else ""
    name = f"{field_word(problem.field)}: " if problem.field else ""
    return f"{where}{name}{problem.localized()}"


def said(exc: ServiceError) -> str:
    """What the command line says about a refusal, in the language in force."""
    if not isinstance(exc, ValidationError):
        return exc.localized()
    if len(exc.errors) == 1 and not exc.errors[0].field and exc.errors[0].row is None:
        return exc.localized()
    return "; ".join(_shown(e) for e in exc.errors)
