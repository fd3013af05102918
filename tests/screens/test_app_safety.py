"""The app never opens links or delivers files on the server (over SSH both would act on the
server, and a link planted in user text could trigger them)."""

from __future__ import annotations

import webbrowser

from bpa_provider.access import Actor
from bpa_provider.screens.app import BpaApp


async def test_links_and_file_delivery_are_refused(fixed_db, monkeypatch, tmp_path):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: opened.append(a[0]))
    app = BpaApp(fixed_db, Actor("admin", "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        app.open_url("https://example.invalid/")
        app.deliver_text(str(tmp_path / "x.txt"))  # the fixed db also lives in tmp_path
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert opened == []
    assert not (tmp_path / "x.txt").exists()
    assert any("Links" in m for m in messages) and any("Files" in m for m in messages)
