"""Every kind of JSON Schema problem is said in our words with its JSON path, translated — never
jsonschema's English ("'x' is not of type 'integer'"). One small schema produces each kind."""

from __future__ import annotations

import pytest

from bpa_provider import i18n
from bpa_provider.services.handover_validate import _schema_errors
from bpa_provider.services.schema_problems import WORDS, schema_problems

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "kind"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[A-Z]"},
        "kind": {"enum": ["in", "out"]},
        "version": {"const": 2},
        "hours": {"type": "number", "minimum": 0, "maximum": 10, "multipleOf": 0.5},
        "share": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
        "on": {"type": ["string", "null"], "format": "date"},
        "days": {"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": True},
        "ref": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 2}]},
        "any": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
        "no": {"not": {"type": "string"}},
        "tags": {"type": "object", "minProperties": 1, "maxProperties": 1},
        "pair": {"type": "array", "prefixItems": [{"type": "integer"}], "items": False},
        "bag": {"type": "array", "contains": {"type": "integer"}},
        "card": {"type": "object", "dependentRequired": {"number": ["expiry"]}},
    },
}

BAD = {
    "name": "x" * 6,
    "kind": "sideways",
    "version": 3,
    "hours": 10.25,
    "share": 100,
    "on": "31.12.2026",
    "days": [1, 1, 1],
    "ref": "abc",
    "any": "x",
    "no": "text",
    "tags": {"a": 1, "b": 2},
    "pair": [1, 2],
    "bag": ["a"],
    "card": {"number": "1"},
    "zzz": 1,
}

# (JSON path, Norwegian words) for each problem of BAD
EXPECTED_NB = {
    ("name", "er lengre enn 5 tegn"),
    ("name", "har ikke forventet form"),
    ("kind", 'må være én av "in", "out"'),
    ("version", "må være 2"),
    ("hours", "kan være høyst 10"),
    ("hours", "må være et multiplum av 0,5"),
    ("share", "må være mindre enn 100"),
    ("on", "er ikke en gyldig dato (ÅÅÅÅ-MM-DD)"),
    ("days", "har mer enn 2 oppføringer"),
    ("days", "har samme oppføring mer enn én gang"),
    ("ref", "passer med mer enn én av de tillatte formene"),
    ("any", "må være av typen heltall"),
    ("no", "er ikke tillatt her"),
    ("tags", "har flere enn 1 felt"),
    ("pair", "har flere oppføringer enn tillatt"),
    ("bag", "har ingen oppføring av forventet slag"),
    ("card.expiry", "mangler (trengs sammen med «number»)"),
    ("package", 'har felt som ikke hører hjemme her: "zzz"'),
}


@pytest.fixture
def norwegian():
    i18n.set_language("nb")
    yield
    i18n.set_language("en")


def test_each_kind_of_problem_in_norwegian_with_its_path(norwegian):
    problems = schema_problems(SCHEMA, BAD)
    shown = {(p.field, p.localized()) for p in problems}
    assert shown == EXPECTED_NB
    english = " ".join(p.text for p in problems)
    for library_words in ("is not of type", "is not valid under", "is a required property", "'", "False schema"):
        assert library_words not in english


def test_missing_fields_and_types_name_the_path(norwegian):
    problems = schema_problems(SCHEMA, {"name": 7, "on": 5, "hours": -1, "share": 1.5, "days": [], "tags": {}})
    shown = {(p.field, p.localized()) for p in problems}
    assert shown == {
        ("kind", "mangler"),
        ("name", "må være av typen tekst"),
        ("on", "må være av typen tekst eller tomt (null)"),
        ("hours", "må være minst 0"),
        ("share", "må være av typen heltall"),
        ("days", "har færre enn 1 oppføringer"),
        ("tags", "har færre enn 1 felt"),
    }
    too_short = schema_problems(SCHEMA, {"name": "A", "kind": "in", "share": 0})
    assert {(p.field, p.localized()) for p in too_short} == {
        ("name", "er kortere enn 2 tegn"),
        ("share", "må være mer enn 0"),
    }


def test_swedish_and_english_words(norwegian):
    (problem,) = schema_problems(SCHEMA, {"name": "Ab", "kind": "in", "days": [1, 1]})
    assert problem.text == "has the same entry more than once"
    i18n.set_language("sv")
    assert problem.localized() == "har samma post mer än en gång"


def test_every_keyword_has_a_message_translated_in_nb_and_sv(norwegian):
    templates = set(WORDS.values())
    assert all(i18n._(t) != t for t in templates)
    i18n.set_language("sv")
    assert all(i18n._(t) != t for t in templates)


def test_a_handover_package_keeps_its_own_words_for_unknown_fields(norwegian):
    (extra,) = [e for e in _schema_errors({"schema_version": 1, "zzz": 1}) if e.field == "package"]
    assert extra.localized() == 'har felt som en overføringspakke ikke har: "zzz"'
    wrong_type = [e for e in _schema_errors({"schema_version": "2", "client": "K-1"}) if e.field == "client"]
    assert [e.localized() for e in wrong_type] == ["må være av typen objekt med felt"]
