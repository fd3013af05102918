"""`bpa-provider reveal client|assistant REF`: show one full national ID; the view is logged.

Lists and exports show national IDs masked (DDMMYY*****). Only roles with `national_id.reveal`
may see a whole number, one person at a time, and each reveal is an access-log row.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import Context
from bpa_provider.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reveal", help="show one person's full national ID (logged)")
    p.add_argument("kind", choices=("client", "assistant"))
    p.add_argument("ref", metavar="REF", help="the client's or assistant's reference (K-0001, A-0001)")
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import records

    db, actor = ctx.database(), ctx.actor()
    record_id = records.find_id(db, actor, args.kind, args.ref)
    # The service checks `national_id.reveal` and writes the access-log row (or the refusal).
    value = records.reveal_national_id(db, actor, args.kind, record_id)
    ctx.out.write((value or _("(no national ID recorded)")) + "\n")
    return 0
