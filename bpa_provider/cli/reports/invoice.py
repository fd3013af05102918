"""`bpa-provider report invoice --month YYYY-MM`: worked hours × the rate in force, per
municipality and client."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("invoice", help="invoice basis per municipality and client for a month")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.cli.commands.roster import month
    from bpa_provider.services.invoice import COLUMNS, invoice_basis

    first, _last = month(args.month)
    lines = invoice_basis(ctx.database(), ctx.actor(), first.year, first.month)
    ctx.emit([asdict(line) for line in lines], args.format, COLUMNS)
    return 0
