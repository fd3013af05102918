"""The command line in the person's language: `--lang` (before or after the command, and inside an
SSH forced command), BPA_LANG and the locale pick it; refusals, errors, headings, numbers and dates
follow it; `--format json`/`csv` stay the same in every language."""

from __future__ import annotations

import getpass
import json
import shutil

import factories as f
import pytest

from bpa_provider import i18n
from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.services import users

SSH = "127.0.0.1 50000 127.0.0.1 22"


@pytest.fixture(scope="module")
def company(tmp_path_factory, sqlite_template) -> str:
    """One client with a decision of 72.5 hours from 31.12.2026; the OS user is admin."""
    path = tmp_path_factory.mktemp("lang") / "bpa.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    admin = Actor("admin", "admin")
    users.ensure_first_admin(db, getpass.getuser())
    f.municipality(db, admin)
    f.client(db, admin)
    f.decision(db, admin, "K-0001", hours=72.5, valid_from="2026-12-31")
    db.dispose()
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def missing_db(tmp_path) -> str:
    return str(tmp_path / "nowhere.sqlite3")


def test_lang_after_the_command_gives_an_error_line_in_norwegian(tmp_path, capsys):
    code, out, err = run(capsys, "--db", missing_db(tmp_path), "list", "clients", "--lang", "nb")
    assert code == 1 and out == ""
    assert err.startswith("bpa-provider: det finnes ingen database i ") and err.count("\n") == 1


def test_lang_before_the_command_and_with_equals(tmp_path, capsys):
    for argv in (("--lang", "sv", "list", "clients"), ("list", "clients", "--lang=sv")):
        code, _out, err = run(capsys, "--db", missing_db(tmp_path), *argv)
        assert code == 1 and err.startswith("bpa-provider: det finns ingen databas i ")


def test_a_bad_option_value_is_refused_in_the_language(tmp_path, capsys):
    code, _out, err = run(capsys, "--db", missing_db(tmp_path), "report", "hours", "--month", "2026-13", "--lang", "nb")
    assert code == 2
    assert err == "bpa-provider: ugyldig --month: «2026-13» er ikke en måned: måneden må være 01–12\n"


def test_a_bad_lang_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as end:  # a usage error, as argparse's own
        main(["list", "clients", "--lang", "fi"])
    assert end.value.code == 2
    assert capsys.readouterr().err == "bpa-provider: argument --lang: invalid choice: 'fi' (choose from en, nb, sv)\n"


def test_bpa_lang_and_the_locale_choose_the_language(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BPA_LANG", "nb")
    assert run(capsys, "--db", missing_db(tmp_path), "list", "clients")[2].startswith(
        "bpa-provider: det finnes ingen database"
    )
    monkeypatch.delenv("BPA_LANG")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert run(capsys, "--db", missing_db(tmp_path), "list", "clients")[2].startswith(
        "bpa-provider: det finns ingen databas"
    )
    # --lang wins over both
    monkeypatch.setenv("BPA_LANG", "nb")
    assert run(capsys, "--db", missing_db(tmp_path), "list", "clients", "--lang", "en")[2].startswith(
        "bpa-provider: there is no database"
    )


def test_a_command_in_a_test_leaves_the_language_as_it_was(tmp_path, capsys):
    run(capsys, "--db", missing_db(tmp_path), "list", "clients", "--lang", "nb")
    assert i18n.current_language() == "en"


def test_a_table_follows_the_language_json_and_csv_do_not(company, capsys):
    code, out, _err = run(capsys, "--db", company, "list", "decisions", "--lang", "nb")
    assert code == 0
    assert "Saksnummer" in out.splitlines()[0] and "Gyldig fra" in out.splitlines()[0]
    assert "72,50" in out and "31.12.2026" in out and "72.50" not in out

    code, out, _err = run(capsys, "--db", company, "list", "decisions", "--lang", "sv")
    assert "Ärendenummer" in out.splitlines()[0]
    assert "72,50" in out and "2026-12-31" in out and "31.12.2026" not in out

    code, out, _err = run(capsys, "--db", company, "list", "decisions", "--lang", "en")
    assert "Case number" in out and "72.50" in out and "31.12.2026" in out

    for lang in ("nb", "sv"):
        code, out, _err = run(capsys, "--db", company, "list", "decisions", "--format", "json", "--lang", lang)
        (row,) = json.loads(out)
        assert row["hours"] == 72.5 and row["valid_from"] == "2026-12-31"
        code, out, _err = run(capsys, "--db", company, "list", "decisions", "--format", "csv", "--lang", lang)
        assert out.splitlines()[0].startswith("id,client,case_number,hours")
        assert ",72.5," in out and "2026-12-31" in out


def _forced(monkeypatch, command: str) -> None:
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)


@pytest.mark.parametrize(
    "command", ["list decisions --lang sv", "--lang=sv list decisions", "bpa-provider --lang sv list decisions"]
)
def test_over_ssh_lang_inside_the_command(company, capsys, monkeypatch, command):
    _forced(monkeypatch, command)
    code, out, err = run(capsys, "--db", company, "--as", getpass.getuser())
    assert (code, err) == (0, "")
    assert "Ärendenummer" in out and "2026-12-31" in out


def test_over_ssh_lang_alone_opens_the_app_in_that_language(company, monkeypatch):
    import bpa_provider.screens.app

    opened = {}
    monkeypatch.setattr(
        bpa_provider.screens.app, "run_app", lambda db, actor, lang=None, settings=None: opened.update(lang=lang)
    )
    _forced(monkeypatch, "--lang nb")
    assert main(["--db", company, "--as", getpass.getuser()]) == 0
    assert opened == {"lang": "nb"}


def test_over_ssh_refusals_in_the_language_asked_or_sent(capsys, monkeypatch):
    _forced(monkeypatch, "list clients --lang nb --db /tmp/other.sqlite3")
    code, _out, err = run(capsys, "--as", "coord")
    assert code == 1
    assert err == (
        "bpa-provider: avvist: «--db» kan ikke gis over SSH: nøkkelen din bestemmer hvem du er og hvilken database\n"
    )
    # LANG arrives from the laptop through sshd's AcceptEnv
    _forced(monkeypatch, "sh -c id")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    code, _out, err = run(capsys, "--as", "coord")
    assert code == 1 and err.startswith("bpa-provider: nekad: ”sh” är inte ett bpa-provider-kommando")


def test_lc_messages_survives_the_ssh_environment_cut():
    from bpa_provider.cli import clean_environment

    env = {"SSH_CONNECTION": SSH, "LANG": "nb_NO.UTF-8", "LC_MESSAGES": "sv_SE.UTF-8", "LC_ALL": "../x"}
    clean_environment(env)
    assert env["LANG"] == "nb_NO.UTF-8" and env["LC_MESSAGES"] == "sv_SE.UTF-8" and "LC_ALL" not in env


def test_import_problems_are_listed_in_the_language(company, capsys, tmp_path):
    bad = tmp_path / "clients.csv"
    bad.write_text("ref,name,municipality,start_date\nK-0201,,Hamar,31.02.2026\n", encoding="utf-8")
    code, _out, err = run(capsys, "--db", company, "import", "clients", str(bad), "--lang", "nb")
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith("bpa-provider: ") and "ikke importert" in lines[0]
    assert any(
        line.strip().startswith("linje 2: ") and "«31.02.2026» er ikke en gyldig dato" in line for line in lines[1:]
    )
    assert not any("is not" in line or "required" in line for line in lines)
