"""Users and identity: who may sign in, as what role, and turning a login into an `Actor`.

The first `init` makes the person who runs it an admin. SSH keys live here too: the `ssh_key` table
is the source of truth and every change rewrites the managed block of the service account's
authorized_keys file (`bpa_provider.sshkeys`) after its transaction has committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpa_provider import audit, sshkeys
from bpa_provider.access import ROLES, SYSTEM, Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import SshKey, Supervisor, User
from bpa_provider.db.types import utcnow
from bpa_provider.errors import NotFound, ServiceError, UnknownUser, ValidationError, localized
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, scoped_actor, service
from bpa_provider.services.validation import check_text


def fold(login: str) -> str:
    """A login as stored and looked up: trimmed and lower-case (logins are ASCII), so `KARI` and
    `kari` are one user — two would be two people to the app but one to anyone reading a log."""
    return login.strip().lower()


def ensure_first_admin(db: Database, login: str) -> User | None:
    """Create `login` as admin when there are no users yet (the first `init`)."""
    with db.write() as s:
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            return None
        user = User(login=fold(login), name=login, role="admin")
        s.add(user)
        s.flush()
        audit.record(s, SYSTEM, "create", "user", user.id, summary=f"first admin {login}", after=user)
        return user


def resolve_actor(db: Database, login: str, connection: str = "", impersonated_by: str = "") -> Actor:
    """The Actor for a login; UnknownUser when there is no such user or it is disabled."""
    with db.read() as s:
        user = s.execute(select(User).where(User.login == fold(login))).scalar_one_or_none()
    if user is None and not connection and not impersonated_by and ensure_first_admin(db, login):
        # An `init` killed after the migration and before its first admin: on the server (never
        # over SSH, never for someone impersonated) the first person to run a command on a
        # database without any user becomes its admin — what `init` would have done, logged
        # the same way. With users already there, "unknown user" stays the answer.
        with db.read() as s:
            user = s.execute(select(User).where(User.login == fold(login))).scalar_one_or_none()
    if user is None:
        raise UnknownUser(N_("unknown user '{login}'"), login=login)
    if user.disabled:
        raise UnknownUser(N_("user '{login}' is disabled"), login=login)
    actor = Actor(
        login=user.login,
        role=user.role,
        user_id=user.id,
        supervisor_id=user.supervisor_id,
        connection=connection,
        impersonated_by=impersonated_by,
    )
    return scoped_actor(db, actor)


@service
def add_user(
    db: Database, actor: Actor, login: str, role: str, supervisor_ref: str | None = None, name: str = ""
) -> User:
    """Add a user with a role; a supervisor user is linked to their supervisor record."""
    require(actor, "users.admin", what="manage users")
    login = fold(login or "")
    # The name goes into an SSH forced command (`--as NAME`): plain ASCII, starting with a letter or
    # digit, so it can never be read as an option or need quoting.
    if (
        not login
        or len(login) > 64
        or not login.isascii()
        or not login[0].isalnum()
        or not login.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise ValidationError(
            N_("login names use letters, digits, '-', '_' and '.', and start with a letter or digit"), field="login"
        )
    if role not in ROLES:
        raise ValidationError(N_("role must be one of: {roles}"), field="role", roles=", ".join(ROLES))
    with db.write() as s:
        name = check_text(
            name,
            "name",
            200,
            messages=dict.fromkeys(("control", "long"), N_("the name is too long or contains control characters")),
        )
        if s.execute(select(User.id).where(User.login == login)).scalar() is not None:
            raise ValidationError(N_("user '{login}' already exists"), field="login", login=login)
        sup_id = None
        if role == "supervisor":
            if not supervisor_ref:
                raise ValidationError(N_("a supervisor user needs --supervisor REF"), field="supervisor")
            sup_id = s.execute(select(Supervisor.id).where(Supervisor.ref == supervisor_ref)).scalar()
            if sup_id is None:
                raise NotFound(N_("no supervisor '{ref}'"), ref=supervisor_ref)
        user = User(login=login, name=name or login, role=role, supervisor_id=sup_id)
        s.add(user)
        s.flush()
        audit.record(s, actor, "create", "user", user.id, summary=f"user {login} ({role})", after=user)
        return user


@service
def set_disabled(
    db: Database,
    actor: Actor,
    login: str,
    disabled: bool = True,
    *,
    keys_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> User:
    """Disable (or re-enable) a user; a disabled user cannot sign in at all.

    Disabling also removes the user's SSH keys (from the table and the authorized_keys file), so
    enabling them again needs their keys added again: a returning person brings a current key.
    """
    require(actor, "users.admin", what="manage users")
    with db.write() as s:
        user = s.execute(select(User).where(User.login == fold(login))).scalar_one_or_none()
        if user is None:
            raise NotFound(N_("no user '{login}'"), login=login)
        if disabled and actor.user_id is not None and user.id == actor.user_id:
            raise ValidationError(N_("you cannot disable yourself"), field="login")
        before = User.model_validate(user.model_dump())
        user.disabled = disabled
        user.updated_at = utcnow()
        s.flush()
        removed = 0
        if disabled:
            now = utcnow()
            for key in s.execute(
                select(SshKey).where(SshKey.user_id == user.id, SshKey.removed_at.is_(None))
            ).scalars():
                key.removed_at = now
                removed += 1
            s.flush()
        summary = f"user {login} {'disabled' if disabled else 'enabled'}"
        if removed:
            summary += f"; {removed} SSH key(s) removed"
        audit.record(s, actor, "update", "user", user.id, subject=login, summary=summary, before=before, after=user)
    if removed:
        sync_keys_file(db, keys_file, env)
    return user


@service
def list_users(db: Database, actor: Actor) -> list[User]:
    """All users, by login."""
    require(actor, "users.admin", what="manage users")
    with db.read() as s:
        return list(s.execute(select(User).order_by(User.login)).scalars())


@service
def user_rows(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """All users, by login, as an admin reads them: a supervisor user's supervisor record by its
    reference and name ("S-0003 Ola Hansen"), not by its database id (kept as `supervisor_id`)."""
    require(actor, "users.admin", what="manage users")
    with db.read() as s:
        found = s.execute(
            select(User, Supervisor.ref, Supervisor.name)
            .outerjoin(Supervisor, Supervisor.id == User.supervisor_id)
            .order_by(User.login)
        ).all()
    return [{**user.model_dump(), "supervisor": f"{ref} {name}" if ref else ""} for user, ref, name in found]


# --------------------------------------------------------------------------- SSH keys


class KeysFileNotWritten(ServiceError):
    """The key table changed, but the authorized_keys file could not be rewritten."""


@dataclass(frozen=True)
class KeyRow:
    """A key as listed to an admin."""

    login: str
    key_type: str
    fingerprint: str
    comment: str
    added_at: datetime
    removed_at: datetime | None
    active: bool


def _user(session: Session, login: str) -> User:
    user = session.execute(select(User).where(User.login == fold(login))).scalar_one_or_none()
    if user is None:
        raise NotFound(N_("no user '{login}'"), login=login)
    return user


def sync_keys_file(db: Database, path: Path | None = None, env: Mapping[str, str] | None = None) -> int:
    """Rewrite the managed block from the table: active keys of enabled users. Returns the count.

    Read and write happen under the file lock, so the last writer always writes the newest table.
    """
    path = path or sshkeys.authorized_keys_path(env)
    try:
        with sshkeys.locked(path):
            with db.read() as s:
                rows = s.execute(
                    select(User.login, SshKey.key_type, SshKey.key_data, SshKey.comment)
                    .join(User, User.id == SshKey.user_id)
                    .where(SshKey.removed_at.is_(None), User.disabled.is_(False))
                    .order_by(User.login, SshKey.id)
                ).all()
            lines = [sshkeys.key_line(login, (kt, kd, c), env) for login, kt, kd, c in rows]
            sshkeys.write_managed(path, lines)
    except (OSError, sshkeys.BadKey) as exc:
        raise KeysFileNotWritten(
            N_(
                "the key table is saved, but {path} could not be written ({detail}); "
                "fix that and run 'bpa-provider users key sync'"
            ),
            path=str(path),
            detail=localized(exc),
        ) from None
    return len(lines)


@service
def add_key(
    db: Database,
    actor: Actor,
    login: str,
    public_key: str,
    *,
    keys_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SshKey:
    """Register a person's public key and give it a forced-command line in authorized_keys."""
    require(actor, "users.admin", what="manage users")
    try:
        key = sshkeys.parse_public_key(public_key)
    except sshkeys.BadKey as exc:
        raise ValidationError([exc.field_error("key")]) from None
    with db.write() as s:
        # The comment is free text that ends up in authorized_keys and on screens: the shared rule
        # (sshkeys refuses only what breaks the file's format).
        comment = check_text(key.comment, "key", 200)
        user = _user(s, login)
        if user.disabled:
            raise ValidationError(N_("user '{login}' is disabled; enable them first"), field="login", login=login)
        row = s.execute(select(SshKey).where(SshKey.fingerprint == key.fingerprint)).scalar_one_or_none()
        if row is not None and row.removed_at is None:
            owner = s.get(User, row.user_id)
            if row.user_id == user.id:
                raise ValidationError(
                    N_("this key ({fingerprint}) is already registered for them"),
                    field="key",
                    fingerprint=key.fingerprint,
                )
            raise ValidationError(
                N_("this key ({fingerprint}) is already registered for user '{login}'"),
                field="key",
                fingerprint=key.fingerprint,
                login=owner.login if owner else "?",
            )
        assert user.id is not None  # a stored user
        if row is None:
            row = SshKey(
                user_id=user.id,
                key_type=key.key_type,
                key_data=key.key_data,
                comment=comment,
                fingerprint=key.fingerprint,
            )
            s.add(row)
        else:  # a removed key added again: the fingerprint is unique, so the row is reused
            row.user_id, row.comment, row.removed_at, row.added_at = user.id, comment, None, utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "create",
            "ssh_key",
            row.id,
            subject=login,
            summary=f"SSH key {key.fingerprint} ({key.key_type} {comment}) added for {login}",
        )
    sync_keys_file(db, keys_file, env)
    return row


