"""`report invoice --month` starts without the working-time stack (issue 19: a command's own work
beside a 20 ms floor): parsing `--month` and the invoice's local month bounds import the rules
they need, not `services.periods`/`services.worktime`; its `--month` says the same as before."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bpa_provider.cli.commands.roster import month
from bpa_provider.cli.context import CliError
from bpa_provider.services.invoice import local_range
from bpa_provider.services.periods import month_range
from bpa_provider.services.worktime_data import local_range as worktime_local_range

PROBE = """
import sys
from bpa_provider.cli import main
code = main(["--db", sys.argv[1], "report", "invoice", "--month", "2026-11", "--format", "csv"])
heavy = sorted(m for m in sys.modules if m.startswith(("bpa_provider.services.worktime", "bpa_provider.services.periods")))
print("heavy:", heavy, code)
"""


def test_report_invoice_does_not_import_the_working_time_stack(tmp_path):
    from bpa_provider.cli import main

    path = str(tmp_path / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "2", "--months", "1", "--seed", "2"]) == 0
    proc = subprocess.run([sys.executable, "-c", PROBE, path], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "heavy: [] 0"


@pytest.mark.parametrize("text", ["2026-01", "2026-12", "1999-02", " 2024-02 "])
def test_month_is_the_periods_month(text):
    assert month(text) == month_range(text)


@pytest.mark.parametrize("text", ["2026-13", "x", "2026-1-1", ""])
def test_a_bad_month_says_what_periods_says(text):
    with pytest.raises(ValueError) as said:
        month_range(text)
    with pytest.raises(CliError, match=str(said.value)):
        month(text)


def test_the_invoices_local_range_is_the_working_times():
    from datetime import date

    for tz in ("Europe/Oslo", "Europe/Stockholm", "UTC"):
        assert local_range(date(2026, 3, 1), date(2026, 4, 1), tz) == worktime_local_range(
            date(2026, 3, 1), date(2026, 4, 1), tz
        )
