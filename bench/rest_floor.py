"""The floor of `report rest`: the same findings from a plain-Python loop over rows read with the
`sqlite3` module (or psycopg on PostgreSQL: bench/pg_connect.py), the pure rules (`bpa_provider.rules.worktime`) called directly, and a check
that the command's findings are the floor's.

What the floor does is what the report must do, without the service layer: read every staffed
shift around the range once (± the rules' week of margin), pick the shifts starting on a local
date in the range, read the assistants' employments, assignments and completed courses, the
clients' two-helper decisions and the acknowledgements, add the look-back the overtime rules ask
for, and run the rules per assistant and per client. The rules are shared with the command (a
profile of both is in docs/performance.md): the ratio measures everything around them.

Usage (what bench/run.py does): `python -m bench.rest_floor DB FROM TO` prints the floor's own
CPU seconds, then (last line) its elapsed seconds, imports excluded; `python -m bench.rest_floor check DB FROM TO` prints "equal
(N findings)" or the first difference. `findings()` is what tests/roster/test_rest_floor.py holds
equal to the service on a small company.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.pg_connect import connect, day, instant
from bpa_provider.config import Policy, load_settings
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.rules.worktime import (
    AssistantContext,
    RuleSet,
    ShiftFact,
    Violation,
    check_assistant,
    check_client_overlap,
    check_credentials,
    profile,
    with_overtime_agreement,
)
from bpa_provider.rules.worktime_ch10 import needs_history

MARGIN = timedelta(days=7)  # as services.worktime_data.MARGIN
LONGEST = timedelta(days=4)  # as services.worktime_data.LONGEST_SHIFT
STAFFED = "status NOT IN ('cancelled', 'vacant')"
SHIFT = f"SELECT id, assistant_id, client_id, start_utc, end_utc, kind, legal_basis FROM shift WHERE {STAFFED}"


def _text(instant: datetime) -> str:
    """An instant as stored (naive UTC text, microseconds included: compares as the instant)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _instant(value: Any) -> datetime:
    return instant(value)


