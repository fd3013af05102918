"""Translations: gettext with English as the source language.

Catalogs live in `bpa_provider/locale/<lang>/LC_MESSAGES/bpa.po` and are compiled to `bpa.mo`
(committed, so a fresh install shows Norwegian without build tools). `set_language()` picks one;
`_()` translates a message and `N_()` marks one for extraction without translating it yet.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bpa"
LANGUAGES = ("en", "nb", "sv")

_current: gettext.NullTranslations = gettext.NullTranslations()
_lang = "en"


def detect_language(explicit: str | None = None) -> str:
    """`--lang`, then BPA_LANG, then the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG — over SSH
    they come from the laptop through AcceptEnv); English if none names nb/no/nn, sv or en."""
    candidates = [explicit, os.environ.get("BPA_LANG")]
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        candidates.append(os.environ.get(var))
    for value in candidates:
        if not value:
            continue
        code = value.split(":")[0].split(".")[0].split("_")[0].lower()
        if code in ("nb", "no", "nn"):
            return "nb"
        if code in ("sv", "en"):
            return code
    return "en"


def set_language(lang: str | None) -> str:
    """Switch the process's language; returns the language in force."""
    global _current, _lang
    lang = detect_language(lang) if lang not in LANGUAGES else lang
    _lang = lang
    if lang == "en":
        _current = gettext.NullTranslations()
    else:
        _current = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return lang


def current_language() -> str:
    return _lang


def _(message: str) -> str:
    """Translate a message into the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; translate with _() where it is shown."""
    return message


def render_message(template: str, params: dict | None = None, *, translate: bool = True) -> str:
    """A message template with its parameters, in the current language (or English).

    Parameters that are themselves message ids marked for translation (`Msg`) are translated
    too; dates and numbers are written the language's way (`formats.shown`); a template whose placeholders do not match its parameters is shown as it stands rather
    than failing where an error is being reported."""
    text = _(template) if translate else template
    if not params:
        return text
    from bpa_provider.formats import shown  # dates and numbers the way the language writes them

    lang = None if translate else "en"
    values = {
        k: (
            v.render(translate)
            if isinstance(v, Msg)
            else _written(v, lang)
            if isinstance(v, Written)
            else shown(v, lang)
        )
        for k, v in params.items()
    }
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


class Written(str):
    """A value a pure rule wrote the English way, for a message parameter: a number with a
    point (`Figure`, "13.5") or a local date or time in ISO form (`LocalTime`, "2026-10-31 22:00").
    The English text stays as it is (logs, tests); a reader of nb or sv gets `13,5` and
    `31.10.2026 22:00` / `2026-10-31 22:00` (`formats.py`)."""

    __slots__ = ()


class Figure(Written):
    """A number written with a decimal point ("13.5", "11")."""

    __slots__ = ()


class LocalTime(Written):
    """A local day ("2026-10-31") or day and time ("2026-10-31 22:00")."""

    __slots__ = ()


def _written(value: Written, lang: str | None) -> str:
    # An explicit "en" is the untranslated text (the access log, JSON): as the rule wrote it, ISO.
    # A reader's text follows the reader's conventions, English included (dates dd.mm.yyyy, the
    # way every other date on an English screen is written; formats.py).
    if lang == "en":
        return str(value)
    lang = current_language()
    from datetime import date, datetime

    from bpa_provider.formats import format_date, format_datetime, format_number

    if isinstance(value, Figure):
        mark = format_number(0.5, 1, lang=lang)[1]  # the language's decimal mark: "0,5"
        return str(value).replace(".", mark)
    try:
        if len(value) > 10:
            return format_datetime(datetime.fromisoformat(value), lang)
        return format_date(date.fromisoformat(value), lang)
    except ValueError:
        return str(value)


class Msg:
    """A message id with parameters, translated when shown: a parameter of another message
    ("{kind}" = Msg(N_("client"))) or a value a service returns for a person to read."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, /, **params):
        self.template = template
        self.params = params

    def render(self, translate: bool = True) -> str:
        return render_message(self.template, self.params, translate=translate)

    def __str__(self) -> str:
        return self.render(translate=True)

    def __repr__(self) -> str:
        return f"Msg({self.template!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.template, self.params) == (other.template, other.params)

    def __hash__(self) -> int:
        return hash(self.template)
