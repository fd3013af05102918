"""Small helpers every screen shares: translated key bindings, text that is never markup,
dates and numbers the way people read them, and errors worded for a person.

Values that came from people (names, notes, addresses) are always wrapped in `rich.text.Text`:
a name such as `Kari [/bold]` must show as typed, never be parsed as markup.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from rich.text import Text
from textual.binding import BindingsMap
from textual.dom import DOMNode

from bpa_provider.errors import FieldError, labelled
from bpa_provider.formats import format_date, format_datetime, format_hours
from bpa_provider.i18n import _, render_message


class TranslatedBindings:
    """Mixin: the node's key-binding descriptions in the current language.

    Class-level BINDINGS are evaluated once, at import, before `--lang` is known; the English
    descriptions are marked with N_() and translated here, per instance, from the class's merged
    bindings (so a node built after a language switch speaks the new language).
    """

    def translate_bindings(self) -> None:
        node: DOMNode = self  # type: ignore[assignment]
        source = type(node)._merged_bindings or BindingsMap()
        keys = {
            key: [
                dataclasses.replace(
                    b,
                    description=_(b.description) if b.description else "",
                    tooltip=_(b.tooltip) if b.tooltip else "",
                    group=dataclasses.replace(b.group, description=_(b.group.description)) if b.group else None,
                )
                for b in bindings
            ]
            for key, bindings in source.key_to_bindings.items()
        }
        node._bindings = BindingsMap.from_keys(keys)


def text(value: Any, style: str = "") -> Text:
    """A value from a person or the database as plain text (never markup)."""
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text(_("yes") if value else _("no"), style=style)
    if isinstance(value, datetime):
        return Text(format_datetime(value), style=style)
    if isinstance(value, date):
        return Text(format_date(value), style=style)
    if isinstance(value, float):
        return Text(hours(value), style=style)
    return Text(str(value), style=style)


def hours(value: float | None) -> str:
    """Hours with at most two decimals and no trailing zeros, the language's way: 37.5 (en),
    37,5 (nb, sv), 40, 12.25."""
    return format_hours(value)


def period(start: date | None, end: date | None) -> str:
    """A period as people write it: 01.01.2026–31.12.2026 (2026-01-01–… in Swedish), open at the end."""
    return f"{format_date(start)}–{format_date(end)}"


def field_message(label: str, problem: str | BaseException | FieldError, **params: Any) -> str:
    """A field's problem as one sentence in the person's language (`label` already translated):
    "Name is required", "National ID: the check digits do not match …".

    `problem` is a message id (`N_("is required")`, with `params`), a rule's `Invalid`, or a
    service's FieldError; one that already names its field (a service's "{label} …") is shown as
    it is. The wording is chosen on the English id (`errors.labelled`), never on translated text."""
    if isinstance(problem, FieldError):
        template, values = problem.message, {**problem.params, **params}
    elif isinstance(problem, str):
        template, values = problem, params
    elif getattr(problem, "template", None) is not None:
        template, values = problem.template, {**problem.params, **params}  # type: ignore[attr-defined]
    else:  # a library's own words: shown as they came, after the label
        return f"{label}: {problem}"
    if "label" in values:
        return render_message(template, values)
    return render_message(*labelled(label, template, values))


def describe_error(exc: BaseException) -> str:
    """Words for a person about an error raised by a service or the database (no traceback)."""
    from bpa_provider.errors import Invalid, ServiceError

    if isinstance(exc, (ServiceError, Invalid)):
        return exc.localized()
    name = type(exc).__name__
    if name in ("OperationalError", "InterfaceError", "DatabaseError") or "psycopg" in type(exc).__module__:
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else name
        return _("The database cannot be reached ({detail}). Check the connection and try again.").format(detail=first)
    where = log_unexpected(exc)
    return _("Unexpected error ({name}); details are in {where}.").format(name=name, where=where)


def log_unexpected(exc: BaseException) -> str:
    """Write an unexpected error's traceback to the user log folder (never to the screen)."""
    from bpa_provider.crashlog import log_crash  # the one crash log, shared with the CLI

    return log_crash(exc)


def short_db_name(url: str) -> str:
    """How the header names the database: the SQLite file name, or PostgreSQL's host/database.

    Read from the URL's text as SQLAlchemy's `make_url` reads it (tests/screens/test_topbar.py
    holds the two equal), not with it: the header is part of the first paint, and importing
    SQLAlchemy there held that paint back by ≈ 80 ms (docs/performance.md, "Session 11 — paint")."""
    from urllib.parse import unquote

    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest = rest.split("?", 1)[0]  # the query (a socket directory, options) is not the name
    if scheme.split("+", 1)[0] == "sqlite":
        return unquote(rest).rsplit("/", 1)[-1] or ":memory:"
    netloc, _slash, database = rest.partition("/")
    host = netloc.rpartition("@")[2]  # after the user and password
    host = host[1 : host.find("]")] if host.startswith("[") else host.split(":", 1)[0]  # no port
    return f"{host or 'localhost'}/{unquote(database)}"
