"""The course, onboarding and review commands, reports and the calendar export through `main()`:
exit codes (0 ok, 1 refused, 2 bad input), one-line errors, and what the reports print."""

from __future__ import annotations

import json

import course_builders as b
import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.identity import current_login
from bpa_provider.services.users import add_user, ensure_first_admin


@pytest.fixture
def cli(sqlite_db, capsys):
    """Run the CLI on a small company; returns (exit code, stdout, stderr) per call."""
    db = sqlite_db
    ensure_first_admin(db, current_login())
    admin = Actor(login=current_login(), role="admin")
    add_user(db, admin, "revisor", "auditor")
    f.municipality(db, admin)
    f.client(db, admin)
    b.supervisor(db, admin, "K-0001", since="2026-01-01")
    b.staff(db, admin, "K-0001", start="2025-03-01", name="Anna")
    b.staff(db, admin, "K-0001", start="2025-12-01", name="Bo")
    url = f"sqlite:///{db.engine.url.database}"

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", url, *argv])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_course_onboarding_and_review_commands(cli, tmp_path):
    assert cli("course", "add", "Arbeidslederkurs", "--kind", "supervisor_basic", "--hours", "12")[0] == 0
    code, _out, err = cli("course", "add", "arbeidslederkurs", "--kind", "supervisor_basic")
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert cli("course", "add", "Førstehjelp", "--kind", "assistant_training", "--hours", "6")[0] == 0
    assert cli("course", "session", "add", "Førstehjelp", "--starts", "2026-03-05", "--capacity", "1")[0] == 0
    code, _out, err = cli("course", "enroll", "1", "A-0001", "A-0002")
    assert code == 2 and "1 free place(s) of 1" in err
    assert cli("course", "enroll", "1", "A-0001")[0] == 0
    assert cli("course", "enroll", "one", "A-0001")[0] == 2  # not a session id
    assert cli("course", "complete", "1", "A-0001", "--on", "31.02.2026")[0] == 2
    assert cli("course", "complete", "1", "A-0001", "--on", "05.03.2026", "--certificate", "RK-7")[0] == 0
    code, out, _err = cli("course", "enrollments", "--session", "1", "--format", "json")
    assert [(r["person_ref"], r["status"], r["certificate_ref"]) for r in json.loads(out)] == [
        ("A-0001", "completed", "RK-7")
    ]

    assert cli("onboarding", "start", "S-0001", "K-0001")[0] == 0
    assert cli("onboarding", "done", "S-0001", "first_rota", "--on", "2026-01-10")[0] == 0
    assert cli("onboarding", "done", "S-0001", "no_such_step")[0] == 2
    code, out, _err = cli("onboarding", "show", "S-0001", "--on", "2026-02-01", "--format", "json")
    states = {r["code"]: r["state"] for r in json.loads(out)}
    assert states == {
        "first_rota": "done",
        "job_description": "overdue",
        "working_time_intro": "overdue",
        "basic_course": "open",
    }
    code, out, _err = cli("report", "courses", "--on", "2026-02-01", "--format", "csv")
    assert out.splitlines()[1] == "S-0001,Siri Arbeidsleder,K-0001,overdue,job_description,2026-01-31,1,1,4"

    assert (
        cli(
            "review",
            "record",
            "A-0001",
            "K-0001",
            "--held-on",
            "2026-02-01",
            "--summary",
            "Hemmelig",
            "--action",
            "Kurs;Siri;2026-05-01;Førstehjelp",
        )[0]
        == 0
    )
    assert cli("review", "record", "A-0001", "K-0001", "--held-on", "1.1")[0] == 2
    assert cli("review", "record", "A-0001", "K-0001", "--held-on", "2026-02-02", "--action", ";x")[0] == 2
    assert cli("--as", "revisor", "review", "record", "A-0002", "K-0001", "--held-on", "2026-02-01")[0] == 1
    code, out, _err = cli("review", "show", "1")
    assert code == 0 and "Hemmelig" in out and "Kurs" in out
    code, out, _err = cli("--as", "revisor", "review", "show", "1")
    assert code == 0 and "Hemmelig" not in out and "private" in out
    assert cli("review", "show", "99")[0] == 2
    code, out, _err = cli("report", "reviews", "--on", "2026-06-15", "--format", "json")
    assert json.loads(out) == [
        {"assistant": "A-0002", "client": "K-0001", "last_held": None, "next_due": "2026-06-01", "status": "overdue"},
        {
            "assistant": "A-0001",
            "client": "K-0001",
            "last_held": "2026-02-01",
            "next_due": "2027-02-01",
            "status": "done",
        },
    ]
    code, out, _err = cli("review", "actions", "--on", "2026-05-02", "--format", "json")
    assert [(r["text"], r["overdue"]) for r in json.loads(out)] == [("Kurs", True)]

    code, out, _err = cli("report", "training", "--year", "2026", "--summary", "--format", "json")
    assert json.loads(out) == [
        {
            "client": "K-0001",
            "client_name": "Kari Nordmann",
            "supervisors_trained": 0,
            "assistants_trained": 1,
            "supervisor_hours": 0.0,
            "assistant_hours": 6.0,
            "completions": 1,
        }
    ]
    assert cli("report", "training", "--year", "26")[0] == 2
    assert cli("report", "reviews", "--due-within", "-1")[0] == 2

    ics = tmp_path / "bpa.ics"
    code, out, _err = cli("export", "calendar", "--out", str(ics), "--from", "2026-01-01", "--days", "400")
    text = ics.read_text(encoding="utf-8")
    assert code == 0 and text.count("BEGIN:VEVENT") == 3  # the course date and both reviews
    assert {"DTSTART;VALUE=DATE:20260305", "DTSTART;VALUE=DATE:20260601", "DTSTART;VALUE=DATE:20270201"} <= set(
        text.splitlines()
    )
    assert "Hemmelig" not in text and "Kari" not in text
    assert cli("export", "calendar", "--out", str(tmp_path / "missing" / "x.ics"))[0] == 2
