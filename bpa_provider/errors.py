"""The errors services raise; the screens and the CLI turn them into words for a person.

Exit codes on the CLI: ValidationError -> 2 (bad input), PermissionDenied/UnknownUser -> 1 (refused),
NotFound -> 2, Conflict -> 1, DatabaseBusy/DatabaseUnavailable -> 1.
"""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """Base class: every error a service raises on purpose has a message for a person."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldError:
    """One problem with one field (or one row and field of an import)."""

    field: str
    message: str
    row: int | None = None  # line number in an imported file

    def __str__(self) -> str:
        where = f"line {self.row}: " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class ValidationError(ServiceError):
    """Bad input. Carries every problem found, so a form can mark all fields at once."""

    exit_code = 2

    def __init__(self, errors: list[FieldError] | FieldError | str, field: str = ""):
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        elif isinstance(errors, FieldError):
            errors = [errors]
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def for_field(self, field: str) -> str | None:
        for e in self.errors:
            if e.field == field:
                return e.message
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
