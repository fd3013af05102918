"""The Swedish commands end to end on SQLite: exit codes (0 ok, 1 refused, 2 bad input), one-line
errors, masked and full personnummer, the printable copy and the claim commands."""

from __future__ import annotations

import shutil

import pytest
import se_scenario as sc

from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.identity import current_login
from bpa_provider.services.users import add_user, ensure_first_admin


@pytest.fixture(scope="module")
def url(sqlite_template, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("se_cli") / "bpa.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    admin = Actor("admin", "admin")
    sc.build(db, admin)
    ensure_first_admin(db, current_login())
    add_user(db, admin, "audit1", "auditor")
    db.dispose()
    return f"sqlite:///{path}"


def run(capsys, url: str, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(["--db", url, "--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_time_report_table_masks_and_csv_reveals(capsys, url):
    code, out, err = run(capsys, url, "report", "fk-time", "--month", "2026-03")
    assert (code, err) == (0, "")
    assert "900472-****" in out and sc.CLIENT_NR not in out
    assert "Decided 200.00 h (Försäkringskassan), worked 184.00 h" in out and "05.05.2026" in out
    code, out, _ = run(capsys, url, "report", "fk-time", "--month", "2026-03", "--format", "csv")
    header, anna, bo = out.strip().splitlines()
    assert code == 0 and header.startswith("client_ref,client_personnummer,month,assistant_ref")
    assert sc.CLIENT_NR in anna and sc.ANNA_NR in anna and anna.endswith(",104.0,0.0,0.0,184.0,200.0,2026-05-05")
    code, out, err = run(capsys, url, "--as", "audit1", "report", "fk-time", "--month", "2026-03", "--format", "csv")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1


def test_printable_copy_has_a_page_per_assistant_with_signatures(capsys, url):
    code, out, _ = run(capsys, url, "report", "fk-time", "--month", "2026-03", "--printable")
    assert code == 0
    assert out.count("Signature, assistant:") == 2 and out.count("Signature, employer:") == 2
    assert sc.ANNA_NR in out and "Total: 104.00 h" in out
    assert "Of which before the report to Försäkringskassan (not paid): 16.00 h" in out


def test_invoice_and_bad_input(capsys, url):
    code, out, _ = run(capsys, url, "report", "fk-invoice", "--month", "2026-03", "--format", "json")
    assert code == 0 and '"amount": "55876.80"' in out and '"rate": "332.60"' in out
    for argv in (
        ["report", "fk-time", "--month", "2026-13"],
        ["report", "fk-invoice", "--month", "03-2026"],
        ["fk", "rate", "add", "--from", "31.02.2026", "--rate", "300"],
        ["fk", "rate", "add", "--from", "2026-01-01", "--rate", "lots"],
    ):
        code, out, err = run(capsys, url, *argv)
        assert (code, out) == (2, "") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, out, _ = run(capsys, url, "report", "fk-invoice", "--month", "2022-12")
    assert code == 2  # no state rate in force in 2022


def test_register_rate_and_deadlines(capsys, url):
    code, out, err = run(capsys, url, "fk", "register", "A-0001", "K-0001", "--on", "19.02.2026")
    assert code == 0 and "reported to Försäkringskassan for K-0001 on 19.02.2026: age 31" in out
    code, out, err = run(capsys, url, "fk", "register", "A-0002", "K-0001", "--on", "1988-09-29")
    assert code == 2 and "under 18" in err
    code, out, _ = run(capsys, url, "fk", "rate", "add", "--from", "2028-01-01", "--rate", "352,10")
    assert code == 0 and "SEK 352.10" in out
    code, out, _ = run(capsys, url, "fk", "rate", "list", "--format", "json")
    assert code == 0 and '"rate": "352.10"' in out
    code, out, err = run(capsys, url, "fk", "rate", "add", "--from", "2029-01-01", "--rate", "NaN")
    assert code == 2 and "Traceback" not in err
    code, out, _ = run(capsys, url, "fk", "deadlines", "--today", "2026-12-28", "--format", "csv")
    assert code == 0 and out.strip().splitlines()[1] == "K-0001,Sara Svensson,2026-11,2027-01-05,8"


def test_sick_commands(capsys, url):
    code, out, _ = run(capsys, url, "sick", "add", "A-0001", "--from", "2026-03-16", "--to", "2026-03-27")
    assert code == 0 and "72.00 h, 17.03.2026–27.03.2026; doctor's note needed" in out
    period_id = out.split("Sick period ")[1].split()[0]
    code, out, _ = run(capsys, url, "sick", "update", period_id, "--doctor-note", "23.03.2026")
    assert code == 0 and "72.00 h" in out and "doctor's note needed" not in out
    code, out, _ = run(capsys, url, "sick", "claims", "--format", "csv")
    claim_id = out.strip().splitlines()[1].split(",")[0]
    assert code == 0 and ",prepared,K-0001,Bjuv,A-0001," in out
    code, _, err = run(capsys, url, "sick", "claim-status", claim_id, "paid")
    assert code == 2 and "next: sent" in err
    assert run(capsys, url, "sick", "claim-status", claim_id, "sent")[0] == 0
    assert run(capsys, url, "sick", "claim-status", "999", "sent")[0] == 2
    assert run(capsys, url, "sick", "add", "A-0001", "--from", "2026-03-20", "--to", "2026-03-21")[0] == 2
    code, _, err = run(capsys, url, "--as", "audit1", "sick", "claims")
    assert code == 1 and "may not" in err
