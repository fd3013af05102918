"""The errors services raise; the screens and the CLI turn them into words for a person.

Exit codes on the CLI: ValidationError -> 2 (bad input), PermissionDenied/UnknownUser -> 1 (refused),
NotFound -> 2, Conflict -> 1, DatabaseBusy/DatabaseUnavailable -> 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from bpa_provider.i18n import N_, Msg, render_message


class ServiceError(Exception):
    """Base class: every error a service raises on purpose has a message for a person.

    The message is an English template marked with N_() (the message id) and its parameters:
    `ValidationError(N_("no client “{ref}”"), ref=ref)`. `.message` is the English text (logs,
    tests); `.localized()` is the text in the language in force, made where it is shown (CLI
    and screens alike) - services never pick a language.
    """

    exit_code = 1

    def __init__(self, message: str, /, **params: Any):
        self.template = message
        self.params = params
        self.message = render_message(message, params, translate=False)
        super().__init__(self.message)

    def localized(self) -> str:
        """The message in the current language."""
        return render_message(self.template, self.params)


class Invalid(ValueError):
    """A value a pure rule refuses (a date, a number, a national ID), as a message id + parameters.

    It is a ValueError, so `except ValueError` keeps working where a value is parsed; `str()` is
    the English text, `.localized()` the text in the language in force, made where it is shown:
    `raise Invalid(N_("“{raw}” is not a real calendar date"), raw=raw)`."""

    def __init__(self, message: str, /, **params: Any):
        self.template = message
        self.params = params
        self.message = render_message(message, params, translate=False)
        super().__init__(self.message)

    def localized(self) -> str:
        """The message in the current language."""
        return render_message(self.template, self.params)

    def field_error(self, field: str, row: int | None = None) -> FieldError:
        """The same problem, about one field."""
        return FieldError(field, self.template, row=row, params=self.params)


# A field's problem that reads on after the label ("Name" + "is required"); other lowercase
# messages are sentences of their own, set after a colon ("National ID: the check digits …").
_PREDICATES = ("is ", "must ", "may ", "contains ", "has ", "cannot ", "does ")


def labelled(label: Any, template: str, params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """A field's problem as one message with the field's label: (template, params).

    `label` is a Msg (an English label, translated when shown) or text already in the person's
    language. The composition is decided on the English message id, never on translated words:
    "is required" -> "{label} {problem}" (Navn er påkrevd); "the check digits do not match" ->
    "{label}: {problem}"; a message that begins with a capital or a quote already says what it is
    about and stands alone."""
    params = dict(params or {})
    if not template[:1].islower():
        return template, params
    joined = N_("{label} {problem}") if template.startswith(_PREDICATES) else N_("{label}: {problem}")
    return joined, {"label": label, "problem": Msg(template, **params)}


def localized(problem: BaseException | str) -> str:
    """Any problem in the current language: an error that carries a message id is translated;
    anything else (a library's own ValueError) is shown as it came."""
    if isinstance(problem, str):
        return render_message(problem)
    shown = getattr(problem, "localized", None)
    return shown() if callable(shown) else str(problem)


@dataclass(frozen=True)
class FieldError:
    """One problem with one field (or one row and field of an import).

    `message` is an English template (N_()-marked) and `params` its values, translated where it
    is shown (`localized()`)."""

    field: str
    message: str
    row: int | None = None  # line number in an imported file
    params: dict[str, Any] = _field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def about(
        cls, field: str, label: str, problem: BaseException | str, row: int | None = None, **params: Any
    ) -> FieldError:
        """A problem with one field, worded with its English `label` (translated where shown):
        `FieldError.about("name", "Name", N_("is required"))` reads "Name is required"."""
        template = getattr(problem, "template", None)
        if template is not None:
            params = {**getattr(problem, "params", {}), **params}
        else:
            template = str(problem)
        message, values = labelled(Msg(label), template, params)
        return cls(field, message, row=row, params=values)

    @classmethod
    def of(cls, field: str, problem: BaseException, row: int | None = None) -> FieldError:
        """A refused value's problem (a rule's `Invalid` keeps its message id) about one field."""
        template = getattr(problem, "template", None)
        if template is None:
            return cls(field, str(problem), row=row)
        return cls(field, template, row=row, params=dict(getattr(problem, "params", {})))

    @property
    def text(self) -> str:
        """The English message with its parameters filled in."""
        return render_message(self.message, self.params, translate=False)

    def localized(self) -> str:
        """The message in the current language (without the field name)."""
        return render_message(self.message, self.params)

    def __str__(self) -> str:
        where = f"line {self.row}: " if self.row is not None else ""
        return f"{where}{self.field}: {self.text}"

    def shown(self) -> str:
        """Like str(), in the current language: "linje 3: name: Navn må fylles ut"."""
        from bpa_provider.i18n import _

        where = _("line {n}: ").format(n=self.row) if self.row is not None else ""
        name = f"{self.field}: " if self.field else ""
        return f"{where}{name}{self.localized()}"


class ValidationError(ServiceError):
    """Bad input. Carries every problem found, so a form can mark all fields at once."""

    exit_code = 2

    def __init__(self, errors: list[FieldError] | FieldError | str, field: str = "", **params: Any):
        if isinstance(errors, str):
            errors = [FieldError(field, errors, params=params)]
        elif isinstance(errors, FieldError):
            errors = [errors]
        self.errors = list(errors)
        if len(self.errors) == 1 and not self.errors[0].field and self.errors[0].row is None:
            # A message that is about no field: keep it translatable as a whole.
            only = self.errors[0]
            super().__init__(only.message, **only.params)
        else:
            super().__init__("; ".join(str(e) for e in self.errors))
            self.template, self.params = self.message, {}

    def localized(self) -> str:
        """Every problem in the current language, "line 3: Name: is required; ..." style."""
        if len(self.errors) == 1 and not self.errors[0].field and self.errors[0].row is None:
            return self.errors[0].localized()
        return "; ".join(e.shown() for e in self.errors)

    def for_field(self, field: str) -> str | None:
        """The English message for one field (None when that field is fine)."""
        for e in self.errors:
            if e.field == field:
                return e.text
        return None


class PermissionDenied(ServiceError):
    """The acting person's role does not allow this (the refusal is logged)."""


class UnknownUser(ServiceError):
    """No such user, or the user is disabled."""


class NotFound(ServiceError):
    """The record asked for does not exist (or is outside the person's scope)."""

    exit_code = 2


class Conflict(ServiceError):
    """Someone else saved the record since it was read: the save is refused, input kept."""


class DatabaseBusy(ServiceError):
    """The database stayed locked by other writers longer than we wait."""


class DatabaseUnavailable(ServiceError):
    """The database cannot be reached or is not a bpa-provider database of a known version."""
