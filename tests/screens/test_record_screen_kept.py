"""A record screen is kept when it is closed and shows the next record of its kind: what it shows
then is what a new screen shows (the same characters, the same focus), nothing of the record
before stays (its national ID shown, its answers still out), and a record opened from a record of
the same kind gets a screen of its own."""

from __future__ import annotations

import fixed_data
from pilot_steps import settle
from test_terminal_escapes import plain_screen

from bpa_provider.screens import detail_base
from bpa_provider.screens.assistant_detail import AssistantDetailScreen
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.services import records


async def _open(app, pilot, kind: str, ref: str) -> tuple[str, str | None]:  # noqa: ANN001
    app.open_record(kind, records.find_id(app.db, fixed_data.BUILDER, kind, ref))
    await settle(app, pilot)
    focused = app.screen.focused
    return plain_screen(app), focused.id if focused is not None else None


async def _back(app, pilot) -> None:  # noqa: ANN001
    await pilot.press("escape")
    await settle(app, pilot)


async def test_the_kept_screen_shows_the_next_record_as_a_new_screen_does(make_app, monkeypatch):
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)  # every part in the first frame, however slow
    for kind, first, second in (("client", "K-0001", "K-0002"), ("assistant", "A-0001", "A-0002")):
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            new_screen = await _open(app, pilot, kind, second)
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            before = await _open(app, pilot, kind, first)
            screen = app.screen
            await _back(app, pilot)
            assert app.screen is not screen
            kept = await _open(app, pilot, kind, second)
            assert app.screen is screen, "the screen closed before shows the next record"
            assert isinstance(screen, ClientDetailScreen if kind == "client" else AssistantDetailScreen)
        assert before != new_screen
        assert kept == new_screen


async def test_nothing_of_the_record_before_stays(make_app, monkeypatch):
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _open(app, pilot, "client", "K-0001")
        screen = app.screen
        screen.revealed = "14038512345"  # as `r` leaves it
        late = ServiceResult("last_review", "answer for K-0001", None, screen._next_seq("last_review"))
        await _back(app, pilot)
        assert "Kari Nordmann" not in "\n".join(str(w.render()) for w in screen.query("Static"))
        text, _focus = await _open(app, pilot, "client", "K-0002")
        assert app.screen is screen and screen.revealed is None
        assert "Kari Nordmann" not in text and "14038512345" not in text
        assert not screen.is_current(late)  # an answer for the record before is dropped


async def test_a_part_answering_after_the_record_was_closed_is_dropped(make_app, monkeypatch):
    # Ten sessions on PostgreSQL in CI: a part's answer came after its screen was closed (the
    # body emptied for the next record) and the screen looked for the part's place -> NoMatches.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _open(app, pilot, "client", "K-0001")
        screen = app.screen
        late = ServiceResult("continuity", "answer for K-0001", None, screen._next_seq("continuity"))
        await _back(app, pilot)
        assert not screen.is_current(late) and screen.detail is None and screen.revealed is None
        await screen.on_service_result(late)  # raised NoMatches before
        await settle(app, pilot)
        assert app.screen is not screen


async def test_a_record_opened_from_one_of_its_kind_gets_a_screen_of_its_own(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _open(app, pilot, "client", "K-0001")
        first = app.screen
        text, _focus = await _open(app, pilot, "client", "K-0002")
        assert app.screen is not first and isinstance(app.screen, ClientDetailScreen)
        assert "Ola Hansen" in text
        await _back(app, pilot)
        assert app.screen is first and "Kari Nordmann" in plain_screen(app)
        await _back(app, pilot)
        await _open(app, pilot, "client", "K-0003")
        assert app.screen is first


async def test_the_kept_screen_is_restyled_again_only_after_a_style_change(make_app, monkeypatch):
    monkeypatch.setattr(detail_base, "PART_WAIT", 10.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _open(app, pilot, "client", "K-0001")
        screen = app.screen
        await _back(app, pilot)
        closed = len(list(screen.walk_children(with_self=True)))  # its bars and an empty body
        restyled: list[int] = []
        update_nodes = app.stylesheet.update_nodes

        def counting(nodes, animate=False):  # noqa: ANN001, ANN202
            nodes = list(nodes)
            restyled.append(len(nodes))
            return update_nodes(nodes, animate=animate)

        app.stylesheet.update_nodes = counting  # type: ignore[method-assign]
        await _open(app, pilot, "client", "K-0002")
        assert app.screen is screen
        assert all(n < closed // 2 for n in restyled), (restyled, closed)
        await _back(app, pilot)
        app._invalidate_css()  # as a theme switch does
        restyled.clear()
        await _open(app, pilot, "client", "K-0003")
        assert max(restyled) >= closed
