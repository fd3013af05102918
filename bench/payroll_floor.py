"""The floor of `export payroll --month` with its pre-run check: the month's shifts read once by
one hand-written statement as plain tuples, the check's facts and the pay categories computed by
a plain loop over them with the same pure rules the command uses (`rules.worktime` through
`services.worktime.assistant_violations`/`client_violations`, `rules.payroll.split_pay`,
`overtime_by_shift`), and the summary file written with `csv` — no ORM object, no statement per
client. The assistants' credentials (employments, assignments, courses) and the look-back for the
overtime weeks are read as the command reads them (`worktime.assistant_contexts`, `load_history`: small
tables, a few assistants). Absence lines are not in the floor: `compare` says so when the month
has any (the demo company has none).

`compare(database, month, now)` checks that the floor's blockers (kind, client, assistant, rule)
and its summary file (byte for byte) are the command's (`payroll.payroll_check`,
`payroll_files.summary`), on SQLite or PostgreSQL. `prepare(db, month)` acknowledges every warning
of the month on a copy of the bench company, so that the export runs (the demo's rosters carry a
few short rests). Usage: `python -m bench.payroll_floor floor DB YYYY-MM` prints the floor's
elapsed seconds; `... check DB YYYY-MM` prints "equal (…)" or the first difference; `... prepare DB
YYYY-MM` prints how many warnings it acknowledged.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PAY = ("ordinary", "evening", "night", "weekend", "holiday", "passive", "passive_paid")
ABSENCE = ("sick_employer_period", "holiday_absence", "unpaid_leave")
HEADER = ["assistant_ref", "assistant_name", "shifts", "hours", *PAY, "overtime", "employee_number", *ABSENCE]
_NOT_STAFFED = "('cancelled', 'vacant')"


def _month(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    return date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1)


def _instant(v: Any) -> datetime:
    """A stored UTC instant as the driver gives it (SQLite: text; PostgreSQL: naive datetime)."""
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v.replace(tzinfo=UTC)


def _text(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Shift:
    """A shift as a plain object: what the rules and `worktime.fact` read."""

    __slots__ = ("id", "client_id", "assistant_id", "start_utc", "end_utc", "kind", "active_minutes", "legal_basis")
    __slots__ += ("status", "deviation_status")

    def __init__(self, row: tuple[Any, ...]) -> None:
        (self.id, self.client_id, self.assistant_id, start, end, self.kind, self.active_minutes) = row[:7]
        self.legal_basis, self.status, self.deviation_status = row[7:]
        self.start_utc, self.end_utc = _instant(start), _instant(end)


def floor(database: Any, month: str, now: datetime) -> tuple[list[tuple[str, str, str, str]], bytes]:
    """The month's blockers as (kind, client_ref, assistant_ref, rule) and its summary file."""
    from bpa_provider.config import Policy
    from bpa_provider.rules.hours import shift_hours
    from bpa_provider.rules.payroll import PayRules, overtime_by_shift, public_holidays, split_pay
    from bpa_provider.rules.worktime import ShiftFact
    from bpa_provider.services import worktime as wt

    policy, pay_rules = Policy(), PayRules()
    first, nxt = _month(month)
    context_first = first - timedelta(days=7)
    with database.read() as s:
        run = s.connection().exec_driver_sql
        clients = {
            r[0]: (r[1], r[2], ZoneInfo(r[2]), r[3], wt.profile_name(r[3], r[4] or "", policy))
            for r in run(
                "SELECT c.id, c.ref, m.timezone, UPPER(COALESCE(m.country, 'NO')), m.rule_profile "
                "FROM client c JOIN municipality m ON m.id = c.municipality_id"
            )
        }
        # One read of every shift the check and the pay need: the week before the month (overtime)
        # and the check's margin (a week, and the longest shift) either side.
        lo = datetime.combine(context_first, datetime.min.time(), tzinfo=UTC) - timedelta(days=12)
        hi = datetime.combine(nxt, datetime.min.time(), tzinfo=UTC) + timedelta(days=12)
        shifts = [
            Shift(r)
            for r in run(
                "SELECT id, client_id, assistant_id, start_utc, end_utc, kind, active_minutes, legal_basis, "
                "status, deviation_status FROM shift WHERE status NOT IN " + _NOT_STAFFED + " AND start_utc >= "
                f"'{_text(lo)}' AND start_utc < '{_text(hi)}' ORDER BY start_utc, id"
            )
        ]
        day = {sh.id: sh.start_utc.astimezone(clients[sh.client_id][2]).date() for sh in shifts}
        in_month = [sh for sh in shifts if first <= day[sh.id] < nxt]

        # --- the check
        out: list[tuple[str, str, str, str]] = []
        refs = dict(run("SELECT id, ref FROM assistant").fetchall())
        per_client: dict[int, list[Shift]] = {}
        for sh in in_month:
            per_client.setdefault(sh.client_id, []).append(sh)
        approvals = run(
            "SELECT client_id, approved_at, needs_coapproval, coapproved_by, exported_at, period_start, id "
            f"FROM period_approval WHERE period_start < '{nxt}' AND period_end > '{first}' "
            "ORDER BY period_start, id"
        ).fetchall()
        for cid in sorted(per_client, key=lambda c: clients[c][0]):
            mine = per_client[cid]
            ref = clients[cid][0]
            out += [("unapproved", ref, "", "")] * (
                any(sh.deviation_status == "pending" for sh in mine) + any(sh.status != "approved" for sh in mine)
            )
            out += [("unapproved", ref, "", "") for a in approvals if a[0] == cid and a[1] and a[2] and not a[3]]
        out += [("exported", clients[a[0]][0], "", "") for a in approvals if a[0] in per_client and a[4]]
        out += [
            ("not_worked", clients[sh.client_id][0], refs[sh.assistant_id], "") for sh in in_month if sh.end_utc > now
        ]
        if in_month:
            lo_c = min(sh.start_utc for sh in in_month) - wt.MARGIN
            hi_c = max(sh.end_utc for sh in in_month) + wt.MARGIN
            window = [sh for sh in shifts if lo_c - wt.LONGEST_SHIFT < sh.start_utc < hi_c and sh.end_utc > lo_c]
            by_assistant: dict[int, list[Any]] = {}
            by_client: dict[int, list[Any]] = {}
            for sh in window:
                by_assistant.setdefault(sh.assistant_id, []).append(sh)
                by_client.setdefault(sh.client_id, []).append(sh)
            infos = wt.client_infos(s, by_client, policy)
            two = frozenset(
                r[0]
                for r in run(
                    "SELECT client_id FROM decision WHERE two_helper_hours > 0 "
                    f"AND valid_from <= '{hi_c.date()}' AND (valid_to IS NULL OR valid_to >= '{lo_c.date()}')"
                )
            )
            contexts = wt.assistant_contexts(s, sorted(by_assistant), by_client, lo_c.date() + wt.MARGIN)
            data = wt.Loaded(by_assistant, by_client, infos, contexts, two, policy, refs)
            wt.load_history(s, data, lo_c, policy)
            found = []
            for aid in sorted({sh.assistant_id for sh in in_month}):
                found += wt.assistant_violations(data, aid)
            for cid in sorted(per_client):
                found += wt.client_violations(data, cid)
            month_ids = {sh.id for sh in in_month}
            found = [v for v in wt.merge_violations(found) if month_ids & set(v.shift_ids)]
            acks = {(r[0], r[1]) for r in run("SELECT shift_id, rule_id FROM rule_ack")}
            loaded = {sh.id: sh for rows in (*data.by_assistant.values(), *by_client.values()) for sh in rows}
            for v in found:
                owner = loaded[next(i for i in v.shift_ids if i in month_ids)]
                if v.rule_id == "NO-EMPLOYMENT":
                    kind = "no_employment"
                elif v.severity == "block":
                    kind = "blocking"
                elif not any((i, v.rule_id) in acks for i in v.shift_ids):
                    kind = "warning"
                else:
                    continue
                out.append((kind, clients[owner.client_id][0], refs[owner.assistant_id], v.rule_id))

        # --- the pay: per shift its categories, per assistant the overtime of its weeks
        facts: dict[int, list[ShiftFact]] = {}
        paid: list[Shift] = []
        for sh in sorted(shifts, key=lambda sh: (sh.assistant_id, sh.start_utc, sh.id)):
            d = day[sh.id]
            if not context_first <= d < nxt or sh.start_utc < lo + timedelta(days=11):
                continue
            ref, tz = clients[sh.client_id][0], clients[sh.client_id][1]
            facts.setdefault(sh.assistant_id, []).append(
                ShiftFact(sh.id, sh.assistant_id, sh.client_id, sh.start_utc, sh.end_utc, sh.kind, tz, client_ref=ref)
            )
            if d >= first:
                paid.append(sh)
        overtime: dict[int, float] = {}
        for pieces in facts.values():
            overtime.update(overtime_by_shift(pieces, wt.rule_set(clients[pieces[0].client_id][4], policy)))
        acc: dict[int, dict[str, float]] = {}
        count: Counter[int] = Counter()
        for sh in paid:
            _ref, tz, zone, country, _profile = clients[sh.client_id]
            years = {day[sh.id].year, sh.end_utc.astimezone(zone).year}
            hours = split_pay(
                sh.start_utc,
                sh.end_utc,
                tz,
                "passive" if sh.kind == "passive" else "active",
                public_holidays(country, years),
                pay_rules,
                active_hours_in_passive_shift=sh.active_minutes / 60.0,
            )
            a = acc.setdefault(sh.assistant_id, dict.fromkeys(("hours", *PAY, "overtime"), 0.0))
            a["hours"] += shift_hours(sh.start_utc, sh.end_utc)
            for k in PAY:
                a[k] += hours[k]
            a["overtime"] += overtime[sh.id]
            count[sh.assistant_id] += 1
        people = {
            r[0]: (r[1], r[2])
            for r in run(f"SELECT id, ref, name FROM assistant WHERE id IN ({','.join(map(str, acc)) or 'NULL'})")
        }
        number: dict[int, str] = {}
        for aid, num in run(
            "SELECT assistant_id, employee_number FROM employment WHERE start_date < "
            f"'{nxt}' AND (end_date IS NULL OR end_date >= '{first}') ORDER BY assistant_id, start_date, id"
        ):
            number[aid] = num or ""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for aid in sorted(acc, key=lambda a: people[a][0]):
        a = acc[aid]
        writer.writerow(
            [
                people[aid][0],
                people[aid][1],
                count[aid],
                *(round(a[k], 2) for k in ("hours", *PAY, "overtime")),
                number.get(aid, ""),
                *(0.0,) * len(ABSENCE),
            ]
        )
    return sorted(out), buf.getvalue().encode()


