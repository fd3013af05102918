"""Messages between workers, widgets and the app, in one place.

Database work runs in thread workers; a worker never touches widgets, it posts a `ServiceResult`
back to the widget that started it, which updates itself on the UI thread.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class ServiceResult(Message):
    """The outcome of a service call made in a worker: a value, or the error it raised.

    `tag` says which call it answers; `seq` lets a widget drop answers to questions it has
    since replaced (a search typed further while the previous one was still running).
    It does not bubble: it is an answer for the widget that asked, not for its parents.
    """

    bubble = False

    def __init__(self, tag: str, value: Any = None, error: BaseException | None = None, seq: int = 0) -> None:
        super().__init__()
        self.tag = tag
        self.value = value
        self.error = error
        self.seq = seq


class OpenRecord(Message):
    """Open a record: a client or assistant detail screen, or the edit form of other kinds."""

    def __init__(self, kind: str, record_id: int) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id


class RecordChanged(Message):
    """A record was created, changed or ended: views showing it reload."""

    def __init__(self, kind: str, record_id: int | None) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id


class ShowClientRoster(Message):
    """Show a client in the Rosters area: its week grid ("week") or its hour account ("hours")."""

    def __init__(self, client_id: int, label: str, pane: str = "week") -> None:
        super().__init__()
        self.client_id = client_id
        self.label = label
        self.pane = pane
