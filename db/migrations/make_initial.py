"""Developer tool: regenerate the initial revision (0001) from the models.

Only valid before the first release (nothing deployed runs 0001 yet). After that, every schema
change is a new revision: `alembic revision --autogenerate` against a database at head.
Run: `python -m bpa_provider.db.migrations.make_initial`.

The new 0001 is generated in a scratch copy of this folder (later revisions such as 0002 depend on
0001, so Alembic cannot run here without it) and replaces the old file only once it exists.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlmodel import SQLModel

from .. import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from ..engine import make_engine

HERE = Path(__file__).parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "migrations"
        (scratch / "versions").mkdir(parents=True)
        for name in ("env.py", "script.py.mako"):
            shutil.copy(HERE / name, scratch / name)
        engine = make_engine(f"sqlite:///{tmp}/empty.sqlite3")
        cfg = Config()
        cfg.set_main_option("script_location", str(scratch))
        cfg.attributes["engine"] = engine
        cfg.attributes["target_metadata"] = SQLModel.metadata
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        engine.dispose()
        new = next((scratch / "versions").glob("0001_*.py"))
        for old in (HERE / "versions").glob("0001_*.py"):
            old.unlink()
        shutil.move(str(new), HERE / "versions" / "0001_initial_schema.py")


if __name__ == "__main__":
    main()
