"""The access log's check, backups, restores and the schema refusal speak the person's language:
the services raise message ids with values (the English stays in `.message` and `.reason`), and
the CLI prints them translated (docs/architecture.md, "The language pipeline")."""

from __future__ import annotations

import sqlite3

import pytest
from sechelpers import sqlite_file

from bpa_provider import i18n
from bpa_provider.cli import main
from bpa_provider.services import backup
from bpa_provider.services.users import ensure_first_admin


@pytest.fixture
def in_language():
    """Switch the language for one test and put English back afterwards."""
    yield i18n.set_language
    i18n.set_language("en")


def test_audit_verify_reports_in_norwegian(sqlite_db, capsys):
    ensure_first_admin(sqlite_db, "root")
    path = sqlite_file(sqlite_db)
    assert main(["--db", path, "audit", "--verify", "--lang", "nb"]) == 0
    out = capsys.readouterr().out
    assert "Tilgangsloggen er intakt: " in out and "Ingen kontrollpunktfil ennå" in out
    assert "Øyeblikksbilder slettet etter oppbevaringstiden: 0 " in out
    assert "intact" not in out


def test_a_refused_restore_is_english_in_the_log_and_swedish_on_screen(sqlite_db, tmp_path, in_language):
    missing = tmp_path / "nowhere.sqlite3"
    with pytest.raises(backup.FileRefused) as refused:
        backup.restore(missing, sqlite_file(sqlite_db), by="root")
    assert refused.value.message == f"no such file: {missing}"
    in_language("sv")
    assert refused.value.localized() == f"filen finns inte: {missing}"


def test_an_unknown_schema_revision_is_refused_in_the_language(sqlite_db, capsys):
    path = sqlite_file(sqlite_db)
    con = sqlite3.connect(path)
    try:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
    finally:
        con.close()
    assert main(["--db", path, "list", "clients", "--lang", "nb"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "bpa-provider: databasen har skjemarevisjon 9999, som denne versjonen av bpa-provider "
        "ikke kjenner (ble den skrevet av en nyere versjon?)\n"
    )
