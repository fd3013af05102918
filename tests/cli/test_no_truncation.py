"""Lists and the access log never drop rows silently (issue 19): `list` writes every matching row,
page by page, and says on stderr how many `--limit` left out; `audit` says how many its limit left
out and how to get them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bpa_provider.cli import main
from bpa_provider.cli.streaming import write_pages
from bpa_provider.render import render
from bpa_provider.services import listing


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("trunc") / "demo.sqlite3"
    assert main(["--db", str(path), "demo", "--clients", "7", "--months", "1", "--seed", "5"]) == 0
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_list_streams_every_row_over_many_pages(demo_db, capsys, monkeypatch, fmt):
    # The whole list in one page, as the old command gave it below its cap ...
    code, whole, err = run(capsys, "--db", demo_db, "list", "assistants", "--format", fmt)
    assert code == 0 and err == ""
    # ... equals the list written 3 rows at a time (more rows than a page: the old cap, made small).
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    code, paged, err = run(capsys, "--db", demo_db, "list", "assistants", "--format", fmt)
    assert code == 0 and err == "" and paged == whole
    if fmt == "csv":
        refs = [r["ref"] for r in csv.DictReader(io.StringIO(paged))]
        assert len(refs) > 3 and len(set(refs)) == len(refs)


def test_list_limit_says_how_many_were_left_out(demo_db, capsys, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    code, out, _ = run(capsys, "--db", demo_db, "list", "clients", "--format", "json")
    total = len(json.loads(out))
    code, out, err = run(capsys, "--db", demo_db, "list", "clients", "--format", "json", "--limit", "5")
    assert code == 0 and [c["ref"] for c in json.loads(out)] == [f"K-{i:04d}" for i in range(1, 6)]
    assert f"{total - 5} more rows match" in err and f"all {total}" in err
    code, out, err = run(capsys, "--db", demo_db, "list", "clients", "--limit", "0")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
@pytest.mark.parametrize("sizes", [[], [0], [2, 2, 1], [3, 0]])
def test_write_pages_equals_render_of_all_rows(fmt, sizes):
    rows = [{"a": i, "b": f"=x{i}", "c": None} for i in range(sum(sizes))]
    pages, at = [], 0
    for n in sizes:
        pages.append(rows[at : at + n])
        at += n
    out = io.StringIO()
    assert write_pages(out, iter(pages), fmt, ["a", "b", "c"]) == len(rows)
    assert out.getvalue() == render(rows, fmt, ["a", "b", "c"]) + "\n"


def test_audit_limit_says_how_many_were_left_out(demo_db, capsys):
    code, out, err = run(capsys, "--db", demo_db, "audit", "--format", "json", "--limit", "1000000")
    everything = len(json.loads(out))
    assert code == 0 and err == "" and everything >= 2
    code, out, err = run(capsys, "--db", demo_db, "audit", "--format", "json", "--limit", "1")
    assert code == 0 and len(json.loads(out)) == 1
    # Everything before, plus the two reads logged since (the one above and this one).
    assert err.startswith(f"{everything + 2 - 1} more rows match after the first 1")
    assert "--limit" in err and len(err.strip().splitlines()) == 1
