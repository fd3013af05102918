"""`bpa-provider restore FILE [--force]`: put a checked backup in place of the SQLite database.

The backup is copied to a scratch file and checked first (integrity, a known schema revision, an
intact access-log chain); a damaged or foreign file is refused and nothing changes. An existing
database is replaced only with --force — stop the app and SSH logins first (docs/privacy.md).
Runs on the server only: over SSH it is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bpa_provider.cli.context import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("restore", help="replace the database with a checked backup (server only)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace an existing database")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.db.engine import default_url, sqlite_file
    from bpa_provider.i18n import N_, _
    from bpa_provider.identity import current_login
    from bpa_provider.progress import progress
    from bpa_provider.services import backup

    if args.file == "-":
        raise CliError(N_("restore reads a backup file on the server; name the file"))

    path = sqlite_file(ctx.db_url or default_url())
    if path is None:
        raise CliError(
            N_("restore handles SQLite files; a PostgreSQL dump is restored with pg_restore (see docs/privacy.md)")
        )
    target = Path(path)
    with progress(_("Restoring")):
        result = backup.restore(Path(args.file), target, force=args.force, by=current_login())
    ctx.say(
        N_("Restored {source} into {path} (schema {revision}, {rows} access-log rows verified)."),
        source=args.file,
        path=str(result.path),
        revision=result.revision,
        rows=result.audit_rows,
    )
    from bpa_provider.db import migrate

    if result.revision != max(migrate.known_revisions()):
        ctx.say(
            N_("The backup was at an older schema; the restored database was migrated to {revision}."),
            revision=max(migrate.known_revisions()),
        )
    return 0
