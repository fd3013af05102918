"""`bpa-provider provider …`: this provider's signing key for handover packages.

`init --name NAME` makes the key (owner-only, in the data folder), `show` prints the name and the
public key as an allowed_signers line for the other provider, `trust NAME KEYFILE` records a
counterpart's public key (KEYFILE "-" reads it from standard input). docs/handover.md.
"""

from __future__ import annotations

import argparse
import sys

from bpa_provider.cli.context import add_action
from bpa_provider.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("provider", help="this provider's signing key: init, show, trust another provider")
    ps = p.add_subparsers(dest="provider_command", metavar="ACTION", required=True)
    add_action(
        ps,
        "init",
        "make this provider's signing key (once)",
        _init,
        {
            "--name": dict(required=True, metavar="NAME", help="the provider's name, as others will know it"),
        },
    )
    add_action(ps, "show", "the provider's name and public key (an allowed_signers line)", _show)
    add_action(
        ps,
        "trust",
        "trust another provider's public key for their handover packages",
        _trust,
        {
            "name": dict(metavar="NAME", help="the other provider's name, as in their packages"),
            "file": dict(metavar="KEYFILE", help="their public key ('provider show' line or .pub file; - for stdin)"),
        },
    )


def _print(ctx, ident) -> None:  # noqa: ANN001
    ctx.out.write(_("Provider: {name}").format(name=ident.name) + "\n")
    ctx.out.write(_("Key fingerprint: {fp}").format(fp=ident.fingerprint) + "\n")
    ctx.out.write(_("Give this line to the other provider (their allowed_signers):") + "\n")
    ctx.out.write(ident.allowed_signers + "\n")


def _init(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.provider_keys import init_provider

    ident = init_provider(ctx.database(), ctx.actor(), args.name)
    _print(ctx, ident)
    return 0


def _show(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.provider_keys import show_provider

    ident = show_provider(ctx.database(), ctx.actor())
    _print(ctx, ident)
    for name, fp in ident.trusted:
        ctx.out.write(_("Trusted: {name} ({fp})").format(name=name, fp=fp) + "\n")
    return 0


def _trust(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.provider_keys import MAX_KEYFILE_BYTES, read_key_file, trust_provider

    text = sys.stdin.read(MAX_KEYFILE_BYTES) if args.file == "-" else read_key_file(args.file)
    ident = trust_provider(ctx.database(), ctx.actor(), args.name, text)
    fp = dict(ident.trusted).get(" ".join(args.name.split()), "")
    ctx.out.write(_("Packages signed by {fp} are accepted as from {name}.").format(fp=fp, name=args.name) + "\n")
    return 0
