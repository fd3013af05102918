"""What the Rosters area's panes say, as pure functions of the read models (no widget, no service
call): the week's title line, the description of the shift under the cursor with every rule it
breaks, and the client's hour account as a table. `screens/rosters.py` puts them on screen.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from bpa_provider.formats import format_date, format_date_range, format_number, format_short_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.roster_grid import WEEKDAYS, open_problems, severity_mark, time_range
from bpa_provider.screens.ui import hours
from bpa_provider.services.roster import ShiftView, WeekView

if TYPE_CHECKING:
    from textual.widgets import DataTable

PERIOD_NAMES = {
    "week": N_("Week"),
    "month": N_("Month"),
    "year_to_date": N_("Year to date"),
    "decision": N_("Decision"),
}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(week_start: date) -> str:
    """ "Week 10 · 02.03–08.03.2026"."""
    last = week_start + timedelta(days=6)
    return _("Week {n} · {days}").format(n=week_start.isocalendar()[1], days=format_date_range(week_start, last))


def span(first: date, last: date) -> str:
    """02.03–08.03.26, or 01.01.25–15.04.26 across a new year (sv: ISO days)."""
    return format_date_range(first, last, short_year=True)


def week_title(client_label: str, week_start: date, week: WeekView | None) -> Text:
    """The line above the grid: client, week, planned hours, LOCKED/APPROVED, rules broken, holidays."""
    line = Text(no_wrap=False)
    line.append(client_label or "", style="bold")  # a client's name: plain text
    line.append("  " + week_label(week_start))
    if week is not None:
        line.append("  " + _("{h} h planned").format(h=hours(week.total_hours)))
        if week.locked:
            line.append("  " + _("LOCKED"), style="bold")
        elif week.shifts and all(s.status == "approved" for s in week.shifts):
            line.append("  " + _("APPROVED"), style="bold")
        marked = [s for s in week.shifts if open_problems(s)]
        if marked:
            blocking = sum(1 for s in marked if any(v.severity == "block" for v in open_problems(s)))
            line.append("  ")
            line.append(_("! {n} shift(s) break a rule").format(n=len(marked)), style="bold")
            if blocking:
                line.append(" " + _("({n} BLOCK)").format(n=blocking), style="bold")
        named = [f"{format_short_date(d.day)} {d.holiday}" for d in week.days if d.holiday]
        if named:
            line.append("\n* " + _("Public holiday") + ": " + ", ".join(named))
    return line


def shift_info(week: WeekView | None, day: date, shift: ShiftView | None, *, may_plan: bool, may_decide: bool) -> Text:
    """The shift under the cursor (or the empty day), and every rule it breaks with its reason and
    law. `may_plan`: the person may plan a shift here; `may_decide`: may decide its deviation."""
    out = Text()
    holiday = next((d.holiday for d in week.days if d.day == day and d.holiday), None) if week else None
    if shift is None:
        out.append(f"{_(WEEKDAYS[day.weekday()])} {format_date(day)}", style="bold")
        if holiday:
            out.append("  * " + holiday, style="bold")
        if week is not None:
            out.append("\n" + _("No shifts this day."))
            if may_plan and not week.locked:
                out.append(" " + _("Enter or n plans one."))
        return out
    out.append(
        f"{_(WEEKDAYS[shift.start.weekday()])} {format_short_date(shift.start)} "
        f"{shift.start.strftime('%H:%M')}–{shift.end.strftime('%H:%M')}",
        style="bold",
    )
    out.append(
        " · "
        + _("{h} h").format(h=hours(shift.hours))
        + f" · {labels.choice(shift.kind)} · {labels.choice(shift.status)}"
    )
    if holiday:
        out.append(" · * " + holiday)
    out.append("\n")
    if shift.assistant_ref:
        out.append(f"{shift.assistant_ref} ")
        out.append(shift.assistant_name)
    else:  # created vacant: nobody's yet
        out.append(_("new vacant shift"))
    if shift.replaces_ref:
        out.append(" " + _("(for {ref})").format(ref=shift.replaces_ref))
    if shift.status == "vacant":
        out.append("\n" + _("VACANT: f shows who can take it."), style="bold")
    if shift.deviation_status == "pending" and shift.planned_start and shift.planned_end:
        out.append(
            "\n"
            + _("DEVIATION waiting for a decision; planned {start}–{end}").format(
                start=f"{format_short_date(shift.planned_start)} {shift.planned_start:%H:%M}",
                end=shift.planned_end.strftime("%H:%M"),
            )
        )
        if may_decide:
            out.append("\n" + _("d accepts it, u rejects it (the plan is restored)."), style="dim")
    if shift.note:
        out.append("\n")
        out.append(shift.note, style="italic")
    for v in shift.violations:
        out.append("\n")
        out.append(severity_mark(v.severity, v.acknowledged) + " " + v.rule_id, style="bold")
        out.append(": " + v.detail)
        if v.law:
            out.append(f" ({_(v.law)})", style="dim")
        if v.acknowledged and v.ack_comment:
            out.append(" — ")
            out.append(f"“{v.ack_comment}”", style="italic")
    if not shift.violations:
        out.append("\n" + _("No working-time rule broken."))
    elif any(v.severity != "block" and not v.acknowledged for v in shift.violations):
        out.append("\n" + _("k acknowledges a warning with a comment."), style="dim")
    return out


def account_table(account: Any, *, narrow: bool) -> Table:
    """The hour account: decided/planned/worked/balance per period, then the running balance and the
    projected year-end. `narrow` (under 80 columns): the dates go under the period's name, so six
    columns fit in 60 cells."""
    grid = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    grid.add_column(Text(_("Period"), style="bold"))
    if not narrow:
        grid.add_column(Text(_("Dates"), style="bold"), no_wrap=True)
    for title in (_("Decided"), _("Planned"), _("Worked"), _("Balance")):
        grid.add_column(Text(title, style="bold"), justify="right", no_wrap=True)
    for p in account.periods:
        dates = Text(span(p.first, p.last), style="dim")
        name = Text(_(PERIOD_NAMES.get(p.name, p.name)))
        if narrow:
            name.append("\n")
            name.append_text(dates)
        cells = [name] if narrow else [name, dates]
        grid.add_row(
            *cells, Text(hours(p.decided)), Text(hours(p.planned)), Text(hours(p.worked)), Text(hours(p.balance))
        )
    proj = account.projection
    outlook = Table.grid(padding=(0, 1))
    outlook.add_column(no_wrap=True, style="dim")
    outlook.add_column()
    outlook.add_row(Text(""), Text(""))
    outlook.add_row(Text(_("Running balance") + ":"), Text(_("{h} h").format(h=hours(account.balance))))
    if account.opening_balance:
        outlook.add_row(Text(_("Adjustments") + ":"), Text(_("{h} h").format(h=hours(account.opening_balance))))
    flag = Text(labels.flag(account.flag) or account.flag.upper(), style="bold")
    ratio = f"{format_number(proj.ratio * 100, 1, trim=False)} %" if proj.decided else "–"
    year = Text(
        _("{used} h of {decided} h ({ratio}), balance {balance} h").format(
            used=hours(proj.projected_used),
            decided=hours(proj.decided),
            ratio=ratio,
            balance=hours(proj.projected_balance),
        )
        + "  "
    )
    year.append_text(flag)
    # The projection is made as of today: say so, as the month report does.
    outlook.add_row(Text(_("Projected year-end, as of {date}").format(date=format_date(account.today)) + ":"), year)
    outer = Table.grid()
    outer.add_row(grid)
    outer.add_row(outlook)
    return outer


def assistant_title(label: str, week_start: date, shifts: list[ShiftView], *, loading: bool) -> Text:
    """The line above one assistant's shifts: who, the week, and how many shifts and hours."""
    line = Text()
    line.append(label, style="bold")
    line.append("  " + week_label(week_start))
    if loading:
        line.append("  " + _("Loading…"))
    else:
        total = sum(s.hours for s in shifts)
        line.append("  " + _("{n} shift(s), {h} h").format(n=len(shifts), h=hours(total)))
        if not shifts:
            line.append("  " + _("(no shifts you may see this week)"))
    return line


def fill_assistant_table(table: DataTable[Any], shifts: list[ShiftView]) -> None:
    """One row per shift of the assistant (the table was cleared, columns too)."""
    for title, width in (
        (_("Day"), 9),
        (_("Time"), 12),
        (_("Hours"), 5),
        (_("Client"), 7),
        (_("Kind"), 8),
        (_("Status"), 9),
    ):
        table.add_column(Text(title), width=width)
    for s in shifts:
        status = labels.choice(s.status)
        if s.deviation_status == "pending":
            status = _("DEVIATION")
        table.add_row(
            Text(f"{_(WEEKDAYS[s.start.weekday()])} {format_short_date(s.start)}"),
            Text(time_range(s, 12)),
            Text(hours(s.hours)),
            Text(s.client_ref),
            Text(labels.choice(s.kind)),
            Text(status),
        )
