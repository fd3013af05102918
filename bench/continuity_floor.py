"""The floor of `report continuity`: every figure the command prints — distinct assistants in 14
and 30 days, the regular share of the 30 days' hours, new faces this month, substitutes who never
met the client — from hand-written SQL and a plain loop, checked equal to the command's output.

Five plain statements through the DB-API driver (the active clients; the window's staffed shifts
as four columns; the (client, assistant) pairs of the window who met before it, one index probe a
pair; the assignments; the assistants' references), then one loop over the shifts doing what
`rules.continuity` says: a shift of positive length, ordered, counts in a window it overlaps; its
seconds in the 30 days; the role on the shift's local start date (that day's assignments, else
any; none: a substitute); met before the month or before today by the local start date. Every demo
municipality is on Oslo's clock (= Stockholm's), so the floor computes its bounds there.

Usage (what bench/run.py does; DB a SQLite file or a PostgreSQL URL): `python -m bench.continuity_floor DB [DATE]` prints the floor's own
elapsed time (after Python and its imports); `python -m bench.continuity_floor check DB [DATE]`
prints "equal (N clients)" or the first difference to the command's `--format json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.pg_connect import connect, dialect

ZONE = ZoneInfo("Europe/Oslo")
ACTIVE = "('active', 'transferring_out')"
STAFFED = "status NOT IN ('cancelled', 'vacant') AND assistant_id IS NOT NULL"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)


def _literal(instant: datetime, dialect: str) -> str:
    """An instant as SQL compares it with the stored column (naive UTC; SQLite: its stored text)."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return f"'{text}'" if dialect == "sqlite" else f"TIMESTAMP '{text}'"


