"""`bpa-provider transfer …` and `export handover`: output, the date rules at month ends and in
leap years, and exit codes (0 ok, 1 refused, 2 bad input) with one line and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import factories as f
import pytest
from transfer_builders import build

from bpa_provider.cli import main
from bpa_provider.identity import current_login
from bpa_provider.services.users import add_user, ensure_first_admin


@pytest.fixture
def cli(sqlite_db, capsys):
    ensure_first_admin(sqlite_db, current_login())
    path = sqlite_db.engine.url.database

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", path, *argv])
        except SystemExit as exc:  # argparse refuses bad usage before main's own handling
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_open_prints_id_and_effective_date_at_month_ends_and_in_leap_years(sqlite_db, admin, cli):
    f.municipality(sqlite_db, admin, "Hamar", notice_months=3)
    f.municipality(sqlite_db, admin, "Stange", notice_months=1)
    cases = [
        ("Hamar", "31.01.2026", None, "2026-04-30"),  # 31 Jan + 3 months: the end of April
        ("Hamar", "30.11.2027", None, "2028-02-29"),  # into a leap February
        ("Hamar", "2026-11-30", None, "2027-02-28"),  # into an ordinary February
        ("Stange", "31.01.2028", None, "2028-02-29"),  # one month's notice in a leap year
        ("Hamar", "29.02.2028", None, "2028-05-29"),
        ("Hamar", "01.03.2026", "15.04.2026", "2026-04-15"),  # an agreed date overrides
    ]
    for n, (muni, notice, agreed, expected) in enumerate(cases):
        client = f.client(sqlite_db, admin, muni, name=f"Client {n}")
        argv = [
            "transfer",
            "open",
            client.ref,
            "--direction",
            "out",
            "--counterpart",
            "Aleris",
            "--notice-date",
            notice,
            "--format",
            "json",
        ]
        code, out, err = cli(*argv + (["--agreed-date", agreed] if agreed else []))
        assert (code, err) == (0, ""), err
        data = json.loads(out)
        assert data["id"] == n + 1 and data["effective_date"] == expected, (notice, data)
    code, out, _err = cli("transfer", "show", "1")
    assert code == 0 and "30.04.2026" in out and "Client signed *" in out
    code, out, _err = cli("transfer", "list", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("id,client_ref") and len(out.splitlines()) == 7


def test_table_output_and_exit_codes(sqlite_db, admin, cli):
    w = build(sqlite_db, admin, assistants=1)
    code, out, err = cli(
        "transfer", "open", w.client, "--direction", "out", "--counterpart", "Aleris", "--notice-date", "31.01.2026"
    )
    assert code == 0 and err == ""
    header, _rule, row = out.splitlines()[:3]
    assert "Id" in header and "Effective date" in header  # translated headings
    assert row.split()[0] == "1" and "30.04.2026" in row

    bad = [
        (
            ["transfer", "open", "K-9999", "--direction", "out", "--counterpart", "X", "--notice-date", "01.02.2026"],
            2,
            "No client 'K-9999'",
        ),
        (
            ["transfer", "open", w.client, "--direction", "out", "--counterpart", "X", "--notice-date", "31.02.2026"],
            2,
            "not a real calendar date",
        ),
        (["transfer", "open", w.client, "--counterpart", "X", "--notice-date", "01.02.2026"], 2, "--direction"),
        (["transfer", "step", "1", "municipality_signed", "--on", "01.02.2026"], 2, "Client signed must be done first"),
        (
            ["transfer", "inform", "1", w.assistants[0], "--on", "01.02.2026", "--deadline", "10.02.2026"],
            2,
            "at least 14 days",
        ),
        (["transfer", "show", "99"], 2, "Transfer 99 does not exist"),
    ]
    for argv, expected_code, words in bad:
        code, out, err = cli(*argv)
        assert code == expected_code, (argv, err)
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err

    add_user(sqlite_db, admin, "reader", "auditor")
    code, _out, err = cli("--as", "reader", "transfer", "cancel", "1", "--reason", "no")
    assert code == 1 and "may not" in err

    code, out, _err = cli("transfer", "inform", "1", w.assistants[0], "--on", "01.02.2026", "--deadline", "15.02.2026")
    assert code == 0 and "Transfers to Aleris on 30.04.2026" in out
    code, out, _err = cli("transfer", "refuse", "1", w.assistants[0], "--on", "10.02.2026")
    assert code == 0 and "re-hire priority until 30.04.2027" in out
    code, out, _err = cli("transfer", "step", "1", "client_signed", "--on", "02.02.2026", "--note", "reported")
    assert code == 0 and "Client signed done" in out and "Next: Sent to case unit" in out
    code, out, _err = cli("transfer", "consent", "1", "--on", "02.02.2026")
    assert code == 0 and "client part" in out


def test_export_handover_prints_paths_and_checksum(sqlite_db, admin, cli, tmp_path):
    w = build(sqlite_db, admin, assistants=1)
    cli("transfer", "open", w.client, "--direction", "out", "--counterpart", "Aleris", "--notice-date", "31.01.2026")
    code, out, err = cli("export", "handover", "1", "--out", str(tmp_path / "pkg"))
    assert code == 2 and "provider init" in err and len(err.splitlines()) == 1  # no key, no package
    assert cli("provider", "init", "--name", "Omsorg AS")[0] == 0
    code, out, err = cli("export", "handover", "1", "--out", str(tmp_path / "pkg"))
    assert code == 0, err
    lines = out.splitlines()
    json_path = Path(lines[1])
    import hashlib

    assert json_path.suffix == ".json" and lines[2].endswith(".json.sig") and lines[3].endswith(".md")
    assert lines[4] == f"SHA-256 {hashlib.sha256(json_path.read_bytes()).hexdigest()}"
    code, _out, err = cli("export", "handover", "7", "--out", str(tmp_path / "pkg"))
    assert code == 2 and "Transfer 7 does not exist" in err
