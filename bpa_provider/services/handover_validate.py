"""Validating a handover package before anything is written: bytes, JSON, schema, and what the
schema cannot say.

`validate_package(raw)` is pure (the import screen calls it to show problems before importing):
it refuses a file that is too large, not UTF-8, not JSON, JSON with duplicate keys, `NaN` or
`Infinity`, nesting deeper than a package has, or text with control characters (terminal escapes
would later corrupt the Transfers and Audit log screens); then checks the schema version, the JSON
Schema, and the package's own logic (national IDs, date order and plausibility, references, sums).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from bpa_provider.errors import FieldError, Invalid
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import national_id as nid
from bpa_provider.services import validation

SCHEMA_VERSION = "3"
#: Version 2 adds optional fields to version 1; version 3 makes the wage text and adds each
#: course's expiry date and the checklist's done steps (docs/handover.md): all three are read.
SUPPORTED_VERSIONS = frozenset({"1", "2", "3"})
#: A package lists one client and their assistants; anything this large is not one.
MAX_PACKAGE_BYTES = 5_000_000
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "handover_schema.json"
DEFAULT_PROVIDER_NAME = "bpa-provider"


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the current package version (shipped inside the package)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _schema_errors(doc: Any) -> list[FieldError]:
    """The JSON Schema's problems, each in our words with its JSON path (services/schema_problems.py)."""
    from bpa_provider.services.schema_problems import schema_problems

    return schema_problems(
        load_schema(), doc, extra_fields=N_("has fields a handover package does not have: {expected}")
    )


