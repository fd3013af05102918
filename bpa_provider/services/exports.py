"""Exports for people: an assistant's shifts as iCalendar, a client's week as a printable table.

Both leave the system with personal data in them, so each export is written to the audit log.
The calendar names the client (the assistant needs to know where to go) but carries no address,
national ID or note text beyond the shift's own note.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Shift
from bpa_provider.errors import NotFound, ValidationError
from bpa_provider.formats import format_number  # hours with the language's decimal mark
from bpa_provider.i18n import N_, _
from bpa_provider.ical import Event, calendar
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.records import in_scope
from bpa_provider.services.roster import ShiftView, WeekView, build_week, views
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime import client_infos, local_date, policy_or_default

UTC = UTC
MAX_DAYS = 400
_KINDS = {"passive": N_("passive"), "night": N_("night")}


def _weekday(d: date) -> str:
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))[d.weekday()]


@service
def assistant_ics(
    db: Database, actor: Actor, assistant_id: int, first: date, last: date, *, policy: Policy | None = None
) -> str:
    """The assistant's shifts starting on local dates [first, last] as an iCalendar text
    (a supervisor exports only the shifts at their own clients)."""
    require(actor, "roster.read", what="see rosters")
    if last < first:
        raise ValidationError(N_("The end date is before the start date"), field="to")
    if (last - first).days > MAX_DAYS:
        raise ValidationError(N_("Export at most {n} days at a time"), n=MAX_DAYS, field="to")
    pol = policy_or_default(policy)
    with db.write() as s:
        person = s.get(Assistant, assistant_id)
        if person is None or not in_scope(s, actor, "assistant", person):
            # The same words for someone a supervisor may not know of: no probing for names.
            raise NotFound(N_("No assistant with id {id}"), id=assistant_id)
        lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
        hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
        rows = list(
            s.execute(
                select(Shift)
                .where(Shift.assistant_id == assistant_id, staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
                .order_by(Shift.start_utc, Shift.id)
            ).scalars()
        )
        infos = client_infos(s, {sh.client_id for sh in rows}, pol)
        chosen = [
            sh
            for sh in rows
            if actor.may_see_client(sh.client_id) and first <= local_date(sh.start_utc, infos[sh.client_id].tz) <= last
        ]
        shown = views(s, chosen, infos)
        clients = {i.id: i for i in infos.values()}
        events = []
        for v in shown:
            client = clients[v.client_id]
            details = [
                f"{_('Kind')}: {v.kind}",
                f"{_('Hours')}: {format_number(v.hours, 2, trim=False)}",
                f"{_('Local time')}: {v.start:%d.%m.%Y %H:%M}–{v.end:%H:%M} ({client.tz})",
            ]
            if v.replaces_ref:
                details.append(f"{_('Replaces')}: {v.replaces_ref}")
            if v.note:
                details.append(v.note)
            events.append(
                Event(
                    uid=f"shift-{v.id}@bpa-provider",
                    summary=f"BPA {client.name} ({client.ref})",
                    start=v.start,
                    end=v.end,
                    description="\n".join(details),
                )
            )
        audit.record(
            s,
            actor,
            "export",
            "shift",
            None,
            subject=person.ref,
            summary=f"calendar {format_date(first)}–{format_date(last)}: {len(events)} shifts",
        )
        return calendar(events, name=f"BPA {person.name}")


def _notes(v: ShiftView) -> str:
    marks = []
    if v.kind != "active":
        marks.append(_(_KINDS.get(v.kind, v.kind)))
    if v.replaces_ref:
        marks.append(_("replaces {ref}").format(ref=v.replaces_ref))
    if v.deviation_status == "pending":
        marks.append(_("deviation pending"))
    for w in v.violations:
        marks.append(f"!{w.rule_id}" + ("" if not w.acknowledged else " (ok)"))
    return ", ".join(marks)


def week_table(week: WeekView) -> list[dict[str, str]]:
    """The rows of the printable week: every day, with its shifts (an empty day shows a dash)."""
    out = []
    for day in week.days:
        mark = " *" if day.holiday else ""
        todays = [v for v in week.shifts if v.start.date() == day.day]
        label = f"{_weekday(day.day)} {day.day:%d.%m}{mark}"
        if not todays:
            out.append({"day": label, "from": "—", "to": "", "hours": "", "assistant": "", "notes": ""})
        for n, v in enumerate(todays):
            next_day = "" if v.end.date() == v.start.date() else " (+1)"
            out.append(
                {
                    "day": label if n == 0 else "",
                    "from": f"{v.start:%H:%M}",
                    "to": f"{v.end:%H:%M}{next_day}",
                    "hours": format_number(v.hours, 2, trim=False),
                    "assistant": f"{v.assistant_name} ({v.assistant_ref})",
                    "notes": _notes(v),
                }
            )
    return out


def render_week(week: WeekView) -> str:
    """The week as plain text for printing: header, tabulate table, total, holidays."""
    from tabulate import tabulate

    iso = week.week_start.isocalendar()
    end = week.week_start + timedelta(days=6)
    head = (
        f"{_('Roster')} {week.client_ref} {week.client_name} — {_('week')} {iso[0]}-W{iso[1]:02d} "
        f"({format_date(week.week_start)}–{format_date(end)})\n"
        f"{week.municipality}, {_('times in')} {week.tz}" + (f" — {_('LOCKED')}" if week.locked else "")
    )
    rows = week_table(week)
    headers = {
        "day": _("Day"),
        "from": _("From"),
        "to": _("To"),
        "hours": _("Hours"),
        "assistant": _("Assistant"),
        "notes": _("Notes"),
    }
    table = tabulate(
        [[r[k] for k in headers] for r in rows],
        headers=list(headers.values()),
        tablefmt="simple",
        disable_numparse=True,
    )
    lines = [head, "", table, "", f"{_('Total')}: {format_number(week.total_hours, 2, trim=False)} h"]
    holidays = [d for d in week.days if d.holiday]
    for d in holidays:
        lines.append(f"* {_('public holiday')}: {_weekday(d.day)} {format_date(d.day)} {d.holiday}")
    return "\n".join(lines) + "\n"


@service
def week_roster_text(
    db: Database, actor: Actor, client_id: int, week_start: date, *, policy: Policy | None = None
) -> str:
    """A printable week roster of the client (public holidays marked), audited as an export."""
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.write() as s:
        week = build_week(s, client_id, week_start, policy_or_default(policy), actor=actor)
        audit.record(
            s,
            actor,
            "export",
            "roster",
            None,
            subject=week.client_ref,
            summary=f"printable week from {format_date(week_start)}",
        )
    return render_week(week)


__all__ = ["assistant_ics", "render_week", "week_roster_text", "week_table"]
