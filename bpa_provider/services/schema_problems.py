"""JSON Schema problems in a person's words, with the JSON path of each.

`schema_problems(schema, doc)` checks a JSON document (a handover package today) with jsonschema
and turns every problem into a `FieldError` whose field is the JSON path ("assistants[0].name")
and whose message is one of our message ids, translated where it is shown. jsonschema's own
messages are English sentences built from Python reprs ("'x' is not of type 'integer'"), so no
problem is ever shown in its words: every validator keyword of JSON Schema 2020-12 has a message
here, and a keyword added to the standard later still gets a plain one ("does not have the
expected form"), never the library's English.
"""

from __future__ import annotations

import json
from typing import Any

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, Msg

ROOT = "package"

#: JSON types as a person calls them.
TYPE_WORDS = {
    "string": N_("text"),
    "integer": N_("whole number"),
    "number": N_("number"),
    "boolean": N_("true or false"),
    "object": N_("object with fields"),
    "array": N_("list"),
    "null": N_("empty (null)"),
}
#: The `format`s a schema may ask for, as a person calls them.
FORMAT_WORDS = {
    "date": N_("date (YYYY-MM-DD)"),
    "date-time": N_("date and time (ISO 8601)"),
    "time": N_("time of day (HH:MM:SS)"),
    "email": N_("e-mail address"),
    "uri": N_("web address (URI)"),
    "uuid": N_("UUID"),
    "ipv4": N_("IPv4 address"),
    "ipv6": N_("IPv6 address"),
    "hostname": N_("host name"),
    "duration": N_("duration (ISO 8601)"),
    "regex": N_("regular expression"),
}

#: One message id per validator keyword; {expected} is the schema's value, made readable.
WORDS = {
    "type": N_("must be of type {expected}"),
    "enum": N_("must be one of {expected}"),
    "const": N_("must be {expected}"),
    "maxLength": N_("is longer than {expected} characters"),
    "minLength": N_("is shorter than {expected} characters"),
    "maximum": N_("must be at most {expected}"),
    "minimum": N_("must be at least {expected}"),
    "exclusiveMaximum": N_("must be less than {expected}"),
    "exclusiveMinimum": N_("must be more than {expected}"),
    "multipleOf": N_("must be a multiple of {expected}"),
    "maxItems": N_("has more than {expected} entries"),
    "minItems": N_("has fewer than {expected} entries"),
    "uniqueItems": N_("has the same entry more than once"),
    "maxProperties": N_("has more than {expected} fields"),
    "minProperties": N_("has fewer than {expected} fields"),
    "pattern": N_("does not have the expected form"),
    "format": N_("is not a valid {expected}"),
    "additionalProperties": N_("has fields that do not belong here: {expected}"),
    "unevaluatedProperties": N_("has fields that do not belong here: {expected}"),
    "propertyNames": N_("has a field name that is not allowed: {expected}"),
    "items": N_("has more entries than allowed"),
    "unevaluatedItems": N_("has more entries than allowed"),
    "contains": N_("has no entry of the expected kind"),
    "minContains": N_("has too few entries of the expected kind"),
    "maxContains": N_("has too many entries of the expected kind"),
    "oneOf": N_("matches more than one of the allowed forms"),
    "anyOf": N_("matches none of the allowed forms"),
    "not": N_("is not allowed here"),
    None: N_("is not allowed here"),  # a `false` schema
}
MISSING = N_("is missing")
MISSING_WITH = N_("is missing (needed with “{other}”)")
OTHER = N_("does not have the expected form")


def json_path(parts: Any) -> str:
    """`["assistants", 0, "name"]` as "assistants[0].name"."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def schema_problems(schema: dict[str, Any], doc: Any, *, extra_fields: str | None = None) -> list[FieldError]:
    """Every problem of `doc` under `schema` (JSON Schema 2020-12, formats checked), sorted by
    path. `extra_fields` words fields the schema does not know ("has fields a handover package
    does not have: {expected}") for the kind of document at hand."""
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    problems: dict[tuple[str, str, str], FieldError] = {}
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        for problem in problems_of(err, extra_fields=extra_fields):
            # jsonschema reports `required` once per missing field, each with the whole list
            problems.setdefault((problem.field, problem.message, repr(problem.params)), problem)
    return list(problems.values())


def problems_of(err: Any, *, extra_fields: str | None = None) -> list[FieldError]:
    """One jsonschema ValidationError as FieldErrors (a `required` names each missing field)."""
    from jsonschema.exceptions import best_match

    where = list(err.absolute_path)
    if err.validator in ("oneOf", "anyOf") and err.context:
        # "x is not valid under any of the given schemas" helps nobody: say what the nearest of
        # the allowed forms expected.
        inner = best_match(err.context)
        if inner is not None:
            return problems_of(inner, extra_fields=extra_fields)
    field = json_path(where) or ROOT
    if err.validator == "required":
        have = err.instance if isinstance(err.instance, dict) else {}
        return [FieldError(json_path([*where, name]), MISSING) for name in err.validator_value if name not in have] or [
            FieldError(field, MISSING)
        ]
    if err.validator == "dependentRequired":
        have = err.instance if isinstance(err.instance, dict) else {}
        return [
            FieldError(json_path([*where, name]), MISSING_WITH, params={"other": key})
            for key, needed in err.validator_value.items()
            if key in have
            for name in needed
            if name not in have
        ] or [FieldError(field, OTHER)]
    template = WORDS.get(err.validator, OTHER)
    if err.validator in ("additionalProperties", "unevaluatedProperties") and extra_fields:
        template = extra_fields
    expected = _expected(err)
    return [FieldError(field, template, params={} if expected is None else {"expected": expected})]


def _expected(err: Any) -> Any:
    """The schema's value for the message: type names and formats in words, the fields that are
    too many, JSON values as JSON; numbers as numbers (shown the language's way)."""
    kind, value = err.validator, err.validator_value
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        words = [Msg(TYPE_WORDS[n]) if n in TYPE_WORDS else n for n in names]
        joined = words[0]
        for word in words[1:]:
            joined = Msg(N_("{first} or {second}"), first=joined, second=word)
        return joined
    if kind == "format":
        return Msg(FORMAT_WORDS[value]) if value in FORMAT_WORDS else str(value)
    if kind in ("additionalProperties", "unevaluatedProperties"):
        known = err.schema.get("properties", {})
        extra = sorted(str(k) for k in (err.instance if isinstance(err.instance, dict) else {}) if k not in known)
        return ", ".join(json.dumps(k, ensure_ascii=False) for k in extra)
    if kind == "propertyNames":
        return json.dumps(err.instance, ensure_ascii=False)[:80]
    if kind in ("enum", "const"):
        values = value if kind == "enum" else [value]
        return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None
