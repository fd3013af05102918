"""`bpa-provider report training --year YYYY`: the yearly training report per client for the
municipality's training-grant application — every supervisor and assistant course completed that
year with date, organiser and hours (`--summary`: per client, how many supervisors and assistants
were trained and the hours)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format

DETAIL = [
    "client",
    "person_kind",
    "person",
    "name",
    "course",
    "kind",
    "organiser",
    "completed_on",
    "hours",
    "certificate",
]
SUMMARY = [
    "client",
    "client_name",
    "supervisors_trained",
    "assistants_trained",
    "supervisor_hours",
    "assistant_hours",
    "completions",
]


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("training", help="courses completed in a year, per client (training grant)")
    p.add_argument("--year", required=True, metavar="YYYY")
    p.add_argument("--summary", action="store_true", help="one line per client: people trained and hours")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.i18n import _
    from bpa_provider.services.course_report import training_report

    text = str(args.year).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 1900 < int(text) < 2200):
        raise CliError(_("--year '{year}' is not a year: use YYYY").format(year=args.year))
    report = training_report(ctx.database(), ctx.actor(), int(text))
    if args.summary:
        ctx.emit(
            [
                {
                    "client": c.client_ref,
                    "client_name": c.client_name,
                    "supervisors_trained": c.supervisors_trained,
                    "assistants_trained": c.assistants_trained,
                    "supervisor_hours": c.supervisor_hours,
                    "assistant_hours": c.assistant_hours,
                    "completions": c.completions,
                }
                for c in report.clients
            ],
            args.format,
            SUMMARY,
        )
        return 0
    ctx.emit(
        [
            {
                "client": r.client_ref,
                "person_kind": r.person_kind,
                "person": r.person_ref,
                "name": r.person_name,
                "course": r.course,
                "kind": r.kind,
                "organiser": r.organiser,
                "completed_on": r.completed_on,
                "hours": r.hours,
                "certificate": r.certificate_ref,
            }
            for r in report.rows
        ],
        args.format,
        DETAIL,
    )
    return 0
