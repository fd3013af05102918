"""db/models.py is the one import point of the tables, though they live in db/models_*.py by area:
every table class is named there, and its metadata holds every table (Alembic reads it)."""

from __future__ import annotations

from sqlmodel import SQLModel

import bpa_provider.db.models as models


def test_every_table_class_is_named_by_db_models():
    tables = {
        mapper.class_
        for mapper in SQLModel._sa_registry.mappers  # noqa: SLF001 - SQLModel's one registry
        if mapper.class_.__module__.startswith("bpa_provider.db.model")
    }
    assert len(tables) == len(SQLModel.metadata.tables)
    missing = sorted(cls.__name__ for cls in tables if getattr(models, cls.__name__, None) is not cls)
    assert missing == []
    assert set(models.__all__) >= {cls.__name__ for cls in tables}


def test_editable_tables_cover_every_area():
    # Computed after every area's module is loaded: a late area's tables are not left out.
    assert {"shift", "course", "transfer", "absence", "client"} <= set(models.EDITABLE_TABLES)
