"""`bpa-provider report hours --month YYYY-MM`: decided, planned (covered by an assistant and
uncovered: vacant shifts) and worked hours per client, with
the year-end projection and its flag (`--no-outlook`: the month's numbers only, read faster).

The projection is made as of the end of the month, or today when that is earlier: the column
`projected_as_of` says which day, and the table says it once more below."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format, problem_of
from bpa_provider.i18n import N_, _

MONTH_COLUMNS = [
    "client",
    "name",
    "municipality",
    "decided_hours",
    "planned_hours",
    "covered_hours",
    "uncovered_hours",
    "worked_hours",
    "balance",
]
COLUMNS = MONTH_COLUMNS + ["year_decided", "year_projected", "projected_as_of", "usage_pct", "flag"]


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("hours", help="decided, planned and worked hours per client for a month")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument(
        "--no-outlook",
        dest="outlook",
        action="store_false",
        help="only the month's numbers, without the year-end projection and flag (faster)",
    )
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.rules.dates import parse_month

    try:
        year, month = parse_month(args.month)
    except ValueError as exc:
        raise CliError(N_("bad --month: {reason}"), reason=problem_of(exc)) from None
    from bpa_provider.services.hours import hours_report

    rows = hours_report(ctx.database(), ctx.actor(), year, month, policy=ctx.settings.policy, outlook=args.outlook)
    ctx.emit([r.as_dict() for r in rows], args.format, COLUMNS if args.outlook else MONTH_COLUMNS)
    as_of = next((r.projected_as_of for r in rows if r.projected_as_of), None)
    if args.format == "table" and as_of is not None:
        from bpa_provider.formats import format_date

        ctx.out.write(
            _(
                "Year-end projection as of {date} (the end of the month, or today if earlier): "
                "hours after that day count as planned, not used."
            ).format(date=format_date(as_of))
            + "\n"
        )
    return 0
