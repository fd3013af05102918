"""`bpa-provider export roster CLIENT_REF --week YYYY-Www [--out FILE|-]`: a printable week roster
(plain text, public holidays marked); without `--out`, or with `--out -`, on standard output."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="a client's week as a printable plain-text table")
    p.add_argument("client")
    p.add_argument("--week", required=True, metavar="YYYY-Www")
    p.add_argument("--out", metavar="FILE", default="-", help="the file to write (default '-': standard output)")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.cli.commands.roster import client_id, week
    from bpa_provider.cli.output import check_target, describe, is_stdio, open_output, status_stream
    from bpa_provider.i18n import _
    from bpa_provider.services.exports import week_roster_text

    first, _end = week(args.week)
    check_target(args.out, remote=ctx.remote)
    text = week_roster_text(ctx.database(), ctx.actor(), client_id(ctx, args.client), first, policy=ctx.settings.policy)
    with open_output(args.out, stdout=ctx.out, remote=ctx.remote) as fh:
        fh.write(text)
    if not is_stdio(args.out):
        status_stream(args.out, ctx.out).write(
            _("Week roster written to {path}").format(path=describe(args.out)) + "\n"
        )
    return 0
