"""Turning a value as typed (a form, the CLI, a CSV cell) into the stored value, by its `FieldSpec`.

`parse_value` parses one field (text by the one text rule of `services.validation`, dates, times,
numbers, money, yes/no, choices, references to other records); `parse_all` parses a whole record's
input and collects every problem; `with_record_checks` adds the record-level checks of its kind.
`services.records` re-exports every public name here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.errors import FieldError, Invalid
from bpa_provider.i18n import N_
from bpa_provider.services.record_fields import REF_TARGETS, EntitySpec, FieldSpec, kind_word
from bpa_provider.services.validation import REF_WORDS, date_value, money_value, text_problem


def clean_text(raw: Any, spec: FieldSpec) -> str:
    """Text as typed, minus surrounding space; control characters and over-long input refused."""
    text = "" if raw is None else str(raw).strip()
    problem = text_problem(text, spec.max_len, spec.multiline)
    if problem is not None:
        raise problem[1]
    return text


def unknown_ref(ref_kind: str, raw: Any) -> Invalid:
    """The words for a reference or id that names no record (the same for one a supervisor may
    not see: no probing for who exists at other clients)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Invalid(N_("{id} is not the id of a known {kind}"), id=raw, kind=kind_word(ref_kind))
    return Invalid(N_("“{raw}” is not a known {kind}"), raw=str(raw).strip(), kind=kind_word(ref_kind))


def lookup_ref(session: Session, ref_kind: str, raw: Any) -> int:
    """The id of the record a reference field names (by id, reference or name); Invalid if none."""
    model, column = REF_TARGETS[ref_kind]
    if isinstance(raw, int) and not isinstance(raw, bool):
        if session.get(model, raw) is None:
            raise unknown_ref(ref_kind, raw)
        return raw
    text = str(raw).strip()
    found = session.execute(select(model.id).where(getattr(model, column) == text)).scalar()
    if found is None:
        raise unknown_ref(ref_kind, raw)
    return int(found)


def parse_value(session: Session | None, spec: FieldSpec, raw: Any) -> Any:
    """Turn a typed value (from a form, the CLI or a CSV cell) into the stored value.

    Raises `Invalid` (a ValueError with a message id and parameters) about the value only; the
    caller adds the field's label (`FieldError.about`).
    """
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty:
        if spec.required:
            raise Invalid(N_("is required"))
        if spec.kind == "bool":
            return False
        return "" if spec.kind in ("text", "choice") else None
    k = spec.kind
    if k == "text":
        text = clean_text(raw, spec)
        if spec.pattern and not re.fullmatch(spec.pattern, text, flags=re.ASCII):
            raise Invalid(REF_WORDS)
        return text
    if k == "national_id":
        text = clean_text(raw, spec).replace(" ", "")
        if not text.replace("-", "").replace("+", "").isascii():
            raise Invalid(N_("may contain only the digits 0-9"))
        return text
    if k == "date":
        return date_value(raw)  # the one date rule (validation): dd.mm.yyyy or ISO, real calendar days
    if k == "time":
        if isinstance(raw, time):
            return raw
        m = re.match(r"^(\d{1,2})[:.](\d{2})$", str(raw).strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise Invalid(N_("“{raw}” is not a time of day: use HH:MM"), raw=str(raw))
        return time(int(m.group(1)), int(m.group(2)))
    if k == "money":
        return _parse_money(spec, raw)
    if k in ("int", "float"):
        number = str(raw).strip().replace(",", ".") if not isinstance(raw, (int, float)) else raw
        try:
            value: float = float(number)
        except ValueError:
            raise Invalid(N_("“{raw}” is not a number"), raw=str(raw)) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid(N_("is not a number"))
        if k == "int":
            if value != int(value):
                raise Invalid(N_("must be a whole number"))
            value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            raise Invalid(N_("must be at least {n}"), n=spec.minimum)
        if spec.maximum is not None and value > spec.maximum:
            raise Invalid(N_("must be at most {n}"), n=spec.maximum)
        return value
    if k == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "y", "ja", "j", "x"):
            return True
        if text in ("0", "false", "no", "n", "nei", "nej", ""):
            return False
        raise Invalid(N_("“{raw}” is not yes or no"), raw=str(raw))
    if k == "choice":
        text = str(raw).strip().lower()
        if text not in spec.choices:
            raise Invalid(N_("must be one of: {values}"), values=", ".join(spec.choices))
        return text
    if k == "ref":
        if session is None:
            return raw
        return lookup_ref(session, spec.ref_kind or "", raw)
    raise ValueError(f"unknown field kind {k}")


def _parse_money(spec: FieldSpec, raw: Any) -> Decimal:
    """An amount by the one money rule (`validation.money_value`), within the field's limits."""
    return money_value(raw, minimum=spec.minimum, maximum=spec.maximum)


def parse_all(
    session: Session, spec: EntitySpec, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """A record's input parsed field by field: (the values that parsed, every problem found).
    Unknown fields, missing required ones (on create) and create-only ones (on change) are problems."""
    return parse_fields(session, spec.fields + (spec.extra_fields if creating else ()), data, creating=creating)


def parse_fields(
    session: Session | None, fields: Sequence[FieldSpec], data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """Input for `fields` (a record's, or another service's described the same way, such as a
    course) parsed field by field: (the values that parsed, every problem found)."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    known = {f.name: f for f in fields}
    for name in data:
        if name not in known:
            errors.append(FieldError(name, N_("is not a field of this record")))
    for f in known.values():
        if f.name not in data:
            if creating and f.required:
                errors.append(FieldError.about(f.name, f.label, N_("is required")))
            continue
        if not creating and f.create_only:
            errors.append(FieldError.about(f.name, f.label, N_("cannot be changed after creation")))
            continue
        try:
            values[f.name] = parse_value(session, f, data[f.name])
        except ValueError as exc:
            errors.append(FieldError.about(f.name, f.label, exc))
    return values, errors


def with_record_checks(
    session: Session, spec: EntitySpec, values: dict[str, Any], row: Any, errors: list[FieldError]
) -> list[FieldError]:
    """Add the record-level checks to the field errors, so every problem is reported at once.

    The checks see only the fields that parsed; a field that already has an error gets no second one.
    """
    if not spec.validate:
        return errors
    failed = {e.field for e in errors}
    extra = [e for e in spec.validate(session, values, row) if e.field not in failed]
    return errors + extra