@service
def remove_key(
    db: Database,
    actor: Actor,
    login: str,
    which: str,
    *,
    keys_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> list[SshKey]:
    """Remove a person's key by fingerprint (with or without 'SHA256:') or by its comment."""
    require(actor, "users.admin", what="manage users")
    which = (which or "").strip()
    if not which:
        raise ValidationError(N_("give the key's fingerprint or comment"), field="key")
    with db.write() as s:
        user = _user(s, login)
        active = s.execute(select(SshKey).where(SshKey.user_id == user.id, SshKey.removed_at.is_(None))).scalars().all()
        fp = which if which.startswith("SHA256:") else f"SHA256:{which}"
        hits = [k for k in active if k.fingerprint == fp] or [k for k in active if k.comment == which]
        if not hits:
            raise NotFound(
                N_("user '{login}' has no active key '{which}' (see 'bpa-provider users key list')"),
                login=login,
                which=which,
            )
        now = utcnow()
        for k in hits:
            k.removed_at = now
            s.flush()
            audit.record(
                s, actor, "end", "ssh_key", k.id, subject=login, summary=f"SSH key {k.fingerprint} removed from {login}"
            )
    sync_keys_file(db, keys_file, env)
    return list(hits)


@service
def list_keys(db: Database, actor: Actor, login: str | None = None, *, include_removed: bool = False) -> list[KeyRow]:
    """Keys by user (active ones unless `include_removed`)."""
    require(actor, "users.admin", what="manage users")
    q = select(User.login, SshKey).join(User, User.id == SshKey.user_id).order_by(User.login, SshKey.id)
    if login:
        q = q.where(User.login == fold(login))
    if not include_removed:
        q = q.where(SshKey.removed_at.is_(None))
    with db.read() as s:
        return [
            KeyRow(lg, k.key_type, k.fingerprint, k.comment, k.added_at, k.removed_at, k.removed_at is None)
            for lg, k in s.execute(q).all()
        ]


@service
def sync_keys(
    db: Database, actor: Actor, *, keys_file: Path | None = None, env: Mapping[str, str] | None = None
) -> int:
    """Rewrite authorized_keys from the table (after a failed write, or a move of the file)."""
    require(actor, "users.admin", what="manage users")
    return sync_keys_file(db, keys_file, env)
