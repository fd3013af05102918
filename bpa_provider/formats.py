"""Numbers, dates and money the way a person reads them, in the language in force.

One place decides: Norwegian `72,5` and `31.12.2026`; Swedish `72,5` and `2026-12-31`; English
`72.5` and `31.12.2026` (the app's habit since it began in Norway). Tables of the CLI
(`render.py`), the screens (`screens/ui.py`) and the parameters of translated messages
(`i18n.render_message`) all come here. Machine formats (`--format json`/`csv`, files for other
systems) do not: they keep ISO dates and a decimal point whatever the language.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bpa_provider.i18n import current_language

# Language -> (date pattern, decimal mark, thousands separator).
_STYLE = {
    "en": ("%d.%m.%Y", ".", ","),
    "nb": ("%d.%m.%Y", ",", "\u00a0"),
    "sv": ("%Y-%m-%d", ",", "\u00a0"),
}


def _style(lang: str | None) -> tuple[str, str, str]:
    return _STYLE.get(lang or current_language(), _STYLE["en"])


def format_date(value: date | None, lang: str | None = None) -> str:
    """A day as people of the language write it; an absent date is an empty string."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime(_style(lang)[0])


def format_short_date(value: date | None, lang: str | None = None) -> str:
    """A day without its year, where the year is plain from around it (a week's columns, a
    shift in a list): `02.03` in nb and en, `2/3` in sv (day/month, as Swedish calendars and
    handwriting put it; the ISO-like `03-02` reads as a month first to few)."""
    if value is None:
        return ""
    if (lang or current_language()) == "sv":
        return f"{value.day}/{value.month}"
    return f"{value.day:02d}.{value.month:02d}"


def format_date_range(first: date, last: date, lang: str | None = None, *, short_year: bool = False) -> str:
    """Two days as one range, the language's way: nb/en `02.03–08.03.2026` (the first day's year
    left out when it is the last day's; `02.03–08.03.26` with `short_year`), sv
    `2026-03-02 – 2026-03-08` (ISO days are written whole)."""
    if (lang or current_language()) == "sv":
        return f"{format_date(first, 'sv')} – {format_date(last, 'sv')}"
    year = "%y" if short_year else "%Y"
    if first.year == last.year:
        return f"{first:%d.%m}–{last.strftime('%d.%m.' + year)}"
    return f"{first.strftime('%d.%m.' + year)}–{last.strftime('%d.%m.' + year)}"


def format_datetime(value: datetime | None, lang: str | None = None) -> str:
    """A day and a time of day (minutes), e.g. `31.12.2026 14:30`, `2026-12-31 14:30`."""
    if value is None:
        return ""
    return f"{format_date(value, lang)} {value:%H:%M}"


def format_number(
    value: float | int | Decimal | None,
    decimals: int = 2,
    *,
    trim: bool = True,
    lang: str | None = None,
    group: bool = False,
) -> str:
    """A number with at most `decimals` decimals (trailing zeros dropped when `trim`) and the
    language's decimal mark: 72.5 -> `72,5` in nb and sv. `group` separates thousands."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    _, mark, sep = _style(lang)
    text = f"{value:,.{decimals}f}" if group else f"{value:.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.00"):
        text = text[1:]
    # Swap via a placeholder so "," (grouping) and "." (decimals) do not overwrite each other.
    return text.replace(",", "\0").replace(".", mark).replace("\0", sep)


def format_hours(value: float | Decimal | None, lang: str | None = None) -> str:
    """Hours with at most two decimals and no trailing zeros: 37,5 · 40 · 12,25 (nb)."""
    return format_number(value, 2, lang=lang)


def format_money(value: Decimal | float | int | None, lang: str | None = None) -> str:
    """An amount with two decimals and thousands grouped: `12 345,50` (nb, sv), `12,345.50` (en)."""
    return format_number(value, 2, trim=False, group=True, lang=lang)


def format_value(value: object, lang: str | None = None) -> object:
    """Any value for a person to read: dates, times and numbers in the language; others as they are."""
    if isinstance(value, datetime):
        return format_datetime(value, lang)
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, Decimal):  # money: two decimals (no grouping: tables and messages stay compact)
        return format_number(value, 2, trim=False, lang=lang)
    if isinstance(value, float):
        return format_number(value, lang=lang)
    return value


class _Shown:
    """A parameter of a message, formatted in the language when the message is made:
    `{date}` -> `31.12.2026`/`2026-12-31`, `{h}` -> `72,5`, `{h:.2f}` -> `72,50` (nb)."""

    __slots__ = ("value", "lang")

    def __init__(self, value: object, lang: str | None):
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(format_value(self.value, self.lang))
        text = format(self.value, spec)
        if isinstance(self.value, (float, Decimal)):
            mark = _style(self.lang)[1]
            text = text.replace(".", mark) if "," not in text else text
        return text

    def __str__(self) -> str:
        return self.__format__("")


def shown(value: object, lang: str | None = None) -> object:
    """`value` ready for `str.format` in a message of the language (dates and numbers); others as they are."""
    if isinstance(value, (date, float, Decimal)) and not isinstance(value, bool):
        return _Shown(value, lang)
    if isinstance(value, (list, tuple)):  # several days or amounts: "02.03.2026 08:00, 03.03.2026 08:00"
        return ", ".join(str(format_value(v, lang)) for v in value)
    return value
