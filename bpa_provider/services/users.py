"""Users and identity: who may sign in, as what role, and turning a login into an `Actor`.

The first `init` makes the person who runs it an admin. SSH keys live here too; writing the
service account's authorized_keys file is in `bpa_provider.sshkeys`.
"""

from __future__ import annotations

import getpass
import os

from sqlalchemy import func, select

from bpa_provider import audit
from bpa_provider.access import ROLES, Actor, SYSTEM
from bpa_provider.errors import NotFound, UnknownUser, ValidationError
from bpa_provider.services.base import require, scoped_actor, service
from db.engine import Database
from db.models import Supervisor, User
from db.types import utcnow


def current_login() -> str:
    """The operating-system login running this process."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return os.environ.get("USER", "admin")


def ensure_first_admin(db: Database, login: str) -> User | None:
    """Create `login` as admin when there are no users yet (the first `init`)."""
    with db.write() as s:
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            return None
        user = User(login=login, name=login, role="admin")
        s.add(user)
        s.flush()
        audit.record(s, SYSTEM, "create", "user", user.id, summary=f"first admin {login}", after=user)
        return user


def resolve_actor(db: Database, login: str, connection: str = "", impersonated_by: str = "") -> Actor:
    """The Actor for a login; UnknownUser when there is no such user or it is disabled."""
    with db.read() as s:
        user = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if user is None:
        raise UnknownUser(f"bpa-provider: unknown user '{login}'")
    if user.disabled:
        raise UnknownUser(f"bpa-provider: user '{login}' is disabled")
    actor = Actor(
        login=user.login, role=user.role, user_id=user.id, supervisor_id=user.supervisor_id,
        connection=connection, impersonated_by=impersonated_by,
    )
    return scoped_actor(db, actor)


@service
def add_user(db: Database, actor: Actor, login: str, role: str, supervisor_ref: str | None = None, name: str = "") -> User:
    """Add a user with a role; a supervisor user is linked to their supervisor record."""
    require(actor, "users.admin", what="manage users")
    login = (login or "").strip()
    if not login or not login.replace("-", "").replace("_", "").replace(".", "").isalnum() or not login.isascii():
        raise ValidationError("login names use letters, digits, '-', '_' and '.'", field="login")
    if role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}", field="role")
    with db.write() as s:
        if s.execute(select(User.id).where(User.login == login)).scalar() is not None:
            raise ValidationError(f"user '{login}' already exists", field="login")
        sup_id = None
        if role == "supervisor":
            if not supervisor_ref:
                raise ValidationError("a supervisor user needs --supervisor REF", field="supervisor")
            sup_id = s.execute(select(Supervisor.id).where(Supervisor.ref == supervisor_ref)).scalar()
            if sup_id is None:
                raise NotFound(f"no supervisor '{supervisor_ref}'")
        user = User(login=login, name=name or login, role=role, supervisor_id=sup_id)
        s.add(user)
        s.flush()
        audit.record(s, actor, "create", "user", user.id, summary=f"user {login} ({role})", after=user)
        return user


@service
def set_disabled(db: Database, actor: Actor, login: str, disabled: bool = True) -> User:
    """Disable (or re-enable) a user; a disabled user cannot sign in at all."""
    require(actor, "users.admin", what="manage users")
    with db.write() as s:
        user = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if user is None:
            raise NotFound(f"no user '{login}'")
        before = User.model_validate(user.model_dump())
        user.disabled = disabled
        user.updated_at = utcnow()
        s.flush()
        audit.record(s, actor, "update", "user", user.id, summary=f"user {login} {'disabled' if disabled else 'enabled'}",
                     before=before, after=user)
        return user


@service
def list_users(db: Database, actor: Actor) -> list[User]:
    """All users, by login."""
    require(actor, "users.admin", what="manage users")
    with db.read() as s:
        return list(s.execute(select(User).order_by(User.login)).scalars())
