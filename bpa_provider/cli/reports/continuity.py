"""`bpa-provider report continuity [--date DATE]`: distinct assistants per client, regular share,
new faces, substitutes who never met the client."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("continuity", help="continuity of care per client")
    p.add_argument("--date", metavar="DATE", help="as of this day (default: today)")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import fields
    from datetime import date

    from bpa_provider.cli.commands.roster import day
    from bpa_provider.services.continuity import COLUMNS, continuity_report

    today = day(args.date, "--date") if args.date else date.today()
    rows = []
    report = continuity_report(ctx.database(), ctx.actor(), today, policy=ctx.settings.policy)
    # A shallow dict per client: `dataclasses.asdict` deep-copies every field (as `report invoice`).
    names = [f.name for f in fields(report[0])] if report else []
    for c in report:
        row = {name: getattr(c, name) for name in names}
        row["new_faces_month"] = " ".join(c.new_faces_month)
        row["substitutes_never_met"] = " ".join(c.substitutes_never_met)
        rows.append(row)
    ctx.emit(rows, args.format, COLUMNS)
    return 0
