"""The machinery of test_bad_input_fields.py: hostile strings per field, a target (one field of one
service) and what happened to each string (an outcome)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hostile import hostile_strings
from sqlalchemy import func, insert, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    AuditEvent,
)
from bpa_provider.errors import ServiceError

ADMIN = Actor("admin", "admin")
RECORD_STRINGS = 300  # hostile strings per record field
SERVICE_STRINGS = 200  # per free-text service parameter

# Strings every field gets besides the random ones, so each aspect is exercised whatever the seed.
_SURROGATES = ("Kari\udcff", "\ud800", "x \udfff y")


def probes(max_len: int) -> list[str]:
    return [
        "",
        "   ",
        "Kari Nordmann",
        "  Åse Øvrebø  ",
        "مرحبا שלום",
        "[bold red]x[/]",
        '=HYPERLINK("x")',
        "<script>alert(1)</script>",
        "${HOME} $(id) `id` %s {0}",
        "👩‍👩‍👧 ２３",
        "a\u200bb\ufeffc",
        "a\x1b[31mred",
        "\x00",
        "x\x07y",
        "x\x7f",
        "x\x9b31m",
        "x\x85y",
        "a\r\nb",
        "a\u202eb",
        "\u2066x\u2069",
        "a\u202ab",
        "a\nb",
        "line one\nline two",
        "a\tb",
        "a\u2028b",
        "x" * max_len,
        " " + "y" * max_len + " ",
        "z" * (max_len + 1),
        "w" * (max_len + 2),
        *_SURROGATES,
    ]


# --------------------------------------------------------------------------- targets and outcomes


@dataclass(frozen=True)
class Target:
    """One free-text input: how to send a string through its service and read back what was stored."""

    id: str
    field: str  # the field a refusal must name
    max_len: int
    lines: str  # "one": line breaks refused; "many": accepted; "either": the service may choose
    required: bool
    call: Callable[[Database, Any, int, str], Any]  # returns the key `read` takes
    read: Callable[[Database, Any, Any], str]
    state: Callable[[Database, Any], tuple]  # what a refused call must leave as it was
    setup: Callable[[Database], Any] = lambda db: None
    prepare: Callable[[Database, Any, int], None] = lambda db, ctx, i: None  # before each call
    n: int = SERVICE_STRINGS
    clean_text: bool = False  # refusals come from clean_text: the word is the first problem's
    free_refusals: bool = False  # valid text may still be refused by a rule of the field (a check)
    normalize: Callable[[str], str] = lambda text: text  # what an accepted value is stored as
    empty_ok: Callable[[str], bool] = lambda stored: stored == ""  # stored value for empty input
    extra: tuple[str, ...] = ()  # known-good values for fields that refuse most text
    spec: tuple[str, str] | None = None  # (kind, field) of a records field: the form must agree


@dataclass
class Outcome:
    raw: str
    status: str  # stored, refused, crash
    stored: str | None = None
    exc: ServiceError | None = None
    error: str = ""
    unchanged: bool = True  # state after a refused or crashed call equals the state before


def sample(t: Target) -> list[str]:
    strings = hostile_strings(t.n, seed=zlib.crc32(t.id.encode()), max_len=t.max_len) + probes(t.max_len)
    out, seen = [], set()
    for s in [*t.extra, *strings]:  # one of each value: names and references are unique
        key = s.strip().casefold()
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def run(t: Target, db: Database) -> list[Outcome]:
    ctx = t.setup(db)
    out = []
    for i, raw in enumerate(sample(t)):
        t.prepare(db, ctx, i)
        before = t.state(db, ctx)
        try:
            key = t.call(db, ctx, i, raw)
        except ServiceError as exc:
            out.append(Outcome(raw, "refused", exc=exc, unchanged=t.state(db, ctx) == before))
            continue
        except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
            out.append(
                Outcome(raw, "crash", error=f"{type(exc).__name__}: {exc}"[:200], unchanged=t.state(db, ctx) == before)
            )
            continue
        out.append(Outcome(raw, "stored", stored=t.read(db, ctx, key)))
    return out


def _count(s, model, *where) -> int:
    return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _value(db: Database, column, *where) -> Any:
    with db.read() as s:
        return s.execute(select(column).where(*where)).scalar_one()


def counts(*models) -> Callable[[Database, Any], tuple]:
    """State: rows in these tables and in the change log."""

    def state(db: Database, ctx: Any) -> tuple:
        with db.read() as s:
            return tuple(_count(s, m) for m in (*models, AuditEvent))

    return state


def _insert(s, model: type, **values) -> int:
    return s.execute(insert(model).returning(model.id), [{"version": 1, **values}]).scalar_one()