def _rules(name: str, policy: Policy, cache: dict[str, RuleSet]) -> RuleSet:
    """The preset with the policy's working-time choices (as services.worktime_data.rule_set)."""
    if name not in cache:
        rules = profile(name)
        if policy.overtime_agreement:
            rules = with_overtime_agreement(rules)
        cache[name] = replace(
            rules,
            police_certificate_from=policy.police_certificate_required_from,
            breaks_in_shift=policy.breaks_in_shift,
            sunday_average_weeks=policy.sunday_average_weeks or None,
            sunday_off_every=policy.sunday_off_every,
        )
    return cache[name]


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def findings(db: str, first: date, last: date, policy: Policy | None = None) -> list[dict[str, Any]]:
    """The report's rows (as `report rest --format json` gives them, English) for an admin."""
    policy = policy or load_settings().policy
    conn = connect(db)  # a SQLite file, or a PostgreSQL URL (bench/pg_connect.py)
    clients: dict[int, tuple[str, str, str, str]] = {}  # id -> ref, tz, profile, country
    for cid, ref, country, tz, own in conn.execute(
        "SELECT c.id, c.ref, m.country, m.timezone, m.rule_profile FROM client c JOIN municipality m"
        " ON m.id = c.municipality_id"
    ):
        country = (country or "NO").upper()
        name = own or (policy.rule_profile_se if country == "SE" else policy.rule_profile_no)
        clients[cid] = (ref, tz or "Europe/Oslo", name, country)

    # Every staffed shift around the range, read once.
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    wide_lo, wide_hi = lo - MARGIN, hi + LONGEST + MARGIN
    rows = [
        (i, a, c, _instant(s), _instant(e), k, b)
        for i, a, c, s, e, k, b in conn.execute(
            f"{SHIFT} AND start_utc < ? AND start_utc > ? AND end_utc > ? ORDER BY start_utc, id",
            (_text(wide_hi), _text(wide_lo - LONGEST), _text(wide_lo)),
        )
    ]
    bounds = {
        tz: (_midnight(first, tz), _midnight(last + timedelta(days=1), tz)) for _r, tz, _p, _c in clients.values()
    }
    chosen = {
        r[0]: r for r in rows if lo <= r[3] < hi and bounds[clients[r[2]][1]][0] <= r[3] < bounds[clients[r[2]][1]][1]
    }
    if not chosen:
        return []
    w_lo = min(r[3] for r in chosen.values()) - MARGIN
    w_hi = max(r[4] for r in chosen.values()) + MARGIN
    window = [r for r in rows if r[3] < w_hi and r[3] > w_lo - LONGEST and r[4] > w_lo]
    by_assistant: dict[int, list[Any]] = {}
    by_client: dict[int, list[Any]] = {}
    for r in window:
        by_assistant.setdefault(r[1], []).append(r)
        by_client.setdefault(r[2], []).append(r)

    facts: dict[int, ShiftFact] = {}

    def fact(r: Any) -> ShiftFact:
        if r[0] not in facts:
            ref, tz, _p, _c = clients[r[2]]
            facts[r[0]] = ShiftFact(r[0], r[1], r[2], r[3], r[4], r[5], tz, r[6] or None, ref)
        return facts[r[0]]

    # What the credential rules need, of the assistants working in the window.
    on = w_lo.date() + MARGIN
    people = set(by_assistant)
    emps: dict[int, list[tuple[Any, ...]]] = {}
    for aid, *rest in conn.execute(
        "SELECT assistant_id, start_date, end_date, police_certificate_on, confidentiality_on FROM employment"
    ):
        if aid in people:
            emps.setdefault(aid, []).append(tuple(None if v is None else day(v) for v in rest))
    assigned: dict[int, dict[int, list[tuple[date, date | None]]]] = {}
    fk: dict[int, dict[int, date]] = {}
    for aid, cid, began, ended, reported in conn.execute(
        "SELECT assistant_id, client_id, start_date, end_date, fk_reported_on FROM assignment"
    ):
        if aid in people:
            assigned.setdefault(aid, {}).setdefault(cid, []).append((day(began), day(ended) if ended else None))
            if reported:
                on_day = day(reported)
                mine = fk.setdefault(aid, {})
                mine[cid] = min(on_day, mine.get(cid, on_day))
    required = [
        r
        for r in conn.execute(
            "SELECT t.client_id, c.id, c.name, c.validity_months FROM required_training t"
            " JOIN course c ON c.id = t.course_id"
        )
        if r[0] in by_client
    ]
    done: dict[int, dict[int, list[date]]] = {}
    if required:
        for aid, course, completed in conn.execute(
            "SELECT assistant_id, course_id, completed_on FROM course_enrollment WHERE status = 'completed'"
            " AND completed_on <= ?",
            (on.isoformat(),),
        ):
            if aid in people:
                done.setdefault(aid, {}).setdefault(course, []).append(day(completed))
    contexts: dict[int, AssistantContext] = {}
    for aid in people & (set(emps) | set(assigned) | set(done)):
        missing: dict[int, list[str]] = {}
        for cid, course, name, validity in required:
            if not any((u := expiry_date(d, validity)) is None or u > on for d in done.get(aid, {}).get(course, [])):
                missing.setdefault(cid, []).append(name)
        mine_e = emps.get(aid, [])
        police = [e[2] for e in mine_e if e[2]]
        confid = [e[3] for e in mine_e if e[3]]
        contexts[aid] = AssistantContext(
            [(e[0], e[1]) for e in mine_e],
            assigned.get(aid, {}),
            min(police) if police else None,
            min(confid) if confid else None,
            fk.get(aid, {}),
            {c: tuple(sorted(set(n))) for c, n in missing.items()},
        )
    two = {
        cid
        for (cid,) in conn.execute(
            "SELECT client_id FROM decision WHERE two_helper_hours > 0 AND valid_from <= ?"
            " AND (valid_to IS NULL OR valid_to >= ?)",
            (w_hi.date().isoformat(), w_lo.date().isoformat()),
        )
    }
    refs = {aid: (ref, name) for aid, ref, name in conn.execute("SELECT id, ref, name FROM assistant")}

    cache: dict[str, RuleSet] = {}
    holidays: dict[tuple[str, int, int], frozenset[date]] = {}

    def days_off(country: str, shifts: list[Any]) -> frozenset[date]:
        # The local dates around the shifts, a day either side (as services.worktime_data._span).
        a = min(r[3].astimezone(ZoneInfo(clients[r[2]][1])).date() for r in shifts) - timedelta(days=1)
        b = max(r[4].astimezone(ZoneInfo(clients[r[2]][1])).date() for r in shifts) + timedelta(days=1)
        key = (country, a.year, b.year)
        if key not in holidays:
            holidays[key] = frozenset(public_holidays(country, tuple(range(a.year, b.year + 1))))
        return holidays[key]

    # The look-back: the earlier shifts of the assistants whose overtime weeks need them.
    need: dict[int, int] = {}
    for aid, shifts in by_assistant.items():
        for name in {clients[r[2]][2] for r in shifts}:
            rules = _rules(name, policy, cache)
            off = days_off(rules.country, shifts) if rules.sunday_average_weeks else frozenset()
            days = needs_history([fact(r) for r in shifts], rules, off)
            if days:
                need[aid] = max(need.get(aid, 0), days)
    history: set[int] = set()
    if need:
        known = {r[0] for r in window}
        earliest = w_lo - timedelta(days=max(need.values()))
        marks = ", ".join("?" * len(need))
        for i, a, c, s, e, k, b in conn.execute(
            f"{SHIFT} AND assistant_id IN ({marks}) AND start_utc >= ? AND start_utc < ?",
            (*need, _text(earliest), _text(w_lo)),
        ):
            start = _instant(s)
            if i not in known and start >= w_lo - timedelta(days=need[a]):
                by_assistant[a].append((i, a, c, start, _instant(e), k, b))
                history.add(i)
        for shifts in by_assistant.values():
            shifts.sort(key=lambda r: (r[3], r[0]))

    found: dict[tuple[str, tuple[int, ...], str], Violation] = {}
    for aid in sorted({r[1] for r in chosen.values()}):
        shifts = by_assistant[aid]
        ctx = contexts.get(aid) or AssistantContext((), {}, None, None)
        for name in sorted({clients[r[2]][2] for r in shifts}):
            rules = _rules(name, policy, cache)
            mine = {r[0] for r in shifts if clients[r[2]][2] == name}
            facts_by_id = {r[0]: fact(r) for r in shifts}
            got = check_assistant([fact(r) for r in shifts], rules, holidays=days_off(rules.country, shifts))
            got += check_credentials([facts_by_id[i] for i in sorted(mine - history)], ctx, rules)
            for v in got:
                if mine & set(v.shift_ids):
                    found.setdefault((v.rule_id, v.shift_ids, v.detail), v)
    names = {r[1]: refs[r[1]][0] for r in window}
    for cid in sorted({r[2] for r in chosen.values()}):
        rules = _rules(clients[cid][2], policy, cache)
        for v in check_client_overlap([fact(r) for r in by_client[cid]], cid in two, rules, names=names):
            found.setdefault((v.rule_id, v.shift_ids, v.detail), v)

    acked = {(sid, rule) for sid, rule in conn.execute("SELECT shift_id, rule_id FROM rule_ack")}
    shown = {r[0]: r for rows_ in (window, *by_assistant.values()) for r in rows_}
    out = []
    for v in found.values():
        if not chosen.keys() & set(v.shift_ids):
            continue
        vs = [shown[i] for i in v.shift_ids]
        owner = next((r for r in vs if r[0] in chosen), vs[0])
        ref, name = refs.get(owner[1], ("", ""))
        parts = []
        for r in vs:
            cref, tz, _p, _c = clients[r[2]]
            a, b = r[3].astimezone(ZoneInfo(tz)), r[4].astimezone(ZoneInfo(tz))
            parts.append(f"{cref} {a:%d.%m %H:%M}–{b:%H:%M} (#{r[0]})")
        out.append(
            {
                "assistant": ref,
                "assistant_name": name,
                "rule": v.rule_id,
                "law": v.law,
                "severity": v.severity,
                "shifts": ", ".join(parts),
                "detail": v.text(),
                "acknowledged": any((i, v.rule_id) in acked for i in v.shift_ids),
                "not_payable": v.not_payable,
            }
        )
    conn.close()
    return sorted(out, key=lambda f: (f["assistant"], f["shifts"], f["rule"]))


