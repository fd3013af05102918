"""The floor of `report rest` (bench/rest_floor.py: rows read with `sqlite3`, the pure rules called
in a plain loop) gives the report's findings — the equality the bench row rests on, checked on a
small generated company for several ranges, through the service and through the command."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import pytest

from bench import rest_floor
from bench.run import CLI
from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import open_database
from bpa_provider.services.worktime import violations_between


def _ranges(today: date) -> list[tuple[date, date]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    autumn = today.year if today >= date(today.year, 11, 5) else today.year - 1
    return [
        (last_month_end.replace(day=1), last_month_end),  # a whole month
        (date(autumn, 10, 20), date(autumn, 11, 4)),  # across the end of summer time and a month's end
        (today, today),  # one day
    ]


RANGES = _ranges(date.today())


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("rest_floor") / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "8", "--months", "14", "--seed", "3"]) == 0
    return path


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_the_floor_gives_the_services_findings(company, first, last):
    db = open_database(f"sqlite:///{company}")
    service = [asdict(f) for f in violations_between(db, Actor("root", "admin"), first, last)]
    floor = rest_floor.findings(company, first, last)
    assert floor == service


def test_the_company_has_findings_of_several_kinds(company):
    # Else the equality above would hold of two empty lists.
    floor = rest_floor.findings(company, *RANGES[0])
    assert len({f["rule"] for f in floor}) >= 2


def test_the_bench_check_compares_with_the_command(company):
    assert rest_floor.check(company, CLI, *RANGES[1]).startswith("equal (")
