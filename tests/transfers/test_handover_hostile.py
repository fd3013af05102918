"""Hostile handover packages: control characters in every text field, deep nesting, NaN and
Infinity, duplicate keys and a 50 MB file — each refused in one line with nothing written."""

from __future__ import annotations

import json

import pytest
from handover_keys import pair, sign_file
from test_handover import valid_package
from transfer_builders import count

from bpa_provider.cli import main
from bpa_provider.db.models import AuditEvent, Client, HandoverExport, Municipality, Transfer
from bpa_provider.identity import current_login
from bpa_provider.services import handover as ho
from bpa_provider.services.users import ensure_first_admin


def _text_paths(node, where=()):
    """Every path to a string value in the package, and every key (as (path, None))."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _text_paths(v, where + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _text_paths(v, where + (i,))
    elif isinstance(node, str):
        yield where


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _with_rota_and_courses():
    pkg = valid_package()
    a = pkg["employment_part"]["assistants"][0]
    a["courses"] = [
        {
            "name": "Førstehjelp",
            "organiser": "Røde Kors",
            "kind": "assistant_training",
            "hours": 4,
            "completed_on": "2025-05-05",
        }
    ]
    pkg["client_part"]["rota_patterns"] = [
        {
            "name": "Weekdays",
            "assistant_sender_ref": "A-0007",
            "weekdays": [0, 2, 4],
            "start_time": "08:00",
            "end_time": "16:00",
            "kind": "active",
            "cycle_weeks": 1,
            "cycle_week": 0,
            "valid_from": "2026-01-05",
            "valid_to": None,
        }
    ]
    return pkg


PATHS = list(_text_paths(_with_rota_and_courses()))


def test_the_hand_made_package_is_valid():
    assert ho.validate_package(json.dumps(_with_rota_and_courses()).encode())[1] == []
    assert ("from_provider", "name") in PATHS and len(PATHS) > 30


@pytest.mark.parametrize("evil", ["\x1b[2J\x1b[H", "a\x07b", "x\u202eevil", "two\nlines", "\x9b31m"])
def test_control_characters_in_every_text_field_are_refused(evil):
    for path in PATHS:
        pkg = _with_rota_and_courses()
        node = pkg
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = node[path[-1]] + evil
        doc, errors = ho.validate_package(json.dumps(pkg).encode())
        assert doc is None and errors, path
        where = ".".join(str(p) for p in path)
        assert any(e.field.replace("[", ".").replace("]", "") == where for e in errors), (path, errors)
    # and in a key
    pkg = _with_rota_and_courses()
    pkg["client"]["\x1b]8;;http://x\x07"] = "1"
    assert ho.validate_package(json.dumps(pkg).encode())[0] is None


def _hostile(kind: str) -> bytes:
    good = json.dumps(valid_package())
    if kind == "deep":
        return good[:-1].encode() + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    if kind == "nan":
        return good.replace('"hourly_wage": 220.0', '"hourly_wage": NaN').encode()
    if kind == "infinity":
        return good.replace('"decided_hours": 100.0', '"decided_hours": Infinity').encode()
    if kind == "duplicate":
        return good.replace('"name": "Kari"', '"name": "Kari", "name": "Mallory"').encode()
    if kind == "huge":
        return good[:-1].encode() + b', "pad": "' + b"x" * 50_000_000 + b'"}'
    raise AssertionError(kind)


@pytest.fixture
def cli(sqlite_db, capsys, tmp_path, monkeypatch):
    ensure_first_admin(sqlite_db, current_login())
    keys = pair(tmp_path, "Old AS", "Us")
    monkeypatch.setenv("BPA_DATA_DIR", str(keys.b.folder))

    def run(path) -> tuple[int, str, str]:
        code = main(["--db", sqlite_db.engine.url.database, "import", "handover", str(path)])
        out, err = capsys.readouterr()
        return code, out, err

    run.keys = keys
    return run


@pytest.mark.parametrize("kind", ["deep", "nan", "infinity", "duplicate", "huge"])
def test_hostile_files_are_refused_in_one_line_with_nothing_written(sqlite_db, cli, tmp_path, kind):
    path = tmp_path / "evil.json"
    path.write_bytes(_hostile(kind))
    sign_file(cli.keys.a, path)  # signed by a trusted provider: the content is still refused
    logged = count(sqlite_db, AuditEvent)  # making the first admin is logged
    code, out, err = cli(path)
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    expected = {
        "deep": "nested deeper",
        "nan": "NaN",
        "infinity": "Infinity",
        "duplicate": "appears twice",
        "huge": "too large",
    }[kind]
    assert expected in err
    for model in (Client, Municipality, Transfer, HandoverExport):
        assert count(sqlite_db, model) == 0
    assert count(sqlite_db, AuditEvent) == logged


def test_a_good_import_prints_the_sha256(sqlite_db, cli, tmp_path):
    path = tmp_path / "good.json"
    raw = json.dumps(valid_package()).encode()
    path.write_bytes(raw)
    sign_file(cli.keys.a, path)
    code, out, err = cli(path)
    import hashlib

    assert code == 0, err
    assert f"SHA-256 {hashlib.sha256(raw).hexdigest()}" in out and "signed by Old AS" in out
