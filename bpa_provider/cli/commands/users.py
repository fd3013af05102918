"""`bpa-provider users …`: add, disable and list the people who may sign in."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="manage users (admin)")
    us = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    a = us.add_parser("add", help="add a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("admin", "coordinator", "supervisor", "auditor"))
    a.add_argument("--supervisor", metavar="REF", help="the supervisor record of a supervisor user")
    a.set_defaults(func=_add)
    d = us.add_parser("disable", help="disable a user")
    d.add_argument("name")
    d.set_defaults(func=_disable)
    e = us.add_parser("enable", help="enable a disabled user")
    e.add_argument("name")
    e.set_defaults(func=_enable)
    ls = us.add_parser("list", help="list users")
    add_format(ls)
    ls.set_defaults(func=_list)


def _add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import add_user

    user = add_user(ctx.database(), ctx.actor(), args.name, args.role, args.supervisor)
    ctx.out.write(f"User '{user.login}' added as {user.role}.\n")
    return 0


def _disable(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import set_disabled

    set_disabled(ctx.database(), ctx.actor(), args.name, True)
    ctx.out.write(f"User '{args.name}' disabled.\n")
    return 0


def _enable(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import set_disabled

    set_disabled(ctx.database(), ctx.actor(), args.name, False)
    ctx.out.write(f"User '{args.name}' enabled.\n")
    return 0


def _list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.users import list_users

    users = list_users(ctx.database(), ctx.actor())
    ctx.emit([u.model_dump() for u in users], args.format, ["login", "name", "role", "supervisor_id", "disabled"])
    return 0
