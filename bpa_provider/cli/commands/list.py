"""`bpa-provider list KIND`: registry records as a table, CSV or JSON.

Everything that matches is written, page by page (bpa_provider/cli/streaming.py); with `--limit N`
the first N, and a line on stderr says how many more match.
"""

from __future__ import annotations

import argparse
import sys

from bpa_provider.cli.context import CliError, add_format


def register(sub: argparse._SubParsersAction) -> None:
    from bpa_provider.services.listing import KINDS

    p = sub.add_parser("list", help="list clients, assistants, supervisors, decisions, …")
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--search", default="", help="part of a name or reference")
    p.add_argument("--limit", type=int, default=None, help="at most this many rows (default: all)")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.cli.streaming import write_pages
    from bpa_provider.i18n import _
    from bpa_provider.services.listing import COLUMNS, KINDS, pages

    if args.limit is not None and args.limit < 1:
        raise CliError(_("--limit must be 1 or more"))
    kind = KINDS[args.kind]
    seen = {"total": 0}

    def rows_only():
        for page, total in pages(ctx.database(), ctx.actor(), kind, search=args.search, limit=args.limit):
            seen["total"] = total
            yield page

    written = write_pages(ctx.out, rows_only(), args.format, COLUMNS[kind])
    left = seen["total"] - written
    if left > 0:
        sys.stderr.write(
            _(
                "{left} more rows match and were left out by --limit {limit}; leave out --limit to get all {total}."
            ).format(left=left, limit=args.limit, total=seen["total"])
            + "\n"
        )
    return 0
