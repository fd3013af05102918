"""This provider's signing identity and the counterparts it trusts (`bpa-provider provider …`).

The keys live in the data folder (`bpa_provider.signing.Keyring`), not in the database: a backup
of the database must not carry the private key. Making the key and trusting a counterpart are
admin actions, written to the audit log of the database in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, service
from bpa_provider.signing import (
    Keyring,
    SignatureError,
    allowed_signers_line,
    check_provider_name,
    fingerprint,
    parse_public_key,
)

#: A public key file is one line; anything much longer is not one.
MAX_KEYFILE_BYTES = 16_384


@dataclass(frozen=True)
class ProviderIdentity:
    """Our name, key fingerprint and allowed_signers line, and whom we trust."""

    name: str
    fingerprint: str
    allowed_signers: str
    folder: Path
    trusted: tuple[tuple[str, str], ...]  # (name, fingerprint)


def _identity(keys: Keyring) -> ProviderIdentity:
    name, pub = keys.name(), keys.public_key_or_none()
    if name is None or pub is None:
        raise ValidationError(
            N_("this provider has no signing key yet: run 'bpa-provider provider init --name \"Provider name\"'"),
            field="provider",
        )
    return ProviderIdentity(
        name,
        fingerprint(pub),
        allowed_signers_line(name, pub),
        keys.folder,
        tuple((n, fingerprint(k)) for n, k in sorted(keys.trusted().items())),
    )


@service
def init_provider(db: Database, actor: Actor, name: str, *, keys: Keyring | None = None) -> ProviderIdentity:
    """Make this provider's Ed25519 signing key (owner-only) and record its name; logged."""
    require(actor, "users.admin", what="make the provider's signing key")
    keys = keys or Keyring.default()
    try:
        name = check_provider_name(name)
        keys.init(name)
    except (ValueError, SignatureError) as exc:
        raise ValidationError([FieldError.of("name", exc)]) from None
    ident = _identity(keys)
    with db.write() as s:
        audit.record(
            s,
            actor,
            "create",
            "provider_key",
            None,
            subject=name,
            summary=f"signing key made for {name}: {ident.fingerprint}",
        )
    return ident


@service
def show_provider(db: Database, actor: Actor, *, keys: Keyring | None = None) -> ProviderIdentity:
    """This provider's name and public key (nothing secret)."""
    require(actor, "transfer.read", what="see the provider's signing key")
    return _identity(keys or Keyring.default())


@service
def trust_provider(
    db: Database, actor: Actor, name: str, key_text: str, *, keys: Keyring | None = None
) -> ProviderIdentity:
    """Trust `name`'s public key (a `.pub` file's or `provider show`'s line) for their packages;
    replaces an earlier key of that name. Logged with the fingerprint."""
    require(actor, "users.admin", what="trust another provider's key")
    keys = keys or Keyring.default()
    try:
        raw = parse_public_key(key_text)
        changed = keys.trust(name, raw)
    except (ValueError, SignatureError) as exc:
        raise ValidationError([FieldError.of("key", exc)]) from None
    if changed:
        with db.write() as s:
            audit.record(
                s,
                actor,
                "trust",
                "provider_key",
                None,
                subject=check_provider_name(name),
                summary=f"packages signed by {fingerprint(raw)} accepted as from {name}",
            )
    return (
        _identity(keys)
        if keys.name()
        else ProviderIdentity(
            "", "", "", keys.folder, tuple((n, fingerprint(k)) for n, k in sorted(keys.trusted().items()))
        )
    )


def read_key_file(path: str) -> str:
    """The text of a public key file (at most MAX_KEYFILE_BYTES), or ValidationError."""
    try:
        with open(Path(path).expanduser(), "rb") as fh:
            data = fh.read(MAX_KEYFILE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(
            N_("Cannot read {path}: {why}"), field="key", path=path, why=exc.strerror or str(exc)
        ) from None
    if len(data) > MAX_KEYFILE_BYTES:
        raise ValidationError(N_("is too large to be a public key"), field="key")
    return data.decode("utf-8", "replace")
