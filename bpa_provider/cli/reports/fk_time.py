"""`bpa-provider report fk-time --month YYYY-MM`: Försäkringskassan's monthly time report (form 3059).

The table and JSON mask personnummer; the CSV and the printable copy are what is sent to
Försäkringskassan, so they carry the full numbers, need the reveal permission and are logged.
"""

from __future__ import annotations

import argparse
from typing import Any

from bpa_provider.cli.context import add_format, month_arg
from bpa_provider.i18n import N_, _, render_message


def register(members: argparse._SubParsersAction) -> None:
    p = members.add_parser("fk-time", help="Försäkringskassan time report per Swedish client (form 3059)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--client", metavar="REF", help="one client only")
    add_format(p)
    p.add_argument(
        "--printable",
        action="store_true",
        help="a plain-text copy per assistant with signature lines (full personnummer, logged)",
    )
    p.set_defaults(func=run)


def parse_month_arg(text: str) -> tuple[int, int]:
    """`YYYY-MM`, or a one-line CliError."""
    return month_arg(text)


def run(ctx, args) -> int:  # noqa: ANN001
    from bpa_provider.services.sweden_reports import fk_time_report

    year, month = parse_month_arg(args.month)
    reveal = args.printable or args.format == "csv"
    purpose = "(printable)" if args.printable else f"({args.format})"
    reports = fk_time_report(
        ctx.database(), ctx.actor(), year, month, client_ref=args.client, reveal_ids=reveal, purpose=purpose
    )
    if not reports:
        if args.format == "json" and not args.printable:
            ctx.out.write("[]\n")
        else:
            ctx.out.write(
                _("No Swedish client has hours or a Försäkringskassan decision in {m}.").format(m=args.month) + "\n"
            )
        return 0
    if args.printable:
        ctx.out.write(printable(reports))
    elif args.format == "json":
        ctx.out.write(as_json(reports) + "\n")
    elif args.format == "csv":
        ctx.emit(csv_rows(reports), "csv", csv_columns(reports))
    else:
        ctx.out.write(as_table(reports))
    return 0


def _days(r) -> list[str]:  # noqa: ANN001
    return [str(d) for d in range(1, r.days + 1)]


def csv_columns(reports: list) -> list[str]:
    width = max(r.days for r in reports)
    return (
        [
            "client_ref",
            "client_personnummer",
            "month",
            "assistant_ref",
            "assistant_name",
            "personnummer",
            "fk_reported_on",
        ]
        + [str(d) for d in range(1, width + 1)]
        + ["total", "passive_hours", "unreported_hours", "client_total", "decided_hours", "deadline"]
    )


def csv_rows(reports: list) -> list[dict[str, Any]]:
    """One row per client and assistant; the client's figures repeat on each of its rows."""
    out = []
    for r in reports:
        common = {
            "client_ref": r.client_ref,
            "client_personnummer": r.client_national_id,
            "month": r.label,
            "client_total": r.total_hours,
            "decided_hours": r.decided_hours,
            "deadline": r.deadline,
        }
        for a in r.assistants or [None]:
            row = dict(common)
            if a is not None:
                row.update(
                    {
                        "assistant_ref": a.assistant_ref,
                        "assistant_name": a.name,
                        "personnummer": a.national_id,
                        "fk_reported_on": a.fk_reported_on,
                        "total": a.total,
                        "passive_hours": a.passive_hours,
                        "unreported_hours": a.unreported_hours,
                    }
                )
                row.update({str(i + 1): h for i, h in enumerate(a.hours_by_day)})
            out.append(row)
    return out


def _hours(value: Any) -> str:
    """Hours with two decimals and the language's decimal mark (sv: 12,50)."""
    from bpa_provider.formats import format_number

    return format_number(value, 2, trim=False)


def _summary(r) -> str:  # noqa: ANN001
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)

    issuer = _("Försäkringskassan") if r.fk_decision else _("no Försäkringskassan decision")
    return render_message(
        N_("Decided {d:.2f} h ({issuer}), worked {w:.2f} h, balance {x:.2f} h; due {due}"),
        {
            "d": r.decided_hours,
            "issuer": issuer,
            "w": r.total_hours,
            "x": r.decided_hours - r.total_hours,
            "due": format_date(r.deadline),
        },
    )


def _people(r) -> list[str]:  # noqa: ANN001
    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)

    out = []
    for a in r.assistants:
        reported = (
            _("reported {date}").format(date=format_date(a.fk_reported_on))
            if a.fk_reported_on
            else _("not reported to Försäkringskassan")
        )
        line = f"{a.assistant_ref} {a.name} {a.national_id or '-'} ({reported}): " + _("{h} h").format(
            h=_hours(a.total)
        )
        if a.unreported_hours:
            line += ", " + render_message(N_("{h:.2f} h before the report (not paid)"), {"h": a.unreported_hours})
        if a.passive_hours:
            line += ", " + render_message(N_("{h:.2f} h passive (jour) apart"), {"h": a.passive_hours})
        out.append(line)
    return out


