"""People's names in the order a Nordic reader expects: by family name, then the whole name, with
the language's last letters in their place (nb: … z æ ø å; sv: … z å ä ö).

A name is stored whole ("Kari Nordmann"); the family name is taken as its last word. The same
key is built twice — in SQL (`order_by`), so the database still sorts and pages a register of
10,000, and in Python (`sort_key`), for lists a service assembles itself — and both give the same
order. Neither needs a collation installed in the database: the Nordic letters are mapped to the
ASCII characters that follow "z" ({, |, }) and compared bytewise (SQLite's BINARY, PostgreSQL's "C").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import collate, func

from bpa_provider.i18n import current_language

# Letters after z, per language; the neighbours' letters sort where that language puts their own.
_AFTER_Z = {
    "nb": {"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"},
    "sv": {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"},
}


def _letters(lang: str | None) -> list[tuple[str, str]]:
    # Only these five letters (both cases: SQLite's lower() knows ASCII only): each is a nested
    # replace() in SQL, and SQLite's parser refuses an expression nested much deeper.
    table = _AFTER_Z.get(lang or current_language(), _AFTER_Z["nb"])
    return [(ch, to) for letter, to in table.items() for ch in (letter, letter.upper())]


def _key(name: str, lang: str | None) -> str:
    for letter, to in _letters(lang):
        name = name.replace(letter, to)
    return name.lower()


def family_name(name: str) -> str:
    """The last word of a name ("Nordmann" of "Kari Nordmann"); a one-word name is itself."""
    return name.rstrip().rsplit(" ", 1)[-1]


def sort_key(name: str | None, lang: str | None = None) -> tuple[str, str]:
    """Sort key of a name in Python: family name first, then the whole name."""
    name = (name or "").strip()
    return _key(family_name(name), lang), _key(name, lang)


def _sql_key(expr: Any, lang: str | None) -> Any:
    for letter, to in _letters(lang):
        expr = func.replace(expr, letter, to)
    return func.lower(expr)


def order_by(column: Any, dialect: str, *, descending: bool = False, lang: str | None = None) -> list[Any]:
    """ORDER BY terms that sort `column` (a name) as `sort_key` does, on SQLite and PostgreSQL."""
    name = func.trim(column)
    # The part after the last space: rtrim strips every trailing character that is not a space,
    # which leaves the given names (and the space); what follows them is the family name.
    given = func.rtrim(name, func.replace(name, " ", ""))
    family = func.substr(name, func.length(given) + 1)
    terms = [_sql_key(family, lang), _sql_key(name, lang)]
    if dialect == "postgresql":  # the database's own collation may ignore "{|}": compare bytes
        terms = [collate(t, "C") for t in terms]
    return [t.desc() if descending else t for t in terms]
