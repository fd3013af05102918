"""A move of the focus inside an area restyles what it changes, not every widget of every area; a
screen pushed over the main screen does not lay it out again. With `:focus-within` on the area's
container (the bar beside the area in use), Textual restyled the whole container — the hidden dashboard's widgets too — at each move, 33–65 ms of the UI
thread at 120x40 (bench/ui_probe.py)."""

from __future__ import annotations

from pilot_steps import settle


async def test_moving_the_focus_inside_a_list_restyles_few_widgets(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        content = app.screen.query_one("#content")
        assert content.has_class("-focus-within")  # the bar: the list has the focus
        restyled: list[int] = []
        update_nodes = app.stylesheet.update_nodes

        def counting(nodes, animate=False):  # noqa: ANN001, ANN202
            nodes = list(nodes)
            restyled.append(len(nodes))
            return update_nodes(nodes, animate=animate)

        app.stylesheet.update_nodes = counting  # type: ignore[method-assign]
        await pilot.press("slash")  # to the search field, inside the same area
        await pilot.pause()
        assert app.screen.focused is not None and app.screen.focused.id == "search"
        assert content.has_class("-focus-within")
        widgets_in_area = len(list(content.walk_children(with_self=True)))
        assert sum(restyled) < 10 < widgets_in_area, (restyled, widgets_in_area)


async def test_the_bar_follows_the_focus_out_of_the_area_and_back(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        content = app.screen.query_one("#content")
        assert not content.has_class("-focus-within")  # the navigation has the focus at start
        await pilot.press("2")
        await settle(app, pilot)
        assert content.has_class("-focus-within")
        await pilot.press("escape")
        await pilot.pause()
        assert not content.has_class("-focus-within")


async def test_a_record_pushed_over_the_main_screen_leaves_its_layout_alone(make_app):
    """Textual passes the new screen's first Resize to the screen beneath, which laid out every
    area again at the same size (≈ 30 ms in the middle of opening a record)."""
    import fixed_data

    from bpa_provider.screens.main import MainScreen
    from bpa_provider.services import records

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        layouts: list[object] = []
        refresh_layout = main._refresh_layout

        def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            layouts.append(args)
            return refresh_layout(*args, **kwargs)

        main._refresh_layout = counting  # type: ignore[method-assign]
        app.open_record("client", records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001"))
        await settle(app, pilot)
        assert app.screen is not main
        assert layouts == []
        await pilot.resize_terminal(100, 30)  # a real resize still lays it out (beneath, then on return)
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is main and main._compositor.size == (100, 30)


async def test_an_area_asked_for_during_another_areas_import_wins(make_app, monkeypatch):
    """An area's module is imported in a thread the first time (the UI thread goes on); a key
    for another area meanwhile is the one that ends on screen."""
    import asyncio
    import importlib
    import sys
    import time

    from textual.widgets import ContentSwitcher

    module = "bpa_provider.screens.audit_log"
    import bpa_provider.screens as package

    # The module is imported again in the test; the one before comes back afterwards, in
    # sys.modules and as the package's attribute (other tests patch it through either).
    monkeypatch.setattr(package, "audit_log", importlib.import_module(module))
    monkeypatch.delitem(sys.modules, module)
    real_import = importlib.import_module

    def slow_import(name, package=None):  # noqa: ANN001, ANN202 - a slow machine's import
        if name == module:
            time.sleep(0.5)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", slow_import)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = app.screen
        await pilot.press("2")
        await settle(app, pilot)
        first = asyncio.create_task(main.show_area("audit"))  # imports its module in a thread
        await asyncio.sleep(0)
        assert main.wanted == "audit" and main.current == "clients"
        await pilot.press("3")  # meanwhile: the assistants list
        await first
        await settle(app, pilot)
        assert main.current == "assistants"
        assert main.query_one("#content", ContentSwitcher).current == "assistants"
        assert main.query_one("#assistants").display