def _absence_rows(database: Any, month: str) -> int:
    first, nxt = _month(month)
    with database.read() as s:
        return int(
            s.connection()
            .exec_driver_sql(
                "SELECT COUNT(*) FROM absence WHERE NOT cancelled AND kind IN "
                f"('self-cert', 'sick-note', 'holiday', 'unpaid') AND from_date < '{nxt}' AND to_date >= '{first}'"
            )
            .scalar()
        )


def command(database: Any, month: str, now: datetime) -> tuple[list[tuple[str, str, str, str]], bytes]:
    """The command's own check and summary file (the services `export payroll` runs)."""
    from bpa_provider.access import Actor
    from bpa_provider.config import Policy
    from bpa_provider.services import payroll, payroll_files

    first, _ = _month(month)
    actor, policy = Actor("bench", "admin"), Policy()
    found = payroll.payroll_check(database, actor, first.year, first.month, now=now, policy=policy)
    blockers = sorted(
        (b.kind, b.client_ref, b.assistant_ref, b.detail.split(":", 1)[0] if b.kind in _RULE_KINDS else "")
        for b in found
    )
    month_data = payroll.payroll_preview(database, actor, first.year, first.month, policy=policy)
    return blockers, payroll_files.summary(month_data)


_RULE_KINDS = ("no_employment", "blocking", "warning")


