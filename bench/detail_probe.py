"""Run by the benchmark: opening a client and an assistant, as the detail screens ask for them.

Prints the median seconds of `details.client_detail` + `details.assistant_detail` (after one
warm-up) for the middle client by reference and its first assistant
(`python -m bench.detail_probe DB_URL`). Each opening is logged, as on the screen.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date

from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import open_database
from bpa_provider.db.models import Assignment, Client
from bpa_provider.services import details


def main() -> None:
    db = open_database(sys.argv[1])
    actor, today = Actor("bench", "admin"), date.today()
    with db.read() as s:
        n = s.execute(select(func.count()).select_from(Client)).scalar_one()
        client_id = s.execute(select(Client.id).order_by(Client.ref).offset(n // 2).limit(1)).scalar_one()
        assistant_id = s.execute(
            select(Assignment.assistant_id).where(Assignment.client_id == client_id).order_by(Assignment.id).limit(1)
        ).scalar_one()

    def open_both() -> None:
        details.client_detail(db, actor, client_id, today)
        details.assistant_detail(db, actor, assistant_id, today)

    open_both()
    took = []
    for _ in range(5):
        t0 = time.perf_counter()
        open_both()
        took.append(time.perf_counter() - t0)
    print(f"{statistics.median(took):.4f}")


if __name__ == "__main__":
    main()
