"""`bpa-provider report reviews`: per assistant and client, the last review held, the next one due
and its status (overdue, due, scheduled, done = held this year).

Without `--due-within` every current pair is listed, "due" meaning within the policy's window (30
days); with `--due-within DAYS` only the reviews due within DAYS or overdue are listed.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format

COLUMNS = ["assistant", "client", "last_held", "next_due", "status"]


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("reviews", help="annual staff reviews: last held, next due, status")
    p.add_argument("--due-within", type=int, metavar="DAYS", help="only reviews due within DAYS (or overdue)")
    p.add_argument("--on", metavar="DATE", help="as of DATE (default: today)")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from datetime import date

    from bpa_provider.i18n import _
    from bpa_provider.rules.dates import parse_date
    from bpa_provider.services.reviews import due_reviews

    if args.due_within is not None and args.due_within < 0:
        raise CliError(_("--due-within must be 0 or more days"))
    try:
        today = parse_date(args.on) if args.on else date.today()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = due_reviews(
        ctx.database(),
        ctx.actor(),
        today,
        args.due_within,
        include_all=args.due_within is None,
        policy=ctx.settings.policy,
    )
    ctx.emit(
        [
            {
                "assistant": r.assistant_ref,
                "client": r.client_ref,
                "last_held": r.last_held,
                "next_due": r.next_due,
                "status": r.status,
            }
            for r in rows
        ],
        args.format,
        COLUMNS,
    )
    return 0