def command_argv(cli: str, db: str, first: date, last: date) -> list[str]:
    return [cli, "--db", db, "--lang", "en", "report", "rest", "--from", first.isoformat(), "--to", last.isoformat()]


def check(db: str, cli: str, first: date, last: date) -> str:
    """'equal (N findings)' when the command's findings are the floor's, else the first difference."""
    # The command's rows have its columns (cli/reports/rest.py COLUMNS): the name is not among them.
    floor = [{k: v for k, v in row.items() if k != "assistant_name"} for row in findings(db, first, last)]
    proc = subprocess.run(
        [*command_argv(cli, db, first, last), "--format", "json"], capture_output=True, text=True, check=True
    )
    command = json.loads(proc.stdout)
    if command == floor:
        return f"equal ({len(floor)} findings)"
    diff = next((a, b) for a, b in zip(command + [None] * len(floor), floor + [None] * len(command)) if a != b)
    return f"differs ({len(command)} vs {len(floor)}): command {diff[0]} floor {diff[1]}"


def main(argv: list[str]) -> None:
    if argv[0] == "check":
        from bench.company import CLI

        print(check(argv[1], CLI, date.fromisoformat(argv[2]), date.fromisoformat(argv[3])))
        return
    db, first, last = argv[0], date.fromisoformat(argv[1]), date.fromisoformat(argv[2])
    t0, c0 = time.perf_counter(), time.process_time()
    findings(db, first, last)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"cpu {cpu:.4f}")
    print(f"{wall:.4f}")  # the last line: what bench.measure.value_of_command reads


if __name__ == "__main__":
    main(sys.argv[1:])
