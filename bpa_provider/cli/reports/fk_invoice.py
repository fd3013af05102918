"""`bpa-provider report fk-invoice --month YYYY-MM`: the invoice basis for Försäkringskassan (form
3057): payable hours per Swedish client with an FK decision, times the state rate in force."""

from __future__ import annotations

import argparse

from bpa_provider.cli.monthly_reports import month_of, register_monthly, rows_of
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
    register_monthly(
        members, "fk-invoice", help="invoice basis for Försäkringskassan per Swedish client (form 3057)", run=run
    )


def run(ctx, args) -> int:  # noqa: ANN001
    from decimal import Decimal

    from bpa_provider.cli.reports.invoice import exact
    from bpa_provider.services.sweden import CURRENCY
    from bpa_provider.services.sweden_reports import fk_invoice_basis

    year, month = month_of(args)
    lines = fk_invoice_basis(ctx.database(), ctx.actor(), year, month)
    # Money exact with two decimals (invoice.exact): 2661,80 in a Swedish table, "2661.80" in JSON.
    rows = rows_of(
        lines,
        month=lambda _line: f"{year:04d}-{month:02d}",
        rate=lambda line: exact(line.rate),
        amount=lambda line: exact(line.amount),
        currency=lambda _line: CURRENCY,
    )
    ctx.emit(rows, args.format, _COLUMNS)
    if args.format == "table" and lines:
        total = sum((line.amount for line in lines), Decimal("0"))
        ctx.say(N_("Total: SEK {amount:.2f}"), amount=total)
    return 0
