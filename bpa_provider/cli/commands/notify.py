"""`bpa-provider notify send|list`: deliver the outbox by e-mail, and see what is in it
(docs/notify.md)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import add_format
from bpa_provider.i18n import _

COLUMNS = ["id", "kind", "recipient", "status", "attempts", "next_attempt", "last_error"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notify", help="e-mail notices: send what is due, list the outbox")
    nt = p.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    s = nt.add_parser("send", help="deliver the messages that are due (safe to run again, e.g. from cron)")
    s.add_argument("--limit", type=int, default=500, metavar="N", help="at most N messages this run")
    s.set_defaults(func=_send)
    ls = nt.add_parser("list", help="the outbox, newest first")
    ls.add_argument("--status", choices=("pending", "sent", "failed", "skipped"))
    add_format(ls)
    ls.set_defaults(func=_list)


def _send(ctx, args) -> int:  # noqa: ANN001
    from datetime import date

    from bpa_provider.services.notify import parse_smtp_url, remind, send_due

    settings = ctx.settings
    remind(
        ctx.database(), ctx.actor(), date.today(), settings.policy.payroll_day, settings.policy.approval_reminder_days
    )
    sender = settings.mail_from
    if not sender and settings.smtp_url:
        sender = f"bpa-provider@{parse_smtp_url(settings.smtp_url).host}"
    report = send_due(ctx.database(), ctx.actor(), settings.smtp_url, sender, limit=max(1, args.limit))
    ctx.out.write(
        _(
            "Notices: {sent} sent, {skipped} skipped (no address or consent), {retried} to retry, {failed} failed."
        ).format(sent=report.sent, skipped=report.skipped, retried=report.retried, failed=report.failed)
        + "\n"
    )
    return 1 if report.failed else 0


def _list(ctx, args) -> int:  # noqa: ANN001
    from dataclasses import asdict

    from bpa_provider.services.notify import list_outbox

    ctx.emit([asdict(r) for r in list_outbox(ctx.database(), ctx.actor(), args.status)], args.format, COLUMNS)
    return 0
