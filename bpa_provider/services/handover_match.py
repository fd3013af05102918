"""What a handover package finds in our database before anything is written.

`check_against_db` decides what a package updates (an incoming transfer on its way, matched by the
client's national ID or, before any package arrived, by sender and name) and what it cannot (a
client already ours, a package already imported, one older than the newest imported).
`latest_import` and `sender_reference` read the packages stored for a transfer.
Applying a package is `handover_apply`; undoing it at cancellation is `handover_rollback`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import (
    Assistant,
    Client,
    HandoverExport,
    Municipality,
    Transfer,
    TransferStep,
)
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, Msg
from bpa_provider.services import transfer_rows, transfers
from bpa_provider.services.handover_validate import _compact_id
from bpa_provider.services.transfer_rows import saved_id

_Person = TypeVar("_Person", Client, Assistant)


def _by_national_id(session: Session, model: type[_Person], compact: str | None) -> _Person | None:
    if not compact:
        return None
    return session.execute(select(model).where(model.national_id == compact).order_by(model.id).limit(1)).scalar()


def _audit_create(session: Session, actor: Actor, entity: str, row: Any, subject: str, summary: str) -> None:
    """Add a row the package brings and log its creation (shared by applying and undoing)."""
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", entity, row.id, subject=subject, summary=summary, after=row)


@dataclass
class _Target:
    client: Client | None = None
    transfer: Transfer | None = None
    cut_over: bool = False  # the transfer's cut-over is done: the package may only bring the final balance
    warnings: list[Msg] = field(default_factory=list)


def _generated(payload: str) -> str:
    return str(json.loads(payload).get("generated_at") or "")


def _imported(session: Session, transfer_id: int) -> list[str]:
    """The payloads imported for a transfer, oldest package first (by the package's own
    generated_at, not by when it arrived: packages may arrive out of order)."""
    rows = session.execute(
        select(HandoverExport.id, HandoverExport.payload).where(
            HandoverExport.transfer_id == transfer_id,
            HandoverExport.direction == "import",
            HandoverExport.payload.is_not(None),
        )
    ).all()
    stored = [(i, p) for i, p in rows if p is not None]
    return [p for _id, p in sorted(stored, key=lambda r: (_generated(r[1]), r[0]))]


def stored_package(payload: str | None) -> dict[str, Any]:
    """A stored package's JSON (the queries ask only for rows that still keep one)."""
    assert payload is not None
    doc: dict[str, Any] = json.loads(payload)
    return doc


def _match_open_incoming(session: Session, doc: dict[str, Any]) -> tuple[Client | None, Transfer | None]:
    """Our own incoming transfer for this client, opened before any package arrived, when the
    national ID does not find it: the same sender and the client's name (and birth date, when we
    have one). Only an unambiguous match counts."""
    c, sender = doc["client"], " ".join(doc["from_provider"]["name"].split()).casefold()
    found = []
    for t, client in session.execute(
        select(Transfer, Client)
        .join(Client, Client.id == Transfer.client_id)
        .where(Transfer.direction == "in", Transfer.state.not_in(transfer_rows.ENDED_STATES))
    ).all():
        if " ".join(t.counterpart.split()).casefold() != sender:
            continue
        if " ".join(client.name.split()).casefold() != " ".join(c["name"].split()).casefold():
            continue
        if client.birth_date and c["birth_date"] and client.birth_date.isoformat() != c["birth_date"]:
            continue
        if client.national_id and c["national_id"] and client.national_id != _compact_id(c["national_id"]):
            continue
        found.append((client, t))
    return found[0] if len(found) == 1 else (None, None)


def check_against_db(session: Session, doc: dict[str, Any], digest: str) -> tuple[_Target, list[FieldError]]:
    errors: list[FieldError] = []
    target = _Target()
    seen = session.execute(
        select(HandoverExport.transfer_id)
        .where(HandoverExport.direction == "import", HandoverExport.sha256 == digest)
        .limit(1)
    ).scalar()
    if seen is not None:
        errors.append(FieldError("file", N_("This package was already imported (transfer {id})"), params={"id": seen}))
    m = doc["client"]["municipality"]
    muni = session.execute(select(Municipality).where(Municipality.name == m["name"])).scalar()
    if muni is not None and (muni.country or "").upper() != m["country"]:
        errors.append(
            FieldError(
                "client.municipality.country",
                N_("Municipality {name} is in {country} here"),
                params={"name": muni.name, "country": muni.country},
            )
        )
    client = _by_national_id(session, Client, _compact_id(doc["client"]["national_id"], m["country"]))
    open_t = transfers.open_transfer_for(session, saved_id(client)) if client is not None else None
    if client is None or (open_t is None and client.status not in ("active", "transferring_out")):
        matched, matched_t = _match_open_incoming(session, doc)
        if matched is not None:
            client, open_t = matched, matched_t
    if client is not None:
        target.client = client
        cut = (
            open_t is not None
            and session.execute(
                select(func.count())
                .select_from(TransferStep)
                .where(
                    TransferStep.transfer_id == open_t.id,
                    TransferStep.code == "cutover",
                    TransferStep.done_on.is_not(None),
                )
            ).scalar_one()
        )
        if open_t is not None and open_t.direction == "in":
            target.transfer, target.cut_over = open_t, bool(cut)  # a newer package for a transfer on its way
            newest = max((_generated(p) for p in _imported(session, saved_id(open_t))), default="")
            if newest and doc["generated_at"] <= newest:
                errors.append(
                    FieldError(
                        "generated_at",
                        N_(
                            "the package was made before the newest one already "
                            "imported for transfer {id} ({newest}): it is out of date"
                        ),
                        params={"id": open_t.id, "newest": newest},
                    )
                )
        elif open_t is not None:
            errors.append(
                FieldError(
                    "client",
                    N_("Client {ref} has an open transfer ({id}) that this package cannot update"),
                    params={"ref": client.ref, "id": open_t.id},
                )
            )
        elif client.status in ("active", "transferring_out"):
            errors.append(
                FieldError(
                    "client", N_("Client {ref} with this national ID is already ours"), params={"ref": client.ref}
                )
            )
    return target, errors


def latest_import(session: Session, transfer_id: int) -> dict[str, Any] | None:
    """The newest package imported for a transfer (by its generated_at), parsed, or None (also
    when its contents were erased at cancellation)."""
    payloads = _imported(session, transfer_id)
    doc = json.loads(payloads[-1]) if payloads else None
    return None if doc is None or doc.get("erased") else doc


def sender_reference(session: Session, transfer_id: int) -> tuple[int, str] | None:
    """(the sender's transfer id, the sender's name) from a transfer's imported packages, erased or not."""
    payloads = _imported(session, transfer_id)
    if not payloads:
        return None
    doc = json.loads(payloads[-1])
    return int(doc["transfer"]["sender_transfer_id"]), str(doc["from_provider"]["name"])
