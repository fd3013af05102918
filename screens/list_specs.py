"""What each list shows (screens/lists.py): its record kind, its columns — title, width, whether
the database may sort by it, how a cell is drawn — and its filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text

from bpa_provider.i18n import N_
from bpa_provider.screens import labels
from bpa_provider.screens.ui import text
from bpa_provider.services import records

if TYPE_CHECKING:
    from bpa_provider.screens.lists import RecordList


@dataclass(frozen=True)
class Column:
    """A column: the record attribute, its English title, width, and whether SQL may sort by it."""

    key: str
    title: str
    width: int | None = None
    sortable: bool = True
    show: Callable[[Any, RecordList], Text] | None = None


@dataclass(frozen=True)
class ListSpec:
    """Which records, which columns, which filters."""

    kind: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()


def _masked_id(row: Any, view: RecordList) -> Text:
    return Text(records.display_national_id(view.bpa.actor, row.national_id))


def _municipality(row: Any, view: RecordList) -> Text:
    return text(view.municipalities.get(row.municipality_id, ""))


def _choice(name: str) -> Callable[[Any, RecordList], Text]:
    return lambda row, view: Text(labels.choice(getattr(row, name)))


CLIENTS = ListSpec(
    "client",
    (
        Column("ref", N_("Ref"), 7),
        Column("name", N_("Name"), 22),
        Column("status", N_("Status"), 11, show=_choice("status")),
        Column("municipality_id", N_("Municipality"), 12, sortable=False, show=_municipality),
        Column("start_date", N_("Start"), 10),
        Column("end_date", N_("End"), 10),
        Column("national_id", N_("National ID"), 11, sortable=False, show=_masked_id),
    ),
    filters=("status", "municipality_id"),
)

ASSISTANTS = ListSpec(
    "assistant",
    (
        Column("ref", N_("Ref"), 7),
        Column("name", N_("Name"), 24),
        Column("phone", N_("Phone"), 14),
        Column("email", N_("E-mail"), 24),
        Column("national_id", N_("National ID"), 11, sortable=False, show=_masked_id),
    ),
)

MUNICIPALITIES = ListSpec(
    "municipality",
    (
        Column("name", N_("Name"), 18),
        Column("country", N_("Country"), 8, show=_choice("country")),
        Column("approved", N_("Approved"), 9),
        Column("notice_months", N_("Notice"), 7),
        Column("unit_name", N_("Case unit"), 24),
        Column("timezone", N_("Time zone"), 16),
    ),
    filters=("country",),
)
