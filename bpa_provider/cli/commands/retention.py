"""`bpa-provider retention [--dry-run]`: list, or anonymise, personal data past its period.

Periods and their legal basis: docs/privacy.md. Admins only. Without --dry-run the listed records
are anonymised at once (one transaction); hour totals stay.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format, problem_of

COLUMNS = ["category", "ref", "ended", "keep_years", "action", "basis"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retention", help="anonymise personal data past its retention period (admin)")
    p.add_argument("--dry-run", action="store_true", help="only list what is due")
    p.add_argument("--as-of", metavar="DATE", help="with --dry-run: what would be due on this day")
    add_format(p)
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.i18n import N_, _, render_message
    from bpa_provider.progress import progress
    from bpa_provider.rules.dates import parse_optional_date
    from bpa_provider.services import retention

    if args.as_of and not args.dry_run:
        raise CliError(N_("--as-of only works with --dry-run: anonymising always uses today's date"))
    try:
        today = parse_optional_date(args.as_of)
        policy = retention.load_policy()
    except ValueError as exc:
        # A date rule's or the policy's refusal keeps its message id (problem_of).
        raise CliError("{problem}", problem=problem_of(exc)) from None
    db, actor = ctx.database(), ctx.actor()
    if args.dry_run:
        with progress(_("Looking for data past its retention period"), quiet=args.format == "json"):
            due = retention.find_due(db, actor, today=today, policy=policy)
        ctx.emit([d.as_dict() for d in due], args.format, COLUMNS)
        _summary(
            ctx,
            args,
            render_message(
                N_("{n} record(s) past their retention period; nothing changed (dry run)."), {"n": len(due)}
            ),
        )
        return 0
    with progress(_("Anonymising"), quiet=args.format == "json"):
        done = retention.apply(db, actor, policy=policy)
    ctx.emit([d.as_dict() for d in done], args.format, COLUMNS)
    _summary(ctx, args, render_message(N_("{n} record(s) anonymised; hour totals are kept."), {"n": len(done)}))
    return 0


def _summary(ctx, args, line: str) -> None:  # noqa: ANN001
    # CSV and JSON stay machine-readable: the summary goes to stderr there.
    import sys

    (ctx.out if args.format == "table" else sys.stderr).write(line + "\n")
