"""`bpa-provider report nav-refund --month YYYY-MM`: per sick absence, the employer period's end
and the refundable days and hours in the month - what goes into the employer's report to NAV
(docs/absence.md)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.monthly_reports import month_of, register_monthly, rows_of

COLUMNS = [
    "assistant",
    "name",
    "kind",
    "grade",
    "period_from",
    "period_to",
    "employer_period_end",
    "refund_days",
    "refund_hours",
]


def register(sub: argparse._SubParsersAction) -> None:
    register_monthly(sub, "nav-refund", help="sick pay refundable by NAV in a month (Norway)", run=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.absence_reports import nav_refund

    year, month = month_of(args)
    lines = nav_refund(ctx.database(), ctx.actor(), year, month, policy=ctx.settings.policy)
    ctx.emit(rows_of(lines), args.format, COLUMNS)
    return 0
