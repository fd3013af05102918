"""Snapshots of the dashboard, the client list and a client's screen, at 80x24 and 120x40.

The data, "today" and the log's clock are fixed (fixed_data.py), so a changed snapshot means a
changed screen. Re-baseline deliberately with `pytest tests/screens --snapshot-update` and look
at the report before committing; textual is pinned, and an upgrade means re-baselining.
"""

from __future__ import annotations

import pytest

from bpa_provider.services import records

import fixed_data

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _settle(pilot) -> None:
    await pilot.pause()
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_client_list(snap_compare, make_app, size):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_client_detail(snap_compare, make_app, fixed_db, size):
    kari = records.find_id(fixed_db, fixed_data.BUILDER, "client", "K-0001")

    async def run_before(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_record("client", kari)
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
