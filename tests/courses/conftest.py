"""Fixtures for the course, onboarding and review tests (builders are in course_builders.py)."""

from __future__ import annotations

import factories as f
import pytest


@pytest.fixture
def muni(db, admin):
    return f.municipality(db, admin)


@pytest.fixture
def two_clients(db, admin, muni):
    """K-0001 and K-0002 in Hamar."""
    return f.client(db, admin), f.client(db, admin, name="Ola Nordmann")
