"""`bpa-provider audit`: read the access log, or `--verify` its hash chain.

"Who looked at my data?" is `bpa-provider audit --subject K-0001`. With `--verify` the exit code
is 0 when the chain is intact and 1 when it is broken; the broken row is printed. Snapshots that
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
    p.add_argument("--verify", action="store_true", help="check the hash chain of the whole log")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.i18n import _
    from bpa_provider.services import audit_log

    db, actor = ctx.database(), ctx.actor()
    if args.verify:
        report = audit_log.verify(db, actor)
        # Always printed, so a nightly check can read the count; up to the break when broken.
        erased = f"Snapshots erased by retention: {report.erased} (not a break: their digests are kept).\n"
        if report.ok:
            ctx.out.write(f"Access log intact: {report.rows} rows, every hash matches.\n{erased}")
            return 0
        ctx.out.write(f"Access log BROKEN at row {report.broken_at}: {report.reason} "
                      f"({report.rows} rows before it are intact).\n{erased}")
        broken = audit_log.row(db, actor, report.broken_at) if report.broken_at else None
        if broken is not None:
            ctx.emit([broken.as_dict()], args.format, audit_log.COLUMNS)
        return 1
    filters = {"user": args.user, "subject": args.subject, "since": date_arg(args.since, "--from"),
               "until": date_arg(args.until, "--to"), "action": args.action}
    rows = audit_log.query(db, actor, limit=args.limit, **filters)
    ctx.emit([r.as_dict() for r in rows], args.format, audit_log.COLUMNS)
    if len(rows) >= args.limit:
        # Never a silent cut (issue 19): say how many the limit left out and how to get them.
        # Counted after the read, so the count includes the row that logged this read.
        total = audit_log.count(db, actor, **filters)
        if total > len(rows):
            sys.stderr.write(_("{left} more rows match after the first {shown}: raise --limit (up to "
                               "1000000) or narrow with --from/--to to see them.").format(
                                   left=total - len(rows), shown=len(rows)) + "\n")
    return 0
