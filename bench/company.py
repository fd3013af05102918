"""The company the benchmark measures: the demo at a scale, built once and cached under
bench/results/, and the constants every row uses (the CLI, the demo's time zone)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.measure import ROOT, VENV_BIN

RESULTS = ROOT / "bench" / "results"
FULL = {"clients": 2000, "assistants": 12000, "months": 24}
PY = sys.executable
CLI = str(VENV_BIN / "bpa-provider")
ZONE = ZoneInfo("Europe/Oslo")  # every demo municipality is on Oslo's (= Stockholm's) clock
MAX_SHIFT = timedelta(days=7)  # as services.hours.MAX_SHIFT: how far back a shift may start


def build_database(scale: float, url: str | None = None) -> str:
    """The cached SQLite file (or the given PostgreSQL URL) holding the company at `scale`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    args = {k: max(1, int(v * scale)) if k != "months" else v for k, v in FULL.items()}
    target = url or str(RESULTS / f"company-{int(round(scale * 100))}.sqlite3")
    if url is None and Path(target).exists():
        # A file cached by an older version: bring it to the current schema (a no-op when it is).
        subprocess.run([CLI, "--db", target, "init"], capture_output=True, text=True, cwd=ROOT, check=True)
        return target
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            CLI,
            "--db",
            target,
            "demo",
            "--seed",
            "1",
            "--clients",
            str(args["clients"]),
            "--assistants",
            str(args["assistants"]),
            "--months",
            str(args["months"]),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"demo failed: {proc.stderr[-800:]}")
    print(f"  built {target} in {time.perf_counter() - t0:.0f} s", flush=True)
    return target


def same_schema(copy: str | Path, source: str | Path) -> bool:
    """True when a cached copy (the audit or payroll copy) exists and is at the source's schema
    revision. A copy cached by an older version is made again from the company (brought to the
    current schema by `build_database`): the CLI refuses a database at an older revision, and a row
    measured on such a copy would only time that refusal."""
    import sqlite3

    if not Path(copy).exists():
        return False

    def revision(path: str | Path) -> object:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT version_num FROM alembic_version").fetchall()

    try:
        return revision(copy) == revision(source)
    except sqlite3.Error:
        return False


def _month() -> str:
    today = date.today()
    return f"{today.year}-{today.month:02d}"


def _local_midnight(day: date) -> float:
    """Epoch seconds of local midnight in the demo's zone (as rules.dates.local_day_start_utc)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE).timestamp()


def _utc_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")
