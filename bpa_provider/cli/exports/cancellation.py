"""`bpa-provider export cancellation TRANSFER_ID --out DIR|-`: a signed cancellation message for the other
provider (services.handover_messages); they read it with `import handover`."""

from __future__ import annotations

import argparse


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("cancellation", help="signed cancellation message for the other provider (docs/handover.md)")
    p.add_argument("transfer_id", type=int, metavar="TRANSFER_ID")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the files to; - for standard output")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.cli.exports.handover import write_message

    return write_message(ctx, args, "cancellation")
