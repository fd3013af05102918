"""`bpa-provider onboarding …`: a work supervisor's onboarding checklist.

onboarding start SUPERVISOR_REF CLIENT_REF [--on DATE]   (from the template; safe to repeat)
onboarding show SUPERVISOR_REF [--on DATE]
onboarding done SUPERVISOR_REF STEP [--client REF] [--on DATE] [--note TEXT]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from bpa_provider.cli.context import Context, add_format, date_arg
from bpa_provider.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("onboarding", help="work supervisors' onboarding checklists")
    os_ = p.add_subparsers(dest="onboarding_command", metavar="ACTION", required=True)

    st = os_.add_parser("start", help="create a supervisor's checklist for a client from the template")
    st.add_argument("supervisor", metavar="SUPERVISOR_REF")
    st.add_argument("client", metavar="CLIENT_REF")
    st.add_argument("--on", metavar="DATE", help="start date (default: when the supervision began)")
    st.set_defaults(func=_start)

    sh = os_.add_parser("show", help="show a supervisor's checklist and status")
    sh.add_argument("supervisor", metavar="SUPERVISOR_REF")
    sh.add_argument("--on", metavar="DATE", help="as of DATE (default: today)")
    add_format(sh)
    sh.set_defaults(func=_show)

    d = os_.add_parser("done", help="mark a step done")
    d.add_argument("supervisor", metavar="SUPERVISOR_REF")
    d.add_argument("step", metavar="STEP", help="basic_course, job_description, working_time_intro, first_rota, …")
    d.add_argument("--client", metavar="REF", help="which client's checklist, when there are several")
    d.add_argument("--on", metavar="DATE", help="done on (default: today)")
    d.add_argument("--note", default="")
    d.set_defaults(func=_done)


def _start(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.onboarding import default_template, start_onboarding

    steps = start_onboarding(
        ctx.database(),
        ctx.actor(),
        args.supervisor,
        args.client,
        date_arg(args.on, default_today=True) if args.on else None,
        template=default_template(ctx.settings.policy),
    )
    ctx.out.write(
        _("Onboarding of {sup} for {client}: {n} steps.").format(sup=args.supervisor, client=args.client, n=len(steps))
        + "\n"
    )
    return 0


def _show(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.code_words import step_title, word
    from bpa_provider.formats import format_date
    from bpa_provider.services.onboarding import onboarding_overview, onboarding_steps

    today = date_arg(args.on, default_today=True)
    db, actor = ctx.database(), ctx.actor()
    steps = onboarding_steps(db, actor, args.supervisor, today)
    if args.format != "table":
        ctx.emit(
            [asdict(s) for s in steps],
            args.format,
            ["client_ref", "code", "title", "responsible", "due_date", "done_on", "state", "note"],
        )
        return 0
    for o in onboarding_overview(db, actor, today, supervisor=args.supervisor):
        line = _("{client}: {status}").format(client=o.client_ref, status=word("status", o.status))
        if o.next_deadline:
            line += " — " + _("next: {step} by {date}").format(
                step=word("next_step", o.next_step), date=format_date(o.next_deadline)
            )
        if o.overdue_days:
            line += " " + _("({n} days overdue)").format(n=o.overdue_days)
        ctx.out.write(line + "\n")
    rows = [asdict(s) for s in steps]
    for row in rows:
        row["title"] = step_title(row["code"], row["title"])
    ctx.emit(
        rows,
        "table",
        ["client_ref", "code", "title", "responsible", "due_date", "done_on", "state"],
    )
    return 0


def _done(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.onboarding import complete_step

    steps = complete_step(
        ctx.database(), ctx.actor(), args.supervisor, args.step, client=args.client, on=args.on, note=args.note
    )
    ctx.out.write(
        _("Step '{step}' done for {sup} ({n} checklist(s)).").format(step=args.step, sup=args.supervisor, n=len(steps))
        + "\n"
    )
    return 0
