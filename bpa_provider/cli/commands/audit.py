"""`bpa-provider audit`: read the access log, or `--verify` its hash chain.

"Who looked at my data?" is `bpa-provider audit --subject K-0001`. With `--verify` the exit code
is 0 when the chain is intact and 1 when it is broken; the broken row is printed. It resumes after
the last checkpoint (`--full`: every row, as before). The check writes
nothing to the database; an intact head is checkpointed in the anchor file (audit_anchor.py). Snapshots that
retention erased are counted on a line of their own: an erasure is not a break.
"""

from __future__ import annotations

import argparse
import sys

from bpa_provider.cli.context import add_format, date_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="the access log: who did or saw what (auditor, coordinator, admin)")
    p.add_argument("--user", metavar="LOGIN", help="only what this user did")
    p.add_argument("--subject", metavar="REF", help="only rows about this person (client or assistant ref)")
    p.add_argument("--from", dest="since", metavar="DATE", help="from this local day (dd.mm.yyyy or YYYY-MM-DD)")
    p.add_argument("--to", dest="until", metavar="DATE", help="to this local day, inclusive")
    p.add_argument("--action", help="only this action (view, create, update, reveal_id, refused, …)")
    p.add_argument("--limit", type=int, default=10_000)
    p.add_argument(
        "--verify",
        action="store_true",
        help="check the hash chain from the last checkpoint on (with --full: the whole log)",
    )
    p.add_argument(
        "--full", action="store_true", help="with --verify: re-hash every row, not only those after the last checkpoint"
    )
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.i18n import N_, render_message
    from bpa_provider.services import audit_log

    if args.verify:
        from bpa_provider.audit_anchor import anchor_path

        db, actor = _for_verify(ctx)
        anchor = anchor_path(ctx.db_url or _default_url())
        # Checkpoints are started by `init` and `backup` for the database itself: verifying a
        # copy elsewhere (a backup) must not start a checkpoint file of its own beside it.
        report = audit_log.verify(db, actor, anchor if anchor.exists() else None, full=args.full)
        if not anchor.exists():
            ctx.say(
                N_("No checkpoint file yet ({path}): 'bpa-provider init' or the next backup starts it."),
                path=str(anchor),
            )
        if report.ok and report.resumed_after:
            ctx.say(
                N_(
                    "Access log intact: {rows} rows, {checkpoints} checkpoints match, every hash "
                    "after the last one (row {id}) matches; '--full' re-checks every row."
                ),
                rows=report.rows,
                checkpoints=report.checkpoints,
                id=report.resumed_after,
            )
        elif report.ok:
            ctx.say(
                N_("Access log intact: {rows} rows, every hash matches, {checkpoints} checkpoints match."),
                rows=report.rows,
                checkpoints=report.checkpoints,
            )
        elif report.broken_at:
            ctx.say(
                N_("Access log BROKEN at row {row}: {reason} ({rows} rows before it are intact)."),
                row=report.broken_at,
                reason=report.localized_reason(),
                rows=report.rows,
            )
        else:
            ctx.say(
                N_("Access log BROKEN: {reason} ({rows} rows before it are intact)."),
                reason=report.localized_reason(),
                rows=report.rows,
            )
        # Always printed, so a nightly check can read the count; up to the break when broken.
        if report.resumed_after:
            ctx.say(
                N_("Snapshots erased by retention after the checkpoint: {n} (not a break: their digests are kept)."),
                n=report.erased,
            )
        else:
            ctx.say(N_("Snapshots erased by retention: {n} (not a break: their digests are kept)."), n=report.erased)
        if report.ok:
            return 0
        broken = audit_log.row(db, actor, report.broken_at) if report.broken_at else None
        if broken is not None:
            ctx.emit([broken.as_dict()], args.format, audit_log.COLUMNS)
        return 1
    db, actor = ctx.database(), ctx.actor()
    filters = {
        "user": args.user,
        "subject": args.subject,
        "since": date_arg(args.since, "--from"),
        "until": date_arg(args.until, "--to"),
        "action": args.action,
    }
    rows = audit_log.query(db, actor, limit=args.limit, **filters)
    ctx.emit([r.as_dict() for r in rows], args.format, audit_log.COLUMNS)
    if len(rows) >= args.limit:
        # Never a silent cut (issue 19): say how many the limit left out and how to get them.
        # Counted after the read, so the count includes the row that logged this read.
        total = audit_log.count(db, actor, **filters)
        if total > len(rows):
            sys.stderr.write(
                render_message(
                    N_(
                        "{left} more rows match after the first {shown}: raise --limit (up to 1000000) or "
                        "narrow with --from/--to to see them."
                    ),
                    {"left": total - len(rows), "shown": len(rows)},
                )
                + "\n"
            )
    return 0


def _default_url() -> str:
    from bpa_provider.db.engine import default_url

    return default_url()


def _for_verify(ctx):  # noqa: ANN001, ANN202
    """The database and actor for `--verify`, changing nothing in a SQLite file: the actor is read
    with the driver alone (db/peek.py) and the chain through a read-only connection without the
    app's PRAGMAs (which would switch a backup's journal to WAL). Anything unusual — an
    impersonation, an old schema, a trigger gone — takes the ordinary way, which says what is
    wrong (a missing trigger is then reported by the check itself)."""
    import os
    import sqlite3

    from bpa_provider.db.engine import Database, sqlite_file
    from bpa_provider.identity import early_actor

    url = ctx.db_url or _default_url()
    path = sqlite_file(url)
    actor = early_actor(url, ctx.as_user) if path is not None and os.path.isfile(path) else None
    if actor is None:
        return ctx.database(check_guards=False), ctx.actor()
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(
        "sqlite://",
        poolclass=NullPool,
        creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
    )
    return Database(engine), actor