def compare(database: Any, month: str, now: datetime) -> str:
    """'equal (N assistants, M blockers)' when the floor's blockers and summary file are the
    command's; else the first difference."""
    if _absence_rows(database, month):
        return "differs: the month has absence lines, which the floor does not compute"
    f_block, f_file = floor(database, month, now)
    c_block, c_file = command(database, month, now)
    if f_block != c_block:
        diff = next((a, b) for a, b in zip(c_block + [None] * len(f_block), f_block + [None] * len(c_block)) if a != b)
        return f"differs: blockers command {diff[0]} floor {diff[1]} ({len(c_block)} against {len(f_block)})"
    if f_file != c_file:
        c_lines, f_lines = c_file.splitlines(), f_file.splitlines()
        diff = next(((a, b) for a, b in zip(c_lines, f_lines) if a != b), (len(c_lines), len(f_lines)))
        return f"differs: summary command {diff[0]!r} floor {diff[1]!r}"
    return f"equal ({len(f_file.splitlines()) - 1} assistants, {len(f_block)} blockers)"


def prepare(database: Any, month: str) -> int:
    """Acknowledge every unacknowledged warning of the month (a copy of the bench company), so
    `export payroll` runs; returns how many it acknowledged."""
    from bpa_provider.access import Actor
    from bpa_provider.config import Policy
    from bpa_provider.services import payroll, worktime

    first, nxt = _month(month)
    policy = Policy()
    with database.read() as s:
        shifts, _infos = payroll.month_shifts(s, first, nxt, policy)
        found, _loaded = worktime.violations_involving(s, shifts, policy, everyone=True)
        acks = worktime.ack_map(s, {i for v in found for i in v.shift_ids})
    month_ids = {sh.id for sh in shifts}
    done = 0
    for v in found:
        if v.severity == "block" or worktime.acknowledgement(v, acks) is not None:
            continue
        sid = next(i for i in v.shift_ids if i in month_ids)
        worktime.acknowledge_warning(database, Actor("bench", "admin"), sid, v.rule_id, "bench", policy=policy)
        acks = {**acks, (sid, v.rule_id): True}  # type: ignore[dict-item]
        done += 1
    return done


