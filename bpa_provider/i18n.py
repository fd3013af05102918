"""Translations: gettext with English as the source language.

Catalogs live in `bpa_provider/locale/<lang>/LC_MESSAGES/bpa.po` and are compiled to `bpa.mo`
(committed, so a fresh install shows Norwegian without build tools). `set_language()` picks one;
`_()` translates a message and `N_()` marks one for extraction without translating it yet.
"""

from __future__ import annotations

import gettext
import locale
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bpa"
LANGUAGES = ("en", "nb", "sv")

_current: gettext.NullTranslations = gettext.NullTranslations()
_lang = "en"


def detect_language(explicit: str | None = None) -> str:
    """`--lang`, then BPA_LANG, then the locale (LANGUAGE/LC_ALL/LANG); English if none match."""
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
