"""Handover packages: what the old provider hands the new one when a client switches provider.

The use cases, on top of modules split along the package's seams:
`handover_build` (what goes in), `handover_validate` (refusing bad bytes before anything is
written), `handover_files` (the bytes on disk, the envelope, the signature checks),
`handover_match` (what a package finds in our database), `handover_apply` (what the receiver
creates), `handover_rollback` (undoing it when the transfer is cancelled), `handover_letter` (the
readable copy).

- `export_package` writes the package of an outgoing transfer, signed: `NAME.json` (schema
  `bpa_provider/handover_schema.json`, a copy of `docs/handover.schema.json`), `NAME.md` and
  `NAME.json.sig` (OpenSSH SSHSIG, namespace `bpa-handover`, see `bpa_provider.signing`); or, with
  `out_dir="-"`, one signed envelope for standard output. Every export is logged with its SHA-256.
- `import_package` reads one on the receiving side: the signature first (a trusted counterpart's
  key, the package addressed to us and not from us), then everything else; a bad file is refused
  with every problem listed and nothing written; then, in one transaction, the client,
  municipality, decision, supervisors, assistants and the incoming transfer are created, the hour
  balance becomes an opening entry, and the package is stored as received.
- `apply_cutover_in` (in `handover_cutover`) runs inside the incoming cut-over step.

Privacy (domain.md: the new provider becomes a new data controller; hand over only what is
needed): docs/handover.md explains each choice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.db.engine import Database
from bpa_provider.db.models import HandoverExport
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.services import transfer_rows, transfer_views, transfers
from bpa_provider.services.base import require, service
from bpa_provider.services.handover_apply import (
    complete_identity,
    create_client,
    ensure_assistants,
    ensure_client_part,
    follow_dates,
)
from bpa_provider.services.handover_build import (
    _self_check,
    build_package,
    hour_balance,
)
from bpa_provider.services.handover_checklist import date_differences, prefill_checklist
from bpa_provider.services.handover_cutover import apply_cutover_in
from bpa_provider.services.handover_files import _read_capped, _unwrap, _verify, _write_private, check_file, envelope
from bpa_provider.services.handover_letter import render_markdown
from bpa_provider.services.handover_match import check_against_db, latest_import
from bpa_provider.services.handover_messages import MESSAGE_KEY, MessageResult
from bpa_provider.services.handover_validate import (
    MAX_PACKAGE_BYTES,
    SCHEMA_VERSION,
    load_schema,
    parse_json,
    validate_package,
)
from bpa_provider.services.transfer_rows import saved_id
from bpa_provider.signing import Keyring, SignatureError


@dataclass(frozen=True)
class ExportResult:
    """Where the package went (paths None when it went to standard output as `envelope`), and
    the SHA-256 of the JSON (also stored and logged)."""

    json_path: Path | None
    md_path: Path | None
    sha256: str
    export_id: int
    stage: str
    assistants: int
    client_part: bool
    sig_path: Path | None = None
    envelope: bytes | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import created or updated."""

    transfer_id: int
    client_ref: str
    sha256: str
    stage: str
    assistants: tuple[str, ...]  # our references of the assistants in the package
    client_part: bool
    updated: bool  # True when the package updated an incoming transfer that was already open
    opening_balance: float | None
    signed_by: str | None = None  # the trusted counterpart whose key signed it; None: accepted unsigned
    # What a person must look at (e.g. our own date kept): i18n.Msg values, translated where shown.
    warnings: tuple[Msg, ...] = ()


# =========================================================================== export


