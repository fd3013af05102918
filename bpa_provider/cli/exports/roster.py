"""`bpa-provider export roster CLIENT_REF --week YYYY-Www [--out FILE]`: a printable week roster
(plain text, public holidays marked)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="a client's week as a printable plain-text table")
    p.add_argument("client")
    p.add_argument("--week", required=True, metavar="YYYY-Www")
    p.add_argument("--out", metavar="FILE", help="default: standard output")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from pathlib import Path

    from bpa_provider.cli.commands.roster import client_id, week
    from bpa_provider.cli.context import CliError
    from bpa_provider.i18n import _
    from bpa_provider.services.exports import week_roster_text

    first, _end = week(args.week)
    text = week_roster_text(ctx.database(), ctx.actor(), client_id(ctx, args.client), first,
                            policy=ctx.settings.policy)
    if not args.out:
        ctx.out.write(text)
        return 0
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(_("the folder {path} does not exist").format(path=out.parent))
    out.write_text(text, encoding="utf-8")
    ctx.out.write(_("Week roster written to {path}").format(path=out) + "\n")
    return 0
