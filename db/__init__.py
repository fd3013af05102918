"""The storage layer: SQLModel tables, engine and session set-up, Alembic migrations.

Knows nothing of the layers above it (bpa_provider, screens).
"""
