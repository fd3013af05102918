"""Display rows for lists: each registry record as a flat dict with the references people use
(client ref, assistant ref, municipality name) instead of ids, national IDs masked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, Supervision, Supervisor
from bpa_provider.rules.national_id import mask
from bpa_provider.services import records
from bpa_provider.services.base import service

PAGE_SIZE = 2_000  # rows per query when a list is streamed: memory stays flat whatever the total

KINDS = {
    "municipalities": "municipality",
    "clients": "client",
    "decisions": "decision",
    "supervisors": "supervisor",
    "assistants": "assistant",
    "employments": "employment",
    "assignments": "assignment",
    "supervisions": "supervision",
}

COLUMNS = {
    "municipality": ["name", "country", "timezone", "unit_name", "notice_months", "approved"],
    "client": ["ref", "name", "national_id", "municipality", "status", "start_date", "end_date"],
    "decision": ["id", "client", "case_number", "hours", "hours_unit", "valid_from", "valid_to", "services"],
    "supervisor": ["ref", "name", "clients", "phone"],
    "supervision": ["id", "supervisor", "client", "relation", "since", "until"],
    "assistant": ["ref", "name", "national_id", "phone"],
    "employment": [
        "id",
        "assistant",
        "employee_number",
        "start_date",
        "end_date",
        "position_percent",
        "kind",
        "hourly_wage",
    ],
    "assignment": ["id", "assistant", "client", "role", "start_date", "end_date"],
}


# The id columns a display row turns into references (client, assistant, municipality, supervisor).
REFERENCES = ("client_id", "assistant_id", "municipality_id", "supervisor_id")


def _names(db: Database, model: Any, ids: set[int], column: str = "ref") -> dict[int, str]:
    if not ids:
        return {}
    with db.read() as s:
        return dict(s.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())


@service
def rows(
    db: Database,
    actor: Actor,
    kind: str,
    *,
    search: str = "",
    filters: dict[str, Any] | None = None,
    offset: int = 0,
    limit: int = 10_000,
    shown_only: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """One page of display rows for `kind` (a record kind), and the total count; `shown_only`:
    only the fields the list's COLUMNS need (the others not read)."""
    # Plain column values, not ORM objects (records.list_values): a 12,000-row list was mostly
    # the building and dumping of objects.
    fields = {*COLUMNS[kind], *REFERENCES} if shown_only else None
    page, total = records.list_values(
        db, actor, kind, search=search, filters=filters, offset=offset, limit=limit, fields=fields
    )
    out = []
    present = page[0].keys() if page else set()

    def ids(field: str) -> set[int]:
        return {r[field] for r in page} - {None} if field in present else set()

    clients = _names(db, Client, ids("client_id"))
    assistants = _names(db, Assistant, ids("assistant_id"))
    munis = _names(db, Municipality, ids("municipality_id"), "name")
    sups = _names(db, Supervisor, ids("supervisor_id"))
    sup_clients: dict[int, list[str]] = {}
    if kind == "supervisor" and page:
        with db.read() as s:
            for sid, ref in s.execute(
                select(Supervision.supervisor_id, Client.ref)
                .join(Client, Client.id == Supervision.client_id)
                .where(Supervision.supervisor_id.in_([r["id"] for r in page]))
            ):
                sup_clients.setdefault(sid, []).append(ref)
    for d in page:
        if "national_id" in d:
            d["national_id"] = mask(d["national_id"])
        if "client_id" in d:
            d["client"] = clients.get(d["client_id"], "")
        if "assistant_id" in d:
            d["assistant"] = assistants.get(d["assistant_id"], "")
        if "municipality_id" in d:
            d["municipality"] = munis.get(d["municipality_id"], "")
        if "supervisor_id" in d:
            d["supervisor"] = sups.get(d["supervisor_id"], "")
        if kind == "supervisor":
            d["clients"] = ", ".join(sorted(sup_clients.get(d["id"], [])))
        out.append(d)
    return out, total


def pages(
    db: Database,
    actor: Actor,
    kind: str,
    *,
    search: str = "",
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
    page_size: int | None = None,
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Every matching display row (or the first `limit`), one page at a time, each with the total
    that matches: a caller can stream the whole list, or say how many rows `limit` left out.

    Each page is its own read (through `rows`, so permissions are checked on every page).
    """
    size = page_size or PAGE_SIZE
    offset = 0
    while True:
        want = size if limit is None else min(size, limit - offset)
        if want <= 0:
            return
        page, total = rows(db, actor, kind, search=search, filters=filters, offset=offset, limit=want, shown_only=True)
        yield page, total
        offset += len(page)
        if len(page) < want or offset >= total:
            return
