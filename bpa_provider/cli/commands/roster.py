"""`bpa-provider roster …`: plan shifts and patterns, copy weeks, reassign, approve, lock, reopen,
and show a client's week.

Times are typed on the client's local clock: `2026-03-02T08:00` or `02.03.2026 08:00`; an end may
be just `HH:MM` (the next day when it is earlier than the start). Services are imported inside the
run functions, so `bpa-provider --help` stays fast.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from bpa_provider.cli.context import CliError, Context, add_format, problem_of
from bpa_provider.i18n import N_, _

if TYPE_CHECKING:  # the services are imported inside the run functions (a fast `--help`)
    from bpa_provider.services.roster import SaveResult

# --------------------------------------------------------------------------- helpers (shared with reports/exports)


def client_id(ctx: Context, ref: str) -> int:
    from bpa_provider.services.records import find_id

    return find_id(ctx.database(), ctx.actor(), "client", ref)


def assistant_id(ctx: Context, ref: str) -> int:
    from bpa_provider.services.records import find_id

    return find_id(ctx.database(), ctx.actor(), "assistant", ref)


def day(text: str, what: str) -> date:
    from bpa_provider.rules.dates import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise CliError(N_("{flag}: {problem}"), flag=what, problem=problem_of(exc)) from None


def week(text: str) -> tuple[date, date]:
    from bpa_provider.services.periods import week_range

    try:
        return week_range(text)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def month(text: str) -> tuple[date, date]:
    """`YYYY-MM` → [first day, first day of the next month), as `periods.month_range`, parsed by
    the rule alone: importing `services.periods` brings the working-time stack into every
    `--month` report's start (~25 ms of `report invoice`)."""
    from bpa_provider.rules.dates import parse_month

    try:
        y, m = parse_month(text)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return date(y, m, 1), date(y + m // 12, m % 12 + 1, 1)


def period(args: argparse.Namespace) -> tuple[date, date]:
    """--week YYYY-Www or --month YYYY-MM (exactly one)."""
    if bool(args.week) == bool(args.month):
        raise CliError(_("give either --week YYYY-Www or --month YYYY-MM"))
    return week(args.week) if args.week else month(args.month)


def shift_id(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise CliError(_("'{v}' is not a shift number").format(v=text))
    return int(text)


def _print_saved(ctx: Context, res: SaveResult) -> None:
    """The shifts a save wrote (at most 20), on their client's local clock, and what it removed,
    skipped or warns about. The zones come with the result: no database session here."""
    from zoneinfo import ZoneInfo

    from bpa_provider.cli.reports.fk_time import _WEEKDAYS  # "Mon" … as message ids
    from bpa_provider.formats import format_datetime  # the language's way (sv: 2026-12-31 08:00)
    from bpa_provider.rules.hours import shift_hours

    for sh in res.shifts[:20]:
        z = ZoneInfo(res.zones[sh.client_id])
        local = sh.start_utc.astimezone(z)
        ctx.say(
            N_("Shift {id}: {start}–{end} ({hours:.2f} h)"),
            id=sh.id,
            start=f"{_(_WEEKDAYS[local.weekday()])} {format_datetime(local)}",
            end=f"{sh.end_utc.astimezone(z):%H:%M}",
            hours=shift_hours(sh.start_utc, sh.end_utc),
        )
    if len(res.shifts) > 20:
        ctx.out.write(_("… and {n} more shifts").format(n=len(res.shifts) - 20) + "\n")
    if res.removed:
        ctx.out.write(_("{n} shifts removed").format(n=res.removed) + "\n")
    for text in res.skipped:
        ctx.out.write(_("skipped {what}").format(what=text) + "\n")
    for v in res.warnings:
        ctx.out.write(
            f"{_('warning')} {v.rule_id}: {v.text()} ({_(v.law)}) [{', '.join(f'#{i}' for i in v.shift_ids)}]\n"
        )


# --------------------------------------------------------------------------- register


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="plan shifts and patterns, approve, lock and show weeks")
    rs = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)

    a = rs.add_parser("add", help="plan one shift")
    a.add_argument("client")
    a.add_argument("assistant", nargs="?", help="who works it (none with --vacant)")
    a.add_argument("--start", required=True, help="local time, e.g. 2026-03-02T08:00")
    a.add_argument("--end", required=True, help="local time, or HH:MM")
    a.add_argument("--kind", default="active", choices=("active", "passive", "night"))
    a.add_argument("--legal-basis", default="", help="needed for a shift over 12.5 h")
    a.add_argument("--note", default="")
    a.add_argument("--replaces", metavar="ASSISTANT", help="the assistant this one stands in for")
    a.add_argument("--vacant", action="store_true", help="nobody has it yet: a vacant shift to fill")
    a.set_defaults(func=_add)

    e = rs.add_parser("edit", help="change a shift (a worked shift records a deviation)")
    e.add_argument("shift")
    e.add_argument("--start")
    e.add_argument("--end")
    e.add_argument("--kind", choices=("active", "passive", "night"))
    e.add_argument("--active-minutes", type=int)
    e.add_argument("--legal-basis")
    e.add_argument("--note")
    e.set_defaults(func=_edit)

    c = rs.add_parser("cancel", help="cancel a shift")
    c.add_argument("shift")
    c.add_argument("--reason", default="")
    c.set_defaults(func=_cancel)

    pt = rs.add_parser("pattern", help="a recurring pattern, generated to the horizon")
    pt.add_argument("client")
    pt.add_argument("assistant")
    pt.add_argument("--days", required=True, help="e.g. mon,wed,fri")
    pt.add_argument("--from", dest="start", required=True, metavar="HH:MM")
    pt.add_argument("--to", dest="end", required=True, metavar="HH:MM", help="earlier than --from: next day")
    pt.add_argument("--valid-from", required=True, metavar="DATE")
    pt.add_argument("--valid-to", metavar="DATE")
    pt.add_argument("--cycle", type=int, default=1, help="rotation length in weeks (1-4)")
    pt.add_argument("--cycle-week", type=int, default=0, help="which week of the rotation (0-based)")
    pt.add_argument("--kind", default="active", choices=("active", "passive", "night"))
    pt.add_argument("--name", default="")
    pt.set_defaults(func=_pattern)

    x = rs.add_parser("extend", help="generate every pattern up to the horizon")
    x.add_argument("client", nargs="?")
    x.set_defaults(func=_extend)

    cw = rs.add_parser("copy-week", help="copy a week's shifts to the following weeks")
    cw.add_argument("client")
    cw.add_argument("--week", required=True, metavar="YYYY-Www")
    cw.add_argument("--weeks", type=int, default=1)
    cw.set_defaults(func=_copy_week)

    r = rs.add_parser("reassign", help="give a shift to another assistant (a substitute)")
    r.add_argument("shift")
    r.add_argument("assistant")
    r.add_argument("--reason", default="")
    r.set_defaults(func=_reassign)

    from bpa_provider.cli import roster_vacancy  # vacant, candidates, fill (docs/absence.md)

    roster_vacancy.register(rs)

    k = rs.add_parser("ack", help="acknowledge a working-time warning with a comment")
    k.add_argument("shift")
    k.add_argument("rule")
    k.add_argument("--comment", required=True)
    k.set_defaults(func=_ack)

    d = rs.add_parser("deviation", help="accept or reject a recorded deviation")
    d.add_argument("shift")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--accept", action="store_true")
    g.add_argument("--reject", action="store_true")
    d.add_argument("--comment", default="")
    d.set_defaults(func=_deviation)

    for name, helptext, func in (
        ("approve", N_("approve a client's hours for a week or month"), _approve),
        ("coapprove", N_("co-approve a supervisor's approval (course overdue)"), _coapprove),
        ("lock", N_("lock an approved week or month"), _lock),
        ("reopen", N_("reopen a locked period (admin, with a reason)"), _reopen),
    ):
        q = rs.add_parser(name, help=helptext)
        q.add_argument("client")
        q.add_argument("--week", metavar="YYYY-Www")
        q.add_argument("--month", metavar="YYYY-MM")
        if name == "approve":
            q.add_argument("--deviations", action="store_true", help="accept pending deviations too")
        if name == "reopen":
            q.add_argument("--reason", required=True)
        q.set_defaults(func=func)

    w = rs.add_parser("week", help="a client's week: shifts, hours, holidays, rule marks")
    w.add_argument("client")
    w.add_argument("--week", required=True, metavar="YYYY-Www")
    add_format(w)
    w.set_defaults(func=_week)