def _get(doc: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(k, int):
            if not isinstance(doc, list) or k >= len(doc):
                return None
        elif not isinstance(doc, dict):
            return None
        doc = doc[k] if isinstance(k, int) else doc.get(k)
    return doc


def _as_date(value: Any) -> date | None:
    """A package's date (text) by the one date rule (`validation.date_value`); None when absent or
    not a date, which the schema check reports."""
    if not isinstance(value, str):
        return None
    try:
        return validation.date_value(value)
    except Invalid:
        return None


def _id_country(number: str) -> str:
    # The same reading as the registry: 11 digits is Norwegian, otherwise Swedish.
    digits = number.replace("-", "").replace("+", "").replace(" ", "")
    return "NO" if len(digits) == 11 else "SE"


def _check_person(errors: list[FieldError], where: str, person: Any, country: str | None) -> str | None:
    number = _get(person, "national_id")
    if not isinstance(number, str):
        return None
    try:
        parsed = nid.validate(number, country or _id_country(number))
    except ValueError as exc:
        errors.append(FieldError.of(f"{where}.national_id", exc))
        return None
    born = _as_date(_get(person, "birth_date"))
    if born and born != parsed.birth_date:
        errors.append(FieldError(f"{where}.birth_date", N_("does not match the national ID")))
    return parsed.compact


def _semantic_errors(doc: dict[str, Any]) -> list[FieldError]:
    """What the schema cannot say: national IDs, date order, consent, references, sums."""
    errors: list[FieldError] = []
    tr = _get(doc, "transfer") or {}
    notice, eff = _as_date(_get(tr, "notice_date")), _as_date(_get(tr, "effective_date"))
    v3 = _get(doc, "schema_version") == "3"
    agreed, consent = _as_date(_get(tr, "agreed_date")), _get(tr, "client_consent_on")
    if notice and eff and eff < notice:
        errors.append(FieldError("transfer.effective_date", N_("is before the notice date")))
    if agreed and eff and agreed != eff:
        errors.append(FieldError("transfer.agreed_date", N_("an agreed date is the effective date, but they differ")))
    generated = _get(doc, "generated_at")
    if isinstance(generated, str):
        try:
            datetime.fromisoformat(generated.replace("Z", "+00:00"))
        except ValueError:
            errors.append(FieldError("generated_at", N_("is not a real date and time")))
    country = _get(doc, "client", "municipality", "country")
    if country and _get(tr, "country") and country != _get(tr, "country"):
        errors.append(FieldError("client.municipality.country", N_("differs from transfer.country")))
    tz = _get(doc, "client", "municipality", "timezone")
    if isinstance(tz, str) and tz not in available_timezones():
        errors.append(FieldError("client.municipality.timezone", N_("is not a known time zone")))
    _check_person(errors, "client", _get(doc, "client"), country if country in ("NO", "SE") else None)
    consent_day = _as_date(consent)
    if (
        consent_day
        and notice
        and (consent_day < notice - timedelta(days=366) or consent_day > (_as_date(str(generated)[:10]) or consent_day))
    ):
        errors.append(
            FieldError(
                "transfer.client_consent_on",
                N_("is not a plausible date for this switch (over a year before notice, or after the package)"),
            )
        )
    made = _as_date(str(generated)[:10])
    for code, day in (_get(tr, "steps_done") or {}).items():
        done = _as_date(day)
        if done and ((notice and done < notice) or (made and done > made)):
            errors.append(
                FieldError(f"transfer.steps_done.{code}", N_("is before the notice date or after the package"))
            )
    if _get(doc, "client_part") is not None and consent is None:
        errors.append(
            FieldError(
                "client_part", N_("is included without the client's consent (transfer.client_consent_on is empty)")
            )
        )
    seen_ids: set[str] = set()
    refs: set[str] = set()
    for i, a in enumerate(_get(doc, "employment_part", "assistants") or []):
        where = f"employment_part.assistants[{i}]"
        compact = _check_person(errors, where, a, None)
        if compact and compact in seen_ids:
            errors.append(FieldError(f"{where}.national_id", N_("appears twice in the package")))
        seen_ids.add(compact or "")
        ref = _get(a, "sender_ref")
        if ref in refs:
            errors.append(FieldError(f"{where}.sender_ref", N_("appears twice in the package")))
        refs.add(ref)
        informed, deadline = _as_date(_get(a, "informed_on")), _as_date(_get(a, "refusal_deadline"))
        if informed and deadline and deadline < informed:
            errors.append(FieldError(f"{where}.refusal_deadline", N_("is before the assistant was informed")))
        seniority = _as_date(_get(a, "employment", "seniority_date"))
        if seniority and eff and seniority > eff:
            errors.append(FieldError(f"{where}.employment.seniority_date", N_("is after the effective date")))
        currency = _get(a, "employment", "currency")
        expected = {"NO": "NOK", "SE": "SEK"}.get(str(_get(tr, "country")))
        if currency is not None and expected and currency != expected:
            errors.append(
                FieldError(
                    f"{where}.employment.currency",
                    N_("is {currency}, but wages in this country are in {expected}"),
                    params={"currency": currency, "expected": expected},
                )
            )
        moving, whole = _get(a, "employment", "position_percent_moving"), _get(a, "employment", "position_percent")
        if isinstance(moving, (int, float)) and isinstance(whole, (int, float)) and moving > whole:
            errors.append(
                FieldError(f"{where}.employment.position_percent_moving", N_("is more than the whole position"))
            )
        pc = _get(a, "police_certificate") or {}
        if _get(pc, "checked") is False and _get(pc, "checked_on"):
            errors.append(FieldError(f"{where}.police_certificate", N_("has a date but is not marked as checked")))
        if v3 and isinstance(_get(a, "employment", "hourly_wage"), (int, float)):
            errors.append(
                FieldError(f"{where}.employment.hourly_wage", N_('must be exact decimal text ("230.50") in version 3'))
            )
        _course_errors(errors, where, _get(a, "courses"), v3)
        for j, ab in enumerate(_get(a, "absences") or []):
            start, end = _as_date(_get(ab, "from_date")), _as_date(_get(ab, "to_date"))
            doc_on = _as_date(_get(ab, "document_on"))
            if start and end and end < start:
                errors.append(FieldError(f"{where}.absences[{j}].to_date", N_("is before from_date")))
            if start and doc_on and doc_on < start:
                errors.append(FieldError(f"{where}.absences[{j}].document_on", N_("is before from_date")))
    for i, r in enumerate(_get(doc, "employment_part", "refusals") or []):
        if _get(r, "sender_ref") in refs:
            errors.append(FieldError(f"employment_part.refusals[{i}].sender_ref", N_("is also listed as transferring")))
    cp = _get(doc, "client_part")
    if isinstance(cp, dict):
        frm, to = _as_date(_get(cp, "decision", "valid_from")), _as_date(_get(cp, "decision", "valid_to"))
        if frm and to and to < frm:
            errors.append(FieldError("client_part.decision.valid_to", N_("is before valid_from")))
        for i, sup in enumerate(_get(cp, "supervisors") or []):
            _course_errors(errors, f"client_part.supervisors[{i}]", _get(sup, "courses"), v3)
        for i, p in enumerate(_get(cp, "rota_patterns") or []):
            who = _get(p, "assistant_sender_ref")
            if who is not None and who not in refs:
                errors.append(
                    FieldError(
                        f"client_part.rota_patterns[{i}].assistant_sender_ref", N_("is not an assistant in the package")
                    )
                )
            weeks, week = _get(p, "cycle_weeks"), _get(p, "cycle_week")
            if isinstance(weeks, int) and isinstance(week, int) and week >= weeks:
                errors.append(
                    FieldError(f"client_part.rota_patterns[{i}].cycle_week", N_("must be less than cycle_weeks"))
                )
        for i, sh in enumerate(_get(cp, "planned_shifts") or []):
            try:
                start = datetime.fromisoformat(str(_get(sh, "start")).replace("Z", "+00:00"))
                end = datetime.fromisoformat(str(_get(sh, "end")).replace("Z", "+00:00"))
            except ValueError:
                errors.append(FieldError(f"client_part.planned_shifts[{i}]", N_("is not a real date and time")))
                continue
            if start.tzinfo is None or end.tzinfo is None or not (start < end <= start + timedelta(days=7)):
                errors.append(
                    FieldError(
                        f"client_part.planned_shifts[{i}].end",
                        N_("must be after the start, within a week, with a time zone"),
                    )
                )
            who = _get(sh, "assistant_sender_ref")
            if who is not None and who not in refs:
                errors.append(
                    FieldError(
                        f"client_part.planned_shifts[{i}].assistant_sender_ref",
                        N_("is not an assistant in the package"),
                    )
                )
        hb = _get(cp, "hour_balance")
        if isinstance(hb, dict):
            nums = [_get(hb, k) for k in ("adjustment_hours", "decided_hours", "worked_hours", "balance_hours")]
            if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in nums):
                if abs(nums[0] + nums[1] - nums[2] - nums[3]) > 0.011:
                    errors.append(
                        FieldError(
                            "client_part.hour_balance.balance_hours", N_("is not adjustments + decided - worked")
                        )
                    )
    return errors