def _instant(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def pair_sql(today: date, dialect: str = "sqlite") -> str:
    """Per (client, assistant) of the window's staffed shifts of positive length (each ordered):
    in the 14 days, the seconds in the 30 days (> 0: in the 30 days), the earliest start, a start
    this month, a start from the first of the month on."""
    month_first = today.replace(day=1)
    month_next = (month_first + timedelta(days=32)).replace(day=1)
    lit = {
        name: _literal(_midnight(day), dialect)
        for name, day in {
            "lo": min(today - timedelta(days=30), month_first),
            "hi": today + timedelta(days=32),
            "short": today - timedelta(days=13),
            "long": today - timedelta(days=29),
            "end": today + timedelta(days=1),
            "first": month_first,
            "next": month_next,
        }.items()
    }
    if dialect == "sqlite":
        least, greatest = "MIN", "MAX"
        secs = "ROUND((julianday({a}) - julianday({b})) * 86400.0)"
    else:
        least, greatest = "LEAST", "GREATEST"
        secs = "ROUND(EXTRACT(EPOCH FROM {a} - {b}))"
    overlap = secs.format(a=f"{least}(e, {lit['end']})", b=f"{greatest}(s, {lit['long']})")
    return (
        "SELECT client_id, assistant_id, "
        f"MAX(CASE WHEN e > {lit['short']} AND s < {lit['end']} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN e > {lit['long']} AND s < {lit['end']} THEN {overlap} ELSE 0 END), MIN(s), "
        f"MAX(CASE WHEN s >= {lit['first']} AND s < {lit['next']} THEN 1 ELSE 0 END), "
        f"MAX(CASE WHEN s >= {lit['first']} THEN 1 ELSE 0 END) "
        "FROM (SELECT client_id, assistant_id, "
        "CASE WHEN end_utc < start_utc THEN end_utc ELSE start_utc END AS s, "
        "CASE WHEN end_utc < start_utc THEN start_utc ELSE end_utc END AS e "
        f"FROM shift WHERE {STAFFED} AND start_utc >= {lit['lo']} AND start_utc < {lit['hi']} "
        "AND end_utc <> start_utc) w GROUP BY client_id, assistant_id"
    )


def floor_rows(conn: Any, today: date, dialect: str = "sqlite") -> list[dict[str, Any]]:
    """The command's rows (its JSON objects plus the client id), from a DB-API connection."""
    month_first = today.replace(day=1)
    first_at, today_at = _midnight(month_first), _midnight(today)
    lo = _literal(_midnight(min(today - timedelta(days=30), month_first)), dialect)
    hi = _literal(_midnight(today + timedelta(days=32)), dialect)
    window = f"{STAFFED} AND start_utc >= {lo} AND start_utc < {hi}"
    cur = conn.cursor()
    cur.execute(f"SELECT id, ref, name FROM client WHERE status IN {ACTIVE} ORDER BY ref")
    clients = cur.fetchall()
    cur.execute(pair_sql(today, dialect))
    pairs = cur.fetchall()
    cur.execute(
        f"SELECT p.client_id, p.assistant_id FROM (SELECT DISTINCT client_id, assistant_id FROM shift "
        f"WHERE {window}) p WHERE EXISTS (SELECT 1 FROM shift e WHERE e.client_id = p.client_id AND "
        f"e.assistant_id = p.assistant_id AND e.status NOT IN ('cancelled', 'vacant') AND e.start_utc < {lo})"
    )
    met: dict[int, set[int]] = defaultdict(set)
    for cid, aid in cur.fetchall():
        met[cid].add(aid)
    cur.execute("SELECT client_id, assistant_id, role, start_date, end_date FROM assignment")
    roles: dict[tuple[int, int], list[tuple[str, date, date | None]]] = defaultdict(list)
    for cid, aid, role, first, last in cur.fetchall():
        roles[cid, aid].append((role, _day(first), _day(last)))  # type: ignore[arg-type]
    cur.execute("SELECT id, ref FROM assistant")
    refs = dict(cur.fetchall())

    short: dict[int, int] = defaultdict(int)
    long_: dict[int, int] = defaultdict(int)
    seconds: dict[int, float] = defaultdict(float)
    regular_seconds: dict[int, float] = defaultdict(float)
    new: dict[int, set[int]] = defaultdict(set)
    never: dict[int, set[int]] = defaultdict(set)
    varying = []
    for cid, aid, in_short, total, first, this_month, upcoming in pairs:
        secs = float(total or 0)  # PostgreSQL gives a numeric
        mine = roles.get((cid, aid), [])
        kinds = {r[0] for r in mine}
        if len(kinds) > 1:  # the role changed over time: each shift's date decides (below)
            varying.append((cid, aid))
        regular = "regular" in kinds
        short[cid] += in_short
        if secs > 0:
            long_[cid] += 1
            seconds[cid] += secs
            if regular and len(kinds) == 1:
                regular_seconds[cid] += secs
        first = _instant(first)
        if this_month and first >= first_at and aid not in met[cid]:
            new[cid].add(aid)
        if upcoming and not regular and first >= today_at and aid not in met[cid]:
            never[cid].add(aid)
    for cid, aid in varying:  # rare: read those pairs' shifts and decide the role per shift
        cur.execute(
            f"SELECT start_utc, end_utc FROM shift WHERE {window} AND client_id = {int(cid)} "
            f"AND assistant_id = {int(aid)} AND end_utc <> start_utc"
        )
        mine = roles[cid, aid]
        substitute_upcoming = False
        for a, z in cur.fetchall():
            start, end = sorted((_instant(a), _instant(z)))
            day = start.astimezone(ZONE).date()
            on_day = [r for r in mine if r[1] <= day and (r[2] is None or day <= r[2])]
            regular = any(r[0] == "regular" for r in (on_day or mine))
            long_lo, end_at = _midnight(today - timedelta(days=29)), _midnight(today + timedelta(days=1))
            overlap = (min(end, end_at) - max(start, long_lo)).total_seconds()
            if regular and overlap > 0:
                regular_seconds[cid] += round(overlap)
            substitute_upcoming |= not regular and start >= first_at
        if substitute_upcoming:
            never[cid].add(aid)
        else:
            never[cid].discard(aid)
        first = min(_instant(p[4]) for p in pairs if p[0] == cid and p[1] == aid)
        if first < today_at or aid in met[cid]:
            never[cid].discard(aid)
    out = []
    for cid, ref, name in clients:
        out.append(
            {
                "client_id": cid,
                "client_ref": ref,
                "client_name": name,
                "distinct_14d": short[cid],
                "distinct_30d": long_[cid],
                "regular_share": round(regular_seconds[cid] / seconds[cid], 4) if seconds[cid] > 0 else 1.0,
                "new_faces_month": " ".join(sorted(refs[i] for i in new[cid])),
                "substitutes_never_met": " ".join(sorted(refs[i] for i in never[cid])),
            }
        )
    return out


def command_rows(db: str, cli: str, today: date) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [cli, "--db", db, "report", "continuity", "--date", today.isoformat(), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(proc.stdout))


def compare(command: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str:
    """'equal (N clients)' or the first difference (the command's rows have no client id)."""
    # As the command prints them: its columns, a share to two decimals (bpa_provider.render).
    keys = command[0].keys() if command else floor[0].keys() if floor else ()
    floor = [{k: round(v, 2) if isinstance(v, float) else v for k, v in row.items() if k in keys} for row in floor]
    if command == floor:
        return f"equal ({len(floor)} clients)"
    diff = next((a, b) for a, b in zip(command + [None] * len(floor), floor + [None] * len(command)) if a != b)
    return f"differs ({len(command)} vs {len(floor)}): command {diff[0]} floor {diff[1]}"


def check(db: str, cli: str, today: date | None = None) -> str:
    """'equal (N clients)' when every figure of the command's report is the floor's."""
    today = today or date.today()
    with connect(db) as conn:
        floor = floor_rows(conn, today, dialect(db))
    return compare(command_rows(db, cli, today), floor)


def main(argv: list[str]) -> None:
    if argv[0] == "check":
        from bench.company import CLI

        print(check(argv[1], CLI, date.fromisoformat(argv[2]) if len(argv) > 2 else None))
        return
    today = date.fromisoformat(argv[1]) if len(argv) > 1 else date.today()
    t0 = time.perf_counter()
    with connect(argv[0]) as conn:
        rows = floor_rows(conn, today, dialect(argv[0]))
    elapsed = time.perf_counter() - t0
    print(len(rows))
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
