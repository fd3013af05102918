"""Signed messages back and forth beside the package: a receipt and a cancellation.

- **Receipt** (`export receipt ID`, the receiver B): "we imported your package with this
  SHA-256"; the sender A imports it and the transfer records "handover received".
- **Cancellation** (`export cancellation ID`, either side, after `transfer cancel`): the other side
  imports it and its own transfer is cancelled with the reason (the receiver then rolls back what
  the packages brought, `handover_apply.roll_back_incoming`).

A message is a small JSON document signed like a package (the same key, namespace and checks:
trusted signer, addressed to us, not from us), written as NAME.json + NAME.json.sig or as one
envelope on standard output, and read by `import handover` like a package. Both sides name the
transfer by the sender's transfer id (`transfer.sender_transfer_id` of the package), which both
know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import HandoverExport, Transfer
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.services import transfer_rows
from bpa_provider.services.handover_match import latest_import, sender_reference, stored_package
from bpa_provider.services.handover_rollback import roll_back_incoming
from bpa_provider.services.transfer_rows import saved_id
from bpa_provider.services.validation import check_text

MESSAGE_KEY = "bpa_handover_message"
KINDS = ("receipt", "cancellation")


@dataclass(frozen=True)
class MessageResult:
    """What an imported message did."""

    kind: str
    transfer_id: int
    sha256: str
    signed_by: str | None
    summary: str


def build_message(session: Session, ctx: Any, kind: str, provider: str, now: datetime) -> dict[str, Any]:
    """The message of `kind` about our transfer `ctx` (ValidationError when it cannot be sent)."""
    t = ctx.transfer
    if kind == "receipt":
        pkg = latest_import(session, t.id) if t.direction == "in" else None
        if pkg is None:
            raise ValidationError(
                N_("a receipt is sent for an imported package; transfer {id} has none"), field="transfer", id=t.id
            )
        digest = session.execute(
            select(HandoverExport.sha256)
            .where(HandoverExport.transfer_id == t.id, HandoverExport.direction == "import")
            .order_by(HandoverExport.id.desc())
            .limit(1)
        ).scalar()
        ref, counterpart, sha, reason = pkg["transfer"]["sender_transfer_id"], pkg["from_provider"]["name"], digest, ""
    else:
        if t.state != flow.STAGE_CANCELLED:
            raise ValidationError(
                N_("transfer {id} is not cancelled: cancel it first (transfer cancel)"), field="transfer", id=t.id
            )
        if t.direction == "out":
            ref, counterpart, sha = t.id, t.counterpart, None
        else:
            named = sender_reference(session, t.id)
            if named is None:
                raise ValidationError(
                    N_("no package of transfer {id} names the other provider's transfer"), field="transfer", id=t.id
                )
            (ref, counterpart), sha = named, None
        reason = t.cancelled_reason
    return {
        MESSAGE_KEY: "1",
        "kind": kind,
        "generated_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from_provider": {"name": provider},
        "to_provider": {"name": counterpart},
        "sender_transfer_id": int(ref),
        "package_sha256": sha,
        "reason": reason,
    }


def check_message(doc: dict[str, Any]) -> list[FieldError]:
    """The message's own shape (the bytes were already read by the strict JSON reader)."""
    errors: list[FieldError] = []
    expected = {
        MESSAGE_KEY,
        "kind",
        "generated_at",
        "from_provider",
        "to_provider",
        "sender_transfer_id",
        "package_sha256",
        "reason",
    }
    if set(doc) != expected or doc.get(MESSAGE_KEY) != "1" or doc.get("kind") not in KINDS:
        return [FieldError("file", N_("is not a handover message of version 1"))]
    for side in ("from_provider", "to_provider"):
        if not isinstance(doc[side], dict) or set(doc[side]) != {"name"} or not isinstance(doc[side]["name"], str):
            errors.append(FieldError(side, N_("is not a provider")))
        else:
            check_text(doc[side]["name"], f"{side}.name", 200, required=True, errors=errors)
    if (
        not isinstance(doc["sender_transfer_id"], int)
        or isinstance(doc["sender_transfer_id"], bool)
        or doc["sender_transfer_id"] < 1
    ):
        errors.append(FieldError("sender_transfer_id", N_("is not a transfer id")))
    sha = doc["package_sha256"]
    if sha is not None and (
        not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)
    ):
        errors.append(FieldError("package_sha256", N_("is not a SHA-256")))
    if not isinstance(doc["reason"], str):
        errors.append(FieldError("reason", N_("is not text")))
    else:
        check_text(doc["reason"], "reason", 500, errors=errors)
    try:
        datetime.fromisoformat(str(doc["generated_at"]).replace("Z", "+00:00"))
    except ValueError:
        errors.append(FieldError("generated_at", N_("is not a real date and time")))
    return errors