def _course_errors(errors: list[FieldError], where: str, courses: Any, v3: bool) -> None:
    """Version 3 carries each completion's expiry date: it must be there and after completion."""
    for j, c in enumerate(courses if isinstance(courses, list) else []):
        if not isinstance(c, dict):
            continue
        if v3 and "expires_on" not in c:
            errors.append(FieldError(f"{where}.courses[{j}].expires_on", N_("is missing")))
        done, until = _as_date(c.get("completed_on")), _as_date(c.get("expires_on"))
        if done and until and until <= done:
            errors.append(FieldError(f"{where}.courses[{j}].expires_on", N_("is not after completed_on")))


#: The top-level key of the signed envelope written to standard output (docs/handover.md).
ENVELOPE_KEY = "bpa_handover_signed"
#: A package is at most 6 levels deep (client.municipality.x, the courses of an assistant); a
#: little more is allowed, much more is not a package (and deep nesting would exhaust the stack).
MAX_DEPTH = 12
#: No text field of a package is longer (names are at most 200, notes 500 characters).
MAX_TEXT = 500


class _Refused(Invalid):
    """A reason the bytes are not JSON we accept (duplicate key, NaN)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(N_("the key {key} appears twice in one object"), key=json.dumps(key)[:60])
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Refused(N_("{name} is not a number a package may hold"), name=name)


def _depth_ok(text: str) -> bool:
    # Counted before parsing, so a 100,000-deep file never reaches the recursive parser. Brackets
    # inside strings may over-count: a real package is far from the limit either way.
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(raw: bytes) -> tuple[Any, list[FieldError]]:
    """Strict JSON from a file: (value, []) or (None, [the one reason it is refused]).

    Refused: more than MAX_PACKAGE_BYTES, not UTF-8, not JSON, nested deeper than MAX_DEPTH,
    a key twice in one object (which value would count?), NaN/Infinity."""
    if len(raw) > MAX_PACKAGE_BYTES:
        return None, [FieldError("file", N_("is too large to be a handover package"))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [FieldError("file", N_("is not UTF-8 text"))]
    if not _depth_ok(text):
        return None, [
            FieldError("file", N_("is nested deeper than a handover package ({n} levels)"), params={"n": MAX_DEPTH})
        ]
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant), []
    except _Refused as exc:
        return None, [FieldError("file", N_("is not accepted: {why}"), params={"why": Msg(exc.template, **exc.params)})]
    except json.JSONDecodeError as exc:
        return None, [
            FieldError(
                "file",
                N_("is not valid JSON: {msg} at line {line}, column {col}"),
                params={"msg": exc.msg, "line": exc.lineno, "col": exc.colno},
            )
        ]
    except RecursionError:  # the depth check makes this unreachable; belt and braces
        return None, [
            FieldError("file", N_("is nested deeper than a handover package ({n} levels)"), params={"n": MAX_DEPTH})
        ]


def _text_errors(doc: Any) -> list[FieldError]:
    """Every string of the package (keys too) by the application's one text rule: no control
    characters (terminal escapes), no bidi overrides, one line, at most MAX_TEXT characters."""
    errors: list[FieldError] = []
    stack: list[tuple[Any, list[Any]]] = [(doc, [])]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                validation.check_text(key, _path(where) or "package", MAX_TEXT, errors=errors)
                stack.append((value, where + [key]))
        elif isinstance(node, list):
            stack.extend((value, where + [i]) for i, value in enumerate(node))
        elif isinstance(node, str):
            validation.check_text(node, _path(where) or "package", MAX_TEXT, errors=errors)
    return sorted(errors, key=lambda e: e.field)


def validate_package(raw: bytes) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """Check a package file's bytes; returns (package, []) or (None, every problem found).

    Pure: the import screen can call it to show the problems before anything is imported.
    """
    doc, errors = parse_json(raw)
    if errors:
        return None, errors
    if not isinstance(doc, dict):
        return None, [FieldError("file", N_("is not a handover package (expected a JSON object)"))]
    if ENVELOPE_KEY in doc:
        return None, [
            FieldError("file", N_("is a signed envelope: import it with 'import handover', which checks its signature"))
        ]
    errors = _text_errors(doc)
    if errors:  # nothing else is judged on text that could not be shown safely
        return None, errors
    version = doc.get("schema_version")
    if version not in SUPPORTED_VERSIONS:
        # Another version's fields cannot be judged by this version's schema: say only that.
        if version is None:
            return None, [FieldError("schema_version", N_("is missing"))]
        return None, [
            FieldError(
                "schema_version",
                N_("version {v} is not supported (this bpa-provider reads version {ours})"),
                params={"v": json.dumps(version), "ours": ", ".join(json.dumps(v) for v in sorted(SUPPORTED_VERSIONS))},
            )
        ]
    errors = _schema_errors(doc)
    # A field the schema already refused is not reported twice.
    refused = {e.field for e in errors}
    errors += [e for e in _semantic_errors(doc) if e.field not in refused]
    return (None, errors) if errors else (doc, [])


def _compact_id(number: str | None, country: str | None = None) -> str | None:
    if not number:
        return None
    return nid.validate(number, country or _id_country(number)).compact
