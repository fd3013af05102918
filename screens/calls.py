"""Calling services from widgets without freezing the screen.

`ServiceCaller.call_service(tag, fn, ...)` runs one service call in a thread worker (exclusive per
tag: a new search replaces the one still running) and posts a `ServiceResult` back to the widget.
Every exception is caught in the worker and delivered as the result's `error`, so a database that
went away becomes a message on screen, never a traceback.

`call_in_background(tag, fn, ...)` is the same for work nobody pressed a key for (the dashboard's
sections): it runs on a small pool of its own (`BACKGROUND_THREADS`), never on the threads that
answer keys. Thread workers share asyncio's default pool — six threads on a 2-core machine — and
the dashboard's eleven sections, asked at start, filled it: a list opened just after start waited
in that pool's queue for a free thread (1.5 s at 10 %, docs/performance.md, issue 19). A
background call not yet started also waits while a key's call is running and for `KEY_HOLD`
seconds after any key (the app calls `yield_to_keys`), at most `YIELD_AT_MOST` seconds in all, so
what a key asks for — its query, and the UI thread's drawing — shares the GIL with fewer threads.

Work done ahead of a key (the lists and record screens built at start) comes after both: it waits
for the keys (`keys_idle`) and while a screen the person is looking at is being filled (`filling`:
the dashboard's sections), at most `FILL_AT_MOST` seconds. At start it took 0.1–0.15 s CPU of the one
interpreter from the dashboard's sections (docs/performance.md, "Session 10 — dstart").
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from textual.worker import get_current_worker

from bpa_provider.screens.messages import ServiceResult

BACKGROUND_THREADS = 2
YIELD_AT_MOST = 1.0  # seconds a background call waits for the keys' calls before it starts anyway
KEY_HOLD = 0.3  # seconds after a key in which no background call starts
FILL_AT_MOST = 3.0  # seconds work done ahead of a key waits for a screen being filled

_pool: ThreadPoolExecutor | None = None
_foreground = 0  # the keys' calls running now
_quiet = threading.Condition()
_hold_until = 0.0  # time.monotonic() before which no background call starts
_last_key = float("-inf")  # time.monotonic() of the latest key
_filling: dict[int, float] = {}  # id of a widget being filled -> time.monotonic() it stops counting


def yield_to_keys(seconds: float = KEY_HOLD) -> None:
    """A key was pressed: background calls not yet started wait `seconds` (see above)."""
    global _hold_until, _last_key
    with _quiet:
        _last_key = time.monotonic()
        _hold_until = max(_hold_until, _last_key + seconds)


def _background_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(BACKGROUND_THREADS, thread_name_prefix="bpa-background")
    return _pool


def _answer(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Exception | None]:
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - turned into words for a person
        return None, exc


def _foreground_answer(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    global _foreground
    with _quiet:
        _foreground += 1
    try:
        return _answer(fn, args, kwargs)
    finally:
        with _quiet:
            _foreground -= 1
            _quiet.notify_all()


def key_answer(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Exception | None]:
    """`fn(*args, **kwargs)` for a key, in the calling thread: (value, error), counted as a key's
    call while it runs (background work waits). For a thread of a widget's own (a record's parts,
    started by its header's worker: screens/detail_base.py)."""
    return _foreground_answer(fn, args, kwargs)  # type: ignore[no-any-return]


def wait_for_keys(asked_at: float = float("-inf")) -> None:
    """Background work about to start: wait while a key's call runs and for `KEY_HOLD` seconds
    after a key, at most `YIELD_AT_MOST` seconds (see above). Called from a worker thread.

    `asked_at` (a `time.monotonic()`): when the work was asked for. Keys up to then do not hold it:
    one of them asked for it (`1` showing the dashboard, F5), and its answer is this work — held
    for KEY_HOLD, the dashboard shown again after a change waited 0.3 s doing nothing. Keys after
    it, and a key's call running, still come first."""
    deadline = time.monotonic() + YIELD_AT_MOST

    def held() -> bool:
        return _foreground > 0 or (_last_key > asked_at and time.monotonic() < _hold_until)

    with _quiet:
        while held() and (left := deadline - time.monotonic()) > 0:
            _quiet.wait(min(left, max(_hold_until - time.monotonic(), 0.01)))


