"""Who is running this process: the OS login, or `--as NAME` when that is honoured.

`--as` is honoured under an SSH forced command (SSH_ORIGINAL_COMMAND or SSH_CONNECTION set, the
gitolite pattern) or when the OS login is an admin, which is logged as impersonation.
"""

from __future__ import annotations

import os

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.errors import PermissionDenied
from bpa_provider.services.users import current_login, resolve_actor
from db.engine import Database


def under_forced_command() -> bool:
    return bool(os.environ.get("SSH_ORIGINAL_COMMAND") is not None and "SSH_CONNECTION" in os.environ) or (
        "SSH_CONNECTION" in os.environ and os.environ.get("BPA_FORCED_COMMAND") == "1"
    )


def actor_for(db: Database, as_user: str | None) -> Actor:
    """Resolve the acting user; UnknownUser (exit 1) when the login is not a user."""
    connection = os.environ.get("SSH_CONNECTION", "")
    login = current_login()
    if not as_user or as_user == login:
        return resolve_actor(db, login, connection)
    if "SSH_CONNECTION" in os.environ:
        # Under sshd the forced command chose the name; the OS login is the service account.
        return resolve_actor(db, as_user, connection)
    me = resolve_actor(db, login, connection)
    if not me.may("impersonate"):
        raise PermissionDenied(f"only an admin may act as another user (you are {login})")
    target = resolve_actor(db, as_user, connection, impersonated_by=login)
    with db.write() as s:
        audit.record(s, me, "impersonate", "user", target.user_id, subject=as_user,
                     summary=f"{login} acts as {as_user}")
    return target
