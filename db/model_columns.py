"""What every table of db/models*.py shares: its own `version` column and the creation time.

No `from __future__ import annotations` (see db/models.py)."""

from datetime import datetime

from sqlalchemy import Column, Integer


def _version() -> Column:
    # Each table needs its own Column object: it is handed to both the field and the mapper.
    return Column("version", Integer, nullable=False)


def _created() -> datetime:
    # Read through db/models.py on every call: a test freezes the clock of every table by
    # patching `bpa_provider.db.models.utcnow` alone (the screens' snapshot tests do).
    from . import models

    return models.utcnow()
