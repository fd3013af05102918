"""The floor of `list assistants --format csv`: the same rows through the sqlite3 shell, and a
check that the command gives every row the floor gives, in the same order (no silent cut).

Usage: `python -m bench.list_floor DB` prints "equal (N rows)" or the first difference.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys

FLOOR_SQL = "SELECT ref, name, national_id, phone FROM assistant ORDER BY ref, id;"


def floor_argv(db: str) -> list[str]:
    return ["sqlite3", "-csv", "-header", db, FLOOR_SQL]


def check(db: str, cli: str) -> str:
    """'equal (N rows)' when the command lists the floor's assistants (by ref, in order)."""
    with sqlite3.connect(db) as conn:
        floor = [r[0] for r in conn.execute(FLOOR_SQL)]
    proc = subprocess.run(
        [cli, "--db", db, "list", "assistants", "--format", "csv"], capture_output=True, text=True, check=True
    )
    command = [r["ref"] for r in csv.DictReader(io.StringIO(proc.stdout))]
    if command == floor:
        return f"equal ({len(floor)} rows)"
    return f"differs: command {len(command)} rows, floor {len(floor)}"


if __name__ == "__main__":
    from bench.company import CLI

    print(check(sys.argv[1], CLI))