def _our_transfer(session: Session, doc: dict[str, Any]) -> Transfer | None:
    """The transfer a message is about. From the package's sender (a cancellation by A): our
    incoming transfer whose package named that sender transfer id. From the package's receiver (a
    receipt, or a cancellation by B): our outgoing transfer of that id, to that provider."""
    sender, ref = " ".join(doc["from_provider"]["name"].split()).casefold(), doc["sender_transfer_id"]
    if doc["kind"] == "cancellation":
        for tid, payload in session.execute(
            select(HandoverExport.transfer_id, HandoverExport.payload).where(
                HandoverExport.direction == "import", HandoverExport.payload.is_not(None)
            )
        ).all():
            pkg = stored_package(payload)
            if (
                pkg["transfer"]["sender_transfer_id"] == ref
                and " ".join(pkg["from_provider"]["name"].split()).casefold() == sender
            ):
                return session.get(Transfer, tid)
    t = session.get(Transfer, ref)
    if t is not None and t.direction == "out" and " ".join(t.counterpart.split()).casefold() == sender:
        return t
    return None


def apply_message(
    session: Session, actor: Actor, doc: dict[str, Any], digest: str, signed_by: str | None, today: date
) -> MessageResult:
    """Record a receipt, or cancel our side of a transfer the other provider cancelled."""
    t = _our_transfer(session, doc)
    sender = doc["from_provider"]["name"]
    if t is None:
        raise ValidationError(
            N_("no transfer of ours matches this message from {sender} (their transfer {ref})"),
            field="sender_transfer_id",
            sender=sender,
            ref=doc["sender_transfer_id"],
        )
    ctx = transfer_rows.load_ctx(session, saved_id(t))
    if doc["kind"] == "receipt":
        sent = session.execute(
            select(HandoverExport.id).where(
                HandoverExport.transfer_id == t.id,
                HandoverExport.direction == "export",
                HandoverExport.sha256 == doc["package_sha256"],
            )
        ).scalar()
        if sent is None:
            raise ValidationError(
                N_("the receipt names a package we did not export for transfer {id}"), field="package_sha256", id=t.id
            )
        row = HandoverExport(
            transfer_id=saved_id(t),
            direction="receipt",
            sha256=doc["package_sha256"],
            stage="received",
            schema_version="1",
            by=actor.login,
        )
        session.add(row)
        session.flush()
        summary = f"handover received by {sender}: package sha256 {doc['package_sha256']}"
        audit.record(session, actor, "receipt", "handover", row.id, subject=ctx.client.ref, summary=summary)
        return MessageResult("receipt", saved_id(t), digest, signed_by, summary)
    if t.state == flow.STAGE_CANCELLED:
        raise ValidationError(N_("transfer {id} is already cancelled"), field="transfer", id=t.id)
    try:
        flow.cancel(transfer_rows.flow_state(ctx), today)
    except flow.StepRefused as exc:
        raise ValidationError(exc.template, field="transfer", **exc.shown_params) from None
    before = t.model_dump()
    t.cancelled_reason = f"cancelled by {sender}: {doc['reason']}"[:500]
    transfer_rows.touch(t, flow.STAGE_CANCELLED)
    session.flush()
    summary = f"cancelled by {sender}'s signed message: {doc['reason']}"
    audit.record(
        session, actor, "cancel", "transfer", t.id, subject=ctx.client.ref, summary=summary, before=before, after=t
    )
    if t.direction == "in":
        roll_back_incoming(session, actor, ctx, today)
    elif ctx.client.status == "transferring_out":
        cb = ctx.client.model_dump()
        ctx.client.status = "active"
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "client",
            ctx.client.id,
            subject=ctx.client.ref,
            summary=f"active again: transfer {t.id} cancelled by {sender}",
            before=cb,
            after=ctx.client,
        )
    return MessageResult("cancellation", saved_id(t), digest, signed_by, summary)
