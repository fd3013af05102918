"""`bpa-provider export handover TRANSFER_ID --out DIR|-`: the signed handover package of an
outgoing transfer: NAME.json (for the new provider's system), NAME.json.sig (its OpenSSH
signature) and NAME.md (for people); with `--out -` one signed envelope on standard output and no
file anywhere (docs/handover.md)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bpa_provider.i18n import _

if TYPE_CHECKING:
    from bpa_provider.cli.context import Context


def register(members: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = members.add_parser(
        "handover", help="signed handover package of an outgoing transfer (JSON + signature + Markdown)"
    )
    p.add_argument("transfer_id", type=int, metavar="TRANSFER_ID")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the files to; - for standard output")
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.handover import export_package

    r = export_package(ctx.database(), ctx.actor(), args.transfer_id, args.out)
    if r.envelope is not None:
        out = getattr(ctx.out, "buffer", None)
        if out is not None:
            out.write(r.envelope)
            out.flush()
        else:  # a text stream (tests)
            ctx.out.write(r.envelope.decode("utf-8"))
        sys.stderr.write(f"SHA-256 {r.sha256}\n")
        return 0
    client_part = _("included") if r.client_part else _("not included (no consent recorded)")
    ctx.out.write(
        _("Handover package of transfer {id} (stage {stage}): {n} assistant(s), client part {cp}.").format(
            id=args.transfer_id, stage=r.stage, n=r.assistants, cp=client_part
        )
        + "\n"
        + f"{r.json_path}\n{r.sig_path}\n{r.md_path}\n"
        + f"SHA-256 {r.sha256}\n"
        + _("Record it as sent with: bpa-provider transfer step {id} handover --on DATE").format(id=args.transfer_id)
        + "\n"
    )
    return 0


def write_message(ctx: Context, args: argparse.Namespace, kind: str) -> int:
    """`export receipt` / `export cancellation`: the signed message, to files or standard output."""
    from bpa_provider.services.handover import export_message

    r = export_message(ctx.database(), ctx.actor(), args.transfer_id, kind, args.out)
    if r.envelope is not None:
        out = getattr(ctx.out, "buffer", None)
        if out is not None:
            out.write(r.envelope)
            out.flush()
        else:
            ctx.out.write(r.envelope.decode("utf-8"))
        sys.stderr.write(f"SHA-256 {r.sha256}\n")
        return 0
    ctx.out.write(f"{r.json_path}\n{r.sig_path}\nSHA-256 {r.sha256}\n")
    return 0
