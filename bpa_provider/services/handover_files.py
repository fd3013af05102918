"""A handover package as bytes and files: written readable by the owner only and never
half-written (`_write_private`), wrapped with its signature for standard output (`envelope`),
read with a size cap (`_read_capped`, `check_file`), unwrapped (`_unwrap`) and its signature and
addressing checked against our keyring (`_verify`). No database: the use cases are in `handover`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bpa_provider.access import Actor
from bpa_provider.config import load_settings
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.services.base import require
from bpa_provider.services.handover_validate import ENVELOPE_KEY, MAX_PACKAGE_BYTES, parse_json, validate_package
from bpa_provider.signing import Keyring, SignatureError, signer_key, verify_bytes


def _write_private(path: Path, data: bytes) -> None:
    # The JSON holds national IDs and pay: readable by the owner only, and never half-written.
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def envelope(package: bytes, signature: str) -> bytes:
    """The package and its signature in one JSON document, for standard output (docs/handover.md):
    `package` is the exact text of NAME.json and `signature` the text of NAME.json.sig."""
    return (
        json.dumps(
            {ENVELOPE_KEY: "1", "package": package.decode("utf-8"), "signature": signature},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    ).encode("utf-8")


def _read_capped(p: Path, field: str) -> bytes:
    """At most MAX_PACKAGE_BYTES + 1 bytes of a file (a 50 MB file is not read whole)."""
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_PACKAGE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(
            N_("Cannot read {path}: {why}"), field=field, path=str(p), why=exc.strerror or str(exc)
        ) from None
    if len(raw) > MAX_PACKAGE_BYTES:
        raise ValidationError(N_("is too large to be a handover package"), field=field)
    return raw


def _same_name(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def _unwrap(raw: bytes) -> tuple[bytes, str | None]:
    """(package bytes, embedded signature) of an envelope; (raw, None) for a plain package."""
    doc, errors = parse_json(raw)
    if errors:
        raise ValidationError(errors)
    if isinstance(doc, dict) and ENVELOPE_KEY in doc:
        pkg, sig = doc.get("package"), doc.get("signature")
        if doc.get(ENVELOPE_KEY) != "1" or not isinstance(pkg, str) or not isinstance(sig, str) or len(doc) != 3:
            raise ValidationError(N_("is not a signed handover envelope of version 1"), field="file")
        return pkg.encode("utf-8"), sig
    return raw, None


def _verify(
    raw: bytes, signature: str | None, doc: dict[str, Any], keys: Keyring, actor: Actor, accept_unsigned: bool
) -> str | None:
    """The trusted signer's name, None for an admin's accepted unsigned package; else a refusal."""
    ours = keys.name() or load_settings().provider_name
    sender, addressee = doc["from_provider"]["name"], doc["to_provider"]["name"]
    if _same_name(sender, ours):
        raise ValidationError(N_("the package is from this provider ({name}) itself"), field="from_provider", name=ours)
    if not _same_name(addressee, ours):
        raise ValidationError(
            N_("the package is addressed to {to}, not to this provider ({ours})"),
            field="to_provider",
            to=addressee,
            ours=ours,
        )
    if signature is None:
        if accept_unsigned:
            require(actor, "users.admin", what="accept an unsigned handover package")
            return None
        raise ValidationError(
            N_(
                "the package has no signature (NAME.json.sig); ask {sender} for it, or an "
                "admin may use --accept-unsigned"
            ),
            field="signature",
            sender=sender,
        )
    try:
        if signer_key(signature) == keys.public_key_or_none():
            raise ValidationError(N_("the package is signed with this provider's own key"), field="signature")
        signer = verify_bytes(raw, signature, keys.trusted())
    except SignatureError as exc:
        raise ValidationError(
            N_("{problem}; nothing was imported"), field="signature", problem=Msg(exc.template, **exc.params)
        ) from None
    if not _same_name(signer, sender):
        raise ValidationError(
            N_("the package says it is from {sender} but is signed by {signer}"),
            field="signature",
            sender=sender,
            signer=signer,
        )
    return signer


def check_file(path: str) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """Read a package file and validate it without the database ("Check file" before an import):
    (the package, []) or (None or the package, its problems)."""
    try:
        raw = _read_capped(Path(path.strip()).expanduser(), "file")
        package, _signature = _unwrap(raw)
    except ValidationError as exc:
        return None, list(exc.errors)
    return validate_package(package)
