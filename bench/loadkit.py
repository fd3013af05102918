"""Building blocks of the load and fault figures (issue 15), shared by `bench/load.py` and the
short versions in tests/services/test_import_load.py.

- `build_company`: a company whose assistants all hold every credential, made through the CSV
  import of the registry kinds (so that path is exercised too).
- `write_shifts_csv`: a shift file that passes every blocking rule (one 6-hour shift a day per
  assistant, each of a client's assistants in their own slot), written with the csv module.
- `timed_writes`: wraps a Database so every write transaction's duration is recorded (how long
  the write lock was held, commit included).
- `checkpoint_left_to_caller` / `checkpoint`: SQLite's automatic WAL checkpoint taken out of
  COMMIT and run by the caller, so the lock is timed without the checkpoint that follows it.
- `session_mix`: what one coordinator's session does while an import runs: reads (lists, hours
  report, a roster week) and small writes, each timed; "database is locked" counted per kind.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bpa_provider.access import Actor

ADMIN = Actor("bench", "admin")
FIRST_DAY = date(2025, 1, 1)


def _csv(rows: list[list[str]]) -> io.BytesIO:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return io.BytesIO(buf.getvalue().encode("utf-8"))


def build_company(
    db,
    clients: int,
    per_client: int = 4,
    *,
    first: int = 1,  # noqa: ANN001
    municipality: str = "Hamar",
) -> list[tuple[str, str]]:
    """Clients K-nnnn (from `first`) with `per_client` assistants each (employed, certified,
    assigned); returns (client ref, assistant ref) pairs in slot order."""
    from bpa_provider.services.importer import import_csv

    import_csv(db, ADMIN, "municipalities", _csv([["name"], [municipality]]))
    numbers = range(first, first + clients)
    import_csv(
        db,
        ADMIN,
        "clients",
        _csv(
            [["ref", "name", "municipality", "start_date"]]
            + [[f"K-{c:04d}", f"Client {c}", municipality, "2024-01-01"] for c in numbers]
        ),
    )
    pairs = [(f"K-{c:04d}", f"A-{(c - 1) * per_client + k + 1:04d}") for c in numbers for k in range(per_client)]
    import_csv(db, ADMIN, "assistants", _csv([["ref", "name"]] + [[a, f"Assistant {a}"] for _c, a in pairs]))
    import_csv(
        db,
        ADMIN,
        "employments",
        _csv(
            [["assistant_ref", "start_date", "position_percent", "police_certificate_on", "confidentiality_on"]]
            + [[a, "2024-01-01", "80", "2023-12-01", "2023-12-01"] for _c, a in pairs]
        ),
    )
    import_csv(
        db,
        ADMIN,
        "assignments",
        _csv([["assistant_ref", "client_ref", "start_date"]] + [[a, c, "2024-01-01"] for c, a in pairs]),
    )
    return pairs


def write_shifts_csv(
    path: Path, pairs: list[tuple[str, str]], n: int, *, first_day: date = FIRST_DAY, per_client: int = 4
) -> int:
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


def checkpoint_left_to_caller(db) -> None:  # noqa: ANN001
    """SQLite: `db`'s connections no longer run the automatic WAL checkpoint at a commit; the
    caller runs it (`checkpoint`). SQLite runs that checkpoint inside COMMIT but after the write
    lock is released ("the callback is invoked by SQLite after the commit has taken place and the
    associated write-lock on the database released", sqlite3_wal_hook), so a lock timed to
    COMMIT's return counted it (0.1–0.24 s of a 100,000-shift import, session 9). Other
    databases: nothing."""
    from sqlalchemy import event

    if db.dialect != "sqlite":
        return

    def no_autocheckpoint(dbapi, _record, _proxy) -> None:  # noqa: ANN001
        dbapi.execute("PRAGMA wal_autocheckpoint=0")

    event.listen(db.engine, "checkout", no_autocheckpoint)


def checkpoint(db) -> float:  # noqa: ANN001
    """SQLite: the PASSIVE checkpoint a commit would have run (`checkpoint_left_to_caller`), on a
    connection of its own outside any transaction; its seconds. Other databases: 0."""
    if db.dialect != "sqlite":
        return 0.0
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        raw.close()
    return time.perf_counter() - started


def timed(fn, phases: dict[str, float], name: str):  # noqa: ANN001, ANN201
    """`fn`, adding the seconds each call takes to phases[name] and its CPU seconds — this
    process's and those of the worker processes it ended (the import's check) — to name_cpu."""
    import resource

    def cpu_now() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + ru.ru_utime + ru.ru_stime

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started, cpu = time.perf_counter(), cpu_now()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
            phases[name + "_cpu"] = phases.get(name + "_cpu", 0.0) + cpu_now() - cpu

    return wrapper


@dataclass
class MixResult:
    reads: int = 0
    read_locked: int = 0
    slowest_read: float = 0.0  # seconds, wall clock
    slowest_read_cpu: float = 0.0  # the CPU seconds of that read (the rest was waiting)
    slowest_wait: float = 0.0  # the longest wall - CPU of any read: time not spent computing
    slowest_read_queued: float = 0.0  # of the slowest read: seconds runnable but waiting for a core
    longest_other_wait: float = 0.0  # the longest wall - CPU - core wait of any read: locks, disk
    read_times: list[float] = field(default_factory=list)  # every read's wall seconds
    writes_ok: list[str] = field(default_factory=list)  # refs of the assistants created
    write_busy: int = 0  # writes refused as busy (they are not lost: the caller was told)
    errors: list[str] = field(default_factory=list)


#: A coordinator's think time between two actions, in seconds (uniform): reading what the screen
#: shows, typing the next command. A person over SSH does not fire commands back to back; 1–3 s
#: is quick for a person (issue 15 asks for "a coordinator's mix").
THINK = (1.0, 3.0)


def session_mix(
    url: str,
    worker: int,
    seconds: float,
    month: str,
    stop_at: float | None = None,
    part: int = 0,
    *,
    think: tuple[float, float] = THINK,
    stop: Callable[[], bool] | None = None,
    ready: Callable[[], None] | None = None,
) -> MixResult:
    """One coordinator's session: the clients list, a client's roster week, the month's hours
    report and a small write (a new assistant), in a loop, with `think` seconds (uniform, seeded
    by the worker) before each action; for `seconds`, or until `stop()` says so. Each read is timed
    in wall-clock and CPU seconds (`time.thread_time`: this process has one thread doing work) and
    in time spent runnable but waiting for a core (Linux `/proc/thread-self/schedstat`), so the
    read's own work, waiting for a core and any other waiting (a lock, the disk) are told apart. `part`: which
    slice of a longer session this is, so the assistants it creates are unique. think=(0, 0): back
    to back, as the first version of this bench ran. `ready`: called after one untimed round of
    the reads (the session has started, as an app that has drawn its first screen)."""
    import random

    from bpa_provider.db.engine import open_database
    from bpa_provider.errors import DatabaseBusy
    from bpa_provider.services import hours, listing, records, roster

    db = open_database(url)
    out = MixResult()
    deadline = stop_at or (time.monotonic() + seconds)
    rng = random.Random(worker * 1000 + part)

    def done() -> bool:
        return time.monotonic() >= deadline or (stop is not None and stop())

    def pause() -> bool:
        """Think, waking to see whether the run is over; False when it is."""
        end = time.monotonic() + rng.uniform(*think)
        while not done():
            left = end - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.2))
        return False

    def queued() -> float:
        """Seconds this thread has been runnable but waiting for a core (Linux schedstat)."""
        try:
            with open("/proc/thread-self/schedstat") as fh:
                return int(fh.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    i = 0
    year, mon = (int(x) for x in month.split("-"))
    week = date(year, mon, 1) - timedelta(days=date(year, mon, 1).weekday())
    from sqlalchemy import select

    from bpa_provider.db.models import Client

    with db.read() as s:
        clients = list(s.execute(select(Client.id).order_by(Client.id)).scalars())
    client_id = clients[worker % len(clients)]  # each session looks at one client's roster
    reads = (
        lambda: listing.rows(db, ADMIN, "client", limit=50),
        lambda: roster.client_week(db, ADMIN, client_id, week),
        lambda: hours.hours_report(db, ADMIN, year, mon),
    )
    if ready is not None:
        # As an app that has started: its modules imported, its first screen drawn. Untimed.
        for read in reads:
            read()
        ready()
    try:
        while not done():
            i += 1
            for read in reads:
                if not pause():
                    return out
                started, cpu, waited = time.perf_counter(), time.thread_time(), queued()
                try:
                    read()
                except Exception as exc:  # noqa: BLE001 - counted, not hidden
                    if "locked" in str(exc) or isinstance(exc, DatabaseBusy):
                        out.read_locked += 1
                    else:
                        out.errors.append(f"read: {type(exc).__name__}: {exc}"[:200])
                wall, used = time.perf_counter() - started, time.thread_time() - cpu
                on_queue = queued() - waited
                out.read_times.append(round(wall, 4))
                if wall > out.slowest_read:
                    out.slowest_read, out.slowest_read_cpu, out.slowest_read_queued = wall, used, on_queue
                out.slowest_wait = max(out.slowest_wait, wall - used)
                out.longest_other_wait = max(out.longest_other_wait, wall - used - on_queue)
                out.reads += 1
            if not pause():
                return out
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
