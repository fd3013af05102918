"""Reading registry records: one (`get`), a page of a list (`list_records`), a reference resolved
to an id (`find_id`), and national IDs masked for the reader or revealed (logged).

A supervisor sees only their clients, the assistants working for them, and themselves
(`in_scope`); a record outside that is not found, in the same words as one that does not exist.
`services.records` re-exports every public name here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Municipality, Supervisor
from bpa_provider.errors import Invalid, NotFound, PermissionDenied, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import national_id as nid
from bpa_provider.services import client_status, name_order
from bpa_provider.services.base import require, service
from bpa_provider.services.record_fields import EntitySpec, client_id_of, kind_word
from bpa_provider.services.record_parsing import lookup_ref, unknown_ref
from bpa_provider.services.record_specs import SPECS


@service
def get(db: Database, actor: Actor, kind: str, record_id: int) -> Any:
    """Read one record (a supervisor only within their clients)."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=kind_word(kind)))
    with db.read() as s:
        obj = s.get(spec.model, record_id)
        if obj is None:
            raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
        if actor.is_scoped and not _in_scope(s, actor, spec, obj):
            raise PermissionDenied(N_("You can only see your own clients and their assistants."))
        return _for_reader(s, actor, obj)


def in_scope(session: Session, actor: Actor, kind: str, obj: Any) -> bool:
    """Whether `actor` may know of this record at all (a supervisor: their clients, the assistants
    working for them, themselves; everyone else: yes). `actor` has its scope filled in."""
    return not actor.is_scoped or _in_scope(session, actor, SPECS[kind], obj)


def _in_scope(session: Session, actor: Actor, spec: EntitySpec, obj: Any) -> bool:
    """Whether a supervisor may read this record: their clients, and assistants working for them."""
    if spec.client_field is not None:
        return actor.may_see_client(client_id_of(spec, obj))
    if spec.kind == "assistant":
        mine = select(Assignment.id).where(
            Assignment.assistant_id == obj.id, Assignment.client_id.in_(sorted(actor.client_scope or ()))
        )
        return session.execute(mine.limit(1)).scalar() is not None
    if spec.kind == "supervisor":
        return bool(obj.id == actor.supervisor_id)
    return spec.kind == "municipality"


def _for_reader(session: Session, actor: Actor, obj: Any) -> Any:
    """The record as this reader may see it: a role that may not see national IDs gets them masked;
    a client's status is the one of today (services/client_status.py)."""
    if isinstance(obj, Client):
        obj = client_status.as_of(session, obj, date.today())
    if getattr(obj, "national_id", None) and not actor.may("national_id.reveal"):
        copy = type(obj).model_validate(obj.model_dump())
        copy.national_id = nid.mask(obj.national_id)
        return copy
    return obj


@service
def find_id(db: Database, actor: Actor, kind: str, key: str | int) -> int:
    """Resolve a reference, name or id to the record's id (NotFound with a clear message)."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=kind_word(kind)))
    raw = int(key) if str(key).isdigit() else key
    with db.read() as s:
        try:
            found = lookup_ref(s, kind, raw)
        except Invalid as exc:
            raise NotFound(exc.template, **exc.params) from None
        if actor.is_scoped and not _in_scope(s, actor, spec, s.get(spec.model, found)):
            # The words for a reference that does not exist: a supervisor cannot probe who
            # exists at other clients.
            hidden = unknown_ref(kind, raw)
            raise NotFound(hidden.template, **hidden.params)
        return found


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many rows match in all."""

    rows: list[Any]
    total: int
    offset: int = 0
    limit: int = 100


def _page_query(
    db: Database,
    actor: Actor,
    kind: str,
    search: str,
    filters: Mapping[str, Any] | None,
    order: str | None,
    descending: bool,
) -> tuple[Any, list[Any]]:
    """The list's conditions as a query of its model, and its order (the permission checked)."""
    spec = SPECS[kind]
    require(actor, f"{spec.area}.read", what=Msg(N_("see {kind} records"), kind=kind_word(kind)))
    model = spec.model
    q = select(model)
    conds: list[ColumnElement[bool]] = []
    text = (search or "").strip()
    if text:
        like = f"%{text.lower()}%"
        ors = [func.lower(getattr(model, c)).like(like) for c in spec.search_columns]
        if hasattr(model, "national_id") and actor.may("national_id.reveal"):
            ors.append(model.national_id == text.replace(" ", ""))  # exact match only
        conds.append(or_(*ors) if ors else false())
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if not hasattr(model, key):
            raise ValidationError(N_("cannot filter by “{key}”"), field=key, key=key)
        if model is Client and key == "status":  # as read today: a prospect whose start came is active
            conds.append(client_status.status_is(value, date.today()))
            continue
        conds.append(getattr(model, key) == value)
    if actor.is_scoped:
        scope = sorted(actor.client_scope or ())
        if spec.client_field:
            conds.append(getattr(model, spec.client_field).in_(scope))
        elif kind == "assistant":
            sub = select(Assignment.assistant_id).where(Assignment.client_id.in_(scope))
            conds.append(model.id.in_(sub))
        elif kind == "supervisor":
            conds.append(model.id == actor.supervisor_id)
        elif kind != "municipality":
            conds.append(false())
    if conds:
        q = q.where(and_(*conds))
    if order == "name" and model in (Client, Assistant, Supervisor):  # people: by family name
        terms = name_order.order_by(model.name, db.dialect, descending=descending)
    else:
        col = (
            getattr(model, order)
            if order and hasattr(model, order)
            else (getattr(model, "ref", None) or getattr(model, "name", None) or model.id)
        )
        terms = [col.desc() if descending else col]
    return q, [*terms, model.id]


