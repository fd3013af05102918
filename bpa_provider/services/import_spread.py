"""A large import yields to people: its check runs at a lower CPU priority, spread over processes.

A bulk import on a shared server competes for the same cores as every coordinator's screen. What
comes before the write transaction — reading the rows, the checks, the working-time and
credential rules, preparing the rows (`importer._import_own`) — holds no lock, so it can wait for
a core: `niced` runs it in a worker thread whose own niceness is raised by `Policy.import_nice`
(`BPA_IMPORT_NICE`; Linux gives each thread its own niceness, and raising it needs no privilege),
while the short write stays in the calling thread at its normal priority, so the write lock is
held as briefly as the machine allows. (Lowering a niceness again needs privilege; that is why the
check has a thread of its own.)

The working-time and credential rules are independent per assistant (`worktime.assistant_violations`
reads only the loaded data), so for a large file (`SPREAD_FROM` new shifts or more) on a machine with a core to spare
(`workers_for`) `violations` runs them in `min(2, cores)` forked worker processes, each given a
share of the assistants; the parent keeps the loaded data, the children see it through the fork
and send back only what the import needs of their violations (`verdicts`: a merge key per
warning, a blocking violation whole, the first line each involves), while the parent runs the
per-client rule (two helpers at once) meanwhile. No database connection is used in a child. The
results come back in the order of the assistants, exactly as the one-process loop makes them
(tests/services/test_import_spread.py holds the two equal on a file with errors and warnings).
"""

from __future__ import annotations

import contextvars
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import MappingProxyType
from typing import Any, TypeVar

from bpa_provider.errors import ServiceError
from bpa_provider.i18n import N_
from bpa_provider.rules.worktime_types import Violation
from bpa_provider.services import worktime

T = TypeVar("T")

#: New shifts from which the rules are spread over processes (below it, forking costs more than
#: it saves: the rules take about 20 µs a shift).
SPREAD_FROM = 20_000
#: Worker processes at most (the machine's cores, if fewer).
MAX_WORKERS = 2


def raise_niceness(n: int) -> None:
    """Make the calling thread `n` steps nicer (Linux: that thread only). Nothing on a system
    without per-thread niceness, or when the step is refused."""
    if n <= 0 or not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + n))
    except OSError:
        pass


