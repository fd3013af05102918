"""`bpa-provider sick …`: assistants' sick periods and the sick-pay claims to municipalities (Sweden)."""

from __future__ import annotations

import argparse

from bpa_provider.cli.commands.fk import parse_day
from bpa_provider.cli.context import CliError, add_format
from bpa_provider.i18n import N_, _, render_message

_CLAIM_COLUMNS = [
    "id",
    "status",
    "client_ref",
    "municipality",
    "assistant_ref",
    "assistant_name",
    "sick_from",
    "sick_to",
    "first_day",
    "last_day",
    "hours",
    "doctor_note_needed",
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sick", help="sick periods and sick-pay claims (Sweden)")
    sk = p.add_subparsers(dest="sick_command", metavar="ACTION", required=True)

    a = sk.add_parser("add", help="record a sick period and prepare the claims it gives")
    a.add_argument("assistant", metavar="ASSISTANT_REF")
    a.add_argument("--from", dest="from_date", required=True, metavar="DATE", help="first sick day")
    a.add_argument("--to", dest="to_date", required=True, metavar="DATE", help="last sick day")
    a.add_argument("--doctor-note", metavar="DATE", help="date of the doctor's note (needed from day 8)")
    a.add_argument("--note", default="", help="a short note; no diagnosis")
    a.set_defaults(func=_add)

    u = sk.add_parser("update", help="extend a sick period or record the doctor's note")
    u.add_argument("id", type=int, metavar="SICK_PERIOD_ID")
    u.add_argument("--to", dest="to_date", metavar="DATE")
    u.add_argument("--doctor-note", metavar="DATE")
    u.set_defaults(func=_update)

    pr = sk.add_parser("prepare", help="prepare or refresh the claims of a sick period")
    pr.add_argument("id", type=int, metavar="SICK_PERIOD_ID")
    pr.set_defaults(func=_prepare)

    c = sk.add_parser("claims", help="list sick-pay claims")
    c.add_argument("--status", choices=("prepared", "sent", "paid", "rejected"))
    add_format(c)
    c.set_defaults(func=_claims)

    st = sk.add_parser("claim-status", help="mark a claim sent, paid or rejected")
    st.add_argument("id", type=int, metavar="CLAIM_ID")
    st.add_argument("status", choices=("sent", "paid", "rejected"))
    st.set_defaults(func=_claim_status)


def _say_claims(ctx, claims) -> None:  # noqa: ANN001
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)

    if not claims:
        ctx.out.write(_("No claim: no substitute worked this assistant's shifts on days 2-14.") + "\n")
    for c in claims:
        line = render_message(
            N_("Claim {id} ({status}): {h:.2f} h, {a}–{b}"),
            {"id": c.id, "status": c.status, "h": c.hours, "a": format_date(c.first_day), "b": format_date(c.last_day)},
        )
        if c.doctor_note_needed:
            line += "; " + _("doctor's note needed")
        ctx.out.write(line + "\n")


def _add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sickpay import add_sick_period, prepare_claims

    start = parse_day(args.from_date, "--from")
    end = parse_day(args.to_date, "--to")
    note_on = parse_day(args.doctor_note, "--doctor-note") if args.doctor_note else None
    db, actor = ctx.database(), ctx.actor()
    period = add_sick_period(db, actor, args.assistant, start, end, note_on, args.note)
    ctx.out.write(_("Sick period {id} recorded for {ref}.").format(id=period.id, ref=args.assistant) + "\n")
    _say_claims(ctx, prepare_claims(db, actor, period.id))
    return 0


def _update(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sickpay import prepare_claims, update_sick_period

    if not args.to_date and not args.doctor_note:
        raise CliError(_("give --to or --doctor-note"))
    end = parse_day(args.to_date, "--to") if args.to_date else None
    note_on = parse_day(args.doctor_note, "--doctor-note") if args.doctor_note else None
    db, actor = ctx.database(), ctx.actor()
    update_sick_period(db, actor, args.id, None, to_date=end, doctor_note_on=note_on)
    ctx.out.write(_("Sick period {id} changed.").format(id=args.id) + "\n")
    _say_claims(ctx, prepare_claims(db, actor, args.id))
    return 0


def _prepare(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sickpay import prepare_claims

    _say_claims(ctx, prepare_claims(ctx.database(), ctx.actor(), args.id))
    return 0


def _claims(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sickpay import list_claims

    rows = [c.__dict__ for c in list_claims(ctx.database(), ctx.actor(), args.status)]
    ctx.emit(rows, args.format, _CLAIM_COLUMNS)
    return 0


def _claim_status(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sickpay import set_claim_status

    claim = set_claim_status(ctx.database(), ctx.actor(), args.id, args.status)
    ctx.out.write(_("Claim {id} is now {status}.").format(id=claim.id, status=claim.status) + "\n")
    return 0
