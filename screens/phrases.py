"""The validation messages of records, dates and national IDs in the person's language.

Those modules raise English messages that are not marked for translation (many are f-strings:
"'31.02.2026' is not a real calendar date"). Until they are translated where they are raised,
`translate()` finds the fixed ones in the catalog through the N_() marks below and rebuilds the
variable ones from patterns, so a Norwegian coordinator reads Norwegian under every field.
Anything unknown is shown as it came.
"""

from __future__ import annotations

import re

from bpa_provider.i18n import N_, _

# Fixed messages of records.parse_value, rules.national_id, rules.dates and records' validators.
FIXED = (
    N_("is required"), N_("may contain only the digits 0-9"), N_("is not a number"),
    N_("must be a whole number"), N_("contains control characters (such as escape codes); remove them"),
    N_("the national ID is empty"), N_("a national ID may contain only the digits 0-9"),
    N_("a Norwegian national ID has 11 digits"), N_("the first six digits are not a valid birth date"),
    N_("the check digits do not match (mistyped digit?)"), N_("a Swedish personnummer has 10 or 12 digits"),
    N_("the check digit does not match (mistyped digit?)"), N_("the first digits are not a valid birth date"),
    N_("a date is required (dd.mm.yyyy or YYYY-MM-DD)"), N_("Birth date does not match the national ID"),
    N_("a record with this reference or name already exists"),
    N_("it refers to a record that does not exist, or other records still refer to it"),
    N_("The database is busy with other users' changes; try again."),
    N_("contains characters that are not valid text"), N_("must be on one line (no line breaks or tabs)"),
)

# Variable messages: the English pattern, and the template (named groups as placeholders).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"^'(?P<raw>.*)' is not a date: use dd\.mm\.yyyy or YYYY-MM-DD$",
     N_("“{raw}” is not a date: use dd.mm.yyyy or YYYY-MM-DD")),
    (r"^'(?P<raw>.*)' is not a real calendar date$", N_("“{raw}” is not a real calendar date")),
    (r"^'(?P<raw>.*)' contains characters that are not allowed in a date$",
     N_("“{raw}” contains characters that are not allowed in a date")),
    (r"^'(?P<raw>.*)' is not a number$", N_("“{raw}” is not a number")),
    (r"^'(?P<raw>.*)' is not yes/no$", N_("“{raw}” is not yes or no")),
    (r"^'(?P<raw>.*)' is not a time of day: use HH:MM$", N_("“{raw}” is not a time of day: use HH:MM")),
    (r"^must be at least (?P<n>.+)$", N_("must be at least {n}")),
    (r"^must be at most (?P<n>.+)$", N_("must be at most {n}")),
    (r"^must be one of: (?P<values>.+)$", N_("must be one of: {values}")),
    (r"^is too long \((?P<n>\d+) characters, at most (?P<limit>\d+)\)$",
     N_("is too long ({n} characters, at most {limit})")),
    (r"^(?P<label>.+) must be on or after the start \((?P<date>[\d.]+)\)$",
     N_("{label} must be on or after the start ({date})")),
    (r"^The client already has a decision for (?P<period>.+); end it first \(one decision per day\)$",
     N_("The client already has a decision for {period}; end it first (one decision per day)")),
    (r"^no (?P<kind>municipality|client|assistant|supervisor|course) '(?P<key>.*)'$",
     N_("no {kind} “{key}”")),
))

_LABELLED = re.compile(r"^(?P<label>[A-Z][\w %()-]{0,40}): (?P<rest>.+)$")


def translate(message: str) -> str:
    """A service's English message in the current language (unknown ones unchanged)."""
    if not message:
        return message
    found = _(message)
    if found != message:
        return found
    for pattern, template in PATTERNS:
        m = pattern.match(message)
        if m:
            groups = {k: (_(v) if k == "label" else v) for k, v in m.groupdict().items()}
            if "kind" in groups:
                groups["kind"] = _(groups["kind"])
            return _(template).format(**groups)
    m = _LABELLED.match(message)  # "National ID: the check digits do not match ..."
    if m:
        rest = translate(m.group("rest"))
        if rest != m.group("rest"):
            return f"{_(m.group('label'))}: {rest}"
    return message


_PREDICATE = ("is ", "must ", "may ", "contains ", "has ", "cannot ")


def for_field(label: str, message: str) -> str:
    """A field's problem as one sentence, `label` already in the person's language.

    Services say "is required" (a predicate: "Name is required"), "the check digits do not
    match" (a sentence: "National ID: the check digits …"), or the whole thing ("Hours must be at
    least 0.25", label included in English), which is shown translated as it is."""
    if not message[:1].islower():
        return translate(message)
    text = translate(message)
    return f"{label} {text}" if message.startswith(_PREDICATE) else f"{label}: {text}"


def for_spec_field(english_label: str, message: str) -> str:
    """Like `for_field` for a service's FieldError, whose message may begin with the field's
    English label ("Hours must be at least 0.25")."""
    if message.startswith(english_label + " ") and message[len(english_label) + 1:][:1].islower():
        return for_field(_(english_label), message[len(english_label) + 1:])
    return for_field(_(english_label), message)
