"""Snapshots of the absence, vacant-shift and outbox screens at 80x24 in English and Norwegian,
on the fixed data (fixed_data.py, "today" Monday 02.03.2026) plus, made here through the services
with every clock fixed: Per's sick note for Tuesday to Thursday (his two shifts become vacant), a
holiday he took in February, a third assistant who can substitute, a shift offered to her, and one
failed delivery attempt (the outbox then holds a RETRYING and a skipped message).
Re-baseline deliberately: `pytest tests/screens/test_absence_snapshots.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from unittest import mock

import fixed_data
import pytest
from textual.widgets import Input, Select

from bpa_provider.services import absence, notify, records, roster, vacancy

BUILDER = fixed_data.BUILDER
LOOKS = [pytest.param("en", id="80x24-en"), pytest.param("nb", id="80x24-nb")]


def _id(db, kind: str, ref: str) -> int:
    return records.find_id(db, BUILDER, kind, ref)


def _absent_week(db) -> None:
    tick = count()
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def now() -> datetime:
        return start + timedelta(minutes=next(tick))

    with (
        mock.patch("bpa_provider.audit.utcnow", now),
        mock.patch("bpa_provider.db.models.utcnow", now),
        mock.patch("bpa_provider.services.vacancy.utcnow", now),
        mock.patch("bpa_provider.services.notify.utcnow", now),
    ):
        kari, per = _id(db, "client", "K-0001"), _id(db, "assistant", "A-0001")
        liv = records.create(
            db, BUILDER, "assistant", {"name": "Liv Berg", "email": "liv@example.org", "email_consent": "yes"}
        )
        records.create(
            db,
            BUILDER,
            "employment",
            {
                "assistant_id": liv.ref,
                "start_date": "2025-06-01",
                "position_percent": 60,
                "police_certificate_on": "2025-05-01",
                "confidentiality_on": "2025-05-01",
            },
        )
        records.create(
            db,
            BUILDER,
            "assignment",
            {"assistant_id": liv.ref, "client_id": "K-0001", "start_date": "2025-06-01", "role": "substitute"},
        )
        roster.create_shift(db, BUILDER, kari, per, "2026-03-02T08:00", "16:00")
        roster.create_shift(db, BUILDER, kari, per, "2026-03-03T08:00", "16:00")
        roster.create_shift(db, BUILDER, kari, per, "2026-03-04T14:00", "22:00")
        absence.add_absence(db, BUILDER, "A-0001", "holiday", date(2026, 2, 16), date(2026, 2, 20))
        absence.add_absence(
            db, BUILDER, "A-0001", "sick-note", date(2026, 3, 3), date(2026, 3, 5), document_on=date(2026, 3, 3)
        )
        first = vacancy.list_vacant(db, BUILDER, date(2026, 3, 3), date(2026, 3, 3))[0]
        vacancy.offer(db, BUILDER, first.id, liv.ref)

        def refused(target, timeout):
            raise OSError("Connection refused")

        notify.send_due(
            db,
            BUILDER,
            "smtp://mail.example.org:587",
            "bpa@example.org",
            now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
            connect=refused,
        )


async def _settle(pilot) -> None:
    """Every worker done and its answer on screen. The dashboard shows answers that come close
    together in one paint, after `GATHER_ANSWERS` seconds: a snapshot taken sooner would catch
    a half-filled screen on a machine busy enough to delay the last answer."""
    from bpa_provider.screens.dashboard import GATHER_ANSWERS

    await pilot.pause()
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause(2 * GATHER_ANSWERS)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _steps(db, name: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot) -> None:
        await _settle(pilot)
        if name in ("absence_list", "absence_form"):
            pilot.app.open_record("assistant", _id(db, "assistant", "A-0001"))
            await _settle(pilot)
            await pilot.press("b")
            await _settle(pilot)
        if name == "absence_form":
            await pilot.press("n")
            await _settle(pilot)
            form = pilot.app.screen
            form.row("kind").query_one(Select).value = "holiday"
            form.row("from_date").query_one(Input).value = "09.03.2026"
            form.row("to_date").query_one(Input).value = "13.03.2026"
            form.row("grade").query_one(Input).value = "50"
            await pilot.press("ctrl+s")  # the service: only a sick note is graded (under Grade)
            await _settle(pilot)
        if name in ("vacant_week", "candidates", "vacant_list"):
            await pilot.press("4")
            await _settle(pilot)
        if name in ("vacant_week", "candidates", "vacant_list"):
            pilot.app.screen.view("rosters").open_client(_id(db, "client", "K-0001"), "K-0001 Kari Nordmann")
            await _settle(pilot)
            await pilot.press("right")  # Tuesday: the first vacant shift
            await _settle(pilot)
        if name == "candidates":
            await pilot.press("f")
            await _settle(pilot)
        if name == "vacant_list":
            await pilot.press("v")
            await _settle(pilot)
        if name == "outbox":
            await pilot.press("0")
            await _settle(pilot)

    return run


SCREENS = ["absence_list", "absence_form", "vacant_week", "candidates", "vacant_list", "outbox"]


@pytest.mark.parametrize("lang", LOOKS)
@pytest.mark.parametrize("screen", SCREENS)
def test_absence_screen(snap_compare, make_app, fixed_db, screen, lang):
    _absent_week(fixed_db)
    assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=_steps(fixed_db, screen))
