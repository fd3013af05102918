"""A supervisor learns nothing about people and clients outside their scope, from any command.

The world (isolation_world.py) has a client outside the supervisor's scope, its own supervisor and
an assistant who works only there, all carrying distinctive markers, plus an assistant shared by
both clients and one without a police certificate. Every command a supervisor can reach runs
in-process as that supervisor (an admin impersonating `sup`), with references inside and outside
the scope; nothing it prints or writes may carry a marker or the id of a shift elsewhere. The
read models the screens draw from are swept the same way.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import isolation_world as iw
import pytest
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import User
from bpa_provider.errors import ServiceError
from bpa_provider.identity import current_login
from bpa_provider.services import dashboard, details, listing, roster, worktime
from bpa_provider.services.base import scoped_actor

WEEK = ["--week", "2026-W10"]
SPAN = ["--from", "2026-03-01", "--to", "2026-03-08"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("isolation")
    path = d / "bpa.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    db = Database(engine)
    w = iw.build(db, current_login())
    yield w, path, d
    db.dispose()


def commands(out_dir: Path, outside_shifts: list[int]) -> list[list[str]]:
    """Every command a supervisor can reach, with arguments inside and outside their scope."""
    ics = str(out_dir / "a.ics")
    cmds: list[list[str]] = [
        ["report", "rest", *SPAN],
        ["report", "rest", *SPAN, "--format", "json"],
        ["report", "hours", "--month", "2026-03"],
        ["report", "hours", "--month", "2026-03", "--format", "json"],
        ["report", "continuity", "--date", "2026-03-08"],
        ["report", "courses"],
        ["report", "reviews"],
        ["report", "reviews", "--format", "json"],
        ["report", "training", "--year", "2025"],
        ["report", "training", "--year", "2025", "--summary"],
        ["report", "invoice", "--month", "2026-03"],
        ["report", "fk-time", "--month", "2026-03"],
        ["report", "fk-invoice", "--month", "2026-03"],
        ["roster", "week", "K-0001", *WEEK],
        ["roster", "week", "K-0002", *WEEK],
        ["roster", "add", "K-0001", "A-0001", "--start", "2026-03-04T10:00", "--end", "14:00"],
        ["roster", "add", "K-0001", "A-0001", "--start", "2026-03-03T04:00", "--end", "07:00"],
        ["roster", "add", "K-0001", "A-0003", "--start", "2026-03-09T10:00", "--end", "14:00"],
        ["roster", "add", "K-0001", "A-0002", "--start", "2026-03-09T10:00", "--end", "14:00"],
        ["roster", "add", "K-0002", "A-0001", "--start", "2026-03-09T10:00", "--end", "14:00"],
        [
            "roster",
            "pattern",
            "K-0001",
            "A-0001",
            "--days",
            "wed",
            "--from",
            "10:00",
            "--to",
            "14:00",
            "--valid-from",
            "2026-03-02",
            "--valid-to",
            "2026-03-08",
        ],
        ["roster", "copy-week", "K-0001", "--week", "2026-W09"],
        ["roster", "approve", "K-0002", *WEEK],
        ["roster", "coapprove", "K-0002", *WEEK],
        ["roster", "extend", "K-0002"],
        ["export", "ics", "--assistant", "A-0001", *SPAN, "--out", "-"],
        ["export", "ics", "--assistant", "A-0002", *SPAN, "--out", "-"],
        ["export", "ics", "--assistant", "A-0009", *SPAN, "--out", "-"],
        ["export", "ics", "--assistant", "A-0003", *SPAN, "--out", ics],
        ["export", "roster", "K-0001", *WEEK],
        ["export", "roster", "K-0002", *WEEK],
        ["export", "calendar", "--out", ics, "--from", "2025-01-01", "--days", "800"],
        ["export", "payroll", "--month", "2026-03"],
        ["list", "clients"],
        ["list", "assistants"],
        ["list", "supervisors"],
        ["list", "assignments"],
        ["list", "decisions"],
        ["list", "supervisions"],
        ["list", "employments"],
        ["list", "municipalities"],
        ["list", "assistants", "--search", "Quentin"],
        ["list", "clients", "--search", "Zorro"],
        ["review", "list"],
        ["review", "list", "--assistant", "A-0002"],
        ["review", "list", "--client", "K-0002"],
        ["review", "list", "--assistant", "A-0001"],
        ["review", "actions"],
        ["review", "show", "1"],
        ["review", "show", "2"],
        ["review", "show", "99"],
        ["review", "record", "A-0002", "K-0001", "--held-on", "2026-03-01"],
        ["review", "record", "A-0001", "K-0002", "--held-on", "2026-03-01"],
        ["course", "list"],
        ["course", "enrollments"],
        ["course", "enrollments", "--person", "A-0002"],
        ["course", "enrollments", "--person", "A-0001"],
        ["course", "expiring", "--on", "2026-03-01"],
        ["onboarding", "show", "S-0001"],
        ["onboarding", "show", "S-0002"],
        ["transfer", "list"],
        ["transfer", "show", "1"],
        ["sick", "claims"],
        ["fk", "deadlines"],
        ["reveal", "client", "K-0002"],
        ["reveal", "assistant", "A-0002"],
        ["audit"],
        ["audit", "--verify"],
        ["users", "list"],
        # Refused to a supervisor by the role table: the refusal must name no one either.
        ["backup", str(out_dir / "b.sqlite3")],
        ["retention", "--dry-run"],
        ["course", "add", "Ny", "--kind", "assistant_training"],
        ["course", "attended", "1", "A-0002"],
        ["course", "complete", "1", "A-0002"],
        ["course", "enroll", "1", "A-0002"],
        ["course", "no-show", "1", "A-0002"],
        ["course", "require", "K-0002", "Førstehjelp"],
        ["course", "session", "add", "Førstehjelp", "--starts", "2026-05-01"],
        ["course", "session", "list"],
        ["fk", "rate", "add", "--from", "2026-01-01", "--rate", "300"],
        ["fk", "rate", "list"],
        ["fk", "register", "A-0002", "K-0002", "--on", "2026-01-01"],
        ["onboarding", "start", "S-0002", "K-0002"],
        ["onboarding", "done", "S-0002", "1"],
        ["review", "action-done", "1"],
        ["roster", "lock", "K-0002", *WEEK],
        ["roster", "reopen", "K-0002", *WEEK, "--reason", "x"],
        ["sick", "add", "A-0002", "--from", "2026-03-01", "--to", "2026-03-02"],
        ["sick", "claim-status", "1", "paid"],
        ["sick", "prepare", "1"],
        ["sick", "update", "1"],
        ["transfer", "open", "K-0002", "--direction", "out", "--counterpart", "X", "--notice-date", "2026-03-01"],
        ["transfer", "step", "1", "notice", "--on", "2026-03-01"],
        ["transfer", "inform", "1", "A-0002", "--on", "2026-03-01", "--deadline", "2026-03-20"],
        ["transfer", "refuse", "1", "A-0002", "--on", "2026-03-01"],
        ["transfer", "consent", "1", "--withdraw"],
        ["transfer", "cancel", "1", "--reason", "x"],
        ["export", "handover", "1", "--out", str(out_dir)],
        ["users", "add", "x", "--role", "auditor"],
        ["users", "disable", "sup"],
        ["users", "enable", "sup"],
        ["users", "key", "add", "sup", str(out_dir / "none.pub")],
        ["users", "key", "list"],
        ["users", "key", "remove", "sup", "x"],
        ["users", "key", "sync"],
    ]
    # Commands of other branches of work (assistants' absence, shell completion, NAV refunds):
    # swept wherever they exist.
    leaves = _leaf_commands()
    later = [
        ["absence", "add", "A-0002", "--kind", "self-cert", "--from", "2026-03-02", "--to", "2026-03-03"],
        ["absence", "cancel", "1"],
        ["absence", "edit", "1", "--note", "x"],
        ["absence", "end", "1", "--on", "2026-03-03"],
        ["absence", "list"],
        ["absence", "list", "--assistant", "A-0002"],
        ["absence", "list", "--assistant", "A-0001"],
        ["completion", "bash"],
        ["report", "absence", "--year", "2026"],
        ["report", "nav-refund", "--month", "2026-03"],
        ["roster", "vacant", "--from", "2026-03-01", "--to", "2026-03-31"],
        ["roster", "vacant", "--from", "2026-03-01", "--to", "2026-03-31", "--client", "K-0002"],
        ["notify", "list"],
        ["notify", "send"],
        ["export", "receipt", "1", "--out", "-"],
        ["export", "cancellation", "1", "--out", "-"],
        ["provider", "show"],
        ["provider", "init", "--name", "Other"],
        ["provider", "trust", "Other", str(out_dir / "none.pub")],
    ]
    cmds += [argv for argv in later if tuple(argv[:2]) in leaves or tuple(argv[:1]) in leaves]
    for sid in outside_shifts:
        cmds += [
            ["roster", "candidates", str(sid)],
            ["roster", "offer", str(sid), "--assistant", "A-0001"],
            ["roster", "fill", str(sid), "--assistant", "A-0001"],
        ]
        cmds += [
            ["roster", "edit", str(sid), "--note", "x"],
            ["roster", "cancel", str(sid)],
            ["roster", "reassign", str(sid), "A-0001"],
            ["roster", "ack", str(sid), "NO-REST-DAILY", "--comment", "ok"],
            ["roster", "deviation", str(sid), "--accept"],
        ]
    return cmds


def leaks(text: str, markers: list[str], outside_shifts: list[int], argv: list[str], code: int) -> list[str]:
    """Markers in `text`; a refusal may repeat a reference the supervisor typed (and no more)."""
    typed = {m for m in markers if any(m in a for a in argv)} if code != 0 else set()
    found = [m for m in markers if m in text and m not in typed]
    found += [f"#{i}" for i in outside_shifts if re.search(rf"(#|shifts? ){i}\b", text)]
    return found


def test_no_output_of_a_supervisor_names_anyone_outside_their_scope(world, capsys):
    w, path, d = world
    failures = []
    for argv in commands(d, w.outside_shift_ids):
        ics = d / "a.ics"
        ics.unlink(missing_ok=True)
        try:
            code = main(["--db", str(path), "--as", "sup", *argv])
        except SystemExit as exc:  # argparse's own refusal of the arguments (still words to check)
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert code != 2 or "invalid choice" not in err, argv  # the sweep's own arguments are wrong
        text = out + err + (ics.read_text(encoding="utf-8") if ics.exists() else "")
        assert "Traceback" not in text, argv
        found = leaks(text, w.markers, w.outside_shift_ids, argv, code)
        if found:
            failures.append(f"{' '.join(argv)} (exit {code}): {found}\n{text[:600]}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize(
    ("argv", "elsewhere", "nowhere"),
    [
        (["export", "ics", "--assistant", "REF", *SPAN, "--out", "-"], "A-0002", "A-0009"),
        (["review", "record", "REF", "K-0001", "--held-on", "2026-03-01"], "A-0002", "A-0009"),
        (["course", "enrollments", "--person", "REF"], "A-0002", "A-0009"),
        (["course", "enrollments", "--person", "REF"], "S-0002", "S-0009"),
        (["review", "list", "--assistant", "REF"], "A-0002", "A-0009"),
        (["review", "list", "--client", "REF"], "K-0002", "K-0009"),
        (["onboarding", "show", "REF"], "S-0002", "S-0009"),
        (["roster", "week", "REF", *WEEK], "K-0002", "K-0009"),
        (["roster", "add", "K-0001", "REF", "--start", "2026-03-09T10:00", "--end", "14:00"], "A-0002", "A-0009"),
        (["export", "roster", "REF", *WEEK], "K-0002", "K-0009"),
        (["reveal", "client", "REF"], "K-0002", "K-0009"),
        (["fk", "register", "REF", "K-0001", "--on", "2026-01-01"], "A-0002", "A-0009"),
    ],
)
def test_someone_elsewhere_is_refused_like_someone_who_does_not_exist(world, capsys, argv, elsewhere, nowhere):
    """No probing: a reference outside the scope gets the answer of one that does not exist."""
    _w, path, _d = world
    answers = []
    for ref in (elsewhere, nowhere):
        code = main(["--db", str(path), "--as", "sup", *[ref if a == "REF" else a for a in argv]])
        out, err = capsys.readouterr()
        answers.append((code, out, err.replace(ref, "REF")))
    assert answers[0] == answers[1] and answers[0][0] != 0


def test_the_rest_report_shows_a_supervisor_only_their_own_shifts(world, capsys):
    w, path, _d = world
    assert main(["--db", str(path), "--as", "sup", "report", "rest", *SPAN, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows, "the shared assistant's short rest before the K-0001 shift is a finding"
    assert all("K-0002" not in r["shifts"] and "police certificate" not in r["detail"] for r in rows)
    assert {r["rule"] for r in rows} >= {"NO-REST-DAILY", "NO-POLICE-CERT"}
    # The coordinator's view is unchanged: the shifts elsewhere and the certificate detail.
    assert main(["--db", str(path), "report", "rest", *SPAN, "--format", "json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert any("K-0002" in r["shifts"] for r in full)
    assert any("police certificate" in r["detail"] for r in full)


def test_the_read_models_of_the_screens_name_no_one_outside_the_scope(world):
    """The services the screens draw from, called as the supervisor with every id in the world:
    what comes back (or the refusal's words) carries no marker and no shift elsewhere."""
    w, _path, _d = world
    with w.db.read() as s:
        sup_id = s.execute(select(User.supervisor_id).where(User.login == "sup")).scalar_one()
    sup = scoped_actor(w.db, Actor("sup", "supervisor", supervisor_id=sup_id))
    today = date(2026, 3, 4)
    calls = [lambda: dashboard.gather(w.db, sup, today)]
    for cid in (1, 2):
        calls += [
            lambda cid=cid: details.client_detail(w.db, sup, cid, today),
            lambda cid=cid: roster.client_week(w.db, sup, cid, date(2026, 3, 2)),
            lambda cid=cid: worktime.violations_for_client_week(w.db, sup, cid, date(2026, 3, 2)),
        ]
    for aid in (1, 2, 3):
        calls += [
            lambda aid=aid: details.assistant_detail(w.db, sup, aid, today),
            lambda aid=aid: roster.assistant_shifts(w.db, sup, aid, date(2026, 3, 1), date(2026, 3, 9)),
        ]
    calls += [lambda kind=kind: listing.rows(w.db, sup, kind) for kind in listing.KINDS.values()]
    failures = []
    for n, call in enumerate(calls):
        try:
            text = repr(call())
        except ServiceError as exc:
            text = exc.message
        found = leaks(text, w.markers, w.outside_shift_ids, [], 0)
        named = {int(i) for ids in re.findall(r"shift_ids=\(([^)]*)\)", text) for i in re.findall(r"\d+", ids)}
        found += [f"shift {i}" for i in named & set(w.outside_shift_ids)]
        if found:
            failures.append(f"call {n}: {found}: {text[:400]}")
    assert not failures, "\n".join(failures)


def _leaf_commands() -> set[tuple[str, ...]]:
    """Every command path of the CLI ("roster add", "report rest", "audit", …)."""
    import argparse

    from bpa_provider.cli import build_parser

    found: set[tuple[str, ...]] = set()

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
        if not subs:
            found.add(path)
            return
        for name, child in subs[0].choices.items():
            walk(child, (*path, name))

    walk(build_parser(), ())
    return found


# Commands that work on the server's files and never on behalf of a key (refused over SSH), or
# that make a database: nothing of the company to name.
NOT_SWEPT = {("init",), ("demo",), ("restore",), ("import",)}


def test_the_sweep_covers_every_command_of_the_cli(world):
    """A new command must be added to the sweep (or to NOT_SWEPT, saying why)."""
    _w, _path, d = world
    swept = {tuple(a for a in argv if not a.startswith("-"))[:3] for argv in commands(d, [1])}
    missing = {c for c in _leaf_commands() - NOT_SWEPT if not any(s[: len(c)] == c for s in swept)}
    assert not missing, sorted(missing)
