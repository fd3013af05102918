"""`bpa-provider review …`: record annual staff reviews, read them, follow up their actions.

review record ASSISTANT_REF CLIENT_REF --held-on DATE [--participants P] [--summary S]
              [--action "text;owner;due[;course]" …]
review show ID [--no-notes]      (reading the summary is written to the access log)
review list [--assistant REF] [--client REF]
review actions                    (open actions with due dates)
review action-done ACTION_ID [--on DATE]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from bpa_provider.cli.context import CliError, Context, add_action, date_arg
from bpa_provider.i18n import _

if TYPE_CHECKING:  # imported when used: the parser is built without the services
    from bpa_provider.services.reviews import ActionInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="annual staff reviews: record, show, follow up actions")
    rs = p.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    add_action(
        rs,
        "record",
        "record a review that was held",
        _record,
        {
            "assistant": dict(metavar="ASSISTANT_REF"),
            "client": dict(metavar="CLIENT_REF"),
            "--held-on": dict(required=True, metavar="DATE"),
            "--participants": dict(default=""),
            "--summary": dict(default="", help="private: coordinators and the client's supervisor only"),
            "--action": dict(
                action="append",
                default=[],
                metavar="TEXT;OWNER;DUE[;COURSE]",
                help="an agreed action (repeatable); a course enrolls the assistant",
            ),
        },
    )
    add_action(
        rs,
        "show",
        "show a review (the summary only to those who may read it)",
        _show,
        {
            "id": dict(type=int, metavar="ID"),
            "--no-notes": dict(action="store_true", help="leave the private summary out (nothing is logged)"),
        },
    )
    add_action(
        rs,
        "list",
        "reviews held, newest first",
        _list,
        {
            "--assistant": dict(metavar="REF"),
            "--client": dict(metavar="REF"),
        },
        formatted=True,
    )
    add_action(
        rs,
        "actions",
        "open actions with due dates",
        _actions,
        {
            "--on": dict(metavar="DATE", help="as of DATE (default: today)"),
        },
        formatted=True,
    )
    add_action(
        rs,
        "action-done",
        "mark an agreed action done",
        _action_done,
        {
            "id": dict(type=int, metavar="ACTION_ID"),
            "--on": dict(metavar="DATE"),
        },
    )


def parse_action(text: str) -> ActionInput:
    """`text;owner;due[;course]` → ActionInput; empty parts are allowed except the text."""
    from bpa_provider.services.reviews import ActionInput

    parts = [p.strip() for p in text.split(";")]
    if len(parts) > 4 or not parts[0]:
        raise CliError(_("--action '{text}': use \"text;owner;due date[;course]\"").format(text=text))
    parts += [""] * (4 - len(parts))
    return ActionInput(text=parts[0], owner=parts[1], due_date=parts[2] or None, course=parts[3] or None)


def _record(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.reviews import record_review

    actions = [parse_action(a) for a in args.action]
    view = record_review(
        ctx.database(),
        ctx.actor(),
        args.assistant,
        args.client,
        args.held_on,
        participants=args.participants,
        summary=args.summary,
        actions=actions,
    )
    ctx.out.write(
        _("Review {id} recorded ({a} with {c}, {n} action(s)).").format(
            id=view.id, a=view.assistant_ref, c=view.client_ref, n=len(view.actions)
        )
        + "\n"
    )
    return 0


def _show(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)
    from bpa_provider.services.reviews import get_review

    v = get_review(ctx.database(), ctx.actor(), args.id, with_notes=not args.no_notes)
    out = ctx.out
    out.write(f"{_('Review')} {v.id}: {v.assistant_name} ({v.assistant_ref}) — {v.client_ref}\n")
    out.write(f"{_('Held on')}: {format_date(v.held_on)}\n")
    out.write(f"{_('Participants')}: {v.participants}\n")
    if v.summary is not None:
        out.write(f"{_('Summary')}:\n{v.summary}\n")
    elif v.has_summary:
        out.write(_("Summary: (private — only coordinators and the client's supervisor may read it)") + "\n")
    if v.actions:
        out.write(_("Actions") + ":\n")
        for a in v.actions:
            done = _("done {date}").format(date=format_date(a.done_on)) if a.done_on else _("open")
            extra = f", {_('course')}: {a.course}" if a.course else ""
            out.write(
                f"  [{a.id}] {a.text} — {a.owner or '-'}, {_('due')} {format_date(a.due_date) or '-'}{extra} ({done})\n"
            )
    return 0


def _list(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.reviews import list_reviews

    rows = list_reviews(ctx.database(), ctx.actor(), assistant=args.assistant, client=args.client)
    ctx.emit(
        [
            {
                "id": r.id,
                "assistant": r.assistant_ref,
                "client": r.client_ref,
                "held_on": r.held_on,
                "participants": r.participants,
                "actions": len(r.actions),
            }
            for r in rows
        ],
        args.format,
        ["id", "assistant", "client", "held_on", "participants", "actions"],
    )
    return 0


def _actions(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.reviews import open_actions

    rows = open_actions(ctx.database(), ctx.actor(), date_arg(args.on, default_today=True))
    ctx.emit(
        [asdict(r) for r in rows],
        args.format,
        [
            "id",
            "review_id",
            "assistant_ref",
            "client_ref",
            "text",
            "owner",
            "due_date",
            "days_left",
            "overdue",
            "course",
        ],
    )
    return 0


def _action_done(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.reviews import complete_action

    v = complete_action(ctx.database(), ctx.actor(), args.id, args.on)
    ctx.out.write(_("Action {id} done ({date}).").format(id=v.id, date=v.done_on.isoformat()) + "\n")
    return 0
