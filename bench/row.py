"""One row of `make bench`: a figure beside its floor and its target, and the checks that say
whether the target holds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.measure import Sample


@dataclass
class Row:
    what: str
    scale: float
    value: Sample | None
    floor_name: str
    floor: Sample | None
    target: str
    unit: str = "s"
    note: str = ""
    check: Callable[[Row], bool] | None = None  # whether the target holds

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.floor is None or self.floor.median <= 0:
            return None
        return self.value.median / self.floor.median

    def met(self) -> str:
        if self.check is None or self.value is None:
            return ""
        try:
            return "yes" if self.check(self) else "NO"
        except TypeError:  # a floor is missing
            return ""

    def cells(self) -> list[str]:
        def fmt(s: Sample | None) -> str:
            if s is None:
                return "n/a"
            if self.unit == "MB":
                return f"{s.median / 1e6:.1f} ± {s.spread / 1e6:.1f} MB"
            if self.unit == "shifts/s":
                return f"{s.median:,.0f} ± {s.spread:,.0f}/s"
            return f"{s.median * 1000:.1f} ± {s.spread * 1000:.1f} ms"

        ratio = ""
        if self.value is not None and self.floor is not None and self.floor.median > 0:
            if self.unit == "MB":
                ratio = f"+{(self.value.median - self.floor.median) / 1e6:.0f} MB"
            else:
                ratio = f"{self.value.median / self.floor.median:.2f}×"
        return [
            self.what,
            f"{int(round(self.scale * 100))} %",
            fmt(self.value),
            self.floor_name,
            fmt(self.floor),
            ratio,
            self.target,
            self.met(),
            self.note,
        ]


def at_most_ratio(limit: float) -> Callable[[Row], bool]:
    return lambda row: row.ratio is not None and row.ratio <= limit


def at_most_seconds(limit: float) -> Callable[[Row], bool]:
    return lambda row: row.value is not None and row.value.median <= limit


def at_most_above(limit_bytes: float) -> Callable[[Row], bool]:
    return lambda row: row.value.median - row.floor.median <= limit_bytes  # type: ignore[union-attr]


def beside_smallest_scale(label: str, values: dict[float, list[float]], errors: dict[float, str]) -> list[Row]:
    """A row per scale with its figure beside the same figure at the smallest scale, target
    ≤ 1.2× (issue 19: cost grows with what is shown, not with the database)."""
    smallest = min(values)
    floor = Sample(values[smallest]) if values[smallest] else None
    return [
        Row(
            label,
            scale,
            Sample(values[scale]) if values[scale] else None,
            "the same at the smallest scale",
            floor,
            "≤ 1.2×",
            note=errors.get(scale, ""),
            check=at_most_ratio(1.2),
        )
        for scale in values
    ]


class TimedRows(list[Row]):
    """The rows of one part of a run, each addition logged with the seconds it took since the one
    before (`  12 s  report continuity (own work)`), so the log shows where a run's time goes."""

    def __init__(self) -> None:
        super().__init__()
        self._t = time.perf_counter()

    def _log(self, rows: list[Row]) -> None:
        now = time.perf_counter()
        if rows:
            names = sorted({r.what for r in rows}, key=[r.what for r in rows].index)
            print(f"    {now - self._t:5.0f} s  {'; '.join(names)[:150]}", flush=True)
        self._t = now

    def append(self, row: Row) -> None:
        self._log([row])
        super().append(row)

    def __iadd__(self, rows: Iterable[Row]) -> TimedRows:  # type: ignore[override,misc]
        rows = list(rows)
        self._log(rows)
        return super().__iadd__(rows)


# A working-time check is "linear" when its rate (shifts per second) at a scale stays within this
# fraction of the rate at the smallest scale: the cost per shift does not grow with the database.
LINEAR = 0.75


HEADERS = ["what", "scale", "value (median ± spread)", "floor", "floor value", "ratio", "target", "met", "note"]
