"""Fixtures for the roster tests (builders are in roster_world.py)."""

from __future__ import annotations

import pytest
from roster_world import World, make_world


@pytest.fixture
def world(db, admin) -> World:
    return make_world(db, admin)
