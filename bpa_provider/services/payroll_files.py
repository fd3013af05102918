"""The payroll files written from a `payroll.PayrollMonth` (docs/payroll.md), as bytes:

- `summary`: one row per assistant with the hours of every pay category (the file people read);
  comma-separated UTF-8, or with `excel` UTF-8 with BOM, `;` and decimal comma.
- `lines`: Visma Lønn's "Lønnsregistrering standard format": one row per employee x wage type x
  cost centre (the client's reference as R2 project), `;`-separated, no header, decimal point
  (Visma's format; a decimal comma would be read as a field break in some versions). `excel` only
  adds the BOM.
- `paxml`: PAXml 2.2 (`LÖNIN`) for Swedish payroll systems: one `tidtrans` per employee, day,
  time code and client (the client as result unit, `resenhet` dimension 1), and absence as one
  `franvarotrans` per employee, day, absence type and client.

Absence (services/payroll_absence.py) has wage types of its own in every layout: sick pay in the
employer period at the hourly wage; holiday and unpaid leave as zero-paid lines (their hours
registered, rate and amount 0.00: holiday is paid from holiday pay, unpaid leave is not paid).

Every text cell of the CSV files passes the formula guard of `render` (a cell starting with
= + - @ tab or CR is neutralised), as every CSV the app writes. Amounts follow `rules.money`.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

from bpa_provider.config import WageTypes
from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_
from bpa_provider.render import _csv_cell, _visible
from bpa_provider.rules import money
from bpa_provider.services.payroll import COLUMNS, PayrollMonth, PayrollRow
from bpa_provider.services.payroll_absence import ABSENCE_KINDS

LAYOUTS = ("summary", "lines", "paxml")
LINES_COLUMNS = (
    "wage_year",
    "run_number",
    "employee_number",
    "wage_type",
    "base",
    "quantity",
    "rate",
    "amount",
    "account",
    "balancing_account",
    "r1_department",
    "r2_project",
)
#: Which entry kind each wage kind of the files is made of. The `lines` file pays passive time as
#: the paid hours (20 min per hour); PAXml reports the passive hours (jour) and the Swedish
#: payroll system applies its own rate.
LINES_KINDS = {
    "ordinary": "ordinary",
    "evening": "evening",
    "night": "night",
    "weekend": "weekend",
    "holiday": "holiday",
    "passive": "passive_paid",
    "overtime": "overtime",
    **{kind: kind for kind in ABSENCE_KINDS},
}
#: PAXml's time transactions (`tidtrans`): work. Absence goes in `franvarotrans` (PAXML_ABSENCE).
PAXML_KINDS = {k: v for k, v in {**LINES_KINDS, "passive": "passive"}.items() if k not in ABSENCE_KINDS}
PAXML_ABSENCE = ABSENCE_KINDS
PAXML_SCHEMA = "http://www.paxml.se/2.2/paxml.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _cell(value: object) -> object:
    """A CSV cell: text shown, not obeyed (control characters visible, formulas neutralised)."""
    return _csv_cell(_visible(value)) if isinstance(value, str) else value


def _csv(rows: list[list[object]], *, delimiter: str, bom: bool) -> bytes:
    buf = io.StringIO()
    # CRLF, csv's default and RFC 4180's: the payroll file has always ended its lines so, and the
    # payroll systems reading it run on Windows.
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _values(row: PayrollRow) -> list[object]:
    """The row's cells in `COLUMNS` order (its fields are the columns: one `asdict` per row)."""
    fields = asdict(row)
    return [fields[c] for c in COLUMNS]


def summary(month: PayrollMonth, *, excel: bool = False) -> bytes:
    """One row per assistant: shifts, hours and every pay category, overtime, employee number."""

    def number(v: object) -> object:
        # Excel in Norwegian or Swedish reads "31,5" as a number and "31.5" as text.
        return f"{v:.2f}".replace(".", ",") if excel and isinstance(v, float) else v

    body = [[number(v) for v in _values(r)] for r in month.rows]
    return _csv([list(COLUMNS), *body], delimiter=";" if excel else ",", bom=excel)


def _rates(month: PayrollMonth, ref: str) -> dict[str, Decimal]:
    """The rates payroll knows: the hourly wage for hours and paid passive time, and for overtime
    the supplement (a share of the hourly wage). The supplements of the day kinds are the tariff's,
    kept in the payroll system: left 0 there, so it uses its own. Sick pay in the employer period
    is the wage the assistant would have earned (the hourly wage); holiday and unpaid leave pay
    nothing here (holiday pay is the payroll system's, unpaid leave is unpaid)."""
    unpaid = {"holiday_absence": money.ZERO, "unpaid_leave": money.ZERO}
    wage = month.hourly_wages.get(ref)
    if wage is None:
        return unpaid
    hourly = money.money(wage)
    supplement = money.money(hourly * money.to_decimal(month.overtime_supplement_percent) / 100)
    return {"ordinary": hourly, "passive": hourly, "overtime": supplement, "sick_employer_period": hourly, **unpaid}