@service
def export_package(
    db: Database,
    actor: Actor,
    transfer_id: int,
    out_dir: str | Path,
    *,
    keys: Keyring | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Write the signed handover package of an outgoing transfer to `out_dir` (JSON, Markdown and
    signature), or return it as one envelope when `out_dir` is "-" (nothing written to disk).

    Allowed at any stage (the package states it); recording it as sent is the `handover` step.
    The export is logged with its SHA-256; if the files cannot be written nothing is logged.
    """
    require(actor, "handover.export", what="export handover packages")
    now = now or utcnow()
    keys = keys or Keyring.default()
    try:
        private = keys.private_key()
    except SignatureError as exc:
        raise ValidationError(exc.template, field="signing key", **exc.params) from None
    provider = keys.name() or load_settings().provider_name
    to_stdout = str(out_dir) == "-"
    out = Path(out_dir).expanduser()
    if not to_stdout and out.exists() and not out.is_dir():
        raise ValidationError(N_("{path} is not a folder"), field="out_dir", path=str(out))
    written: list[Path] = []
    try:
        with db.write() as s:
            ctx = transfer_rows.load_ctx(s, transfer_id)
            require(actor, "handover.export", client_id=ctx.client.id, what="export handover packages")
            t = ctx.transfer
            if t.direction != "out":
                raise ValidationError(
                    N_("A handover package is exported on an outgoing transfer; transfer {id} is incoming"),
                    field="transfer",
                    id=t.id,
                )
            if t.state == flow.STAGE_CANCELLED:
                raise ValidationError(N_("Transfer {id} is cancelled"), field="transfer", id=t.id)
            transfer_rows.sync_assistants(s, actor, ctx)
            pkg = build_package(s, ctx, provider, now)
            _self_check(pkg)
            data = (json.dumps(pkg, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            from bpa_provider.signing import sign_bytes

            signature = sign_bytes(data, private)
            row = HandoverExport(
                transfer_id=saved_id(t),
                direction="export",
                sha256=digest,
                stage=pkg["stage"],
                schema_version=SCHEMA_VERSION,
                by=actor.login,
                at=now,
            )
            s.add(row)
            s.flush()
            n = len(pkg["employment_part"]["assistants"])
            audit.record(
                s,
                actor,
                "export",
                "handover",
                row.id,
                subject=ctx.client.ref,
                summary=f"signed handover package of transfer {t.id} for {t.counterpart}, stage "
                f"{pkg['stage']}: {n} assistant(s), client part "
                f"{'included' if pkg['client_part'] is not None else 'not included (no consent)'}; "
                f"{'to standard output; ' if to_stdout else ''}sha256 {digest}",
            )
            cp = pkg["client_part"] is not None
            if to_stdout:
                return ExportResult(
                    None, None, digest, saved_id(row), pkg["stage"], n, cp, envelope=envelope(data, signature)
                )
            stem = f"handover-{ctx.client.ref}-transfer{t.id}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            try:
                out.mkdir(parents=True, exist_ok=True)
                json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
                sig_path = out / f"{stem}.json.sig"
                _write_private(json_path, data)
                written.append(json_path)
                _write_private(sig_path, signature.encode("ascii"))
                written.append(sig_path)
                _write_private(md_path, render_markdown(pkg, digest).encode("utf-8"))
                written.append(md_path)
            except OSError as exc:
                raise ValidationError(
                    N_("Cannot write to {path}: {why}"), field="out_dir", path=str(out), why=exc.strerror or str(exc)
                ) from None
            return ExportResult(json_path, md_path, digest, saved_id(row), pkg["stage"], n, cp, sig_path=sig_path)
    except BaseException:
        for p in written:  # the log entry was rolled back: leave no unlogged package behind
            p.unlink(missing_ok=True)
        raise


@service
def export_message(
    db: Database,
    actor: Actor,
    transfer_id: int,
    kind: str,
    out_dir: str | Path,
    *,
    keys: Keyring | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Write a signed receipt or cancellation message about a transfer (`handover_messages`), as
    NAME.json + NAME.json.sig in `out_dir`, or as one envelope when `out_dir` is "-"."""
    from bpa_provider.services.handover_messages import build_message
    from bpa_provider.signing import sign_bytes

    require(actor, "handover.export", what="send handover messages")
    now = now or utcnow()
    keys = keys or Keyring.default()
    try:
        private = keys.private_key()
    except SignatureError as exc:
        raise ValidationError(exc.template, field="signing key", **exc.params) from None
    to_stdout = str(out_dir) == "-"
    out = Path(out_dir).expanduser()
    with db.write() as s:
        ctx = transfer_rows.load_ctx(s, transfer_id)
        require(actor, "handover.export", client_id=ctx.client.id, what="send handover messages")
        msg = build_message(s, ctx, kind, keys.name() or load_settings().provider_name, now)
        data = (json.dumps(msg, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        signature = sign_bytes(data, private)
        audit.record(
            s,
            actor,
            "export",
            "handover",
            None,
            subject=ctx.client.ref,
            summary=f"signed {kind} of transfer {transfer_id} for {msg['to_provider']['name']}; sha256 {digest}",
        )
        if to_stdout:
            return ExportResult(None, None, digest, 0, kind, 0, False, envelope=envelope(data, signature))
        stem = f"{kind}-{ctx.client.ref}-transfer{transfer_id}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        try:
            out.mkdir(parents=True, exist_ok=True)
            json_path, sig_path = out / f"{stem}.json", out / f"{stem}.json.sig"
            _write_private(json_path, data)
            _write_private(sig_path, signature.encode("ascii"))
        except OSError as exc:
            raise ValidationError(
                N_("Cannot write to {path}: {why}"), field="out_dir", path=str(out), why=exc.strerror or str(exc)
            ) from None
        return ExportResult(json_path, None, digest, 0, kind, 0, False, sig_path=sig_path)


# =========================================================================== import


@service
def import_package(
    db: Database,
    actor: Actor,
    path: str | Path | None = None,
    *,
    raw: bytes | None = None,
    signature_path: str | Path | None = None,
    accept_unsigned: bool = False,
    keys: Keyring | None = None,
    today: date | None = None,
    policy: Policy | None = None,
) -> ImportResult | MessageResult:
    """Open (or update) the incoming transfer a signed handover package describes.

    The package comes from `path` (its signature from `signature_path`, else `path` + ".sig") or
    as `raw` bytes (standard input: a signed envelope). The signature must be a trusted
    counterpart's (`provider trust`); an admin may accept an unsigned one (`accept_unsigned`,
    logged). Everything is validated before anything is written; a bad file raises one
    ValidationError with a FieldError per problem (field = the place in the package, e.g.
    `employment_part.assistants[1].national_id`). Employments and assignments are created at
    cut-over, from the package stored here.
    """
    require(actor, "handover.import", what="import handover packages")
    policy = policy if policy is not None else load_settings().policy
    keys = keys or Keyring.default()
    signature: str | None = None
    if raw is None:
        if path is None:
            raise ValidationError(N_("no package given"), field="file")
        p = Path(path).expanduser()
        raw = _read_capped(p, "file")
        sig_file = Path(signature_path).expanduser() if signature_path else p.with_name(p.name + ".sig")
        if signature_path or sig_file.exists():
            signature = _read_capped(sig_file, "signature").decode("ascii", "replace")
    elif len(raw) > MAX_PACKAGE_BYTES:
        raise ValidationError(N_("is too large to be a handover package"), field="file")
    raw, embedded = _unwrap(raw)
    signature = embedded or signature
    message, _errors = parse_json(raw)
    if isinstance(message, dict) and MESSAGE_KEY in message:
        return _import_message(db, actor, raw, message, signature, keys, accept_unsigned, today)
    doc, errors = validate_package(raw)
    if errors:
        raise ValidationError(errors)
    assert doc is not None
    signed_by = _verify(raw, signature, doc, keys, actor, accept_unsigned)
    digest = hashlib.sha256(raw).hexdigest()
    provider = doc["from_provider"]["name"]
    tr = doc["transfer"]
    with db.write() as s:
        target, errors = check_against_db(s, doc, digest)
        if errors:
            raise ValidationError(errors)
        notice, eff = date.fromisoformat(tr["notice_date"]), date.fromisoformat(tr["effective_date"])
        agreed = date.fromisoformat(tr["agreed_date"]) if tr["agreed_date"] else None
        updated = target.transfer is not None
        warnings = list(target.warnings)
        if target.transfer is not None:
            ctx = transfer_rows.load_ctx(s, saved_id(target.transfer))
            complete_identity(s, actor, ctx.client, doc["client"])
            if not target.cut_over:
                warnings += follow_dates(s, actor, ctx, agreed, eff, provider)
        else:
            client = target.client or create_client(s, actor, doc["client"], eff)
            ctx = transfers.open_in(s, actor, client, "in", provider[:200], notice, agreed, eff, policy)
        # After our cut-over, a (final) package brings only the final hour balance: the
        # employments and the rota were made at cut-over from the package we had then.
        refs = [] if target.cut_over else ensure_assistants(s, actor, ctx, doc)
        prefilled: list[str] = []
        if not target.cut_over:
            # After the package is stored below, the checklist compares with it (date_differences).
            prefilled = prefill_checklist(s, actor, ctx, doc, policy, today or date.today())
        balance = None
        if doc["client_part"] is not None:
            found: list[Msg] = []
            balance = ensure_client_part(
                s,
                actor,
                ctx,
                doc["client_part"],
                provider,
                doc["generated_at"],
                balance_only=target.cut_over,
                warnings=found,
            )
            warnings += found
        transfer_views.refresh_due_dates(ctx, policy)
        transfer_rows.touch(ctx.transfer)
        row = HandoverExport(
            transfer_id=saved_id(ctx.transfer),
            direction="import",
            sha256=digest,
            stage=doc["stage"],
            schema_version=doc["schema_version"],
            by=actor.login,
            payload=raw.decode("utf-8-sig"),
        )
        s.add(row)
        s.flush()
        # Where our own dates differ from the sender's, say so (the effective date was said above).
        warnings += date_differences(s, ctx, include_effective=False)
        how = f"signed by {signed_by}" if signed_by else "UNSIGNED, accepted by admin"
        audit.record(
            s,
            actor,
            "import",
            "handover",
            row.id,
            subject=ctx.client.ref,
            summary=f"handover package from {provider} ({how}), stage {doc['stage']}: {len(refs)} "
            f"assistant(s), client part "
            f"{'included' if doc['client_part'] is not None else 'not included'}; "
            f"{'updated' if updated else 'opened'} transfer {ctx.transfer.id}"
            f"{'; checklist filled in: ' + ', '.join(prefilled) if prefilled else ''}; sha256 {digest}",
        )
        return ImportResult(
            saved_id(ctx.transfer),
            ctx.client.ref,
            digest,
            doc["stage"],
            tuple(refs),
            doc["client_part"] is not None,
            updated,
            balance,
            signed_by,
            tuple(warnings),
        )


def _import_message(
    db: Database,
    actor: Actor,
    raw: bytes,
    doc: dict[str, Any],
    signature: str | None,
    keys: Keyring,
    accept_unsigned: bool,
    today: date | None,
) -> MessageResult:
    """A receipt or a cancellation from the other provider: checked and signed like a package."""
    from bpa_provider.services.handover_messages import apply_message, check_message

    errors = check_message(doc)
    if errors:
        raise ValidationError(errors)
    signed_by = _verify(raw, signature, doc, keys, actor, accept_unsigned)
    digest = hashlib.sha256(raw).hexdigest()
    with db.write() as s:
        return apply_message(s, actor, doc, digest, signed_by, today or date.today())


__all__ = [
    "ExportResult",
    "FieldError",
    "ImportResult",
    "MAX_PACKAGE_BYTES",
    "SCHEMA_VERSION",
    "apply_cutover_in",
    "build_package",
    "check_file",
    "envelope",
    "export_message",
    "export_package",
    "hour_balance",
    "import_package",
    "latest_import",
    "load_schema",
    "render_markdown",
    "validate_package",
]