def as_table(reports: list) -> str:
    """Days down, assistants across: a month fits a terminal, however many days it has."""
    from datetime import date

    from bpa_provider.render import render

    parts = []
    for r in reports:
        head = f"{r.client_ref} {r.client_name} ({r.client_national_id or '-'}), {r.municipality} — {r.label}"
        refs = [a.assistant_ref for a in r.assistants]
        rows: list[dict[str, Any]] = []
        for i in range(r.days):
            day = date(r.year, r.month, i + 1)
            row: dict[str, Any] = {
                "date": day,
                "day": _(_WEEKDAYS[day.weekday()]) + (" *" if day in r.holidays else ""),
            }
            row.update({a.assistant_ref: a.hours_by_day[i] or None for a in r.assistants})
            row["total"] = sum((a.hours_by_day[i] for a in r.assistants), 0.0) or None
            rows.append(row)
        rows.append({"date": _("total"), **{a.assistant_ref: a.total for a in r.assistants}, "total": r.total_hours})
        lines = [head, _summary(r), *_people(r)]
        if r.holidays:
            lines.append(_("* public holiday"))
        parts.append("\n".join(lines + ["", render(rows, "table", ["date", "day", *refs, "total"]), ""]))
    return "\n".join(parts)


def as_json(reports: list) -> str:
    import json

    data = [
        {
            "client_ref": r.client_ref,
            "client_name": r.client_name,
            "client_personnummer": r.client_national_id,
            "municipality": r.municipality,
            "month": r.label,
            "total_hours": r.total_hours,
            "decided_hours": r.decided_hours,
            "fk_decision": r.fk_decision,
            "deadline": r.deadline.isoformat(),
            "holidays": [d.isoformat() for d in r.holidays],
            "assistants": [
                {
                    "assistant_ref": a.assistant_ref,
                    "name": a.name,
                    "personnummer": a.national_id,
                    "fk_reported_on": a.fk_reported_on.isoformat() if a.fk_reported_on else None,
                    "hours_by_day": list(a.hours_by_day),
                    "total": a.total,
                    "passive_hours": a.passive_hours,
                    "unreported_hours": a.unreported_hours,
                }
                for a in r.assistants
            ],
        }
        for r in reports
    ]
    return json.dumps(data, ensure_ascii=False, indent=2)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def printable(reports: list) -> str:
    """One page per assistant (the form is signed per assistant), then the client's summary."""
    from datetime import date

    from tabulate import tabulate

    from bpa_provider.formats import format_date  # the language's way (sv: 2026-12-31)

    sign = "_" * 32
    pages = []
    for r in reports:
        client = _("Client: {name}, {pnr}, {muni}").format(
            name=r.client_name, pnr=r.client_national_id or "-", muni=r.municipality
        )
        for a in r.assistants:
            rows = []
            for i, h in enumerate(a.hours_by_day):
                day = date(r.year, r.month, i + 1)
                mark = " *" if day in r.holidays else ""
                rows.append([format_date(day), _(_WEEKDAYS[day.weekday()]) + mark, _hours(h) if h else ""])
            reported = format_date(a.fk_reported_on) if a.fk_reported_on else _("not reported")
            lines = [
                _("Försäkringskassan — time report, personal assistance (form 3059)"),
                client,
                _("Month: {m}    Due at Försäkringskassan: {due}").format(m=r.label, due=format_date(r.deadline)),
                _("Assistant: {name}, {pnr}    Reported to Försäkringskassan: {on}").format(
                    name=a.name, pnr=a.national_id or "-", on=reported
                ),
                "",
                tabulate(
                    rows,
                    headers=[_("Date"), _("Day"), _("Hours")],
                    tablefmt="simple",
                    disable_numparse=True,
                    colalign=("left", "left", "right"),
                ),
                "",
                render_message(N_("Total: {h:.2f} h"), {"h": a.total}),
            ]
            if a.passive_hours:
                lines.append(
                    render_message(N_("Passive time (jour), not included above: {h:.2f} h"), {"h": a.passive_hours})
                )
            if a.unreported_hours:
                lines.append(
                    render_message(
                        N_("Of which before the report to Försäkringskassan (not paid): {h:.2f} h"),
                        {"h": a.unreported_hours},
                    )
                )
            if r.holidays:
                lines.append(_("* public holiday"))
            lines += [
                "",
                "",
                _("Signature, assistant: {line}    Date: {short}").format(line=sign, short="_" * 12),
                "",
                _("Signature, employer:  {line}    Date: {short}").format(line=sign, short="_" * 12),
            ]
            pages.append("\n".join(lines))
        summary = [_("Försäkringskassan — summary for {m}").format(m=r.label), client, _summary(r), ""]
        summary.append(
            tabulate(
                [[a.name, a.national_id, _hours(a.total)] for a in r.assistants]
                + [[_("Total"), "", _hours(r.total_hours)]],
                headers=[_("Assistant"), _("Personnummer"), _("Hours")],
                tablefmt="simple",
                disable_numparse=True,
                colalign=("left", "left", "right"),
            )
        )
        pages.append("\n".join(summary))
    rule = "\n\n" + "=" * 72 + "\n\n"
    return rule.join(pages) + "\n"
