"""`bpa-provider export payroll --month YYYY-MM --out FILE.csv|- [--check]`.

The pre-run check comes first: with anything blocking, the problems are listed on stderr and the
command exits 2 without writing. `--check` only prints the check (exit 0 when clear, 2 when not).
The file is written to a temporary name and renamed inside the service's transaction, so a month
is marked exported only when its file exists. `--out -` writes the file to standard output (and
the summary to standard error) inside the same transaction: the month is locked as with a file,
and a write that fails (the reader went away) locks nothing.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("payroll", help="hours per assistant and pay category for a month (CSV)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--out", metavar="FILE.csv", help="the file to write, or '-' for standard output")
    p.add_argument("--check", action="store_true", help="only run the pre-run check")
    p.set_defaults(func=run)


def _list(ctx, blockers) -> None:  # noqa: ANN001
    import sys

    for b in blockers:
        who = " ".join(x for x in (b.client_ref, b.assistant_ref) if x)
        sys.stderr.write(f"  {b.kind:<14} {who:<16} {b.detail}\n")


def run(ctx, args) -> int:  # noqa: ANN001
    import csv
    from dataclasses import asdict

    from bpa_provider.cli.commands.roster import month
    from bpa_provider.cli.output import check_target, describe, open_output, status_stream
    from bpa_provider.i18n import _
    from bpa_provider.services import payroll

    first, _last = month(args.month)
    db, actor = ctx.database(), ctx.actor()
    if args.check:
        found = payroll.payroll_check(db, actor, first.year, first.month, policy=ctx.settings.policy)
        if not found:
            ctx.out.write(_("Payroll {month}: nothing blocks it.").format(month=args.month) + "\n")
            return 0
        _list(ctx, found)
        raise CliError(_("payroll {month} is blocked by {n} problem(s), listed above").format(
            month=args.month, n=len(found)))
    if not args.out:
        raise CliError(_("--out FILE.csv is required ('-' for standard output), or use --check"))
    check_target(args.out, remote=ctx.remote)

    def write(rows) -> None:  # noqa: ANN001
        with open_output(args.out, newline="", encoding="utf-8", stdout=ctx.out, remote=ctx.remote) as fh:
            writer = csv.DictWriter(fh, fieldnames=payroll.COLUMNS)
            writer.writeheader()
            writer.writerows(asdict(r) for r in rows)

    try:
        rows = payroll.export_payroll(db, actor, first.year, first.month, write, policy=ctx.settings.policy)
    except payroll.PayrollBlocked as exc:
        _list(ctx, exc.blockers)
        raise CliError(_("payroll {month} is blocked by {n} problem(s), listed above; nothing written").format(
            month=args.month, n=len(exc.blockers))) from None
    status_stream(args.out, ctx.out).write(
        _("Payroll {month}: {n} assistants written to {path}; the month is locked.").format(
            month=args.month, n=len(rows), path=describe(args.out)) + "\n")
    return 0
