"""`bpa-provider report fk-invoice --month YYYY-MM`: the invoice basis for Försäkringskassan (form
3057): payable hours per Swedish client with an FK decision, times the state rate in force."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format
from bpa_provider.i18n import N_

_COLUMNS = [
    "client_ref",
    "client_name",
    "month",
    "hours",
    "unreported_hours",
    "passive_hours",
    "payable_hours",
    "rate",
    "amount",
    "currency",
    "deadline",
]


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("fk-invoice", help="invoice basis for Försäkringskassan per Swedish client (form 3057)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from decimal import Decimal

    from bpa_provider.cli.reports.fk_time import parse_month_arg
    from bpa_provider.cli.reports.invoice import exact
    from bpa_provider.services.sweden import CURRENCY
    from bpa_provider.services.sweden_reports import fk_invoice_basis

    year, month = parse_month_arg(args.month)
    lines = fk_invoice_basis(ctx.database(), ctx.actor(), year, month)
    # Money exact with two decimals (invoice.exact): 2661,80 in a Swedish table, "2661.80" in JSON.
    rows = [
        {
            **line.__dict__,
            "month": f"{year:04d}-{month:02d}",
            "rate": exact(line.rate),
            "amount": exact(line.amount),
            "currency": CURRENCY,
        }
        for line in lines
    ]
    ctx.emit(rows, args.format, _COLUMNS)
    if args.format == "table" and lines:
        total = sum((line.amount for line in lines), Decimal("0"))
        ctx.say(N_("Total: SEK {amount:.2f}"), amount=total)
    return 0