@service
def list_records(
    db: Database,
    actor: Actor,
    kind: str,
    *,
    search: str = "",
    filters: Mapping[str, Any] | None = None,
    order: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> Page:
    """A page of records matching a search (substring of name/ref, or exact national ID for roles
    that may see IDs) and equality filters; SQL does the paging, so 10,000 rows cost one page."""
    q, terms = _page_query(db, actor, kind, search, filters, order, descending)
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = [_for_reader(s, actor, r) for r in s.execute(q.order_by(*terms).offset(offset).limit(limit)).scalars()]
        return Page(rows, total, offset, limit)


@service
def list_values(
    db: Database,
    actor: Actor,
    kind: str,
    *,
    search: str = "",
    filters: Mapping[str, Any] | None = None,
    order: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
    fields: Collection[str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """`list_records`' page as plain column values (a dict a row, keyed by field), and the total:
    what a list command writes, read as columns rather than ORM objects (issue 19). National IDs
    are masked for a reader who may not see them and a client's status is the one of today, as
    `list_records` gives them (tests/services/test_list_values.py). `fields`: only these columns
    (and the id; a client's status with its start date), e.g. what a list shows."""
    q, terms = _page_query(db, actor, kind, search, filters, order, descending)
    model = SPECS[kind].model
    table = model.__table__
    wanted = None if fields is None else {"id", *fields, *(("start_date",) if "status" in fields else ())}
    columns = [c for c in table.columns if wanted is None or c.key in wanted]
    page = q.with_only_columns(*columns).order_by(*terms).offset(offset).limit(limit)
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        keys = [c.key for c in columns]
        rows = [dict(zip(keys, r)) for r in s.execute(page)]
        if any(c.key == "national_id" for c in columns) and not actor.may("national_id.reveal"):
            for d in rows:
                if d["national_id"]:
                    d["national_id"] = nid.mask(d["national_id"])
        if model is Client and any(c.key == "status" for c in columns):
            _status_today(s, rows)
    return rows, total


def _status_today(session: Session, rows: list[dict[str, Any]]) -> None:
    """Each client row's status as read today (`client_status.as_of`), in place."""
    today = date.today()
    changed = {d["id"]: d for d in rows if client_status.status_on(d["status"], d["start_date"], today) != d["status"]}
    if not changed:
        return
    waiting = set(
        session.execute(
            select(Client.id).where(Client.id.in_(sorted(changed)), client_status._incoming_open())
        ).scalars()
    )
    for cid, d in changed.items():
        if cid not in waiting:
            d["status"] = client_status.status_on(d["status"], d["start_date"], today)


@service
def client_municipalities(db: Database, actor: Actor) -> dict[int, str]:
    """The names of the municipalities of the clients the actor may see, by id: what a client
    list shows in its municipality column, also to a supervisor, who may not list municipalities."""
    require(actor, "client.read", what=Msg(N_("see {kind} records"), kind=kind_word("client")))
    theirs = select(Client.municipality_id)
    if actor.is_scoped:
        theirs = theirs.where(Client.id.in_(sorted(actor.client_scope or ())))
    q = select(Municipality.id, Municipality.name).where(Municipality.id.in_(theirs))
    with db.read() as s:
        return dict(s.execute(q).all())


def display_national_id(actor: Actor, value: str | None) -> str:
    """National IDs are masked for everyone by default; revealing one is a separate, logged call."""
    return nid.mask(value)


@service
def reveal_national_id(db: Database, actor: Actor, kind: str, record_id: int) -> str:
    """Show a client's or assistant's full national ID to a role that may, and log that it was seen."""
    spec = SPECS[kind]
    require(actor, "national_id.reveal", what=Msg(N_("see national IDs")))
    with db.write() as s:
        obj = s.get(spec.model, record_id)
        if obj is None:
            raise NotFound(N_("{kind} {id} does not exist"), kind=Msg(spec.label), id=record_id)
        audit.record(s, actor, "reveal_id", kind, obj.id, subject=obj.ref, summary="national ID shown")
        return obj.national_id or ""
