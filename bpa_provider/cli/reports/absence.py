"""`bpa-provider report absence --year Y`: per assistant, days of absence by kind, holiday left
and self-certifications used (docs/absence.md)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format

COLUMNS = [
    "assistant",
    "name",
    "self_cert",
    "sick_note",
    "sick_child",
    "holiday",
    "welfare",
    "unpaid",
    "parental",
    "holiday_entitlement",
    "holiday_left",
    "self_certs_used",
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("absence", help="absence per assistant in a year (days by kind, holiday left)")
    p.add_argument("--year", type=int, required=True, metavar="YYYY")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.cli.context import CliError
    from bpa_provider.i18n import _
    from bpa_provider.services.absence_reports import absence_year

    if not 2000 <= args.year <= 2100:
        raise CliError(_("--year: give a year between 2000 and 2100"))
    rows = absence_year(ctx.database(), ctx.actor(), args.year, policy=ctx.settings.policy)
    ctx.emit([asdict(r) for r in rows], args.format, COLUMNS)
    return 0
