"""Fixtures for the transfer tests; builders live in transfer_builders.py (a unique module name:
test modules cannot import from `conftest`, several folders have one)."""

from __future__ import annotations

import pytest

from bpa_provider.access import Actor


@pytest.fixture
def coord() -> Actor:
    return Actor(login="coord", role="coordinator")