# --------------------------------------------------------------------------- actions


def _add(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    if args.vacant == bool(args.assistant):
        raise CliError(N_("name the assistant, or --vacant for a shift nobody has yet"))
    if args.vacant and args.replaces:
        raise CliError(N_("a vacant shift stands in for nobody yet: --replaces goes with 'roster fill'"))
    cid = client_id(ctx, args.client)
    aid = assistant_id(ctx, args.assistant) if args.assistant else None
    replaces = assistant_id(ctx, args.replaces) if args.replaces else None
    res = roster.create_shift(
        ctx.database(),
        ctx.actor(),
        cid,
        aid,
        args.start,
        args.end,
        kind=args.kind,
        legal_basis=args.legal_basis,
        note=args.note,
        replaces_assistant_id=replaces,
        vacant=args.vacant,
        policy=ctx.settings.policy,
    )
    _print_saved(ctx, res)
    return 0


def _edit(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    res = roster.update_shift(
        ctx.database(),
        ctx.actor(),
        shift_id(args.shift),
        None,
        start=args.start,
        end=args.end,
        kind=args.kind,
        active_minutes=args.active_minutes,
        legal_basis=args.legal_basis,
        note=args.note,
        policy=ctx.settings.policy,
    )
    _print_saved(ctx, res)
    if res.shift is not None and res.shift.deviation_status == "pending":
        ctx.out.write(_("Recorded as a deviation: it waits for the supervisor's approval.") + "\n")
    return 0


def _cancel(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    sh = roster.cancel_shift(ctx.database(), ctx.actor(), shift_id(args.shift), None, args.reason)
    ctx.out.write(_("Shift {id} cancelled.").format(id=sh.id) + "\n")
    return 0


def _pattern(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    res = roster.create_pattern(
        ctx.database(),
        ctx.actor(),
        client_id(ctx, args.client),
        assistant_id(ctx, args.assistant),
        weekdays=args.days,
        start_time=args.start,
        end_time=args.end,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        kind=args.kind,
        cycle_weeks=args.cycle,
        cycle_week=args.cycle_week,
        name=args.name,
        policy=ctx.settings.policy,
    )
    ctx.out.write(
        _("Pattern {id} created: {n} shifts up to {until}.").format(
            id=res.pattern.id, n=len(res.shifts), until=res.pattern.generated_until
        )
        + "\n"
    )
    _print_saved(ctx, res)
    return 0


def _extend(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    cid = client_id(ctx, args.client) if args.client else None
    res = roster.extend_patterns(ctx.database(), ctx.actor(), client_id=cid, policy=ctx.settings.policy)
    ctx.out.write(_("{n} shifts generated.").format(n=len(res.shifts)) + "\n")
    _print_saved(ctx, res)
    return 0


def _copy_week(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    first, _end = week(args.week)
    res = roster.copy_week(
        ctx.database(), ctx.actor(), client_id(ctx, args.client), first, args.weeks, policy=ctx.settings.policy
    )
    ctx.out.write(_("{n} shifts copied.").format(n=len(res.shifts)) + "\n")
    _print_saved(ctx, res)
    return 0


def _reassign(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import roster

    res = roster.reassign_shift(
        ctx.database(),
        ctx.actor(),
        shift_id(args.shift),
        None,
        assistant_id(ctx, args.assistant),
        reason=args.reason,
        policy=ctx.settings.policy,
    )
    _print_saved(ctx, res)
    return 0


def _ack(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import worktime

    ack = worktime.acknowledge_warning(
        ctx.database(), ctx.actor(), shift_id(args.shift), args.rule, args.comment, policy=ctx.settings.policy
    )
    ctx.out.write(_("{rule} on shift {id} acknowledged.").format(rule=ack.rule_id, id=ack.shift_id) + "\n")
    return 0


def _deviation(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import periods

    sh = periods.decide_deviation(
        ctx.database(), ctx.actor(), shift_id(args.shift), None, bool(args.accept), args.comment
    )
    ctx.out.write(_("Deviation on shift {id}: {status}.").format(id=sh.id, status=sh.deviation_status) + "\n")
    return 0


def _approve(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import periods

    first, last = period(args)
    row = periods.approve_period(
        ctx.database(),
        ctx.actor(),
        client_id(ctx, args.client),
        first,
        last,
        approve_deviations=args.deviations,
        policy=ctx.settings.policy,
    )
    ctx.out.write(_("Hours {period} approved.").format(period=periods.describe(first, last)) + "\n")
    if row.needs_coapproval:
        ctx.out.write(_("The supervisor's basic course is overdue: a coordinator must co-approve.") + "\n")
    return 0


def _coapprove(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import periods

    first, last = period(args)
    periods.coapprove_period(ctx.database(), ctx.actor(), client_id(ctx, args.client), first, last)
    ctx.out.write(_("Hours {period} co-approved.").format(period=periods.describe(first, last)) + "\n")
    return 0


def _lock(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import periods

    first, last = period(args)
    periods.lock_period(ctx.database(), ctx.actor(), client_id(ctx, args.client), first, last)
    ctx.out.write(_("Period {period} locked.").format(period=periods.describe(first, last)) + "\n")
    return 0


def _reopen(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import periods

    first, last = period(args)
    rows = periods.reopen_period(ctx.database(), ctx.actor(), client_id(ctx, args.client), first, last, args.reason)
    for row in rows:
        ctx.out.write(
            _("Period {period} reopened.").format(period=periods.describe(row.period_start, row.period_end)) + "\n"
        )
    return 0


WEEK_COLUMNS = [
    "id",
    "day",
    "start",
    "end",
    "hours",
    "assistant",
    "assistant_name",
    "kind",
    "status",
    "deviation",
    "replaces",
    "rules",
]


def _week(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services import exports, roster

    first, _end = week(args.week)
    view = roster.client_week(
        ctx.database(), ctx.actor(), client_id(ctx, args.client), first, policy=ctx.settings.policy
    )
    if args.format == "table":
        ctx.out.write(exports.render_week(view))
        return 0
    rows = [
        {
            "id": v.id,
            "day": v.start.date(),
            "start": v.start.isoformat(),
            "end": v.end.isoformat(),
            "hours": v.hours,
            "assistant": v.assistant_ref,
            "assistant_name": v.assistant_name,
            "kind": v.kind,
            "status": v.status,
            "deviation": v.deviation_status,
            "replaces": v.replaces_ref,
            "rules": " ".join(w.rule_id + ("(ok)" if w.acknowledged else "") for w in v.violations),
        }
        for v in view.shifts
    ]
    ctx.emit(rows, args.format, WEEK_COLUMNS)
    return 0
