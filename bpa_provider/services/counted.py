"""`Counted`: the first rows of a list and how many there are in all.

A dashboard section shows its first 50 rows and counts the rest (`sections.Section.total`). A
service that can read just those rows from an index, and count the others without making them,
returns them as a `Counted` (services/dashboard.py's `gather_section` takes `total` from it), so the
section costs what it shows rather than what the company holds (issue 19).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


class Counted(list[T]):
    """A list of the first rows, with `total`: the number of rows in the whole list."""

    def __init__(self, rows: Iterable[T], total: int) -> None:
        super().__init__(rows)
        self.total = total
