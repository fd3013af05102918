"""What the screen tests share when they drive the app with Pilot."""

from __future__ import annotations


async def settle(app, pilot) -> None:  # noqa: ANN001
    """Let workers finish and their answers be shown. The dashboard shows answers that come close
    together in one paint, `GATHER_ANSWERS` seconds after the first: wait that out too, or a busy
    machine could leave the last answers unshown when the test looks."""
    from bpa_provider.screens.dashboard import GATHER_ANSWERS

    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause(2 * GATHER_ANSWERS)
    await app.workers.wait_for_complete()
    await pilot.pause()
