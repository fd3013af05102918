"""`bpa-provider init`: create the database or migrate it to the newest schema."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create or migrate the database; the first run makes you admin")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.audit_anchor import anchor_path
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import default_url
    from bpa_provider.i18n import N_
    from bpa_provider.identity import current_login
    from bpa_provider.services.audit_log import start_checkpoints
    from bpa_provider.services.users import ensure_first_admin

    db = ctx.database(check_schema=False)
    migrate.upgrade(db.engine)
    login = current_login()
    made = ensure_first_admin(db, login)
    anchor = anchor_path(ctx.db_url or default_url())
    if start_checkpoints(db, anchor):  # the access log's anchor outside the database (docs/privacy.md)
        ctx.say(N_("Access-log checkpoints: {path}"), path=str(anchor))
    ctx.say(
        N_("Database ready: {url} (schema {revision})"), url=str(db.url), revision=migrate.current_revision(db.engine)
    )
    if made:
        ctx.say(N_("First user '{login}' created as admin."), login=login)
    return 0
