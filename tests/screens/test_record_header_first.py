"""A record's screen shows its header (the record itself) as soon as that one cheap call answers,
and fills each section as its own call answers: a slow section (the client's hours, the
assistant's shifts) no longer holds the record back. The parts together are the whole screen's
read model (`client_detail`, `assistant_detail`), and one opening is one line in the access log."""

from __future__ import annotations

import threading

import fixed_data
from pilot_steps import settle
from sqlalchemy import func, select
from textual.widgets import Static

from bpa_provider.db.models import AuditEvent
from bpa_provider.screens.assistant_detail import AssistantDetailScreen
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.services import details, records


def screen_text(screen) -> str:  # noqa: ANN001
    return "\n".join(str(s.render()) for s in screen.query(Static))


def _held(monkeypatch, name: str) -> threading.Event:  # noqa: ANN001
    """details.<name> waits until the returned event is set."""
    release = threading.Event()
    real = getattr(details, name)

    def slow(*args, **kwargs):
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(details, name, slow)
    return release


async def _until(app, pilot, done) -> None:  # noqa: ANN001
    for _ in range(100):
        await pilot.pause(0.02)
        if done():
            return
    raise AssertionError("never")


def _views(db, ref: str) -> int:  # noqa: ANN001
    with db.read() as s:
        return s.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "view", AuditEvent.subject == ref)
        ).scalar_one()


async def test_client_header_shows_before_its_slow_sections(make_app, monkeypatch):
    release = _held(monkeypatch, "client_hours")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        before = _views(app.db, "K-0001")
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await _until(app, pilot, lambda: "Work supervisors" in screen_text(app.screen))
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        shown = screen_text(screen)
        assert "K-0001 Kari Nordmann" in shown and screen.query(".summary")  # the header
        assert "Loading…" in shown and "This month:" not in shown  # the hours still on their way
        assert "Decisions (1)" in shown  # the sections that came are there
        release.set()
        await settle(app, pilot)
        shown = screen_text(screen)
        assert "This month:" in shown and "Loading…" not in shown
        assert _views(app.db, "K-0001") == before + 1  # one opening, one line in the log


async def test_assistant_header_shows_before_its_shifts(make_app, monkeypatch):
    release = _held(monkeypatch, "assistant_shifts")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("assistant", records.find_id(app.db, fixed_data.BUILDER, "assistant", "A-0001"))
        await _until(app, pilot, lambda: "Staff reviews (" in screen_text(app.screen))
        screen = app.screen
        assert isinstance(screen, AssistantDetailScreen)
        shown = screen_text(screen)
        assert "A-0001" in shown and screen.query(".summary") and "Employments" in shown
        assert "Loading…" in shown and "Upcoming shifts" not in shown
        release.set()
        await settle(app, pilot)
        assert "Upcoming shifts" in screen_text(screen) and "Loading…" not in screen_text(screen)


def test_the_parts_are_the_whole_read_model(fixed_db, coordinator):
    """What the screens assemble from the parts equals the one-call read model."""
    today = fixed_data.TODAY
    for ref in ("K-0001", "K-0002", "K-0003"):
        cid = records.find_id(fixed_db, fixed_data.BUILDER, "client", ref)
        whole = details.client_detail(fixed_db, coordinator, cid, today)
        head = details.client_header(fixed_db, coordinator, cid, today)
        rec = details.client_records(fixed_db, coordinator, cid, today)
        assert (head.client.model_dump(), head.municipality) == (whole.client.model_dump(), whole.municipality)
        assert rec.decisions == whole.decisions and rec.supervisors == whole.supervisors
        assert rec.assignments == whole.assignments and rec.transfer == whole.transfer
        assert rec.reviews_available == whole.reviews_available
        assert [h for h in rec.history or [] if h.action != "view"] == [h for h in whole.history or []]
        assert details.client_hours(fixed_db, coordinator, cid, today) == whole.hours
        assert details.client_continuity(fixed_db, coordinator, cid, today) == whole.continuity
    for ref in ("A-0001", "A-0002"):
        aid = records.find_id(fixed_db, fixed_data.BUILDER, "assistant", ref)
        whole_a = details.assistant_detail(fixed_db, coordinator, aid, today)
        head_a = details.assistant_header(fixed_db, coordinator, aid, today)
        rec_a = details.assistant_records(fixed_db, coordinator, aid, today)
        assert head_a.assistant == whole_a.assistant and head_a.employments == whole_a.employments
        assert head_a.certificate_not_required == whole_a.certificate_not_required
        assert (rec_a.assignments, rec_a.courses, rec_a.reviews) == (
            whole_a.assignments,
            whole_a.courses,
            whole_a.reviews,
        )
        assert details.assistant_shifts(fixed_db, coordinator, aid, today) == whole_a.shifts
