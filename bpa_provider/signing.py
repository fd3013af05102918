"""Ed25519 signatures in OpenSSH's SSHSIG format, and the provider's keys in the data folder.

A handover package is signed so that anyone can check it with stock OpenSSH:

    ssh-keygen -Y verify -f allowed_signers -I "Provider name" -n bpa-handover -s NAME.json.sig < NAME.json

The format (OpenSSH's PROTOCOL.sshsig) is small enough to write here: the signature is made and
checked in-process with the `cryptography` package rather than by running `ssh-keygen -Y sign`.
Why: no subprocess and no temporary files (a package read from standard input is verified without
writing an allowed_signers file anywhere), no dependency on which OpenSSH the server has (`-Y` needs
8.2 or later, and Windows and minimal containers often have none), and exact error handling instead
of parsing another program's messages. The tests check every signature with stock `ssh-keygen`.

Files in the data folder (`BPA_DATA_DIR`, else the platformdirs user data folder):

- `provider_key` — our private key, OpenSSH format, mode 0600 (usable by `ssh-keygen -Y sign`);
- `provider_key.pub` — our public key; `provider.json` — our provider name;
- `allowed_signers` — the counterparts we trust, in `ssh-keygen`'s allowed_signers format
  (so the same file checks a package by hand).

Small API: `sign_bytes`, `verify_bytes`, `Keyring` (paths, name, trusted keys).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

NAMESPACE = "bpa-handover"
_MAGIC = b"SSHSIG"
_VERSION = 1
_HASH = "sha512"
_KEY_TYPE = "ssh-ed25519"
_BEGIN, _END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
#: A provider name is an allowed_signers principal: no quotes, commas or pattern characters
#: (ssh-keygen would read them as a list or a wildcard), no control characters, one line.
_BAD_NAME = re.compile(r'["\\,*?!\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
MAX_NAME = 200


class SignatureError(Invalid):
    """A signature that is missing, malformed, untrusted or does not match: a message id with
    parameters (`str()` English, `.localized()` in the language in force, made where shown)."""


# --------------------------------------------------------------------------- wire format


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError(N_("the signature is truncated"))
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def done(self) -> bool:
        return self.pos == len(self.data)


def _public_blob(raw32: bytes) -> bytes:
    return _string(_KEY_TYPE.encode()) + _string(raw32)


def _signed_data(message: bytes, namespace: str) -> bytes:
    return (
        _MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(_HASH.encode())
        + _string(hashlib.sha512(message).digest())
    )


def _armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    return "\n".join([_BEGIN, *(b64[i : i + 70] for i in range(0, len(b64), 70)), _END]) + "\n"


def _unarmor(text: str) -> bytes:
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise SignatureError(N_("the signature is not an OpenSSH signature ({begin})"), begin=_BEGIN)
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError:
        raise SignatureError(N_("the signature is not valid base64")) from None


# --------------------------------------------------------------------------- keys


def public_key_line(raw32: bytes) -> str:
    """`ssh-ed25519 AAAA…` for a raw 32-byte Ed25519 public key."""
    return f"{_KEY_TYPE} {base64.b64encode(_public_blob(raw32)).decode()}"


def parse_public_key(text: str) -> bytes:
    """The raw 32-byte key of one `ssh-ed25519 AAAA… [comment]` line (a .pub file, an
    allowed_signers line's key part), or SignatureError."""
    fields = text.strip().split()
    for i, word in enumerate(fields[:-1]):
        if word == _KEY_TYPE:
            try:
                blob = base64.b64decode(fields[i + 1], validate=True)
            except ValueError:
                break
            r = _Reader(blob)
            try:
                if r.string() == _KEY_TYPE.encode():
                    key = r.string()
                    if len(key) == 32 and r.done():
                        return key
            except SignatureError:
                pass
            break
    raise SignatureError(N_("not an Ed25519 public key (expected a line '{example}')"), example="ssh-ed25519 AAAA…")


def fingerprint(raw32: bytes) -> str:
    """The key's fingerprint as `ssh-keygen -l` prints it (SHA256:…)."""
    digest = hashlib.sha256(_public_blob(raw32)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def check_provider_name(name: str) -> str:
    """The name stripped, or ValueError saying why it cannot name a provider's key."""
    name = (name or "").strip()
    if not name:
        raise Invalid(N_("a provider name is required"))
    if len(name) > MAX_NAME:
        raise Invalid(N_("a provider name is at most {n} characters"), n=MAX_NAME)
    if _BAD_NAME.search(name) or name != " ".join(name.split()):
        raise Invalid(
            N_(
                "a provider name cannot contain quotes, commas, * ? !, control characters "
                "or repeated spaces (ssh-keygen reads them as patterns)"
            )
        )
    return name


def allowed_signers_line(name: str, raw32: bytes) -> str:
    """One line of an allowed_signers file, limited to our namespace."""
    return f'"{name}" namespaces="{NAMESPACE}" {public_key_line(raw32)}'


# --------------------------------------------------------------------------- sign / verify


def sign_bytes(message: bytes, private_key: object, namespace: str = NAMESPACE) -> str:
    """An armored SSHSIG signature of `message` (an Ed25519PrivateKey from `cryptography`)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw_pub = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]
    sig = private_key.sign(_signed_data(message, namespace))  # type: ignore[attr-defined]
    blob = (
        _MAGIC
        + struct.pack(">I", _VERSION)
        + _string(_public_blob(raw_pub))
        + _string(namespace.encode())
        + _string(b"")
        + _string(_HASH.encode())
        + _string(_string(_KEY_TYPE.encode()) + _string(sig))
    )
    return _armor(blob)


def signer_key(signature: str) -> bytes:
    """The raw public key a signature claims to be made by (not yet checked)."""
    return _parse(signature)[0]


def _parse(signature: str) -> tuple[bytes, str, str, bytes]:
    r = _Reader(_unarmor(signature))
    if r.take(6) != _MAGIC or r.uint32() != _VERSION:
        raise SignatureError(N_("the signature is not an SSHSIG version 1 signature"))
    pub = _Reader(r.string())
    if pub.string() != _KEY_TYPE.encode():
        raise SignatureError(N_("the signature is not made with an Ed25519 key"))
    raw_pub = pub.string()
    namespace = r.string().decode("utf-8", "replace")
    r.string()  # reserved
    hash_alg = r.string().decode("ascii", "replace")
    sig = _Reader(r.string())
    if sig.string() != _KEY_TYPE.encode():
        raise SignatureError(N_("the signature is not an Ed25519 signature"))
    raw_sig = sig.string()
    if len(raw_pub) != 32 or len(raw_sig) != 64 or not r.done():
        raise SignatureError(N_("the signature is malformed"))
    return raw_pub, namespace, hash_alg, raw_sig


def verify_bytes(message: bytes, signature: str, trusted: dict[str, bytes], namespace: str = NAMESPACE) -> str:
    """The name of the trusted signer whose key made `signature` over `message`, else SignatureError.

    `trusted` maps provider names to raw public keys (`Keyring.trusted()`).
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw_pub, ns, hash_alg, raw_sig = _parse(signature)
    if ns != namespace:
        raise SignatureError(N_("the signature is for namespace '{ns}', not '{namespace}'"), ns=ns, namespace=namespace)
    if hash_alg not in ("sha512", "sha256"):
        raise SignatureError(N_("the signature uses an unknown hash '{hash}'"), hash=hash_alg)
    names = [name for name, key in trusted.items() if key == raw_pub]
    if not names:
        raise SignatureError(
            N_("the signature is made by an untrusted key ({fingerprint})"), fingerprint=fingerprint(raw_pub)
        )
    data = (
        _MAGIC
        + _string(ns.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(hashlib.new(hash_alg, message).digest())
    )
    try:
        Ed25519PublicKey.from_public_bytes(raw_pub).verify(raw_sig, data)
    except InvalidSignature:
        raise SignatureError(
            N_("the signature does not match the package (it was changed after signing, or signed by someone else)")
        ) from None
    return names[0]


# --------------------------------------------------------------------------- the data folder


def data_dir() -> Path:
    """`BPA_DATA_DIR`, else the platformdirs user data folder (where the SQLite file lives)."""
    env = os.environ.get("BPA_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("bpa-provider", appauthor=False))


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Keyring:
    """The provider's own key and the counterparts it trusts, in one folder."""

    folder: Path

    @classmethod
    def default(cls) -> Keyring:
        return cls(data_dir())

    @property
    def private_path(self) -> Path:
        return self.folder / "provider_key"

    @property
    def public_path(self) -> Path:
        return self.folder / "provider_key.pub"

    @property
    def identity_path(self) -> Path:
        return self.folder / "provider.json"

    @property
    def allowed_signers_path(self) -> Path:
        return self.folder / "allowed_signers"

    def exists(self) -> bool:
        return self.private_path.is_file() and self.identity_path.is_file()

    def init(self, name: str) -> bytes:
        """Make our Ed25519 key (refusing to replace one) and record our name; returns the public key."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
            PublicFormat,
        )

        name = check_provider_name(name)
        if self.private_path.exists():
            raise SignatureError(N_("a signing key already exists in {folder}"), folder=str(self.folder))
        key = Ed25519PrivateKey.generate()
        raw_pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
        _write_private(self.private_path, pem)
        _write_private(self.public_path, f"{public_key_line(raw_pub)} {name}\n".encode(), 0o644)
        _write_private(self.identity_path, json.dumps({"name": name}).encode() + b"\n")
        return raw_pub

    def name(self) -> str | None:
        """Our provider name, or None before `provider init`."""
        try:
            return str(json.loads(self.identity_path.read_text(encoding="utf-8"))["name"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def private_key(self) -> object:
        """Our private key (SignatureError when there is none, or it is readable by others)."""
        from cryptography.hazmat.primitives.serialization import load_ssh_private_key

        try:
            st = self.private_path.stat()
        except OSError:
            raise SignatureError(
                N_("this provider has no signing key: run '{command}'"),
                command='bpa-provider provider init --name "Provider name"',
            ) from None
        if st.st_mode & 0o077:
            raise SignatureError(N_("{path} is readable by others (chmod 600 it)"), path=str(self.private_path))
        return load_ssh_private_key(self.private_path.read_bytes(), password=None)

    def public_key(self) -> bytes:
        return parse_public_key(self.public_path.read_text(encoding="utf-8"))

    def sign(self, message: bytes) -> str:
        return sign_bytes(message, self.private_key())

    def trusted(self) -> dict[str, bytes]:
        """Trusted counterparts: name -> raw public key (from allowed_signers)."""
        out: dict[str, bytes] = {}
        try:
            text = self.allowed_signers_path.read_text(encoding="utf-8")
        except OSError:
            return out
        for line in text.splitlines():
            m = re.match(r'^"([^"]+)"\s+namespaces="[^"]*"\s+(.*)$', line.strip())
            if m:
                try:
                    out.setdefault(m.group(1), parse_public_key(m.group(2)))
                except SignatureError:
                    continue
        return out

    def trust(self, name: str, raw32: bytes) -> bool:
        """Record a counterpart's key; False when it was already trusted under that name."""
        name = check_provider_name(name)
        current = self.trusted()
        if current.get(name) == raw32:
            return False
        if raw32 == self.public_key_or_none():
            raise SignatureError(N_("that is this provider's own key"))
        lines = [allowed_signers_line(n, k) for n, k in current.items() if n != name]
        lines.append(allowed_signers_line(name, raw32))
        _write_private(self.allowed_signers_path, ("\n".join(lines) + "\n").encode(), 0o644)
        return True

    def public_key_or_none(self) -> bytes | None:
        """Our public key, or None before `provider init`."""
        try:
            return self.public_key()
        except (OSError, SignatureError):
            return None


__all__ = [
    "Keyring",
    "NAMESPACE",
    "SignatureError",
    "allowed_signers_line",
    "check_provider_name",
    "data_dir",
    "fingerprint",
    "parse_public_key",
    "public_key_line",
    "sign_bytes",
    "signer_key",
    "verify_bytes",
]
