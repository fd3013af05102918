"""The floor of `list assistants --format csv`: the same output, byte for byte — the columns read
with the `sqlite3` driver, national IDs masked in Python (`rules.national_id.mask`), every text cell
shown safe (control characters as their code) and guarded against spreadsheet formulas, written
with `csv` — and a check that the command prints exactly that (no row cut, none changed).

Usage (what bench/run.py does): `python -m bench.list_floor DB` prints the floor's own elapsed time
(after Python and its imports, the database driver's too: on PostgreSQL importing psycopg was
≈ 0.1 s of the floor's 0.12 s at 10 %); `python -m bench.list_floor check DB` prints "equal (N
rows)" or the first difference.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time

from bench.pg_connect import connect, is_postgres
from bpa_provider.rules.national_id import mask

FLOOR_SQL = "SELECT ref, name, national_id, phone FROM assistant ORDER BY ref, id"
HEADER = ["ref", "name", "national_id", "phone"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def _cell(value: object) -> object:
    """As the command writes a cell: empty for none; text with its control characters shown as
    codes, and a leading quote when a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", value
    )
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text


def floor_text(db: str) -> str:
    """The command's CSV output, from the floor."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    with connect(db) as conn:  # a SQLite file, or a PostgreSQL URL
        for ref, name, national_id, phone in conn.execute(FLOOR_SQL):
            writer.writerow((_cell(ref), _cell(name), _cell(mask(national_id)), _cell(phone)))
    return buf.getvalue()


def check(db: str, cli: str) -> str:
    """'equal (N rows)' when the command's output is the floor's, byte for byte."""
    floor = floor_text(db)
    proc = subprocess.run(
        [cli, "--db", db, "list", "assistants", "--format", "csv"], capture_output=True, text=True, check=True
    )
    if proc.stdout == floor:
        return f"equal ({floor.count(chr(10)) - 1} rows)"
    command_lines, floor_lines = proc.stdout.splitlines(), floor.splitlines()
    diff = next(
        (i, a, b)
        for i, (a, b) in enumerate(
            zip(command_lines + [""] * len(floor_lines), floor_lines + [""] * len(command_lines))
        )
        if a != b
    )
    return f"differs at line {diff[0]}: command {diff[1]!r} floor {diff[2]!r}"


def main(argv: list[str]) -> None:
    if argv[0] == "check":
        from bench.company import CLI

        print(check(argv[1], CLI))
        return
    if is_postgres(argv[0]):
        # The driver's import is start-up (≈ 0.1 s), as the command's is: taken before the timing.
        import psycopg  # noqa: F401

    t0 = time.perf_counter()
    text = floor_text(argv[0])
    elapsed = time.perf_counter() - t0
    print(f"{len(text)} characters")  # made, as the command makes its output; not printed
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
