"""Who is running this process: the OS login, or `--as NAME` when that is honoured.

`--as NAME` is honoured in two cases only:
- an SSH forced command: SSH_CONNECTION is set *and* the running account's authorized_keys holds
  a bpa-provider line forcing `--as NAME` (only sshd can start such a process: the person behind
  that key has no shell). SSH_CONNECTION alone is not enough — someone with an ordinary shell
  login over SSH has it too;
- an admin impersonating someone, which is written to the access log first.
Anything else is refused. An unknown or disabled user is refused with UnknownUser (exit 1).

Every refusal of a login over SSH is written to the access log with the SSH connection
(`log_refusal`): an unknown or disabled user here, and in `bpa_provider.cli` a command the forced
command does not run (a shell, `--as`/`--db`, a file on the server).

`early_actor` is the same answer read before the database stack is loaded, so the app can paint
its first screen at once (db/peek.py); when it cannot be sure it says None and `actor_for` decides.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bpa_provider import sshkeys
from bpa_provider.i18n import N_

if TYPE_CHECKING:  # the heavy modules are imported when an actor is actually resolved
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import Database


def current_login() -> str:
    """The operating-system login running this process."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return os.environ.get("USER", "admin")


def is_forced_command(as_user: str | None, env: Mapping[str, str] | None = None) -> bool:
    """True when this process is sshd's forced command for `as_user` (see the module docstring)."""
    env = os.environ if env is None else env
    if not as_user or "SSH_CONNECTION" not in env:
        return False
    return sshkeys.has_forced_line(as_user, sshkeys.authorized_keys_path(env))


def actor_for(db: Database, as_user: str | None, env: Mapping[str, str] | None = None) -> Actor:
    """Resolve the acting user; UnknownUser (exit 1) when the login is not an enabled user."""
    from bpa_provider import audit
    from bpa_provider.errors import PermissionDenied, UnknownUser
    from bpa_provider.services.users import resolve_actor

    env = os.environ if env is None else env
    connection = env.get("SSH_CONNECTION", "")
    login = current_login()
    try:
        if not as_user or as_user == login:
            return resolve_actor(db, login, connection)
        if is_forced_command(as_user, env):
            # sshd chose the name from the key; the OS login is merely the service account.
            return resolve_actor(db, as_user, connection)
    except UnknownUser as exc:
        if connection:  # a login over SSH that is turned away: the access log keeps it
            log_refusal(db, as_user or login, exc.message, env)
        raise
    me = resolve_actor(db, login, connection)
    if not me.may("impersonate"):
        raise PermissionDenied(N_("only an admin may act as another user (you are {login})"), login=login)
    target = resolve_actor(db, as_user, connection, impersonated_by=login)
    with db.write() as s:
        audit.record(
            s, me, "impersonate", "user", target.user_id, subject=as_user, summary=f"{login} acts as {as_user}"
        )
    return target


def early_actor(url: str, as_user: str | None, env: Mapping[str, str] | None = None) -> Actor | None:
    """The acting user read with the database driver alone; None: ask `actor_for`.

    Covers the everyday cases (your own login; an SSH forced command). An admin impersonating
    someone writes to the access log first, and any refusal needs its exact message: both go the
    ordinary way. A supervisor's client scope is filled in by the services on first use
    (`services.base.service`), as `resolve_actor` would have done here.
    """
    from bpa_provider.access import Actor
    from bpa_provider.db.peek import peek_user

    env = os.environ if env is None else env
    login = current_login()
    if as_user and as_user != login:
        if not is_forced_command(as_user, env):
            return None
        login = as_user
    row = peek_user(url, login)
    if row is None:
        return None
    return Actor(
        login=row.login,
        role=row.role,
        user_id=row.id,
        supervisor_id=row.supervisor_id,
        connection=env.get("SSH_CONNECTION", ""),
    )


def log_refusal(db: Database, as_user: str | None, message: str, env: Mapping[str, str] | None = None) -> None:
    """Write one refusal of an SSH login or forced command to the access log, with SSH_CONNECTION.

    The name is the key's (`--as`) when this process really is its forced command, else the OS
    login (someone with a shell who set SSH_CONNECTION themselves), with the name they claimed in
    the summary. What was asked (SSH_ORIGINAL_COMMAND) is kept in printable form, cut to 200
    characters: the log must show what was tried without carrying control characters. Best
    effort: a log that cannot be written (no database yet) must not hide the refusal itself.
    """
    from sqlalchemy import select

    from bpa_provider import audit
    from bpa_provider.access import Actor
    from bpa_provider.db.models import User

    env = os.environ if env is None else env
    login = current_login()
    claimed = ""
    if as_user and as_user != login:
        if is_forced_command(as_user, env):
            login = as_user
        else:
            claimed = f" (claimed to be {_printable(as_user, 64)})"
    asked = env.get("SSH_ORIGINAL_COMMAND")
    summary = f"{message}{claimed}" + (f"; asked: {_printable(asked, 200)}" if asked else "")
    try:
        with db.write() as s:
            user = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
            actor = Actor(
                login=login,
                role=user.role if user is not None else "unknown",
                user_id=user.id if user is not None else None,
                connection=env.get("SSH_CONNECTION", ""),
            )
            audit.record(s, actor, "refused", "ssh", subject=login, summary=summary)
    except Exception as exc:  # noqa: BLE001 - the refusal itself must still reach the person
        from bpa_provider.crashlog import log_crash

        log_crash(exc)


def _printable(text: str, limit: int) -> str:
    """`text` with every control character, surrogate (invalid UTF-8) and escape shown as `?`."""
    out = "".join(ch if ch.isprintable() else "?" for ch in text)  # surrogates are not printable
    return out if len(out) <= limit else out[: limit - 1] + "…"
