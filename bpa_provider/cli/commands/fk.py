"""`bpa-provider fk …`: Försäkringskassan (Sweden) — report an assistant for a client, the state's
hourly rate table, and the time reports due soon."""

from __future__ import annotations

import argparse
from datetime import date

from bpa_provider.cli.context import CliError, add_format, date_arg
from bpa_provider.i18n import N_, Msg, _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fk", help="Försäkringskassan (Sweden): assistant registration, state rate, deadlines")
    fk = p.add_subparsers(dest="fk_command", metavar="ACTION", required=True)

    r = fk.add_parser("register", help="record that an assistant was reported to FK for a client (form 3066)")
    r.add_argument("assistant", metavar="ASSISTANT_REF")
    r.add_argument("client", metavar="CLIENT_REF")
    r.add_argument("--on", required=True, metavar="DATE", help="the date of the report (dd.mm.yyyy or YYYY-MM-DD)")
    r.set_defaults(func=_register)

    rate = fk.add_parser("rate", help="the state's hourly rate (schablonbelopp)")
    rs = rate.add_subparsers(dest="rate_command", metavar="ACTION", required=True)
    a = rs.add_parser("add", help="add the rate in force from a date")
    a.add_argument("--from", dest="valid_from", required=True, metavar="DATE")
    a.add_argument("--rate", required=True, metavar="SEK", help="SEK per hour, e.g. 332.60")
    a.add_argument("--note", default="")
    a.set_defaults(func=_rate_add)
    ls = rs.add_parser("list", help="list the rates")
    add_format(ls)
    ls.set_defaults(func=_rate_list)

    d = fk.add_parser("deadlines", help="time reports and invoices due soon")
    d.add_argument("--today", metavar="DATE", help="count from this date (default: today)")
    d.add_argument("--within", type=int, default=14, metavar="DAYS")
    add_format(d)
    d.set_defaults(func=_deadlines)


def parse_day(text: str, what: str) -> date:
    """A typed date, or a one-line CliError naming the option."""
    value = date_arg(text, what)
    if value is None:
        raise CliError(
            N_("{flag}: {problem}"), flag=what, problem=Msg(N_("a date is required (dd.mm.yyyy or YYYY-MM-DD)"))
        )
    return value


def _register(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)
    from bpa_provider.services.sweden import register_assistant

    on = parse_day(args.on, "--on")
    reg = register_assistant(ctx.database(), ctx.actor(), args.assistant, args.client, on)
    ctx.out.write(
        _("{a} ({name}) reported to Försäkringskassan for {c} on {date}: age {age}, EEA resident.").format(
            a=reg.assistant_ref,
            name=reg.assistant_name,
            c=reg.client_ref,
            date=format_date(reg.reported_on),
            age=reg.age,
        )
        + "\n"
    )
    if reg.family_relation:
        permission = (
            _("municipality's permission {date}").format(date=format_date(reg.family_permission_on))
            if reg.family_permission_on
            else _("no permission recorded")
        )
        ctx.out.write(
            _("Note: close family of the client ({permission}); state this on the form.").format(permission=permission)
            + "\n"
        )
    return 0


def _rate_add(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)
    from bpa_provider.services.sweden import add_state_rate

    valid_from = parse_day(args.valid_from, "--from")
    from bpa_provider.rules.money import to_decimal

    try:  # exact: "332.60" is stored as 332.60, never through a float
        rate = to_decimal(args.rate.replace(",", "."))
    except ValueError:
        raise CliError(_("--rate: '{v}' is not a number").format(v=args.rate)) from None
    row = add_state_rate(ctx.database(), ctx.actor(), valid_from, rate, args.note)
    ctx.say(N_("State rate SEK {rate:.2f} per hour from {date}."), rate=row.rate, date=format_date(row.valid_from))
    return 0


def _rate_list(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.rules.money import money
    from bpa_provider.services.sweden import list_state_rates

    # Decimal: a table writes 332,60 in nb/sv, JSON and CSV the exact "332.60" (render.py).
    rows = [
        {"valid_from": r.valid_from, "rate": money(r.rate), "currency": r.currency, "note": r.note}
        for r in list_state_rates(ctx.database(), ctx.actor())
    ]
    ctx.emit(rows, args.format, ["valid_from", "rate", "currency", "note"])
    return 0


def _deadlines(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sweden import fk_deadlines

    today = parse_day(args.today, "--today") if args.today else date.today()
    if args.within < 0:
        raise CliError(_("--within: the number of days cannot be negative"))
    rows = [d.__dict__ for d in fk_deadlines(ctx.database(), ctx.actor(), today, args.within)]
    ctx.emit(rows, args.format, ["client_ref", "client_name", "month", "deadline", "days_left"])
    return 0
