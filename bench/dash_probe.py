"""Run by the benchmark: the dashboard, a roster week and the hour account, as their screens ask.

`python -m bench.dash_probe WHAT DB_URL [--cpu] [--runs N]` prints the median seconds (wall, or CPU
of this process with `--cpu`) of N runs (default 5) after one warm-up, WHAT being:
- `dashboard`: every section an admin sees, computed one after another as the dashboard's workers
  compute them (`services.dashboard.gather_section`, the first 50 items of each and its count),
  the modules already imported;
- `week`: the roster week holding today of the middle client (by reference) of the smallest company, vacant shifts included
  (`roster_views.client_week`, as the roster screen asks);
- `account`: the same client's hour account on today (`hour_account.client_account`);
- `hours_first`: the dashboard's hours section on the first view of a day — every client's stored
  outlook made stale before each run (its day cleared, outside the timing), so each run computes
  and stores every client (services/hour_outlook.py); the `dashboard` probe's warm-up leaves them
  fresh, so its median is the steady state. Only the stored outlook is written: no other row moves;
- `hours_changed`: the same section after one shift of the middle client changed (its note set to
  itself before each run, outside the timing: the trigger bumps the client, nothing else moves);
- `sections`: each dashboard section on a line of its own, its median ms and its count, and a
  first line with each section's first call in this process (`cold`: its module imported and its
  queries compiled, as the app's first visit pays them), for docs/performance.md.

`dash_rows` puts each at every scale beside the figure at the smallest scale (issue 19: cost
grows with what is shown, not with the database: ≤ 1.2×).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

from bench.row import Row

SHOWN_ROWS = 50  # screens/dashboard.py: the rows a section's table shows
SMALLEST_COMPANY_CLIENTS = 200  # the 10 % company (bench/company.py)


def _probe(what: str, url: str) -> tuple[Callable[[], object], Callable[[], object] | None]:
    """What to time, and what to do before each timed run (outside the timing), or None."""
    from sqlalchemy import func, select

    from bpa_provider.access import Actor
    from bpa_provider.config import Policy
    from bpa_provider.db.engine import open_database
    from bpa_provider.db.models import Client
    from bpa_provider.services import dashboard, hour_account, roster_views

    db = open_database(url)
    actor, today, policy = Actor("bench", "admin"), date.today(), Policy()
    with db.read() as s:
        n = s.execute(select(func.count()).select_from(Client)).scalar_one()
        # The same client at every scale: the middle one of the smallest company (the demo makes
        # the first clients alike at every scale, so its week holds the same shifts at 10 % and
        # 100 %). The middle of each company was another client at each scale — 7 shifts that week
        # at 10 %, 14 at 100 % — and the row compared twice the rows shown, not the database.
        middle = min(n, SMALLEST_COMPANY_CLIENTS) // 2
        client_id = s.execute(select(Client.id).order_by(Client.ref).offset(middle).limit(1)).scalar_one()
    monday = today - timedelta(days=today.weekday())
    if what == "dashboard":
        keys = dashboard.visible_sections(actor)
        return lambda: [dashboard.gather_section(db, actor, today, key, policy, SHOWN_ROWS) for key in keys], None
    if what == "week":
        return lambda: roster_views.client_week(db, actor, client_id, monday, with_vacant=True), None
    if what == "account":
        return lambda: hour_account.client_account(db, actor, client_id, today), None
    if what in ("hours_first", "hours_changed"):
        from sqlalchemy import text

        def prepare() -> None:
            with db.write() as s:
                if what == "hours_first":
                    s.execute(text("UPDATE hour_outlook SET as_of = NULL"))
                else:
                    s.execute(
                        text(
                            "UPDATE shift SET note = note WHERE id = (SELECT min(id) FROM shift WHERE client_id = :c)"
                        ),
                        {"c": client_id},
                    )

        return lambda: dashboard.gather_section(db, actor, today, dashboard.HOURS_USAGE, policy, SHOWN_ROWS), prepare
    raise SystemExit(f"unknown probe {what!r}: dashboard, week, account, hours_first or hours_changed")


def _sections(url: str, clock: Callable[[], float], runs: int) -> None:
    from bpa_provider.access import Actor
    from bpa_provider.config import Policy
    from bpa_provider.db.engine import open_database
    from bpa_provider.services import dashboard

    db = open_database(url)
    actor, today, policy = Actor("bench", "admin"), date.today(), Policy()
    lines, cold, total = [], 0.0, 0.0
    for key in dashboard.visible_sections(actor):
        took = []
        for _ in range(runs + 1):
            t0 = clock()
            section = dashboard.gather_section(db, actor, today, key, policy, SHOWN_ROWS)
            took.append(clock() - t0)
        cold += took[0]
        total += statistics.median(took[1:])
        lines.append(f"{key:<22} {statistics.median(took[1:]) * 1000:8.1f} ms  count {section.count}")
    print(f"{'cold (first calls)':<22} {cold * 1000:8.1f} ms")
    print("\n".join(lines))
    print(f"{'all sections':<22} {total * 1000:8.1f} ms")


def main() -> None:
    what, url = sys.argv[1], sys.argv[2]
    clock = time.process_time if "--cpu" in sys.argv else time.perf_counter
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    if what == "sections":
        _sections(url, clock, runs)
        return
    run, prepare = _probe(what, url)
    run()
    took = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        t0 = clock()
        run()
        took.append(clock() - t0)
    print(f"{statistics.median(took):.4f}")


#: Row label per probe.
LABELS = {
    "dashboard": "dashboard, every section (services)",
    "week": "a client's roster week (service)",
    "account": "a client's hour account (service)",
}
#: Rows that tell the rest of a story, without a target of their own.
INFORMATIVE = {"hours_first": "dashboard's hours section, first view of a day (every client computed)"}


def dash_rows(scales: list[float], runs: int) -> list[Row]:
    """Each probe at every scale, taking turns between the scales like the detail rows; the floor
    is the figure at the smallest scale."""
    from bench.company import PY, build_database
    from bench.measure import values_in_turns
    from bench.row import beside_smallest_scale

    dbs = {scale: build_database(scale) for scale in scales}
    rows: list[Row] = []
    for what, label in LABELS.items():
        values, errors = values_in_turns(
            lambda db, w=what: [PY, "-m", "bench.dash_probe", w, f"sqlite:///{db}", "--runs", "3"], dbs, runs
        )
        rows += beside_smallest_scale(label, values, errors)
    for what, label in INFORMATIVE.items():
        values, errors = values_in_turns(
            lambda db, w=what: [PY, "-m", "bench.dash_probe", w, f"sqlite:///{db}", "--runs", "3"], dbs, runs
        )
        rows += informative(label, values, errors)
    return rows


def informative(label: str, values: dict[float, list[float]], errors: dict[float, str]) -> list[Row]:
    """A row per scale with no floor and no target: a figure the others are read beside."""
    from bench.measure import Sample

    return [
        Row(label, scale, Sample(v) if v else None, "—", None, "(informative)", note=errors.get(scale, ""))
        for scale, v in values.items()
    ]


if __name__ == "__main__":
    main()
