"""`bpa-provider export ics --assistant REF --from DATE --to DATE --out FILE.ics|-`: an assistant's
shifts as a calendar (`--out -` writes to standard output)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ics", help="an assistant's shifts as an iCalendar file")
    p.add_argument("--assistant", required=True, metavar="REF")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    p.add_argument("--out", required=True, metavar="FILE.ics", help="the file to write, or '-' for standard output")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.cli.commands.roster import assistant_id, day
    from bpa_provider.cli.output import check_target, describe, is_stdio, open_output, status_stream
    from bpa_provider.i18n import _
    from bpa_provider.services.exports import assistant_ics

    first, last = day(args.date_from, "--from"), day(args.date_to, "--to")
    check_target(args.out, remote=ctx.remote)
    text = assistant_ics(
        ctx.database(), ctx.actor(), assistant_id(ctx, args.assistant), first, last, policy=ctx.settings.policy
    )
    with open_output(args.out, newline="", stdout=ctx.out, remote=ctx.remote) as fh:
        fh.write(text)
    if not is_stdio(args.out):  # piped: the calendar alone, as before
        status_stream(args.out, ctx.out).write(
            _("{n} shifts written to {path}").format(n=text.count("BEGIN:VEVENT"), path=describe(args.out)) + "\n"
        )
    return 0
