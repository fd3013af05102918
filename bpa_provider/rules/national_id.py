"""National identity numbers: validation, birth dates and masking.

Norway: fødselsnummer and D-number (python-stdnum knows today's check-digit rule; from 2032
Skatteetaten issues numbers whose first check digit may leave a remainder of 0-3, so both rules are
accepted here). Sweden: personnummer and samordningsnummer (Luhn, via python-stdnum).
Only ASCII digits are accepted: `str.isdigit()` would let '１' or '²' through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)  # weights over d1..d9 and k1
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)  # weights over d1..d9, k1 and k2


@dataclass(frozen=True)
class NationalId:
    """A validated number in its compact form, with what could be read from it."""

    country: str
    compact: str
    birth_date: date
    kind: str  # "fnr", "dnr", "personnummer", "samordningsnummer"


def _digits_only(value: str) -> str:
    compact = "".join(ch for ch in value if ch not in " -+")
    if not compact:
        raise Invalid(N_("the national ID is empty"))
    if not (compact.isascii() and compact.isdigit()):
        raise Invalid(N_("a national ID may contain only the digits 0-9"))
    return compact


def _no_birth_date(compact: str) -> tuple[date, str]:
    from stdnum.no import fodselsnummer

    kind = "dnr" if int(compact[0]) >= 4 else "fnr"
    try:
        born = fodselsnummer.get_birth_date(compact)
    except Exception:
        raise Invalid(N_("the first six digits are not a valid birth date")) from None
    return born, kind


def validate_no(value: str) -> NationalId:
    """Validate a Norwegian fødselsnummer or D-number under today's or the 2032 check-digit rule."""
    compact = _digits_only(value)
    if len(compact) != 11:
        raise Invalid(N_("a Norwegian national ID has 11 digits"))
    digits = [int(c) for c in compact]
    born, kind = _no_birth_date(compact)
    # From 2032 the first control digit may leave remainder 0-3 (Skatteetaten); the second is unchanged.
    if sum(w * d for w, d in zip(_W1, digits[:10])) % 11 not in (0, 1, 2, 3):
        raise Invalid(N_("the check digits do not match (mistyped digit?)"))
    if sum(w * d for w, d in zip(_W2, digits)) % 11 != 0:
        raise Invalid(N_("the check digits do not match (mistyped digit?)"))
    return NationalId("NO", compact, born, kind)


def validate_se(value: str) -> NationalId:
    """Validate a Swedish personnummer or samordningsnummer (10 or 12 digits, Luhn).

    python-stdnum checks personnummer; a samordningsnummer is the same number with 60 added to the
    day, which stdnum's birth-date check refuses, so the day is folded back before asking it.
    """
    from stdnum import luhn
    from stdnum.se import personnummer

    raw = value.strip()
    digits = _digits_only(raw)
    if len(digits) not in (10, 12):
        raise Invalid(N_("a Swedish personnummer has 10 or 12 digits"))
    ten = digits[-10:]
    if not luhn.is_valid(ten):
        raise Invalid(N_("the check digit does not match (mistyped digit?)"))
    day = int(ten[4:6])
    kind = "samordningsnummer" if day > 60 else "personnummer"
    sep = "+" if "+" in raw else "-"
    century = digits[:2] if len(digits) == 12 else ""
    folded = f"{century}{ten[:4]}{day - 60 if day > 60 else day:02d}{sep}{ten[6:]}"
    try:
        born = personnummer.get_birth_date(folded)
    except Exception:
        raise Invalid(N_("the first digits are not a valid birth date")) from None
    return NationalId("SE", f"{ten[:6]}{sep}{ten[6:]}", born, kind)


def validate(value: str, country: str) -> NationalId:
    """Validate a national ID for a country code ("NO" or "SE")."""
    if country == "SE":
        return validate_se(value)
    if country == "NO":
        return validate_no(value)
    raise Invalid(N_("unknown country “{country}”"), country=country)


def mask(value: str | None) -> str:
    """Show only the birth-date part: `DDMMYY*****` (Norway) or `YYMMDD-****` (Sweden)."""
    if not value:
        return ""
    compact = value.replace(" ", "")
    if "-" in compact or "+" in compact:  # Swedish form
        head = compact.split("-")[0].split("+")[0]
        return f"{head[-6:]}-****"
    return f"{compact[:6]}{'*' * max(len(compact) - 6, 0)}"


def make_no(born: date, individual: int, dnr: bool = False, new_rule: bool = False) -> str | None:
    """Build a valid synthetic Norwegian number for demo data and tests, or None if the
    individual number yields no valid check digit. `new_rule` uses the 2032 rule's remainders."""
    day = born.day + (40 if dnr else 0)
    base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
    digits = [int(c) for c in base]
    s1 = sum(w * d for w, d in zip(_W1[:9], digits))
    for remainder in (1, 2, 3) if new_rule else (0,):
        k1 = (remainder - s1) % 11
        if k1 == 10:
            continue
        k2 = (-sum(w * d for w, d in zip(_W2[:10], digits + [k1]))) % 11
        if k2 == 10:
            continue
        return base + f"{k1}{k2}"
    return None


def make_se(born: date, serial: int, coordination: bool = False) -> str:
    """Build a valid synthetic Swedish personnummer (`YYMMDD-NNNC`) for demo data and tests."""
    from stdnum import luhn

    day = born.day + (60 if coordination else 0)
    body = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial:03d}"
    number = f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"
    validate_se(number)
    return number
