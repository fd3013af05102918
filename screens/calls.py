"""Calling services from widgets without freezing the screen.

`ServiceCaller.call_service(tag, fn, ...)` runs one service call in a thread worker (exclusive per
tag: a new search replaces the one still running) and posts a `ServiceResult` back to the widget.
Every exception is caught in the worker and delivered as the result's `error`, so a database that
went away becomes a message on screen, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.worker import get_current_worker

from bpa_provider.screens.messages import ServiceResult


class ServiceCaller:
    """Mixin for widgets and screens that call services."""

    _call_seq: dict[str, int]

    def call_service(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Run `fn(*args, **kwargs)` in a thread; returns the sequence number of this call."""
        seqs = self.__dict__.setdefault("_call_seq", {})
        seq = seqs[tag] = seqs.get(tag, 0) + 1
        target = self  # the widget that gets the answer

        def job() -> None:
            try:
                value, error = fn(*args, **kwargs), None
            except Exception as exc:  # noqa: BLE001 - turned into words for a person
                value, error = None, exc
            if not get_current_worker().is_cancelled:
                target.post_message(ServiceResult(tag, value, error, seq))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            job, name=tag, group=tag, thread=True, exclusive=True, exit_on_error=False
        )
        return seq

    def forget(self, tag: str) -> None:
        """Drop the answer of a call of `tag` still running (its question no longer applies)."""
        seqs = self.__dict__.setdefault("_call_seq", {})
        seqs[tag] = seqs.get(tag, 0) + 1

    def is_current(self, result: ServiceResult) -> bool:
        """True when `result` answers the latest call of its tag (older answers are dropped)."""
        return self.__dict__.get("_call_seq", {}).get(result.tag) == result.seq
