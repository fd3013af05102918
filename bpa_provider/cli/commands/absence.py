"""`bpa-provider absence …`: assistants' absence - sick leave, a sick child, holiday and leave
(docs/absence.md)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError, add_format, date_arg
from bpa_provider.i18n import _

KINDS = ("self-cert", "sick-note", "sick-child", "holiday", "welfare", "unpaid", "parental")
COLUMNS = ["id", "assistant", "name", "kind", "from_date", "to_date", "days", "grade", "document_on", "cancelled"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("absence", help="assistants' sick leave, holiday and leave")
    ab = p.add_subparsers(dest="absence_command", metavar="ACTION", required=True)

    a = ab.add_parser("add", help="record an absence")
    a.add_argument("assistant", metavar="ASSISTANT_REF")
    a.add_argument("--kind", required=True, choices=KINDS)
    a.add_argument("--from", dest="from_date", required=True, metavar="DATE", help="first day")
    a.add_argument("--to", dest="to_date", required=True, metavar="DATE", help="last day")
    a.add_argument("--grade", type=int, default=100, metavar="N", help="a graded sick note's %% (default 100)")
    a.add_argument("--document-on", metavar="DATE", help="when the sick note or application arrived")
    a.add_argument("--note", default="", help="a short note; no diagnosis")
    a.set_defaults(func=_add)

    e = ab.add_parser("edit", help="change an absence")
    e.add_argument("id", type=int, metavar="ABSENCE_ID")
    e.add_argument("--kind", choices=KINDS)
    e.add_argument("--from", dest="from_date", metavar="DATE")
    e.add_argument("--to", dest="to_date", metavar="DATE")
    e.add_argument("--grade", type=int, metavar="N")
    e.add_argument("--document-on", metavar="DATE")
    e.add_argument("--note")
    e.set_defaults(func=_edit)

    n = ab.add_parser("end", help="the assistant is back: the absence ends on a day")
    n.add_argument("id", type=int, metavar="ABSENCE_ID")
    n.add_argument("--on", required=True, metavar="DATE", help="the last day of absence")
    n.set_defaults(func=_end)

    c = ab.add_parser("cancel", help="an absence recorded in error (kept, counted nowhere)")
    c.add_argument("id", type=int, metavar="ABSENCE_ID")
    c.set_defaults(func=_cancel)

    ls = ab.add_parser("list", help="list absences")
    ls.add_argument("--assistant", metavar="ASSISTANT_REF")
    ls.add_argument("--from", dest="from_date", metavar="DATE")
    ls.add_argument("--to", dest="to_date", metavar="DATE")
    ls.add_argument("--all", action="store_true", help="cancelled ones too")
    add_format(ls)
    ls.set_defaults(func=_list)


def _say(ctx, saved, verb: str) -> int:  # noqa: ANN001
    ctx.out.write(verb.format(id=saved.absence.id, ref=saved.assistant_ref) + "\n")
    if saved.vacated:
        ctx.out.write(
            _(
                "{n} planned shifts are now vacant: 'roster vacant' lists them, "
                "'roster candidates ID' proposes substitutes."
            ).format(n=saved.vacated)
            + "\n"
        )
    if saved.restored:
        ctx.out.write(_("{n} vacant shifts went back to the assistant.").format(n=saved.restored) + "\n")
    for w in saved.warnings:
        ctx.out.write(_("warning: {rule}: {text} ({law})").format(rule=w.rule, text=w.text, law=w.law) + "\n")
    return 0


def _add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.absence import add_absence

    saved = add_absence(
        ctx.database(),
        ctx.actor(),
        args.assistant,
        args.kind,
        date_arg(args.from_date, "--from"),
        date_arg(args.to_date, "--to"),
        grade=args.grade,
        document_on=date_arg(args.document_on, "--document-on"),
        note=args.note,
        policy=ctx.settings.policy,
    )
    return _say(ctx, saved, _("Absence {id} recorded for {ref}."))


def _edit(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.absence import edit_absence

    if all(v is None for v in (args.kind, args.from_date, args.to_date, args.grade, args.document_on, args.note)):
        raise CliError(_("give at least one of --kind, --from, --to, --grade, --document-on, --note"))
    saved = edit_absence(
        ctx.database(),
        ctx.actor(),
        args.id,
        None,
        kind=args.kind,
        from_date=date_arg(args.from_date, "--from"),
        to_date=date_arg(args.to_date, "--to"),
        grade=args.grade,
        document_on=date_arg(args.document_on, "--document-on"),
        note=args.note,
        policy=ctx.settings.policy,
    )
    return _say(ctx, saved, _("Absence {id} of {ref} changed."))


def _end(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.absence import end_absence

    saved = end_absence(ctx.database(), ctx.actor(), args.id, date_arg(args.on, "--on"), policy=ctx.settings.policy)
    return _say(ctx, saved, _("Absence {id} of {ref} ends."))


def _cancel(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.absence import cancel_absence

    cancel_absence(ctx.database(), ctx.actor(), args.id)
    ctx.out.write(_("Absence {id} cancelled.").format(id=args.id) + "\n")
    return 0


def _list(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.services.absence import list_absences

    rows = list_absences(
        ctx.database(),
        ctx.actor(),
        args.assistant,
        date_arg(args.from_date, "--from"),
        date_arg(args.to_date, "--to"),
        include_cancelled=args.all,
    )
    ctx.emit([asdict(r) for r in rows], args.format, COLUMNS)
    return 0
