"""`bpa-provider export payroll --month YYYY-MM --out FILE|- [--layout summary|lines|paxml] [--excel] [--check]`.

Layouts (docs/payroll.md): `summary` one row per assistant; `lines` Visma Lønn's standard import
format (one row per employee x wage type x client); `paxml` PAXml 2.2 for Swedish payroll systems.
`lines` and `paxml` name people by employee number, so an assistant without one blocks them.

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
from bpa_provider.i18n import N_


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("payroll", help="hours per assistant and pay category for a month (CSV or PAXml)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--out", metavar="FILE", help="the file to write, or '-' for standard output")
    p.add_argument("--check", action="store_true", help="only run the pre-run check")
    p.add_argument(
        "--layout",
        choices=("summary", "lines", "paxml"),
        default="summary",
        help="summary (one row per assistant), lines (Visma Lønn import), paxml (PAXml 2.2)",
    )
    p.add_argument(
        "--excel", action="store_true", help="UTF-8 with BOM and ';' for Norwegian/Swedish Excel (CSV layouts)"
    )
    p.add_argument("--run", type=int, default=1, metavar="N", help="the payroll run number (lines layout)")
    p.set_defaults(func=run)


# What stops (or warns about) a payroll month, as the pre-run check lists it (services/payroll.py).
BLOCKER_WORDS = {
    "blocking": N_("blocking"),
    "warning": N_("warning"),
    "no_employment": N_("no employment"),
    "no_employee_number": N_("no employee number"),
    "unapproved": N_("not approved"),
    "exported": N_("already exported"),
    "not_worked": N_("not worked"),
}


def _list(ctx, blockers) -> None:  # noqa: ANN001
    import sys

    from bpa_provider.i18n import _

    for b in blockers:
        who = " ".join(x for x in (b.client_ref, b.assistant_ref) if x)
        kind = _(BLOCKER_WORDS[b.kind]) if b.kind in BLOCKER_WORDS else b.kind
        sys.stderr.write(f"  {kind:<18} {who:<16} {b.text()}\n")


def run(ctx, args) -> int:  # noqa: ANN001
    from datetime import datetime

    from bpa_provider.cli.commands.roster import month
    from bpa_provider.cli.output import check_target, describe, open_output, status_stream
    from bpa_provider.i18n import N_, _
    from bpa_provider.services import payroll, payroll_files

    first, _last = month(args.month)
    if args.excel and args.layout == "paxml":
        raise CliError(N_("--excel is for the CSV layouts (summary, lines), not paxml"))
    if not 1 <= args.run <= 9999:
        raise CliError(N_("--run must be a number from 1 to 9999"))
    need_numbers = args.layout != "summary"
    digits_only = args.layout == "lines"  # Visma Lønn reads the employee number as a number
    db, actor = ctx.database(), ctx.actor()
    if args.check:
        found = payroll.payroll_check(
            db,
            actor,
            first.year,
            first.month,
            policy=ctx.settings.policy,
            need_numbers=need_numbers,
            digits_only=digits_only,
        )
        if not found:
            ctx.out.write(_("Payroll {month}: nothing blocks it.").format(month=args.month) + "\n")
            return 0
        _list(ctx, found)
        raise CliError(N_("payroll {month} is blocked by {n} problem(s), listed above"), month=args.month, n=len(found))
    if not args.out:
        raise CliError(N_("--out FILE is required ('-' for standard output), or use --check"))
    check_target(args.out, remote=ctx.remote)

    def write(result) -> None:  # noqa: ANN001
        data = payroll_files.render(
            args.layout,
            result,
            wage_types=ctx.settings.wage_types,
            paxml_codes=ctx.settings.paxml_codes,
            company=ctx.settings.provider_name,
            created=datetime.now(),
            excel=args.excel,
            run=args.run,
        )
        with open_output(args.out, binary=True, stdout=ctx.out, remote=ctx.remote) as fh:
            fh.write(data)

    try:
        result = payroll.export_payroll(
            db,
            actor,
            first.year,
            first.month,
            write,
            policy=ctx.settings.policy,
            need_numbers=need_numbers,
            digits_only=digits_only,
        )
    except payroll.PayrollBlocked as exc:
        _list(ctx, exc.blockers)
        raise CliError(
            N_("payroll {month} is blocked by {n} problem(s), listed above; nothing written"),
            month=args.month,
            n=len(exc.blockers),
        ) from None
    status_stream(args.out, ctx.out).write(
        _("Payroll {month}: {n} assistants written to {path}; the month is locked.").format(
            month=args.month, n=len(result.rows), path=describe(args.out)
        )
        + "\n"
    )
    return 0
