"""`bpa-provider export calendar --out FILE.ics|-`: course dates and scheduled staff reviews as an
iCalendar file (all-day events) for a coordinator's calendar program.

Only references and the assistant's name go into the file — no client names, no review notes —
because a calendar file leaves the system's access control.
"""

from __future__ import annotations

import argparse

from bpa_provider.cli.context import CliError


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("calendar", help="course dates and scheduled reviews as an .ics file")
    p.add_argument("--out", required=True, metavar="FILE.ics", help="the file to write, or '-' for standard output")
    p.add_argument("--from", dest="from_date", metavar="DATE", help="first day (default: today)")
    p.add_argument("--days", type=int, default=365, help="how far ahead (default 365)")
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    from datetime import date, timedelta

    from bpa_provider.cli.output import check_target, describe, is_stdio, open_output, status_stream
    from bpa_provider.i18n import _
    from bpa_provider.ical import Event, calendar
    from bpa_provider.rules.dates import parse_date
    from bpa_provider.services.courses import list_sessions
    from bpa_provider.services.reviews import due_reviews

    if args.days < 1:
        raise CliError(_("--days must be at least 1"))
    try:
        start = parse_date(args.from_date) if args.from_date else date.today()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    end = start + timedelta(days=args.days)
    check_target(args.out, remote=ctx.remote)
    db, actor = ctx.database(), ctx.actor()
    events = []
    for cs in list_sessions(db, actor, from_date=start, to_date=end):
        seats = f"{cs.enrolled}/{cs.capacity}" if cs.capacity else str(cs.enrolled)
        events.append(
            Event(
                uid=f"course-session-{cs.id}@bpa-provider",
                summary=f"{_('Course')}: {cs.course}",
                start=cs.starts_on,
                end=(cs.ends_on or cs.starts_on) + timedelta(days=1),
                description=f"{cs.organiser}\n{_('Enrolled')}: {seats}".strip(),
                location=cs.place,
            )
        )
    # Overdue reviews are shown on the first day so they are not lost in the past.
    for r in due_reviews(db, actor, start, include_all=True, policy=ctx.settings.policy):
        day = max(r.next_due, start)
        if day > end:
            continue
        events.append(
            Event(
                uid=f"review-{r.assistant_id}-{r.client_id}@bpa-provider",
                summary=f"{_('Staff review')}: {r.assistant_name} ({r.assistant_ref}) – {r.client_ref}",
                start=day,
                end=day + timedelta(days=1),
                description=f"{_('Due')}: {r.next_due.isoformat()} ({r.status})",
            )
        )
    with open_output(args.out, newline="", stdout=ctx.out, remote=ctx.remote) as fh:
        fh.write(calendar(events, name="bpa-provider"))
    if not is_stdio(args.out):
        status_stream(args.out, ctx.out).write(
            _("{n} events written to {path}.").format(n=len(events), path=describe(args.out)) + "\n"
        )
    return 0
