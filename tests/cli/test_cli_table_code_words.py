"""Codes in CLI tables are words in nb and sv (a decision's services, an employment's kind, a
supervisor's relation, an onboarding's next step, hours in the FK time report); `--format json` and
`csv` keep the codes."""

from __future__ import annotations

import json

import pytest

from bpa_provider.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("codewords") / "demo.sqlite3")
    assert main(["--db", path, "demo"]) == 0
    return path


def run(capsys, db: str, *argv: str) -> str:
    capsys.readouterr()
    code = main(["--db", db, *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


WORDS = {
    "nb": ("praktisk bistand, opplæring", "tilkalling", "seg selv", "Grunnkurs for arbeidsledere fullført"),
    "sv": ("praktisk hjälp, träning", "vid behov", "sig själv", "Grundutbildning för arbetsledare genomförd"),
}


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_list_tables_show_codes_in_words(demo_db, capsys, lang):
    services, _on_call, self_, _basic = WORDS[lang]
    out = run(capsys, demo_db, "--lang", lang, "list", "decisions")
    assert services in out and "practical" not in out
    out = run(capsys, demo_db, "--lang", lang, "list", "employments")
    assert not {"on_call", "permanent", "temporary"} & set(out.split())
    assert {"fast", "tilkalling", "tillsvidare", "vid behov", "visstid", "midlertidig"} & set(out.split())
    out = run(capsys, demo_db, "--lang", lang, "list", "supervisions")
    assert self_ in out and " self " not in out


def test_json_and_csv_keep_the_codes(demo_db, capsys):
    rows = json.loads(run(capsys, demo_db, "--lang", "nb", "list", "decisions", "--format", "json"))
    assert {r["services"] for r in rows} >= {"practical,training"}
    assert '"practical,training"' in run(capsys, demo_db, "--lang", "sv", "list", "decisions", "--format", "csv")
    rows = json.loads(run(capsys, demo_db, "--lang", "nb", "report", "courses", "--format", "json"))
    assert any(r["next_step"] == "basic_course" for r in rows)


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_an_onboardings_next_step_in_words(demo_db, capsys, lang):
    basic = WORDS[lang][3]
    out = run(capsys, demo_db, "--lang", lang, "report", "courses")
    assert "basic_course" not in out and basic in out
    supervisor = next(line.split()[0] for line in out.splitlines() if basic in line)
    out = run(capsys, demo_db, "--lang", lang, "onboarding", "show", supervisor)
    assert "basic_course" not in out and basic in out


def test_fk_time_hours_in_norwegian(demo_db, capsys):
    from datetime import date, timedelta

    month = f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}"  # last month: worked shifts
    out = run(capsys, demo_db, "--lang", "nb", "report", "fk-time", "--month", month)
    people = [line for line in out.splitlines() if line.startswith("A-")]
    assert people and all(line.endswith(" t") or ", " in line for line in people)
    assert not any(line.endswith(" h") for line in people)


@pytest.mark.parametrize(("lang", "words"), [("nb", "fravær"), ("sv", "frånvaro")])
def test_a_notice_kind_in_words(demo_db, capsys, lang, words):
    from datetime import date, timedelta

    day = date.today() + timedelta(days=1)
    # An absence with planned shifts tells the supervisor by e-mail (a notice of kind "absence").
    main(
        [
            "--db",
            demo_db,
            "absence",
            "add",
            "A-0001",
            "--kind",
            "self-cert",
            "--from",
            f"{day}",
            "--to",
            f"{day + timedelta(days=9)}",
        ]
    )
    out = run(capsys, demo_db, "--lang", lang, "notify", "list")
    assert words in out.split("\n", 2)[2] and " absence " not in out
    assert "absence" in run(capsys, demo_db, "--lang", lang, "notify", "list", "--format", "csv")


def test_a_transfers_consequences_have_the_swedish_date(demo_db, capsys):
    import re

    out = run(capsys, demo_db, "--lang", "sv", "transfer", "show", "1")
    said = [line for line in out.splitlines() if re.match(r"A-\d{4}: ", line)]
    assert said and all(re.search(r"\b\d{4}-\d{2}-\d{2}\b", line) for line in said)
    assert not any(re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", line) for line in said)


@pytest.mark.parametrize(
    ("lang", "title", "done"),
    [("nb", "Arbeidstidsreglene gjennomgått", "utført"), ("sv", "Arbetstidsreglerna genomgångna", "utfört")],
)
def test_an_onboardings_steps_in_words(demo_db, capsys, lang, title, done):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(run(capsys, demo_db, "report", "courses", "--format", "csv"))))
    supervisor = next(r["supervisor"] for r in rows if r["steps_done"] not in ("", "0"))
    out = run(capsys, demo_db, "--lang", lang, "onboarding", "show", supervisor)
    steps = out.split("\n", 3)[3]  # after the overview line and the table's heading
    assert title in steps and done in steps
    assert not {"done", "overdue", "open"} & set(steps.split())
    assert "Introduction to the working-time rules" not in steps