def keys_idle(quiet: float = KEY_HOLD) -> bool:
    """True when no key's call runs, no key came in the last `quiet` seconds and no screen is being
    filled (`filling`): the moment for work done ahead of a key (the lists built at start,
    screens/main.py)."""
    with _quiet:
        now = time.monotonic()
        return not _foreground and now - _last_key >= quiet and not _filling_now(now)


def quiet_left(quiet: float = KEY_HOLD) -> float:
    """Seconds until no key will have come for `quiet` seconds (0: none has): when work done ahead
    of a key that waits for `keys_idle(quiet)` is worth looking at again (screens/record_prep.py)."""
    with _quiet:
        return max(0.0, _last_key + quiet - time.monotonic())


def filling(owner: object, busy: bool) -> None:
    """`owner` (a widget the person is looking at) starts or stops being filled by background work;
    work done ahead of a key waits meanwhile, at most `FILL_AT_MOST` seconds from the start (an
    owner that never says it stopped holds nothing up for longer)."""
    with _quiet:
        if busy:
            _filling[id(owner)] = time.monotonic() + FILL_AT_MOST
        elif _filling.pop(id(owner), None) is not None:
            _quiet.notify_all()


def being_filled() -> bool:
    """True while a screen the person is looking at is being filled (`filling`): work done ahead
    of a key that waits for it looks again sooner than for a key (screens/main.py)."""
    with _quiet:
        return _filling_now(time.monotonic())


def _filling_now(now: float) -> bool:
    return any(until > now for until in _filling.values())


def wait_while_filling() -> None:
    """Work done ahead of a key, in a worker thread: wait while a screen is being filled (`filling`),
    or until the worker is cancelled (the app is closing)."""
    worker = get_current_worker()
    with _quiet:
        while _filling_now(now := time.monotonic()) and not worker.is_cancelled:
            _quiet.wait(min(max(_filling.values()) - now, 0.05))


def _background_answer(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    wait_for_keys()
    return _answer(fn, args, kwargs)


class ServiceCaller:
    """Mixin for widgets and screens that call services."""

    _call_seq: dict[str, int]

    def _next_seq(self, tag: str) -> int:
        seqs = self.__dict__.setdefault("_call_seq", {})
        seq = seqs[tag] = seqs.get(tag, 0) + 1
        return int(seq)

    def call_service(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Run `fn(*args, **kwargs)` in a thread; returns the sequence number of this call."""
        seq = self._next_seq(tag)
        target = self  # the widget that gets the answer

        def job() -> None:
            value, error = _foreground_answer(fn, args, kwargs)
            if not get_current_worker().is_cancelled:
                target.post_message(ServiceResult(tag, value, error, seq))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            job, name=tag, group=tag, thread=True, exclusive=True, exit_on_error=False
        )
        return seq

    def call_in_background(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """As `call_service`, for work no key asked for: on the background pool (see above)."""
        seq = self._next_seq(tag)
        target = self

        async def job() -> None:
            loop = asyncio.get_running_loop()
            value, error = await loop.run_in_executor(_background_pool(), _background_answer, fn, args, kwargs)
            if not get_current_worker().is_cancelled:
                target.post_message(ServiceResult(tag, value, error, seq))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            job, name=tag, group=tag, exclusive=True, exit_on_error=False
        )
        return seq

    def forget(self, tag: str) -> None:
        """Drop the answer of a call of `tag` still running (its question no longer applies)."""
        seqs = self.__dict__.setdefault("_call_seq", {})
        seqs[tag] = seqs.get(tag, 0) + 1

    def is_current(self, result: ServiceResult) -> bool:
        """True when `result` answers the latest call of its tag (older answers are dropped)."""
        return self.__dict__.get("_call_seq", {}).get(result.tag) == result.seq
