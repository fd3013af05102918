"""The service account's authorized_keys file, maintained the OpenSSH (gitolite) way.

Every person's public key becomes one line with a forced command, so sshd itself authenticates
the person and then can only start bpa-provider acting as them:

    restrict,pty,command="env -u BPA_CONFIG -u BPA_AUTHORIZED_KEYS -u BPA_DATA_DIR BPA_DATABASE_URL=… /venv/bin/python -I -m bpa_provider.cli --as NAME" ssh-ed25519 AAAA… comment

`restrict` turns off port, agent and X11 forwarding and ~/.ssh/rc; `pty` gives the app a terminal
back. The database (table `ssh_key`) is the source of truth: the managed block between the marker
lines is rewritten from it as a whole, atomically (temp file + rename) under a lock, and every line
outside the markers is kept as it was.

Why no `env -i`: sshd hands the person's command to the forced command in SSH_ORIGINAL_COMMAND
(and the terminal type in TERM, the connection in SSH_CONNECTION); `env -i` would erase exactly
those. The program instead replaces its own environment with an allow-list as its first act
(`bpa_provider.cli.clean_environment`), and `python -I` ignores every PYTHON* variable.
How the forced command finds the database: the BPA_* settings of the admin who writes the file
(BPA_CONFIG, BPA_DATABASE_URL, BPA_AUTHORIZED_KEYS, BPA_DATA_DIR) are baked into the line with `env` — those
that are set with their value, the others unset with `env -u`, so a client's own (`AcceptEnv *`)
can never stand in for them; when none are set it uses the service account's defaults
(config.toml in its config folder, or the SQLite file in its data folder). The allow-list drops
every other BPA_* variable. See docs/deploy-ssh.md.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import os
import shlex
import struct
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

BEGIN_MARK = "# BEGIN bpa-provider managed keys: do not edit, use 'bpa-provider users key …'"
END_MARK = "# END bpa-provider managed keys"
# BPA_DATA_DIR too: it chooses the folder of the provider's signing key (handover packages).
BAKED_SETTINGS = ("BPA_CONFIG", "BPA_DATABASE_URL", "BPA_AUTHORIZED_KEYS", "BPA_DATA_DIR")

KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


class BadKey(Invalid):
    """A public key that cannot be used (bad format, unknown type, options, control characters);
    a message id, translated where it is shown."""


@dataclass(frozen=True)
class PublicKey:
    """One parsed OpenSSH public key."""

    key_type: str
    key_data: str  # base64 blob, as in the .pub file
    comment: str
    fingerprint: str  # "SHA256:…", as `ssh-keygen -lf` prints it


def authorized_keys_path(env: Mapping[str, str] | None = None) -> Path:
    """BPA_AUTHORIZED_KEYS, or the running account's ~/.ssh/authorized_keys."""
    env = os.environ if env is None else env
    explicit = env.get("BPA_AUTHORIZED_KEYS")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return Path("~/.ssh/authorized_keys").expanduser()


def fingerprint(blob: bytes) -> str:
    """The SHA256 fingerprint OpenSSH shows: base64 without padding."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_public_key(text: str) -> PublicKey:
    """Parse the single key line of a .pub file; options (command=…, from=…) are refused."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if len(lines) != 1:
        raise BadKey(N_("the file must hold exactly one public key line"))
    line = lines[0]
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in line):
        raise BadKey(N_("the key line contains control characters"))
    parts = line.split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise BadKey(
            N_(
                "not a plain OpenSSH public key (expected e.g. 'ssh-ed25519 AAAA… comment'; "
                "key options are added by bpa-provider, not taken from the file)"
            )
        )
    key_type, data = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadKey(N_("the key data is not valid base64")) from None
    # The blob starts with its own type name: a mismatch means a damaged or spliced key.
    if len(blob) < 4:
        raise BadKey(N_("the key data is too short"))
    (n,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + n].decode("ascii", "replace") != key_type:
        raise BadKey(N_("the key data does not match its type"))
    if key_type == "ssh-rsa" and len(blob) < 256:
        raise BadKey(N_("RSA keys shorter than 2048 bits are refused"))
    if len(comment) > 200:
        raise BadKey(N_("the key comment is longer than 200 characters"))
    return PublicKey(key_type, data, comment, fingerprint(blob))


