"""`bpa-provider list KIND`: registry records as a table, CSV or JSON."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format


def register(sub: argparse._SubParsersAction) -> None:
    from bpa_provider.services.listing import KINDS

    p = sub.add_parser("list", help="list clients, assistants, supervisors, decisions, …")
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--search", default="", help="part of a name or reference")
    p.add_argument("--limit", type=int, default=10_000)
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.listing import COLUMNS, KINDS, rows

    kind = KINDS[args.kind]
    data, _total = rows(ctx.database(), ctx.actor(), kind, search=args.search, limit=args.limit)
    ctx.emit(data, args.format, COLUMNS[kind])
    return 0
