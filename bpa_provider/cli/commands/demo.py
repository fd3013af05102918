"""`bpa-provider demo`: fill an empty (or not yet created) database with a synthetic company.

On a database without a schema it first migrates and makes the person running it an admin, as
`init` does; a database that already holds clients is refused (exit 2), so demo data never mixes
with real data.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError
from bpa_provider.i18n import N_, _

# The phases load_demo reports, as the progress line names them.
STEPS = {"clients": N_("clients"), "assistants": N_("assistants"), "shifts": N_("shifts")}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="fill an empty database with a synthetic demo company")
    p.add_argument("--seed", type=int, default=1, help="same seed, same company (default 1)")
    p.add_argument("--clients", type=int, default=40, help="number of clients (default 40)")
    p.add_argument("--assistants", type=int, default=None, help="number of assistants (default 3 x clients)")
    p.add_argument("--months", type=int, default=6, help="months of shifts up to today (default 6)")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from sqlalchemy.exc import DatabaseError

    from bpa_provider.db import migrate
    from bpa_provider.demo import has_clients, load_demo
    from bpa_provider.identity import current_login
    from bpa_provider.progress import progress
    from bpa_provider.services.users import ensure_first_admin

    if args.clients < 1 or (args.assistants is not None and args.assistants < 1) or not 1 <= args.months <= 120:
        raise CliError(_("--clients and --assistants must be at least 1, --months 1 to 120"))
    db = ctx.database(check_schema=False)
    try:
        revision = migrate.current_revision(db.engine)
    except DatabaseError as exc:
        first = str(exc.orig or exc).splitlines()[0]
        raise CliError(_("cannot open the database ({reason})").format(reason=first)) from None
    if revision is not None:
        if revision not in migrate.known_revisions():
            raise CliError(_("the database was written by a newer version of bpa-provider"), exit_code=1)
        if has_clients(db):
            raise CliError(
                _(
                    "the database already has clients; the demo only fills an empty database "
                    "(choose another one with --db)"
                )
            )
    migrate.upgrade(db.engine)  # creates the schema, or brings an older one up to date
    login = current_login()
    if ensure_first_admin(db, login):
        ctx.out.write(_("First user '{login}' created as admin.").format(login=login) + "\n")
    with progress(_("Building the demo company")) as bar:
        summary = load_demo(
            db,
            ctx.actor(),
            seed=args.seed,
            clients=args.clients,
            assistants=args.assistants,
            months=args.months,
            progress=lambda step: bar.step(_(STEPS.get(step, step))),
        )
    for line in summary_lines(summary):
        ctx.out.write(line + "\n")
    return 0


def summary_lines(summary) -> list[str]:  # noqa: ANN001 - bpa_provider.demo.DemoSummary
    """What was made, in the person's language (`DemoSummary.lines()` says the same in English)."""
    from bpa_provider.i18n import render_message

    c = summary.counts
    lines = [
        (
            N_("Demo company loaded (seed {seed}), shifts {first}–{last}:"),
            {"seed": summary.seed, "first": summary.first_day, "last": summary.last_day},
        ),
        (
            N_(
                "  {municipalities} municipalities, {clients} clients, {decisions} decisions, {supervisors} supervisors"
            ),
            {
                "municipalities": c["municipality"],
                "clients": c["client"],
                "decisions": c["decision"],
                "supervisors": c["supervisor"],
            },
        ),
        (
            N_("  {assistants} assistants, {employments} employments, {assignments} assignments"),
            {"assistants": c["assistant"], "employments": c["employment"], "assignments": c["assignment"]},
        ),
        (
            N_("  {shifts} shifts, {reviews} reviews, {enrollments} course enrollments, {transfers} transfers"),
            {
                "shifts": c["shift"],
                "reviews": c["review"],
                "enrollments": c["course_enrollment"],
                "transfers": c["transfer"],
            },
        ),
        (
            N_("  users: {users} (coordinators koord1, koord2; auditor revisor; supervisor arbeidsleder)"),
            {"users": c["app_user"]},
        ),
        (N_("  in {seconds:.1f} s"), {"seconds": summary.seconds}),
    ]
    return [render_message(template, params) for template, params in lines]
