"""Building blocks of the load and fault figures (issue 15), shared by `bench/load.py` and the
short versions in tests/services/test_import_load.py.

- `build_company`: a company whose assistants all hold every credential, made through the CSV
  import of the registry kinds (so that path is exercised too).
- `write_shifts_csv`: a shift file that passes every blocking rule (one 6-hour shift a day per
  assistant, each of a client's assistants in their own slot), written with the csv module.
- `timed_writes`: wraps a Database so every write transaction's duration is recorded (how long
  the write lock was held, commit included).
- `session_mix`: what one coordinator's session does while an import runs: reads (lists, hours
  report, a roster week) and small writes, each timed; "database is locked" counted per kind.
"""

from __future__ import annotations

import csv
import io
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

from bpa_provider.access import Actor

ADMIN = Actor("bench", "admin")
FIRST_DAY = date(2025, 1, 1)


def _csv(rows: list[list[str]]) -> io.BytesIO:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return io.BytesIO(buf.getvalue().encode("utf-8"))


def build_company(db, clients: int, per_client: int = 4, *, first: int = 1,  # noqa: ANN001
                  municipality: str = "Hamar") -> list[tuple[str, str]]:
    """Clients K-nnnn (from `first`) with `per_client` assistants each (employed, certified,
    assigned); returns (client ref, assistant ref) pairs in slot order."""
    from bpa_provider.services.importer import import_csv

    import_csv(db, ADMIN, "municipalities", _csv([["name"], [municipality]]))
    numbers = range(first, first + clients)
    import_csv(db, ADMIN, "clients", _csv([["ref", "name", "municipality", "start_date"]] + [
        [f"K-{c:04d}", f"Client {c}", municipality, "2024-01-01"] for c in numbers]))
    pairs = [(f"K-{c:04d}", f"A-{(c - 1) * per_client + k + 1:04d}") for c in numbers for k in range(per_client)]
    import_csv(db, ADMIN, "assistants", _csv([["ref", "name"]] + [[a, f"Assistant {a}"] for _c, a in pairs]))
    import_csv(db, ADMIN, "employments", _csv(
        [["assistant_ref", "start_date", "position_percent", "police_certificate_on", "confidentiality_on"]]
        + [[a, "2024-01-01", "80", "2023-12-01", "2023-12-01"] for _c, a in pairs]))
    import_csv(db, ADMIN, "assignments", _csv([["assistant_ref", "client_ref", "start_date"]]
                                              + [[a, c, "2024-01-01"] for c, a in pairs]))
    return pairs


def write_shifts_csv(path: Path, pairs: list[tuple[str, str]], n: int, *, first_day: date = FIRST_DAY,
                     per_client: int = 4) -> int:
    """`n` shifts, five days of every seven per assistant (two days off in a row: the weekly rest),
    slot k of 24/per_client hours for the k-th assistant of a client — a roster that breaks no
    rule, as a provider's history mostly is. Returns the rows written."""
    slot_hours = 24 // per_client
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["client_ref", "assistant_ref", "start", "end", "status"])
        d = 0
        while written < n:
            day = first_day + timedelta(days=d)
            for i, (c, a) in enumerate(pairs):
                if written == n:
                    break
                if (d + i) % 7 >= 5:
                    continue  # this assistant's days off
                # Slots start at 0, 6, 12, 18 h: never in the 02:00-03:00 DST gap.
                start = datetime(day.year, day.month, day.day, (i % per_client) * slot_hours)
                end = start + timedelta(hours=slot_hours)
                w.writerow([c, a, start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M"), "worked"])
                written += 1
            d += 1
    return written


@dataclass
class WriteTimes:
    durations: list[float] = field(default_factory=list)  # each db.write() block, from entering it
    locked: list[float] = field(default_factory=list)  # from BEGIN IMMEDIATE's return to COMMIT's

    @property
    def longest(self) -> float:
        return max(self.durations, default=0.0)

    @property
    def longest_lock(self) -> float:
        return max(self.locked, default=0.0)


def timed_writes(db) -> WriteTimes:  # noqa: ANN001
    """Record the duration of every `db.write()` transaction, and on SQLite how long it held the
    write lock: from the moment `BEGIN IMMEDIATE` returns (an engine "begin" listener registered
    after db.engine's own, which issues it) to the moment COMMIT returns. Only here, in the bench:
    the product code is not instrumented."""
    from sqlalchemy import event

    times = WriteTimes()
    plain = db.write
    began: list[float] = []

    def on_begin(_conn) -> None:  # noqa: ANN001
        began.append(time.perf_counter())

    event.listen(db.engine, "begin", on_begin)

    @contextmanager
    def write() -> Iterator:
        started = time.perf_counter()
        began.clear()
        try:
            with plain() as s:
                yield s
        finally:
            ended = time.perf_counter()
            times.durations.append(ended - started)
            if began:
                times.locked.append(ended - began[0])

    db.write = write
    return times


def timed(fn, phases: dict[str, float], name: str):  # noqa: ANN001, ANN201
    """`fn`, adding the seconds each call takes to phases[name]."""
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
            phases[name + "_cpu"] = phases.get(name + "_cpu", 0.0) + time.process_time() - cpu
    return wrapper


@dataclass
class MixResult:
    reads: int = 0
    read_locked: int = 0
    slowest_read: float = 0.0
    writes_ok: list[str] = field(default_factory=list)  # refs of the assistants created
    write_busy: int = 0  # writes refused as busy (they are not lost: the caller was told)
    errors: list[str] = field(default_factory=list)


def session_mix(url: str, worker: int, seconds: float, month: str, stop_at: float | None = None,
                part: int = 0) -> MixResult:
    """One coordinator's session: a read, a read, a small write, again, for `seconds`
    (`part`: which slice of a longer session this is, so the assistants it creates are unique)."""
    from bpa_provider.errors import DatabaseBusy
    from bpa_provider.services import hours, listing, records
    from db.engine import open_database

    db = open_database(url)
    out = MixResult()
    deadline = stop_at or (time.monotonic() + seconds)
    i = 0
    year, mon = (int(x) for x in month.split("-"))
    try:
        while time.monotonic() < deadline:
            i += 1
            for read in (lambda: listing.rows(db, ADMIN, "client", limit=50),
                         lambda: hours.hours_report(db, ADMIN, year, mon)):
                started = time.perf_counter()
                try:
                    read()
                except Exception as exc:  # noqa: BLE001 - counted, not hidden
                    if "locked" in str(exc) or isinstance(exc, DatabaseBusy):
                        out.read_locked += 1
                    else:
                        out.errors.append(f"read: {type(exc).__name__}: {exc}"[:200])
                out.slowest_read = max(out.slowest_read, time.perf_counter() - started)
                out.reads += 1
            ref = f"W-{worker:02d}{part:04d}{i:04d}"
            try:
                records.create(db, ADMIN, "assistant", {"ref": ref, "name": f"Session {worker}"})
                out.writes_ok.append(ref)
            except DatabaseBusy:
                out.write_busy += 1
            except Exception as exc:  # noqa: BLE001
                out.errors.append(f"write: {type(exc).__name__}: {exc}"[:200])
    finally:
        db.dispose()
    return out
