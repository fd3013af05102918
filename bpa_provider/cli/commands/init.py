"""`bpa-provider init`: create the database or migrate it to the newest schema."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create or migrate the database; the first run makes you admin")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from db import migrate
    from db.engine import default_url
    from bpa_provider.audit_anchor import anchor_path
    from bpa_provider.identity import current_login
    from bpa_provider.services.audit_log import start_checkpoints
    from bpa_provider.services.users import ensure_first_admin

    db = ctx.database(check_schema=False)
    migrate.upgrade(db.engine)
    login = current_login()
    made = ensure_first_admin(db, login)
    anchor = anchor_path(ctx.db_url or default_url())
    if start_checkpoints(db, anchor):  # the access log's anchor outside the database (docs/privacy.md)
        ctx.out.write(f"Access-log checkpoints: {anchor}\n")
    ctx.out.write(f"Database ready: {db.url} (schema {migrate.current_revision(db.engine)})\n")
    if made:
        ctx.out.write(f"First user '{login}' created as admin.\n")
    return 0
