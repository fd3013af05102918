"""`bpa-provider course …`: the course catalog, course dates, enrollment and outcomes.

course add NAME --kind KIND [--organiser O] [--hours H] [--validity-months N]
course list
course session add COURSE --starts DATE [--ends DATE] [--place P] [--capacity N]
course session list [--course COURSE] [--from DATE]
course enroll SESSION_ID REF [REF …] [--client K-…]        (S-… supervisors, A-… assistants)
course enrollments [--session ID] [--person REF]
course complete SESSION_ID REF [REF …] [--on DATE] [--certificate C]
course attended SESSION_ID REF [REF …] [--on DATE]
course no-show SESSION_ID REF [REF …]
course require CLIENT COURSE [--remove]
course expiring [--on DATE]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from bpa_provider.cli.context import CliError, add_format, date_arg
from bpa_provider.i18n import N_, _

KINDS = ("supervisor_basic", "supervisor_refresher", "assistant_training")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("course", help="course catalog, course dates, enrollment and completion")
    cs = p.add_subparsers(dest="course_command", metavar="ACTION", required=True)

    a = cs.add_parser("add", help="add a course to the catalog")
    a.add_argument("name")
    a.add_argument("--kind", required=True, choices=KINDS)
    a.add_argument("--organiser", default="")
    a.add_argument("--hours", default=None, help="course hours (for the training report)")
    a.add_argument("--validity-months", default=None, help="months until it expires (default: never)")
    a.set_defaults(func=_add)

    ls = cs.add_parser("list", help="list the catalog")
    add_format(ls)
    ls.set_defaults(func=_list)

    se = cs.add_parser("session", help="course dates")
    ses = se.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    sa = ses.add_parser("add", help="add a course date")
    sa.add_argument("course", help="course name or id")
    sa.add_argument("--starts", required=True, metavar="DATE")
    sa.add_argument("--ends", metavar="DATE")
    sa.add_argument("--place", default="")
    sa.add_argument("--capacity", default=None)
    sa.set_defaults(func=_session_add)
    sl = ses.add_parser("list", help="list course dates")
    sl.add_argument("--course", help="course name or id")
    sl.add_argument("--from", dest="from_date", metavar="DATE", help="dates ending on or after DATE")
    add_format(sl)
    sl.set_defaults(func=_session_list)

    e = cs.add_parser("enroll", help="enroll supervisors (S-…) and assistants (A-…) in a course date")
    e.add_argument("session", type=int, metavar="SESSION_ID")
    e.add_argument("people", nargs="+", metavar="REF")
    e.add_argument("--client", metavar="REF", help="the client the training is for (default: the person's only client)")
    e.set_defaults(func=_enroll)

    el = cs.add_parser("enrollments", help="list enrollments of a course date or a person")
    el.add_argument("--session", type=int, metavar="SESSION_ID")
    el.add_argument("--person", metavar="REF")
    add_format(el)
    el.set_defaults(func=_enrollments)

    for name, status, text in (
        ("complete", "completed", N_("record completion")),
        ("attended", "attended", N_("record attendance")),
        ("no-show", "no_show", N_("record that people did not come")),
    ):
        o = cs.add_parser(name, help=text)
        o.add_argument("session", type=int, metavar="SESSION_ID")
        o.add_argument("people", nargs="+", metavar="REF")
        if status != "no_show":
            o.add_argument("--on", metavar="DATE", help="date (default: the course's last day)")
        if status == "completed":
            o.add_argument("--certificate", default="", metavar="REF", help="certificate reference (one person)")
        o.set_defaults(func=_outcome, status=status)

    r = cs.add_parser("require", help="make a course required for a client's assistants")
    r.add_argument("client", metavar="CLIENT_REF")
    r.add_argument("course", metavar="COURSE")
    r.add_argument("--remove", action="store_true", help="no longer required")
    r.set_defaults(func=_require)

    x = cs.add_parser("expiring", help="course credentials expiring within 90 days, or expired")
    x.add_argument("--on", metavar="DATE", help="as of DATE (default: today)")
    add_format(x)
    x.set_defaults(func=_expiring)


def _add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.courses import create_course

    data = {"name": args.name, "kind": args.kind, "organiser": args.organiser}
    if args.hours is not None:
        data["hours"] = args.hours
    if args.validity_months is not None:
        data["validity_months"] = args.validity_months
    course = create_course(ctx.database(), ctx.actor(), data)
    ctx.out.write(_("Course '{name}' added (id {id}).").format(name=course.name, id=course.id) + "\n")
    return 0


def _list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.courses import list_courses

    rows = [c.model_dump() for c in list_courses(ctx.database(), ctx.actor())]
    ctx.emit(rows, args.format, ["id", "name", "kind", "organiser", "hours", "validity_months"])
    return 0


def _session_add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.courses import create_session

    data = {"starts_on": args.starts, "place": args.place}
    if args.ends:
        data["ends_on"] = args.ends
    if args.capacity is not None:
        data["capacity"] = args.capacity
    row = create_session(ctx.database(), ctx.actor(), args.course, data)
    ctx.out.write(_("Course date {id} added ({day}).").format(id=row.id, day=row.starts_on.isoformat()) + "\n")
    return 0


def _session_list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.courses import list_sessions

    start = date_arg(args.from_date, default_today=True) if args.from_date else None
    rows = list_sessions(ctx.database(), ctx.actor(), course=args.course, from_date=start)
    ctx.emit(
        [asdict(r) for r in rows],
        args.format,
        ["id", "course", "kind", "starts_on", "ends_on", "place", "capacity", "enrolled", "free"],
    )
    return 0


def _enroll(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.course_enrollment import enroll

    rows = enroll(ctx.database(), ctx.actor(), args.session, args.people, client=args.client)
    ctx.out.write(_("{n} enrolled on course date {id}.").format(n=len(rows), id=args.session) + "\n")
    return 0


def _enrollments(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.course_enrollment import list_enrollments

    if args.session is None and not args.person:
        raise CliError(_("give --session ID or --person REF"))
    rows = list_enrollments(ctx.database(), ctx.actor(), session_id=args.session, person=args.person)
    ctx.emit(
        [asdict(r) for r in rows],
        args.format,
        [
            "id",
            "session_id",
            "course",
            "starts_on",
            "person_ref",
            "person_name",
            "client_ref",
            "status",
            "completed_on",
            "certificate_ref",
            "expires_on",
        ],
    )
    return 0


def _outcome(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.course_enrollment import record_session_outcomes

    certificate = getattr(args, "certificate", "")
    if certificate and len(args.people) > 1:
        raise CliError(_("--certificate names one person's certificate: give one person at a time"))
    rows = record_session_outcomes(
        ctx.database(), ctx.actor(), args.session, args.people, args.status, getattr(args, "on", None), certificate
    )
    ctx.out.write(_("{status} recorded for {n}.").format(status=args.status, n=len(rows)) + "\n")
    return 0


def _require(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.course_credentials import set_required_training

    set_required_training(ctx.database(), ctx.actor(), args.client, args.course, not args.remove)
    text = _("{client} no longer requires '{course}'.") if args.remove else _("{client} requires '{course}'.")
    ctx.out.write(text.format(client=args.client, course=args.course) + "\n")
    return 0


def _expiring(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.course_credentials import expiring_credentials

    rows = expiring_credentials(
        ctx.database(), ctx.actor(), date_arg(args.on, default_today=True), policy=ctx.settings.policy
    )
    ctx.emit(
        [asdict(r) for r in rows],
        args.format,
        ["person_ref", "person_name", "course", "completed_on", "expires_on", "days_left", "reminder", "expired"],
    )
    return 0
