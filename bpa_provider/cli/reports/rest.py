"""`bpa-provider report rest --from DATE --to DATE`: working-time violations in a date range."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format

COLUMNS = ["assistant", "rule", "shifts", "detail", "law", "severity", "acknowledged", "not_payable"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rest", help="working-time violations (rest, hours, credentials) in a date range")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.cli.commands.roster import day
    from bpa_provider.services.worktime import violations_between

    first, last = day(args.date_from, "--from"), day(args.date_to, "--to")
    found = violations_between(ctx.database(), ctx.actor(), first, last, policy=ctx.settings.policy)
    rows = [asdict(f) for f in found]
    if args.format == "table":  # a rule's law cites a policy in words (rules/worktime.py RULE_LAWS)
        from bpa_provider.i18n import _

        for row in rows:
            row["law"] = _(row["law"])
    ctx.emit(rows, args.format, COLUMNS)
    return 0
