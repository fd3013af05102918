"""What the screen tests share when they drive the app with Pilot."""

from __future__ import annotations


async def settle(app, pilot) -> None:  # noqa: ANN001
    """Let workers finish and their answers be shown."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
