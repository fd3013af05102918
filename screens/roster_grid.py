"""The week grid of one client: seven days across, each day's shifts below its heading.

A cell shows the shift's local times, the assistant (reference and name), its hours, and one line
per working-time rule it breaks: `BLOCK NO-OVERLAP`, `WARN NO-REST-DAILY`, or `ok NO-REST-DAILY`
once a warning was acknowledged. A shift with a rule problem not yet acknowledged starts with "!",
so the mark reads without colour (NO_COLOR, a monochrome SSH terminal). A public holiday is marked
under its date with "*" and its name.

The grid is a line-based `ScrollView`: it only ever holds one week (a few dozen lines built from
the `WeekView` the rosters view fetched in a worker), so opening or moving a week costs the UI
thread about a millisecond; `render_line` draws only the lines on screen. The day headings stay
at the top while the shifts scroll. It never calls a service itself.

Keys: arrows move the cursor between days and between the shifts of a day; Enter selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click, Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpa_provider.formats import format_short_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.ui import TranslatedBindings, hours
from bpa_provider.services.roster import ShiftView, WeekView

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
SEPARATOR = "│"
MIN_COLUMN = 5


def column_widths(total: int) -> list[int]:
    """Seven day columns and six one-cell separators filling `total` cells (the first columns
    take the remainder, so the grid ends flush with the widget)."""
    avail = max(total - 6, 7 * MIN_COLUMN)
    base, extra = divmod(avail, 7)
    return [base + (1 if i < extra else 0) for i in range(7)]


def clock(moment: object, compact: bool) -> str:
    """08:30, or just 08 for a whole hour in a narrow column."""
    hh, mm = moment.hour, moment.minute  # type: ignore[attr-defined]
    return f"{hh:02d}" if compact and mm == 0 else f"{hh:02d}:{mm:02d}"


def time_range(shift: ShiftView, width: int) -> str:
    """The shift's local times; `+1` when it ends on a later day than it starts."""
    later = (shift.end.date() - shift.start.date()).days
    suffix = f"+{later}" if later > 1 else ""
    full = f"{clock(shift.start, False)}–{clock(shift.end, False)}{suffix}"
    if len(full) + 1 <= width:  # +1 leaves room for the "!" mark
        return full
    return f"{clock(shift.start, True)}–{clock(shift.end, True)}{suffix}"


def _short_clock(moment: object) -> str:
    """7, 7:30, 12:15: the hour without a leading zero, minutes only when there are some."""
    hh, mm = moment.hour, moment.minute  # type: ignore[attr-defined]
    return f"{hh}" if mm == 0 else f"{hh}:{mm:02d}"


def shift_times(shift: ShiftView, width: int, mark: str = "") -> str:
    """The shift's times on one line of a column `width` cells wide, after the problem mark: as
    `time_range` gives them; in a narrower column without leading zeros (`7–12:15`); narrower
    still, cut with … (the shift's form and the line under the grid have the whole time)."""
    times = mark + time_range(shift, width)
    if len(times) > width:
        later = (shift.end.date() - shift.start.date()).days
        suffix = f"+{later}" if later > 1 else ""
        times = f"{mark}{_short_clock(shift.start)}–{_short_clock(shift.end)}{suffix}"
    if len(times) > width:
        times = times[: max(width - 1, 0)] + "…"
    return times


def severity_mark(severity: str, acknowledged: bool) -> str:
    """The text that marks a rule problem; never colour alone."""
    if acknowledged:
        return _("ok")
    return _("BLOCK") if severity == "block" else _("WARN")


def open_problems(shift: ShiftView) -> list:
    """The violations of a shift that still need something done (not acknowledged)."""
    return [v for v in shift.violations if not v.acknowledged]


@dataclass
class _Slot:
    """Where a cell is drawn: body lines [top, bottom)."""

    top: int
    bottom: int


