"""The footer (screens/widgets/footer.py, `KeyBar`) shows the keys the screen's bindings say,
composed once when a screen opens (Textual's Footer composed nothing and then everything, so the
screen was laid out and drawn twice) and again whenever the keys shown change."""

from __future__ import annotations

import fixed_data
from pilot_steps import settle
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.services import records


def _shown(screen) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(k.key, k.description) for k in screen.query_one(Footer).query(FooterKey)]


def _expected(screen) -> list[tuple[str, str]]:  # noqa: ANN001
    """What Footer shows for the screen's bindings now (one key per action, the palette's last)."""
    out: dict[str, tuple[str, str]] = {}
    for _node, binding, _enabled, _tip in screen.active_bindings.values():
        if binding.show:
            out.setdefault(binding.action, (binding.key, binding.description))
    palette = screen.active_bindings.get(screen.app.COMMAND_PALETTE_BINDING)
    extra = [(palette[1].key, palette[1].description)] if palette else []
    return list(out.values()) + extra


def _count_footer_composes(monkeypatch) -> list[object]:
    """The screens whose footer is composed, one entry per compose."""
    composed: list[object] = []
    real = Footer.compose

    def counting(self):  # noqa: ANN001, ANN202
        composed.append(self.screen)
        yield from real(self)

    monkeypatch.setattr(Footer, "compose", counting)
    return composed


async def test_a_record_screen_composes_its_footer_once(make_app, monkeypatch):
    composed = _count_footer_composes(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        assert composed.count(screen) == 1
        assert _shown(screen) == _expected(screen) and ("w", "Roster week") in _shown(screen)


async def test_the_footer_follows_the_keys_that_change(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = app.screen
        dashboard_keys = _shown(main)
        assert dashboard_keys == _expected(main)
        await pilot.press("2")  # the clients list: its own keys
        await settle(app, pilot)
        list_keys = _shown(main)
        assert list_keys == _expected(main) != dashboard_keys
        await pilot.press("1")  # back to the dashboard (focused now: its own keys again)
        await settle(app, pilot)
        assert _shown(main) == _expected(main) != list_keys


async def test_opening_a_list_composes_the_footer_once(make_app, monkeypatch):
    """Opening a list changes the keys twice before the footer's recompose has run (the area
    shown, then the focus in its table): one recompose, with the keys as they are when it runs."""
    composed = _count_footer_composes(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = app.screen
        composed.clear()
        await pilot.press("2")
        await settle(app, pilot)
        assert composed == [main]
        assert _shown(main) == _expected(main) and ("n", "New") in _shown(main)
        await pilot.press("3")  # the next list: its own keys (no End for assistants)
        await settle(app, pilot)
        assert _shown(main) == _expected(main) and ("x", "End") not in _shown(main)
