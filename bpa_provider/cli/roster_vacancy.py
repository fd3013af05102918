"""`bpa-provider roster vacant|candidates|fill`: vacant shifts and the substitutes who can take
them (docs/absence.md). Registered by `cli/commands/roster.py`."""

from __future__ import annotations

import argparse
from typing import Any

from bpa_provider.cli.context import Context, add_format, date_arg
from bpa_provider.i18n import _

VACANT_COLUMNS = ["id", "client", "start", "end", "was_assistant", "hours"]


def register(rs: argparse._SubParsersAction) -> None:
    v = rs.add_parser("vacant", help="vacant shifts in a period, earliest first")
    v.add_argument("--from", dest="from_date", required=True, metavar="DATE")
    v.add_argument("--to", dest="to_date", required=True, metavar="DATE")
    v.add_argument("--client", metavar="CLIENT_REF")
    add_format(v)
    v.set_defaults(func=_vacant)

    c = rs.add_parser("candidates", help="who can take a vacant shift, best first, with the reasons")
    c.add_argument("shift", metavar="SHIFT_ID")
    add_format(c)
    c.set_defaults(func=_candidates)

    o = rs.add_parser("offer", help="offer a vacant shift to an assistant by e-mail (an invitation)")
    o.add_argument("shift", metavar="SHIFT_ID")
    o.add_argument("--assistant", required=True, metavar="ASSISTANT_REF")
    o.set_defaults(func=_offer)

    f = rs.add_parser("fill", help="give a vacant shift to a substitute (the checks of 'roster add')")
    f.add_argument("shift", metavar="SHIFT_ID")
    f.add_argument("--assistant", required=True, metavar="ASSISTANT_REF")
    f.set_defaults(func=_fill)


def _vacant(ctx: Context, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bpa_provider.services.vacancy import list_vacant

    rows = list_vacant(
        ctx.database(), ctx.actor(), date_arg(args.from_date, "--from"), date_arg(args.to_date, "--to"), args.client
    )
    shown = [asdict(r) for r in rows]
    if args.format == "table":
        _in_local_time(shown)
    ctx.emit(shown, args.format, VACANT_COLUMNS)
    return 0


def _in_local_time(rows: list[dict[str, Any]]) -> None:
    """A person reads a shift's start and end in its client's local time, as it was planned; the
    rows hold UTC instants (JSON and CSV keep them so) and the client's zone (`VacantRow.tz`)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    for r in rows:
        zone = ZoneInfo(r["tz"])
        for key in ("start", "end"):
            instant = r[key] if r[key].tzinfo else r[key].replace(tzinfo=UTC)
            r[key] = instant.astimezone(zone).replace(tzinfo=None)


def _candidates(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.cli.commands.roster import shift_id
    from bpa_provider.services.vacancy import candidates

    found = candidates(ctx.database(), ctx.actor(), shift_id(args.shift), policy=ctx.settings.policy)
    if args.format == "json":
        import json

        ctx.out.write(
            json.dumps(
                [
                    {
                        "assistant": c.assistant,
                        "eligible": c.eligible,
                        "reasons": [r.render(translate=False) for r in c.reasons],
                    }
                    for c in found
                ],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        return 0
    rows = [
        {
            "assistant": c.assistant,
            "name": c.name,
            "eligible": _("yes") if c.eligible else _("no"),
            "reasons": "; ".join(str(r) for r in c.reasons),
        }
        for c in found
    ]
    ctx.emit(rows, args.format, ["assistant", "name", "eligible", "reasons"])
    return 0


def _fill(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.cli.commands.roster import _print_saved, assistant_id, shift_id
    from bpa_provider.services import roster

    res = roster.reassign_shift(
        ctx.database(),
        ctx.actor(),
        shift_id(args.shift),
        None,
        assistant_id(ctx, args.assistant),
        reason="",
        policy=ctx.settings.policy,
    )
    _print_saved(ctx, res)
    return 0


def _offer(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.cli.commands.roster import shift_id
    from bpa_provider.services.vacancy import offer

    if offer(ctx.database(), ctx.actor(), shift_id(args.shift), args.assistant):
        ctx.out.write(_("Offered to {ref}; 'notify send' delivers it.").format(ref=args.assistant) + "\n")
    else:
        ctx.out.write(_("Already offered to {ref}.").format(ref=args.assistant) + "\n")
    return 0