class RosterGrid(TranslatedBindings, ScrollView, can_focus=True, inherit_bindings=False):
    """One week of one client's shifts, days across. Feed it with `show_week` / `set_week`."""

    DEFAULT_CSS = """
    RosterGrid { height: 1fr; overflow-x: hidden; overflow-y: auto; scrollbar-gutter: stable;
                 scrollbar-size-vertical: 1; }
    RosterGrid > .roster-grid--heading { text-style: bold; }
    RosterGrid > .roster-grid--holiday { text-style: bold; color: $text-warning; }
    RosterGrid > .roster-grid--rule { color: $text-muted; }
    RosterGrid > .roster-grid--muted { color: $text-muted; }
    RosterGrid > .roster-grid--block { text-style: bold; color: $text-error; }
    RosterGrid > .roster-grid--warn { text-style: bold; color: $text-warning; }
    RosterGrid > .roster-grid--cursor { text-style: bold reverse; }
    RosterGrid > .roster-grid--cursor-blurred { text-style: underline; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "roster-grid--heading",
        "roster-grid--holiday",
        "roster-grid--rule",
        "roster-grid--muted",
        "roster-grid--block",
        "roster-grid--warn",
        "roster-grid--cursor",
        "roster-grid--cursor-blurred",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", N_("Previous day"), show=False),
        Binding("right", "move(1, 0)", N_("Next day"), show=False),
        Binding("up", "move(0, -1)", N_("Previous shift"), show=False),
        Binding("down", "move(0, 1)", N_("Next shift"), show=False),
        Binding("enter", "open_cell", N_("Open shift"), show=False),
    ]

    class Highlighted(Message):
        """The cursor is on `shift` (None: an empty day) of `day`."""

        def __init__(self, grid: RosterGrid, day: date, shift: ShiftView | None) -> None:
            super().__init__()
            self.grid = grid
            self.day = day
            self.shift = shift

    class Selected(Highlighted):
        """Enter on a shift (edit it) or on an empty day (plan one)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.week_start: date | None = None
        self.week: WeekView | None = None
        self.message = ""  # shown instead of shifts: loading, an error, "choose a client"
        self.today: date | None = None
        self.day = 0  # cursor: day column 0..6
        self.index = 0  # cursor: shift within the day
        self._by_day: list[list[ShiftView]] = [[] for _ in range(7)]
        self._header: list[Text] = []
        self._body: list[Text] = []
        self._slots: dict[tuple[int, int], _Slot] = {}
        self._strips: dict[int, Strip] = {}
        self._cells: dict[tuple[int, int], list[Text]] = {}  # (shift id, width) -> lines; a cursor move reuses them
        self._width = 0

    # -- feeding ---------------------------------------------------------------------------
    def show_week(self, week_start: date, message: str = "") -> None:
        """Show the dates of a week at once, with `message` in place of shifts (e.g. Loading…)."""
        self.week_start = week_start
        self.week = None
        self.message = message
        self._by_day = [[] for _ in range(7)]
        self._cells = {}
        self.index = 0
        self._rebuild()

    def set_week(self, week: WeekView) -> None:
        """Show a week's shifts; the cursor stays on the same day (and shift, if it is still there)."""
        keep = self.current_shift()
        self.week_start = week.week_start
        self.week = week
        self.message = ""
        self._by_day = [[] for _ in range(7)]
        self._cells = {}
        for shift in sorted(week.shifts, key=lambda s: (s.start, s.assistant_ref)):
            column = min(max((shift.start.date() - week.week_start).days, 0), 6)
            self._by_day[column].append(shift)
        if keep is not None:
            for d, shifts in enumerate(self._by_day):
                for i, shift in enumerate(shifts):
                    if shift.id == keep.id:
                        self.day, self.index = d, i
        self._clamp()
        self._rebuild()

    def current_day(self) -> date | None:
        return self.week_start + timedelta(days=self.day) if self.week_start else None

    def current_shift(self) -> ShiftView | None:
        shifts = self._by_day[self.day]
        return shifts[self.index] if 0 <= self.index < len(shifts) else None

    def shifts_of(self, day: int) -> list[ShiftView]:
        return list(self._by_day[day])

    def move_to_shift(self, shift_id: int) -> bool:
        """Put the cursor on a shift of this week; False when it is not shown."""
        for d, shifts in enumerate(self._by_day):
            for i, shift in enumerate(shifts):
                if shift.id == shift_id:
                    self.day, self.index = d, i
                    self._rebuild()
                    return True
        return False

    # -- keys ------------------------------------------------------------------------------
    def action_move(self, days: int, shifts: int) -> None:
        if days:
            self.day = (self.day + days) % 7
            self.index = min(self.index, max(len(self._by_day[self.day]) - 1, 0))
        if shifts:
            self.index = min(max(self.index + shifts, 0), max(len(self._by_day[self.day]) - 1, 0))
        self._rebuild()

    def action_open_cell(self) -> None:
        day = self.current_day()
        if day is not None and self.week is not None:
            self.post_message(self.Selected(self, day, self.current_shift()))

    def _clamp(self) -> None:
        self.day = min(max(self.day, 0), 6)
        self.index = min(max(self.index, 0), max(len(self._by_day[self.day]) - 1, 0))

    # -- building the lines ----------------------------------------------------------------
    def _rebuild(self, announce: bool = True) -> None:
        """Lay the week out as lines for the current width (a week is a few dozen lines);
        `announce` tells the parent where the cursor is (not needed after a resize or restyle)."""
        self._width = width = max(self.scrollable_content_region.width, 7 * MIN_COLUMN + 6)
        widths = column_widths(width)
        self._header = self._heading_lines(widths)
        self._body, self._slots = self._body_lines(widths)
        self._strips = {}
        self.virtual_size = Size(width, len(self._header) + len(self._body))
        self._keep_cursor_visible()
        self.refresh()
        day = self.current_day()
        if announce and day is not None:
            self.post_message(self.Highlighted(self, day, self.current_shift()))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"roster-grid--{name}")

    def _join(self, cells: list[Text], widths: list[int]) -> Text:
        line = Text(no_wrap=True, end="")
        rule = self._style("rule")
        for i, (cell, w) in enumerate(zip(cells, widths)):
            if i:
                line.append(SEPARATOR, rule)
            piece = cell.copy()
            piece.truncate(w, overflow="ellipsis", pad=True)
            line.append_text(piece)
        return line

    def _heading_lines(self, widths: list[int]) -> list[Text]:
        if self.week_start is None:
            return []
        days = [self.week_start + timedelta(days=i) for i in range(7)]
        holidays = {d.day: d.holiday for d in self.week.days} if self.week is not None else {}
        heading, holiday = self._style("heading"), self._style("holiday")
        two_lines = min(widths) < 9
        first: list[Text] = []
        second: list[Text] = []
        for i, day in enumerate(days):
            name = _(WEEKDAYS[day.weekday()])
            mark = "*" if holidays.get(day) else ""
            style = heading + (Style(underline=True) if i == self.day else Style())
            if day == self.today:
                style += Style(italic=True)
            if two_lines:
                first.append(Text(f"{name}{mark}", style=style))
                second.append(Text(format_short_date(day), style=style))
            else:
                first.append(Text(f"{name} {format_short_date(day)}{mark}", style=style))
        lines = [self._join(first, widths)]
        if two_lines:
            lines.append(self._join(second, widths))
        if any(holidays.values()):
            lines.append(
                self._join(
                    [Text("*" + holidays[d], style=holiday) if holidays.get(d) else Text("") for d in days], widths
                )
            )
        lines.append(Text("─" * sum(widths + [6]), style=self._style("rule"), no_wrap=True, end=""))
        return lines

    def _cell(self, shift: ShiftView, width: int) -> list[Text]:
        """The lines of one shift in a column `width` cells wide."""
        console = self.app.console
        problems = open_problems(shift)
        worst = "block" if any(v.severity == "block" for v in problems) else ("warn" if problems else "")
        lines: list[Text] = []
        mark = "!" if problems else ""
        # One line per shift's time, also in the narrow Sunday column ("07–12:15" broke in two).
        lines.append(Text(shift_times(shift, width, mark)))
        if worst:
            lines[0].stylize(self._style(worst), 0, 1)
        if shift.status == "vacant":  # a word, not colour alone (NO_COLOR); screens/vacancy.py
            lines.append(Text(_("VACANT"), style="bold"))
            # A shift created vacant was nobody's: "new", not an empty "was".
            was = _("was {ref}").format(ref=shift.assistant_ref) if shift.assistant_ref else _("new")
            lines.extend(Text(was).wrap(console, width, overflow="fold"))
        else:
            lines.append(Text(shift.assistant_ref))
            lines.append(Text(shift.assistant_name))  # a person's name: Text, never markup
        amount = Text(_("{h} h").format(h=hours(shift.hours)))
        if shift.kind != "active":
            amount.append(" " + labels.choice(shift.kind))
        lines.extend(amount.wrap(console, width, overflow="fold"))
        if shift.replaces_ref:
            lines.extend(Text(_("for {ref}").format(ref=shift.replaces_ref)).wrap(console, width, overflow="fold"))
        if shift.deviation_status == "pending":
            lines.extend(Text(_("DEVIATION"), style="bold").wrap(console, width, overflow="fold"))
        for v in shift.violations:
            style = (
                self._style("muted") if v.acknowledged else self._style(v.severity if v.severity == "block" else "warn")
            )
            # The mark and the rule id each on a line of their own, cut with … rather than split
            # mid-word (NO-NORMA / L-DAY); the whole id and its law stand in the shift's description.
            mark = Text(severity_mark(v.severity, v.acknowledged), style=style + Style(bold=not v.acknowledged))
            rule = Text(v.rule_id, style=style)
            for line in (mark, rule):
                line.truncate(width, overflow="ellipsis")
                lines.append(line)
        return lines

    def _body_lines(self, widths: list[int]) -> tuple[list[Text], dict[tuple[int, int], _Slot]]:
        if self.week is None:
            return ([Text(self.message, no_wrap=True, end="")] if self.message else []), {}
        muted = self._style("muted")
        cursor = self._style("cursor" if self.has_focus else "cursor-blurred")
        rows = max(1, max(len(s) for s in self._by_day))
        body: list[Text] = []
        slots: dict[tuple[int, int], _Slot] = {}
        for r in range(rows):
            cells: list[list[Text]] = []
            for d in range(7):
                shifts = self._by_day[d]
                if r < len(shifts):
                    key = (shifts[r].id, widths[d])
                    if key not in self._cells:
                        self._cells[key] = self._cell(shifts[r], widths[d])
                    cells.append(self._cells[key])
                elif r == 0:
                    cells.append([Text("–", style=muted)])
                else:
                    cells.append([])
            height = max(len(c) for c in cells)
            top = len(body)
            for d in range(7):
                if r < len(self._by_day[d]) or r == 0:
                    slots[(d, r)] = _Slot(top, top + height)
            for y in range(height):
                row: list[Text] = []
                for d, cell in enumerate(cells):
                    piece = cell[y].copy() if y < len(cell) else Text("")
                    if (d, r) == (self.day, self.index) and (d, r) in slots:
                        piece.truncate(widths[d], overflow="ellipsis", pad=True)
                        piece.stylize(cursor)
                    row.append(piece)
                body.append(self._join(row, widths))
            if r < rows - 1:
                body.append(Text(""))
        return body, slots

    def _keep_cursor_visible(self) -> None:
        slot = self._slots.get((self.day, self.index))
        if slot is None or not self.is_mounted:
            return
        visible = max(self.size.height - len(self._header), 1)
        y = self.scroll_y
        if slot.top < y:
            self.scroll_to(y=slot.top, animate=False)
        elif slot.bottom > y + visible:
            self.scroll_to(y=min(slot.top, slot.bottom - visible), animate=False)

    # -- drawing ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        head = len(self._header)
        if y < head:
            key, line = -1 - y, self._header[y]
        else:
            index = int(self.scroll_y) + y - head
            if not 0 <= index < len(self._body):
                return Strip.blank(self.size.width, self.rich_style)
            key, line = index, self._body[index]
        strip = self._strips.get(key)
        if strip is None:
            console: Console = self.app.console
            strip = Strip(list(line.render(console, end="")), line.cell_len).apply_style(self.rich_style)
            strip = strip.crop_extend(0, self.size.width, self.rich_style)
            self._strips[key] = strip
        return strip

    def on_click(self, event: Click) -> None:
        """Mouse optional: a click puts the cursor on the shift (or day) under it."""
        offset = event.get_content_offset(self)
        if offset is None or self.week is None:
            return
        widths = column_widths(self._width)
        x, day = offset.x, 0
        while day < 6 and x >= widths[day] + 1:
            x -= widths[day] + 1
            day += 1
        line = int(self.scroll_y) + offset.y - len(self._header)
        for (d, r), slot in self._slots.items():
            if d == day and slot.top <= line < slot.bottom:
                self.day, self.index = d, r
                break
        else:
            self.day, self.index = day, 0
        self._rebuild()
        if event.chain == 2:
            self.action_open_cell()

    def on_resize(self, event: Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._rebuild(announce=False)
        else:
            self._keep_cursor_visible()

    def notify_style_update(self) -> None:
        # Focus, blur and a theme switch change the component styles the lines were built with.
        super().notify_style_update()
        self._cells = {}
        if self.is_mounted:
            self._rebuild(announce=False)

    def plain_lines(self) -> list[str]:
        """The grid as plain text (headings and every body line), for tests and screen readers."""
        return [line.plain for line in self._header + self._body]
