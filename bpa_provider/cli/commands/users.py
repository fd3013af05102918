"""`bpa-provider users …`: the people who may sign in, and their SSH keys.

`users key add NAME FILE.pub` stores the key and writes its forced-command line into the service
account's authorized_keys (BPA_AUTHORIZED_KEYS or ~/.ssh/authorized_keys); `users key remove` and
`users disable` take lines out again. Over SSH the key is read from standard input (`-`): a path
would name a file on the server.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bpa_provider.cli.context import CliError, add_format
from bpa_provider.i18n import N_


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="manage users and their SSH keys (admin)")
    us = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    a = us.add_parser("add", help="add a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("admin", "coordinator", "supervisor", "auditor"))
    a.add_argument("--supervisor", metavar="REF", help="the supervisor record of a supervisor user")
    a.add_argument("--full-name", default="", help="the person's name as shown in the app")
    a.set_defaults(func=_add)
    d = us.add_parser("disable", help="disable a user and remove their SSH keys")
    d.add_argument("name")
    d.set_defaults(func=_disable)
    e = us.add_parser("enable", help="enable a disabled user (their keys must be added again)")
    e.add_argument("name")
    e.set_defaults(func=_enable)
    ls = us.add_parser("list", help="list users")
    add_format(ls)
    ls.set_defaults(func=_list)

    k = us.add_parser("key", help="SSH keys: add, remove, list, sync")
    ks = k.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    ka = ks.add_parser("add", help="add a public key (FILE.pub, or - for standard input)")
    ka.add_argument("name")
    ka.add_argument("file", metavar="FILE.pub")
    ka.set_defaults(func=_key_add)
    kr = ks.add_parser("remove", help="remove a key by fingerprint (SHA256:…) or comment")
    kr.add_argument("name")
    kr.add_argument("key", metavar="FINGERPRINT|COMMENT")
    kr.set_defaults(func=_key_remove)
    kl = ks.add_parser("list", help="list keys")
    kl.add_argument("name", nargs="?")
    kl.add_argument("--all", action="store_true", help="include removed keys")
    add_format(kl)
    kl.set_defaults(func=_key_list)
    ky = ks.add_parser("sync", help="rewrite authorized_keys from the key table")
    ky.set_defaults(func=_key_sync)


def key_settings(args) -> dict[str, str]:  # noqa: ANN001
    """The settings baked into forced-command lines: this process's BPA_* ones, and `--db` as
    BPA_DATABASE_URL when it was given (a relative path made absolute)."""
    env = dict(os.environ)
    if getattr(args, "db", None):
        url = args.db
        env["BPA_DATABASE_URL"] = url if "://" in url else str(Path(url).expanduser().resolve())
    return env


def _add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import add_user

    user = add_user(ctx.database(), ctx.actor(), args.name, args.role, args.supervisor, name=args.full_name)
    ctx.say(N_("User '{login}' added as {role}."), login=user.login, role=user.role)
    return 0


def _disable(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import set_disabled

    set_disabled(ctx.database(), ctx.actor(), args.name, True, env=key_settings(args))
    ctx.say(N_("User '{login}' disabled; their SSH keys no longer open a session."), login=args.name)
    return 0


def _enable(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import set_disabled

    set_disabled(ctx.database(), ctx.actor(), args.name, False)
    ctx.say(N_("User '{login}' enabled; add their SSH key with 'users key add'."), login=args.name)
    return 0


def _list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import user_rows

    ctx.emit(user_rows(ctx.database(), ctx.actor()), args.format, ["login", "name", "role", "supervisor", "disabled"])
    return 0


def _read_key(ctx, name: str) -> str:  # noqa: ANN001
    if name == "-":
        return sys.stdin.read(16_384)
    if ctx.remote:
        raise CliError(N_("over SSH give the key on standard input: ... users key add NAME - < key.pub"))
    path = Path(name).expanduser()
    try:
        if path.stat().st_size > 16_384:
            raise CliError(N_("{name} is too large to be a public key"), name=name)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(N_("no such file: {name}"), name=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(N_("cannot read {name} ({detail})"), name=name, detail=type(exc).__name__) from None


def _key_add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider import sshkeys
    from bpa_provider.services.users import add_key

    text = _read_key(ctx, args.file)
    env = key_settings(args)
    key = add_key(ctx.database(), ctx.actor(), args.name, text, env=env)
    ctx.say(
        N_("Key {fingerprint} added for '{login}' in {path}."),
        fingerprint=key.fingerprint,
        login=args.name,
        path=str(sshkeys.authorized_keys_path(env)),
    )
    return 0


def _key_remove(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import remove_key

    removed = remove_key(ctx.database(), ctx.actor(), args.name, args.key, env=key_settings(args))
    for key in removed:
        ctx.say(N_("Key {fingerprint} removed from '{login}'."), fingerprint=key.fingerprint, login=args.name)
    return 0


def _key_list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import list_keys

    rows = list_keys(ctx.database(), ctx.actor(), args.name, include_removed=args.all)
    ctx.emit(
        [r.__dict__ for r in rows], args.format, ["login", "key_type", "fingerprint", "comment", "added_at", "active"]
    )
    return 0


def _key_sync(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider import sshkeys
    from bpa_provider.services.users import sync_keys

    env = key_settings(args)
    count = sync_keys(ctx.database(), ctx.actor(), env=env)
    ctx.say(N_("{n} key line(s) written to {path}."), n=count, path=str(sshkeys.authorized_keys_path(env)))
    return 0