def _escape_option(value: str) -> str:
    # Inside command="…" sshd un-escapes only \" ; nothing else needs escaping.
    return value.replace('"', '\\"')


def forced_command(login: str, env: Mapping[str, str] | None = None, python: str | None = None) -> str:
    """The shell command sshd runs for this person (sshd passes it to the account's shell)."""
    env = os.environ if env is None else env
    python = python or os.path.abspath(sys.executable)
    # Every setting is decided by the line: set to the writer's value, or unset (`env -u`). sshd
    # puts a client's variables in the environment first when the server has `AcceptEnv` for them
    # (`AcceptEnv *`), and one not decided here — a BPA_DATABASE_URL of the client's choosing —
    # would point the app at another database (docs/deploy-ssh.md, "AcceptEnv").
    unset = [w for name in BAKED_SETTINGS if not env.get(name) for w in ("-u", name)]
    baked = [f"{name}={env[name]}" for name in BAKED_SETTINGS if env.get(name)]
    words: list[str] = ["env", *unset, *baked, python, "-I", "-m", "bpa_provider.cli", "--as", login]
    for w in words:
        if any(ord(ch) < 32 for ch in w):
            raise BadKey(N_("a setting contains a line break or control character"))
    return " ".join(shlex.quote(w) for w in words)


def key_line(
    login: str, key: PublicKey | tuple[str, str, str], env: Mapping[str, str] | None = None, python: str | None = None
) -> str:
    """One authorized_keys line: restrict,pty and the forced command, then the key."""
    key_type, key_data, comment = (key.key_type, key.key_data, key.comment) if isinstance(key, PublicKey) else key
    command = _escape_option(forced_command(login, env, python))
    # The comment was checked when the key was added; a row from before that check could hold
    # format or control characters, which have no business in a file sshd and admins read.
    comment = "".join(ch for ch in comment if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    tail = f" {comment}" if comment else ""
    return f'restrict,pty,command="{command}" {key_type} {key_data}{tail}'


def _split(existing: str) -> tuple[list[str], list[str]]:
    """Lines before and after the managed block (the block itself is dropped)."""
    before: list[str] = []
    after: list[str] = []
    state = "before"
    for line in existing.splitlines():
        if state != "inside" and line.strip() == BEGIN_MARK:
            state = "inside"
            continue
        if state == "inside":
            if line.strip() == END_MARK:
                state = "after"
            continue
        (before if state == "before" else after).append(line)
    return before, after


def render(existing: str, managed: Iterable[str]) -> str:
    """The new file text: foreign lines kept in place, the managed block replaced."""
    before, after = _split(existing)
    block = [BEGIN_MARK, *managed, END_MARK]
    lines = before + block + after
    return "\n".join(lines) + "\n"


def managed_lines(path: Path) -> list[str]:
    """The lines currently inside the managed block."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.strip() == BEGIN_MARK:
            inside = True
        elif line.strip() == END_MARK:
            inside = False
        elif inside:
            out.append(line)
    return out


def write_managed(path: Path, lines: Iterable[str]) -> None:
    """Replace the managed block of `path` atomically; the caller holds `locked(path)`."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        existing = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        existing, mode = "", 0o600
    text = render(existing, lines)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode & 0o644)  # never group/world writable: sshd's StrictModes would refuse it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class locked:
    """An exclusive lock beside the file, so two admins' rewrites never interleave."""

    def __init__(self, path: Path):
        self.lock_path = path.parent / f".{path.name}.bpa-lock"
        self.fd: int | None = None

    def __enter__(self) -> locked:
        self.lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def has_forced_line(login: str, path: Path) -> bool:
    """True when the managed block holds a forced-command line for `login` (see identity.py)."""
    suffix = f"--as {shlex.quote(login)}"
    for line in managed_lines(path):
        if line.startswith("restrict,") and 'command="' in line:
            command = line.split('command="', 1)[1].split('" ', 1)[0]
            if command.endswith(suffix):
                return True
    return False
