"""`bpa-provider backup FILE`: a checked copy of the SQLite database (admin; on the server only).

SQLite's online backup API gives a consistent copy while others keep working; the copy passes
`PRAGMA integrity_check` before it gets its name. A PostgreSQL database is backed up with pg_dump:
the command prints the pg_dump line to use and exits with code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bpa_provider.cli.context import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write a checked backup of the database to FILE (admin)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.i18n import N_, _
    from bpa_provider.progress import progress
    from bpa_provider.services import backup

    if args.file == "-":
        raise CliError(
            N_(
                "a backup is a file on the server (it is checked where it is written); "
                "name a file, e.g. 'bpa-provider backup /srv/bpa/backups/bpa.sqlite3'"
            )
        )
    db = ctx.database()
    if db.dialect != "sqlite":
        raise CliError(
            N_("PostgreSQL is backed up with pg_dump (see docs/privacy.md): {command}"),
            command=backup.pg_dump_hint(db, args.file),
        )
    with progress(_("Backing up")):
        result = backup.backup(db, ctx.actor(), Path(args.file), force=args.force)
    ctx.say(
        N_("Backup written: {path} ({size} bytes, schema {revision}, integrity ok)."),
        path=str(result.path),
        size=result.size,
        revision=result.revision,
    )
    return 0
