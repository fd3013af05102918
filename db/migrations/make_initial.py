"""Developer tool: regenerate the initial revision (0001) from the models.

Only valid before the first release (nothing deployed runs 0001 yet). After that, every schema
change is a new revision: `alembic revision --autogenerate` against a database at head.
Run: `python -m db.migrations.make_initial`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from db.engine import make_engine

HERE = Path(__file__).parent


def main() -> None:
    for old in (HERE / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/empty.sqlite3")
        cfg = Config()
        cfg.set_main_option("script_location", str(HERE))
        cfg.attributes["engine"] = engine
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    for new in (HERE / "versions").glob("0001_*.py"):
        new.rename(HERE / "versions" / "0001_initial_schema.py")


if __name__ == "__main__":
    main()