def niced(fn: Callable[[], T], nice: int) -> T:
    """`fn()` run in a worker thread `nice` steps nicer than normal; its result returned, its
    exception raised here. nice <= 0: run in the calling thread."""
    if nice <= 0:
        return fn()
    outcome: list[Any] = []
    context = contextvars.copy_context()

    def work() -> None:
        raise_niceness(nice)
        try:
            outcome.append((True, context.run(fn)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome.append((False, exc))

    worker = threading.Thread(target=work, name="bpa-import-check", daemon=True)
    worker.start()
    worker.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a large import's read, check and write, back on
    (if it was) afterwards. An import makes a few hundred thousand objects that live for most of
    it (cells, rows, facts, prepared rows), few of them in cycles; the collector, started by
    every 700 new objects, walked them again and again: ≈ 0.5 s of a 100,000-shift import's
    6 s of CPU (docs/performance.md, session 8). The cycles an import leaves are collected
    when the collector runs next. Process-wide, like the collector itself: another thread's
    garbage waits too, for the import's few seconds."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def workers_for(shifts: int) -> int:
    """How many processes the rules of a file of `shifts` new shifts are spread over (1: none).
    Only where it pays: a large file, and a core to spare — the workers cost about half as much
    CPU again as the same rules in one process (each copies the pages it touches, builds its own
    caches), so on a machine whose cores are all busy they would only take more from the people
    using it. The load average counts this import itself (it is running as it asks, and a file
    imported just before it ran too), so a core is to spare while the load is below the cores:
    on two cores, load 1.1 is this import and one idle core. The workers run at the check's lower
    priority (`Policy.import_nice`), so what they take is what people leave idle."""
    cores = os.cpu_count() or 1
    if shifts < SPREAD_FROM or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if hasattr(os, "getloadavg") and os.getloadavg()[0] >= cores:
        return 1
    return min(MAX_WORKERS, cores)


# The loaded data a forked worker reads, and the new shifts' lines by id (set in the parent just
# before the fork).
_DATA: worktime.Loaded | None = None
_LINES: Mapping[int, int] = {}

#: A violation as an import needs it (`digest`): its merge key (`worktime.merge_violations`), the
#: violation itself only when it blocks, and the first line of the file it involves.
Digest = tuple[tuple[str, tuple[int, ...], str], Violation | None, int]


def digest(found: Iterable[Violation], lines: Mapping[int, int]) -> list[Digest]:
    """What an import does with `found`: a violation involving none of the new shifts (ids in
    `lines`) is left out — any other with its merge key involves the same shifts —, a warning is
    only counted, a blocking one is reported at its first line. So a forked worker sends back a
    key per warning, not the violation with its words and parameters."""
    out: list[Digest] = []
    for v in found:
        mine = [lines[i] for i in v.shift_ids if i in lines]
        if mine:
            out.append(((v.rule_id, v.shift_ids, v.detail), v if v.severity == "block" else None, min(mine)))
    return out


def _portable(v: Violation) -> tuple[Violation, bool]:
    """A violation as it can be pickled (a read-only mapping cannot): its params as a dict, and
    whether they were read-only, so the parent gives back exactly what the rule made."""
    if isinstance(v.params, MappingProxyType):
        return replace(v, params=dict(v.params)), True
    return v, False


def _restored(v: Violation, proxy: bool) -> Violation:
    return replace(v, params=MappingProxyType(v.params)) if proxy else v


def _check_group(task: tuple[str, Sequence[int]]) -> list[tuple[int, list[Any]]] | None:
    """A worker's share: each assistant's violations ("v") or their digests ("d"), portable; None
    when this process has not the loaded shifts of the share (see `_spread`)."""
    data = _DATA
    assert data is not None
    mode, aids = task
    out: list[tuple[int, list[Any]]] = []
    for aid in aids:
        if aid not in data.by_assistant:
            # Every assistant given has new shifts; none loaded means this worker was forked after
            # the parent let its loaded shifts go (the pool replacing a worker that died): say so
            # (`_spread` refuses the file) rather than find nothing.
            return None
        found = worktime.assistant_violations(data, aid)
        if mode == "v":
            out.append((aid, [_portable(v) for v in found]))
        else:
            out.append((aid, [(k, None if v is None else _portable(v), line) for k, v, line in digest(found, _LINES)]))
    return out


#: Tasks per worker: small enough that the last one to finish leaves the other core idle only
#: briefly (the pool hands the next task to whichever worker is free).
TASKS_PER_WORKER = 8


def shares(aids: Sequence[int], weight: Mapping[int, int], n: int) -> list[list[int]]:
    """`aids` dealt into at most `n` groups of about equal `weight` (an assistant's shifts: the
    rules' work grows with them), heaviest group first: each assistant, heaviest first, goes to
    the lightest group so far. A group's assistants keep the order of `aids`."""
    n = max(1, min(n, len(aids)))
    groups: list[list[int]] = [[] for _ in range(n)]
    load = [0] * n
    at = {aid: i for i, aid in enumerate(aids)}
    for aid in sorted(aids, key=lambda a: (-weight.get(a, 0), at[a])):
        k = min(range(n), key=lambda g: (load[g], g))
        groups[k].append(aid)
        load[k] += weight.get(aid, 0)
    order = sorted(range(n), key=lambda g: (-load[g], g))
    return [sorted(groups[g], key=at.__getitem__) for g in order if groups[g]]


def _spread(
    mode: str,
    data: worktime.Loaded,
    aids: Sequence[int],
    cids: Sequence[int],
    workers: int,
    lines: Mapping[int, int],
    meanwhile: Callable[[], object] | None = None,
) -> tuple[dict[int, list[Any]], list[Violation]]:
    """`_check_group` over `aids` in `workers` forked processes (each assistant's result, by id),
    and meanwhile here the clients' violations, then `meanwhile()`."""
    global _DATA, _LINES
    _DATA, _LINES = data, lines
    try:
        # One assistant here first: the rules' first call imports and builds what every later one
        # reuses (the `holidays` package and the years' holidays, the rule sets: ≈ 0.25 s), which
        # each worker would otherwise do again for itself.
        first = min(aids, key=lambda a: (len(data.by_assistant.get(a, ())), a))
        done: list[list[tuple[int, list[Any]]] | None] = [_check_group((mode, [first]))]
        rest = [a for a in aids if a != first]
        weight = {a: len(data.by_assistant.get(a, ())) for a in rest}
        # Equal shares by shift count, heaviest first, several per worker; the clients' rule (two
        # helpers at once, a fraction of the work) runs here meanwhile.
        tasks = [(mode, group) for group in shares(rest, weight, workers * TASKS_PER_WORKER)]
        # The objects made so far are left out of the collector's passes (the workers' passes would
        # otherwise write to every page of the loaded data, making each worker copy it).
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pending = pool.map_async(_check_group, tasks, chunksize=1)
                of_clients = [v for cid in cids for v in worktime.client_violations(data, cid)]
                if meanwhile is not None:
                    meanwhile()
                done += pending.get()
        finally:
            gc.unfreeze()
        if any(group is None for group in done):
            raise ServiceError(
                N_("the check lost one of its worker processes; nothing was written: import the file again")
            )
    finally:
        _DATA, _LINES = None, {}
    return {aid: items for group in done if group is not None for aid, items in group}, of_clients


def spreads(aids: Sequence[int], workers: int) -> bool:
    """Whether the rules of `aids` go to forked workers (`workers` > 1 and two assistants or more)."""
    return workers > 1 and len(aids) >= 2


def violations(
    data: worktime.Loaded, aids: Sequence[int], cids: Sequence[int], workers: int
) -> tuple[list[Violation], list[Violation]]:
    """`worktime.assistant_violations` of each assistant in `aids` and `worktime.client_violations`
    of each client in `cids`, each concatenated in that order — in this process (workers <= 1) or
    spread over `workers` forked processes."""
    if not spreads(aids, workers):
        return (
            [v for aid in aids for v in worktime.assistant_violations(data, aid)],
            [v for cid in cids for v in worktime.client_violations(data, cid)],
        )
    found, of_clients = _spread("v", data, aids, cids, workers, {})
    return [_restored(v, proxy) for aid in aids for v, proxy in found[aid]], of_clients


def verdicts(
    data: worktime.Loaded,
    aids: Sequence[int],
    cids: Sequence[int],
    workers: int,
    lines: Mapping[int, int],
    meanwhile: Callable[[], object] | None = None,
) -> list[Digest]:
    """`digest` of `violations` (the assistants' in order, then the clients'), with `lines` the
    new shifts' lines by id: what an import needs, sent back compactly by forked workers.
    `meanwhile` is called here while the workers work (only when they do: see `spreads`)."""
    if not spreads(aids, workers):
        out = [d for aid in aids for d in digest(worktime.assistant_violations(data, aid), lines)]
        return out + digest((v for cid in cids for v in worktime.client_violations(data, cid)), lines)
    found, of_clients = _spread("d", data, aids, cids, workers, lines, meanwhile)
    out = [(k, None if v is None else _restored(*v), line) for aid in aids for k, v, line in found[aid]]
    return out + digest(of_clients, lines)
