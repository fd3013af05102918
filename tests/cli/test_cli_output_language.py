"""What CLI commands write for a person follows the language: the demo's summary, amounts in
tables (Decimal money shown 332,60 in nb/sv, still "332.60" in JSON and CSV), a refused --lang
(in the environment's language), and Swedish FK dates and hours."""

from __future__ import annotations

import json

import pytest

from bpa_provider.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("outlang") / "demo.sqlite3")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_demo_summary_is_swedish(demo_db, capsys):
    code, out, _err = run(capsys, "--db", demo_db, "--lang", "sv", "demo", "--clients", "1", "--months", "1")
    assert code == 0
    assert "Demoföretaget är inläst (frö 1), pass 20" in out and "kunder" in out and "clients" not in out
    assert out.rstrip().splitlines()[-1].endswith(" s") and "," in out.rstrip().splitlines()[-1]


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_money_in_a_table_has_the_decimal_comma(demo_db, capsys, lang):
    run(capsys, "--db", demo_db, "demo", "--clients", "1", "--months", "1")  # refused if loaded: fine
    code, out, _err = run(capsys, "--db", demo_db, "--lang", lang, "fk", "rate", "list")
    assert code == 0 and "332,60" in out and "332.60" not in out
    code, out, _err = run(capsys, "--db", demo_db, "--lang", lang, "fk", "rate", "list", "--format", "json")
    assert {row["rate"] for row in json.loads(out)} >= {"332.60"}


def test_the_invoice_basis_table_and_json(demo_db, capsys):
    run(capsys, "--db", demo_db, "demo", "--clients", "1", "--months", "1")
    from datetime import date

    month = f"{date.today():%Y-%m}"
    code, table, _err = run(capsys, "--db", demo_db, "--lang", "nb", "report", "invoice", "--month", month)
    code2, raw, _err = run(capsys, "--db", demo_db, "report", "invoice", "--month", month, "--format", "json")
    assert code == code2 == 0
    rows = json.loads(raw)
    assert rows and all(isinstance(r["hours"], str) and r["hours"].count(".") == 1 for r in rows)
    assert rows[0]["hours"].replace(".", ",") in table


def test_a_bad_lang_is_refused_in_the_environments_language(capsys, monkeypatch):
    monkeypatch.setenv("BPA_LANG", "nb")
    with pytest.raises(SystemExit) as end:
        main(["list", "clients", "--lang", "fi"])
    assert end.value.code == 2
    assert capsys.readouterr().err == "bpa-provider: argument --lang: ugyldig valg: 'fi' (velg blant en, nb, sv)\n"


def test_the_payroll_check_names_each_problem_in_the_language(capsys):
    from bpa_provider import i18n
    from bpa_provider.cli.exports.payroll import BLOCKER_WORDS, _list
    from bpa_provider.services.payroll import Blocker

    i18n.set_language("nb")
    try:
        _list(None, [Blocker("no_employee_number", "", "A-0001", "…"), Blocker("not_worked", "K-0001", "A-0001", "…")])
    finally:
        i18n.set_language("en")
    err = capsys.readouterr().err
    assert "mangler ansattnummer" in err and "ikke arbeidet" in err and "not_worked" not in err
    assert {"blocking", "warning", "no_employment", "unapproved", "exported"} <= BLOCKER_WORDS.keys()


def test_a_printable_week_has_hours_the_languages_way(demo_db, capsys):
    from datetime import date, timedelta

    run(capsys, "--db", demo_db, "demo", "--clients", "1", "--months", "1")
    year, week, _day = (date.today() - timedelta(days=7)).isocalendar()
    code, out, _err = run(
        capsys,
        "--db",
        demo_db,
        "--lang",
        "sv",
        "export",
        "roster",
        "K-0001",
        "--week",
        f"{year}-W{week:02d}",
        "--out",
        "-",
    )
    total = out.rstrip().splitlines()[-1]
    assert code == 0 and total.startswith("Totalt: ") and "," in total and "." not in total
