"""`bpa-provider report nav-refund --month YYYY-MM`: per sick absence, the employer period's end
and the refundable days and hours in the month - what goes into the employer's report to NAV
(docs/absence.md)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format

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
    p = sub.add_parser("nav-refund", help="sick pay refundable by NAV in a month (Norway)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.cli.context import month_arg
    from bpa_provider.services.absence_reports import nav_refund

    year, month = month_arg(args.month)
    rows = nav_refund(ctx.database(), ctx.actor(), year, month, policy=ctx.settings.policy)
    ctx.emit([asdict(r) for r in rows], args.format, COLUMNS)
    return 0
