"""The test suite's own machinery: markers, tools CI needs, and which PostgreSQL server it may use."""

from __future__ import annotations

import pytest

import pgserver
from tooling import need_tool

NO_SUCH_TOOL = "bpa-no-such-tool-7f3a"


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
