"""`bpa-provider import KIND FILE`: import a CSV file whole, or refuse it listing every bad row.

`import handover FILE` reads another provider's handover package (services.handover).
"""

from __future__ import annotations

import argparse
import sys

from bpa_provider.cli.context import CliError, Context
from bpa_provider.i18n import N_, _

# The same names as services.importer.KINDS (kept here so start-up imports no services; a test
# checks they agree), plus the handover package.
KINDS = (
    "municipalities",
    "clients",
    "decisions",
    "supervisors",
    "assistants",
    "employments",
    "assignments",
    "shifts",
    "reviews",
    "handover",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import a CSV file (every row or none; see docs/import.md)")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    p.add_argument(
        "file",
        metavar="FILE",
        help="CSV file ('-': standard input); UTF-8 or Windows-1252, ';' or ',' separated "
        "(handover: the package, or - for a signed envelope on standard input)",
    )
    p.add_argument("--signature", metavar="SIGFILE", help="handover: the package's signature (default FILE.sig)")
    p.add_argument(
        "--accept-unsigned",
        action="store_true",
        help="handover: accept a package without a signature (admin only, logged)",
    )
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    if args.kind == "handover":
        return _handover(ctx, args)
    from bpa_provider.errors import ValidationError
    from bpa_provider.progress import progress
    from bpa_provider.services.csvfile import UTF8
    from bpa_provider.services.importer import import_csv

    shown = _("standard input") if args.file == "-" else args.file
    try:
        with progress(_("Importing {kind}").format(kind=args.kind)):
            result = import_csv(ctx.database(), ctx.actor(), args.kind, args.file)
    except ValidationError as exc:
        if len(exc.errors) == 1 and exc.errors[0].row is None and not exc.errors[0].field:
            raise  # about the whole file (too large, unreadable): one line, as every refusal
        # Every bad row on its own line, so a person can fix the file in one go.
        sys.stderr.write(
            "bpa-provider: "
            + _("{file}: not imported, {n} problem(s); nothing was written:").format(file=shown, n=len(exc.errors))
            + "\n"
        )
        for error in exc.errors:
            sys.stderr.write(f"  {error.shown()}\n")
        return 2
    line = _("Imported {n} {kind} from {file}.").format(n=result.rows, kind=args.kind, file=shown)
    if result.encoding != UTF8:
        line += " " + _("The file was not UTF-8 and was read as {encoding}.").format(encoding=result.encoding)
    if result.warnings:
        line += " " + _("{n} working-time warning(s): see 'report rest'.").format(n=result.warnings)
    ctx.out.write(line + "\n")
    return 0


def _handover(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.handover import MAX_PACKAGE_BYTES, import_package

    if args.signature and ctx.remote:
        raise CliError(N_("--signature names a file on the server: send a signed envelope on standard input"))
    if args.file == "-":
        # Standard input (over SSH): a signed envelope, read to one byte past the limit so a huge
        # stream is refused without being held in memory; nothing is written to the server's disk.
        raw = sys.stdin.buffer.read(MAX_PACKAGE_BYTES + 1)
        result = import_package(ctx.database(), ctx.actor(), raw=raw, accept_unsigned=args.accept_unsigned)
    else:
        result = import_package(
            ctx.database(), ctx.actor(), args.file, signature_path=args.signature, accept_unsigned=args.accept_unsigned
        )
    signed = (
        _("signed by {name}").format(name=result.signed_by) if result.signed_by else _("UNSIGNED, accepted by an admin")
    )
    if getattr(result, "kind", None) == "receipt":
        ctx.out.write(
            _("Receipt recorded on transfer {id} ({signed}).").format(id=result.transfer_id, signed=signed) + "\n"
        )
    elif getattr(result, "kind", None) == "cancellation":
        ctx.out.write(
            _("Transfer {id} cancelled by the other provider ({signed}).").format(id=result.transfer_id, signed=signed)
            + "\n"
        )
    else:
        ctx.out.write(
            _("Handover package imported: transfer {id} ({signed}).").format(id=result.transfer_id, signed=signed)
            + "\n"
        )
        for warning in result.warnings:
            ctx.out.write(_("Note: {warning}").format(warning=warning) + "\n")
    ctx.out.write(f"SHA-256 {result.sha256}\n")
    return 0
