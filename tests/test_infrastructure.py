"""The test suite's own machinery: markers, tools CI needs, and which PostgreSQL server it may use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pgserver
import pytest
from tooling import need_tool

NO_SUCH_TOOL = "bpa-no-such-tool-7f3a"
ROOT = Path(__file__).resolve().parent.parent


def test_a_missing_tool_skips_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        need_tool(NO_SUCH_TOOL)


def test_a_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing under CI=true"):
        need_tool(NO_SUCH_TOOL)


def test_a_tool_is_found_on_path_or_at_its_known_place(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert need_tool("sh").endswith("/sh")
    assert need_tool(NO_SUCH_TOOL, "/bin/sh") == "/bin/sh"


def test_without_a_url_the_tests_start_their_own_server():
    assert pgserver.external_url({}) is None
    assert pgserver.external_url({"BPA_TEST_PG_URL": "  "}) is None


@pytest.mark.parametrize("disposable", [None, "", "0", "yes", "true"])
def test_a_server_the_tests_did_not_start_is_refused_without_the_opt_in(disposable):
    env = {"BPA_TEST_PG_URL": "postgresql+psycopg://postgres@db.example/postgres"}
    if disposable is not None:
        env["BPA_TEST_PG_DISPOSABLE"] = disposable
    with pytest.raises(pgserver.RefusedServer, match="BPA_TEST_PG_DISPOSABLE=1"):
        pgserver.external_url(env)


def test_a_server_declared_disposable_is_used():
    url = "postgresql+psycopg://postgres@db.example/postgres"
    assert pgserver.external_url({"BPA_TEST_PG_URL": url, "BPA_TEST_PG_DISPOSABLE": "1"}) == url


def test_scratch_databases_never_reuse_a_name():
    names = {pgserver.scratch_name("bpa_test") for _ in range(50)}
    assert len(names) == 50 and all(n.startswith("bpa_test_") and n != "bpa_test" for n in names)


def test_the_postgresql_case_of_db_carries_the_pg_marker(request, db):
    on_pg = db.engine.dialect.name == "postgresql"
    assert (request.node.get_closest_marker("pg") is not None) is on_pg


def test_a_test_using_a_postgresql_fixture_carries_the_pg_marker(request, pg_cluster):
    assert request.node.get_closest_marker("pg") is not None


SQLMODEL_PROBE = """
from sqlmodel import select
from sqlmodel.sql.expression import SelectOfScalar
from bpa_provider.db.models import Shift


def query(ids: list[int]) -> object:
    return select(Shift.id).where(Shift.client_id.in_(ids), Shift.start_utc.is_not(None))


def of_a_row(shift: Shift) -> int:
    return shift.client_id  # a row's attribute keeps its Python type


def primary_keys() -> SelectOfScalar[int]:
    return select(Shift.id)  # `id: int | None` on a row, never NULL in the column


def a_row_id(shift: Shift) -> int | None:
    return shift.id  # not yet flushed: no id
"""


def _mypy(tmp_path, plugins: str) -> subprocess.CompletedProcess:
    (tmp_path / "probe.py").write_text(SQLMODEL_PROBE)
    (tmp_path / "mypy.ini").write_text(f"[mypy]\nstrict = True\n{plugins}")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tmp_path / "probe.py"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_the_mypy_plugin_types_a_table_class_attribute_as_a_column(tmp_path):
    pytest.importorskip("mypy")
    with_plugin = _mypy(tmp_path, f"plugins = {ROOT / 'tools' / 'mypy_sqlmodel.py'}\n")
    assert with_plugin.returncode == 0, with_plugin.stdout
    without = _mypy(tmp_path, "")
    assert without.returncode == 1 and '"in_"' in without.stdout, without.stdout


# Issue 20: files a person can hold in mind. The demo company's data (one long table of made-up
# people) and Alembic's generated migrations are the exceptions the issue names.
MODULE_LINES = 500
LONG_BY_NATURE = {"bpa_provider/demo.py"}


def test_no_module_is_longer_than_a_person_can_hold_in_mind():
    too_long = {}
    for folder in ("bpa_provider", "screens", "db", "bench", "tools", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            # bpa_provider/db and bpa_provider/screens are the top-level folders again (symlinks).
            if rel.startswith(("bpa_provider/db/", "bpa_provider/screens/", "db/migrations/versions/")):
                continue
            if rel in LONG_BY_NATURE or "__pycache__" in rel:
                continue
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MODULE_LINES:
                too_long[rel] = n
    assert too_long == {}, f"split these along their seams (at most {MODULE_LINES} lines): {too_long}"
