"""The roster and the rest report in the person's language: a refused `roster add` names the field by
its heading (not `assistant_id`), the client by its reference (never "client 3") and the policy beside
each law in words of the language; a saved or vacant shift is told in local time, the language's way."""

from __future__ import annotations

import re

import pytest

from bpa_provider.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("refusal") / "demo.sqlite3")
    assert main(["--db", path, "demo"]) == 0
    return path


def refused(capsys, db: str, lang: str) -> str:
    from datetime import date, timedelta

    day = date.today() + timedelta(days=10)
    capsys.readouterr()
    # A-0001 works for another client in the demo: no assignment to K-0003, no credentials.
    code = main(
        ["--db", db, "--lang", lang, "roster", "add", "K-0003", "A-0001", "--start", f"{day}T08:00", "--end", "12:00"]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    return err


WORDS = {
    "nb": ("Assistent: ", "bruker K-0003", "retningslinje: vakter bare innenfor en tilknytning til brukeren"),
    "sv": ("Assistent: ", "kund K-0003", "riktlinje: pass bara inom ett uppdrag hos kunden"),
}


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_a_refused_shift_in_the_language(demo_db, capsys, lang):
    err = refused(capsys, demo_db, lang)
    field, client, policy = WORDS[lang]
    assert field in err and client in err and policy in err
    assert "assistant_id" not in err and "policy" not in err
    assert not re.search(r"\b(client|bruker|kund) \d+\b", err)


def test_english_names_the_client_by_reference_too(demo_db, capsys):
    err = refused(capsys, demo_db, "en")
    assert "client K-0003" in err and "Assistant: " in err


@pytest.mark.parametrize(("lang", "policy"), [("nb", "retningslinje: "), ("sv", "riktlinje: ")])
def test_the_rest_reports_law_column_in_the_language(demo_db, capsys, lang, policy):
    from datetime import date, timedelta

    first, last = date.today() - timedelta(days=30), date.today() + timedelta(days=30)
    capsys.readouterr()
    assert main(["--db", demo_db, "--lang", lang, "report", "rest", "--from", f"{first}", "--to", f"{last}"]) == 0
    out = capsys.readouterr().out
    assert policy in out and "policy:" not in out and "signed before" not in out
    assert main(["--db", demo_db, "report", "rest", "--from", f"{first}", "--to", f"{last}", "--format", "csv"]) == 0
    assert "policy: " in capsys.readouterr().out  # CSV keeps the rule's law as it is


def test_a_saved_shift_is_told_the_swedish_way(demo_db, capsys):
    from datetime import date, timedelta

    day = date.today() + timedelta(days=12)
    capsys.readouterr()
    code = main(
        [
            "--db",
            demo_db,
            "--lang",
            "sv",
            "roster",
            "add",
            "K-0005",
            "--vacant",
            "--start",
            f"{day}T08:00",
            "--end",
            "12:00",
        ]
    )
    out = capsys.readouterr().out
    weekday = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")[day.weekday()]
    assert code == 0 and f": {weekday} {day.isoformat()} 08:00–12:00 (4,00 h)" in out


def test_a_vacant_shift_is_listed_in_its_clients_local_time(demo_db, capsys):
    from datetime import date, timedelta

    day = date.today() + timedelta(days=13)
    argv = ["--db", demo_db, "roster", "add", "K-0005", "--vacant", "--start", f"{day}T08:00", "--end", "12:00"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["--db", demo_db, "--lang", "sv", "roster", "vacant", "--from", f"{day}", "--to", f"{day}"]) == 0
    out = capsys.readouterr().out
    assert f"{day.isoformat()} 08:00" in out and f"{day.isoformat()} 12:00" in out  # Oslo time, not UTC
    assert main(["--db", demo_db, "roster", "vacant", "--from", f"{day}", "--to", f"{day}", "--format", "json"]) == 0
    assert "08:00:00" not in capsys.readouterr().out  # JSON keeps the UTC instant