def lines(month: PayrollMonth, wage_types: WageTypes, *, run: int = 1, excel: bool = False) -> bytes:
    """Visma Lønn standard format: year; run; employee; wage type; base; quantity; rate; amount;
    account; balancing account; R1 department; R2 project. Unknown numbers are 0 (Visma then uses
    what it has registered for the employee or wage type)."""
    quantities: dict[tuple[str, str, str, str], float] = defaultdict(float)
    wanted = {entry_kind: wage_kind for wage_kind, entry_kind in LINES_KINDS.items()}
    for e in month.entries:
        if e.kind in wanted:
            quantities[(e.assistant_ref, e.employee_number, wanted[e.kind], e.client_ref)] += e.hours
    order = list(LINES_KINDS)
    out: list[list[object]] = []
    for (ref, number, kind, client), hours in sorted(
        quantities.items(), key=lambda kv: (kv[0][1], kv[0][0], order.index(kv[0][2]), kv[0][3])
    ):
        qty = money.quantity(hours)
        if not qty:
            continue
        rate = _rates(month, ref).get(kind)
        amount = money.line_amount(qty, rate) if rate is not None else money.ZERO
        out.append(
            [
                month.first.year,
                run,
                number,
                wage_types.code(kind),
                "0.00",
                f"{qty:.2f}",
                f"{rate if rate is not None else money.ZERO:.2f}",
                f"{amount:.2f}",
                0,
                0,
                "",
                client,
            ]
        )
    return _csv(out, delimiter=";", bom=excel)


def paxml(month: PayrollMonth, codes: WageTypes, *, company: str, created: datetime) -> bytes:
    """PAXml 2.2: a header (format LÖNIN, version, date, company), one `tidtrans` per employee,
    day, time code and client in `tidtransaktioner`, and one `franvarotrans` per employee, day,
    absence type and client in `franvarotransaktioner` (only when there is absence)."""
    root = ET.Element("paxml", {"xmlns:xsi": _XSI, "xsi:noNamespaceSchemaLocation": PAXML_SCHEMA})
    header = ET.SubElement(root, "header")
    for tag, text in (
        ("format", "LÖNIN"),
        ("version", "2.2"),
        ("datum", created.replace(microsecond=0, tzinfo=None).isoformat()),
        ("foretagnamn", _visible(company)),
        ("programnamn", "bpa-provider"),
    ):
        ET.SubElement(header, tag).text = text
    wanted = {entry_kind: wage_kind for wage_kind, entry_kind in PAXML_KINDS.items()}
    transactions = ET.SubElement(root, "tidtransaktioner")
    for e in sorted(month.entries, key=lambda e: (e.employee_number, e.assistant_ref, e.day, e.client_ref)):
        if e.kind not in wanted or not money.quantity(e.hours):
            continue
        trans = ET.SubElement(transactions, "tidtrans", {"anstid": e.employee_number})
        ET.SubElement(trans, "tidkod").text = codes.code(wanted[e.kind])
        ET.SubElement(trans, "datum").text = e.day.isoformat()
        ET.SubElement(trans, "timmar").text = f"{money.quantity(e.hours):.2f}"
        units = ET.SubElement(trans, "resenheter")
        ET.SubElement(units, "resenhet", {"dim": "1", "id": e.client_ref})
    absent = [e for e in month.entries if e.kind in PAXML_ABSENCE and money.quantity(e.hours)]
    if absent:
        absences = ET.SubElement(root, "franvarotransaktioner")
        for e in sorted(absent, key=lambda e: (e.employee_number, e.assistant_ref, e.day, e.client_ref)):
            trans = ET.SubElement(absences, "franvarotrans", {"anstid": e.employee_number})
            ET.SubElement(trans, "franvarotyp").text = codes.code(e.kind)
            ET.SubElement(trans, "datum").text = e.day.isoformat()
            ET.SubElement(trans, "timmar").text = f"{money.quantity(e.hours):.2f}"
            units = ET.SubElement(trans, "resenheter")
            ET.SubElement(units, "resenhet", {"dim": "1", "id": e.client_ref})
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True)) + b"\n"


def render(
    layout: str,
    month: PayrollMonth,
    *,
    wage_types: WageTypes,
    paxml_codes: WageTypes,
    company: str,
    created: datetime,
    excel: bool = False,
    run: int = 1,
) -> bytes:
    """The file of `layout` (one of `LAYOUTS`)."""
    if layout == "summary":
        return summary(month, excel=excel)
    if layout == "lines":
        return lines(month, wage_types, run=run, excel=excel)
    if layout == "paxml":
        return paxml(month, paxml_codes, company=company, created=created)
    raise Invalid(N_("unknown payroll layout '{layout}'"), layout=layout)


__all__ = ["LAYOUTS", "LINES_COLUMNS", "lines", "paxml", "render", "summary"]
