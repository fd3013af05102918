"""`bpa-provider report courses`: onboarding status per supervisor and client, with the next
deadline and the days overdue, most urgent first."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format

COLUMNS = [
    "supervisor",
    "name",
    "client",
    "status",
    "next_step",
    "next_deadline",
    "overdue_days",
    "steps_done",
    "steps_total",
]
_ORDER = {"overdue": 0, "not_started": 1, "in_progress": 2, "complete": 3}


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("courses", help="supervisors' onboarding: status, next deadline, days overdue")
    p.add_argument("--on", metavar="DATE", help="as of DATE (default: today)")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from datetime import date

    from bpa_provider.rules.dates import parse_date
    from bpa_provider.services.onboarding import onboarding_overview

    try:
        today = parse_date(args.on) if args.on else date.today()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = onboarding_overview(ctx.database(), ctx.actor(), today)
    rows = sorted(rows, key=lambda o: (_ORDER.get(o.status, 9), -o.overdue_days, o.supervisor_ref, o.client_ref))
    ctx.emit(
        [
            {
                "supervisor": o.supervisor_ref,
                "name": o.name,
                "client": o.client_ref,
                "status": o.status,
                "next_step": o.next_step,
                "next_deadline": o.next_deadline,
                "overdue_days": o.overdue_days,
                "steps_done": o.steps_done,
                "steps_total": o.steps_total,
            }
            for o in rows
        ],
        args.format,
        COLUMNS,
    )
    return 0
