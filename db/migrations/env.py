"""Alembic environment: runs against the engine handed in by db.migrate (or BPA_DATABASE_URL)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bpa_provider.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from bpa_provider.db.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,  # SQLite cannot ALTER most things: copy-and-move tables
            transaction_per_migration=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: give a database")
run_migrations_online()