def _open(path: str) -> Any:
    """A SQLite file, or a PostgreSQL URL."""
    from bench.pg_connect import sqlalchemy_url
    from bpa_provider.db.engine import open_database

    return open_database(sqlalchemy_url(path))


def peak_memory(prepared: str, month: str, cli: str) -> int:
    """Peak resident memory (bytes) of `export payroll --month M --out -` on a copy of `prepared`."""
    import os
    import resource
    import shutil
    import subprocess

    copy = prepared + ".mem"
    shutil.copyfile(prepared, copy)
    try:
        subprocess.run(
            [cli, "--db", copy, "export", "payroll", "--month", month, "--out", "-"], capture_output=True, check=True
        )
    finally:
        os.remove(copy)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


if __name__ == "__main__":
    what, path, month = sys.argv[1], sys.argv[2], sys.argv[3]
    if what == "memory":
        from bench.company import CLI

        print(peak_memory(path, month, CLI))
        sys.exit(0)
    db = _open(path)
    now = datetime.now(UTC)
    if what == "floor":  # its own elapsed time, after Python and the imports (as audit_floor's)
        with db.read():
            pass  # the engine made, as the command's is before it reads
        t0 = time.perf_counter()
        floor(db, month, now)
        print(time.perf_counter() - t0)
    elif what == "check":
        print(compare(db, month, now))
    elif what == "prepare":
        print(prepare(db, month))
    db.dispose()
