"""Imports apply the commands' rules (issue 15 finding 6, issue 18 defect 3): a shift file is
refused where `roster add` would refuse a shift (no assignment, no police certificate, a 24-hour
shift without a legal basis, a locked period), a review file where `review record` would refuse the
review (held before the assignment started); every record imported gets its own access-log row, so
`audit --subject` finds it; the file is checked before the write transaction, and a change made by
someone else in between is caught."""

from __future__ import annotations

import csv
import io
from datetime import date

import factories as f
import pytest
from sqlalchemy import func, select

from bpa_provider import audit
from bpa_provider.db.models import AuditEvent, Review, Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import audit_log, import_rows, import_spread, importer, reviews, roster


def _file(header: list[str], *rows: list[str]) -> io.BytesIO:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return io.BytesIO(buf.getvalue().encode("utf-8"))


SHIFT_HEADER = ["client_ref", "assistant_ref", "start", "end", "legal_basis"]


@pytest.fixture
def world(db, admin):
    """Hamar, client K-0001; A-0001 employed and assigned with every credential; A-0002 employed
    without a police certificate and assigned; A-0003 employed but not assigned."""
    f.municipality(db, admin)
    f.client(db, admin, ref="K-0001")
    for ref in ("A-0001", "A-0002", "A-0003"):
        f.assistant(db, admin, ref=ref)
    f.employment(db, admin, "A-0001")
    f.employment(db, admin, "A-0002", police_certificate_on="")
    f.employment(db, admin, "A-0003")
    f.assignment(db, admin, "A-0001", "K-0001")
    f.assignment(db, admin, "A-0002", "K-0001")
    return db


def _count(db, model, *where) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _refused(db, admin, kind, data) -> dict[int, str]:
    before = _count(db, AuditEvent)
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, kind, data)
    assert _count(db, AuditEvent) == before  # nothing written, not even the log
    return {e.row: f"{e.field}: {e.text}" for e in exc.value.errors}


def test_shift_import_refuses_what_roster_add_refuses(world, admin):
    db = world
    data = _file(
        SHIFT_HEADER,
        ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""],  # fine
        ["K-0001", "A-0003", "2026-03-03 08:00", "2026-03-03 16:00", ""],  # no assignment
        ["K-0001", "A-0002", "2026-03-04 08:00", "2026-03-04 16:00", ""],  # no police cert
        ["K-0001", "A-0001", "2026-03-05 08:00", "2026-03-06 08:00", ""],
    )  # 24 h, no basis
    errors = _refused(db, admin, "shifts", data)
    assert set(errors) == {3, 4, 5}
    assert "NO-ASSIGNMENT" in errors[3] and errors[3].startswith("assistant_ref")
    assert "NO-POLICE-CERT" in errors[4]
    assert "NO-LONG-SHIFT" in errors[5]
    assert _count(db, Shift) == 0
    # The same shifts through `roster add` are refused by the same rules.
    with db.read() as s:
        from bpa_provider.db.models import Assistant, Client

        cid = s.execute(select(Client.id)).scalar_one()
        aid = {r: i for r, i in s.execute(select(Assistant.ref, Assistant.id))}
    for who, start, end, rule in (
        ("A-0003", "2026-03-03 08:00", "2026-03-03 16:00", "NO-ASSIGNMENT"),
        ("A-0002", "2026-03-04 08:00", "2026-03-04 16:00", "NO-POLICE-CERT"),
        ("A-0001", "2026-03-05 08:00", "2026-03-06 08:00", "NO-LONG-SHIFT"),
    ):
        with pytest.raises(ValidationError, match=rule):
            roster.create_shift(db, admin, cid, aid[who], start, end)


def test_a_long_shift_with_its_legal_basis_imports(world, admin):
    data = _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-05 08:00", "2026-03-06 08:00", "tariff § 4 (respite)"])
    result = importer.import_csv(world, admin, "shifts", data)
    assert result.rows == 1 and _count(world, Shift) == 1
    with world.read() as s:  # written by the bulk path, read back as the ORM writes it
        sh = s.execute(select(Shift)).scalar_one()
        assert (sh.detached, sh.deviation_status, sh.version, sh.pattern_id) == (False, "none", 1, None)
        assert sh.start_utc.utcoffset() is not None and (sh.end_utc - sh.start_utc).total_seconds() == 24 * 3600
        assert sh.legal_basis == "tariff § 4 (respite)" and sh.created_at.tzinfo is not None


def test_a_shift_overlapping_a_stored_one_is_refused(world, admin):
    importer.import_csv(
        world, admin, "shifts", _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""])
    )
    errors = _refused(
        world, admin, "shifts", _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-02 12:00", "2026-03-02 20:00", ""])
    )
    assert "NO-OVERLAP" in errors[2]


def test_each_imported_shift_has_its_access_log_row_and_the_chain_holds(world, admin):
    rows = [["K-0001", "A-0001", f"2026-03-{d:02d} 08:00", f"2026-03-{d:02d} 15:00", ""] for d in range(2, 12)]
    importer.import_csv(world, admin, "shifts", _file(SHIFT_HEADER, *rows))
    with world.read() as s:
        ids = set(s.execute(select(Shift.id)).scalars())
        logged = (
            s.execute(
                select(AuditEvent.entity_id).where(
                    AuditEvent.entity == "shift", AuditEvent.action == "create", AuditEvent.subject == "K-0001"
                )
            )
            .scalars()
            .all()
        )
        assert sorted(logged) == sorted(ids) and len(ids) == 10
        assert audit.verify_chain(s).ok
    # `audit --subject K-0001` finds them.
    found = audit_log.query(world, admin, subject="K-0001", limit=100)
    assert sum(1 for e in found if e.entity == "shift") == 10


def test_a_change_between_the_check_and_the_write_is_caught(world, admin, monkeypatch):
    """Someone plans the same shift while the file is being checked: the write sees that the log
    moved on, checks again and refuses the duplicate instead of storing it twice."""
    real = import_rows.plan_shifts
    calls = []

    def plan_then_someone_saves(s, rows, policy, **kw):
        plan = real(s, rows, policy, **kw)
        if not calls:
            with world.read() as r:
                from bpa_provider.db.models import Assistant, Client

                cid = r.execute(select(Client.id)).scalar_one()
                aid = r.execute(select(Assistant.id).where(Assistant.ref == "A-0001")).scalar_one()
            roster.create_shift(world, admin, cid, aid, "2026-03-02 08:00", "2026-03-02 16:00")
        calls.append(plan.mark)
        return plan

    monkeypatch.setattr(import_rows, "plan_shifts", plan_then_someone_saves)
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(
            world,
            admin,
            "shifts",
            _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""]),
        )
    assert len(calls) == 2 and calls[0] < calls[1]  # checked again after the change
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "start")]
    assert "already registered" in exc.value.errors[0].text
    assert _count(world, Shift) == 1


def test_an_unrelated_change_between_the_check_and_the_write_is_let_through(world, admin, monkeypatch):
    """A coordinator adding an assistant meanwhile cannot change what the shift check found: the
    file is written without being checked again."""
    real = import_rows.plan_shifts
    calls = []

    def plan_then_someone_adds_an_assistant(s, rows, policy, **kw):
        plan = real(s, rows, policy, **kw)
        if not calls:
            f.assistant(world, admin, ref="A-0999")
        calls.append(1)
        return plan

    monkeypatch.setattr(import_rows, "plan_shifts", plan_then_someone_adds_an_assistant)
    result = importer.import_csv(
        world, admin, "shifts", _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""])
    )
    assert result.rows == 1 and len(calls) == 1


def test_the_check_moves_into_the_write_transaction_when_others_keep_writing(world, admin, monkeypatch):
    real = import_rows.plan_shifts
    calls = []

    def busy(s, rows, policy, **kw):
        plan = real(s, rows, policy, **kw)
        calls.append(1)
        if len(calls) <= importer._OPTIMISTIC_TRIES:
            f.municipality(world, admin, name=f"Busy {len(calls)}")  # another session writes
        return plan

    monkeypatch.setattr(import_rows, "plan_shifts", busy)
    result = importer.import_csv(
        world, admin, "shifts", _file(SHIFT_HEADER, ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""])
    )
    assert result.rows == 1 and len(calls) == importer._OPTIMISTIC_TRIES + 1


def _parsed_tables(monkeypatch) -> list:
    """The tables `import_csv` parses, as it parses them."""
    made: list = []
    real = importer.parse_csv

    def parse(*a, **k):
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(importer, "parse_csv", parse)
    return made


TWO_SHIFTS = (
    ["K-0001", "A-0001", "2026-03-02 08:00", "2026-03-02 16:00", ""],
    ["K-0001", "A-0001", "2026-03-03 08:00", "2026-03-03 16:00", ""],
)


def _starts(db) -> list[str]:
    with db.read() as s:
        return sorted(t.strftime("%Y-%m-%d %H:%M") for t in s.execute(select(Shift.start_utc)).scalars())


def test_a_files_parsed_cells_are_let_go_once_its_rows_are_checked(world, admin, monkeypatch):
    """A file the import read itself: its parsed cells (≈ 30 MB of 100,000 shifts) are let go
    once every row is checked, before the rules, the preparing and the write lock, so what those
    make does not add to them (session 10: peak 254 → 204 MB in one process)."""
    tables = _parsed_tables(monkeypatch)
    seen: dict[str, int] = {}
    write, rules = import_rows.write_shifts, import_spread.verdicts

    def ruling(*a, **k):
        seen["rules"] = len(tables[0].records)
        return rules(*a, **k)

    def writing(*a, **k):
        seen["write"] = len(tables[0].records)
        return write(*a, **k)

    monkeypatch.setattr(import_spread, "verdicts", ruling)
    monkeypatch.setattr(import_rows, "write_shifts", writing)
    result = importer.import_csv(world, admin, "shifts", _file(SHIFT_HEADER, *TWO_SHIFTS))
    assert result.rows == 2 and len(tables) == 1 and seen == {"rules": 0, "write": 0}
    assert _starts(world) == ["2026-03-02 07:00", "2026-03-03 07:00"]  # Oslo, stored in UTC


def test_a_table_handed_to_the_import_is_left_as_it_is(world, admin):
    table = importer.parse_csv(_file(SHIFT_HEADER, *TWO_SHIFTS).getvalue().decode())
    assert importer.import_table(world, admin, "shifts", table).rows == 2
    assert len(table.records) == 2  # the caller's: not emptied


def test_a_review_files_cells_are_let_go_before_the_write_lock(world, admin, monkeypatch):
    tables = _parsed_tables(monkeypatch)
    seen: list[int] = []
    write = import_rows.write_reviews

    def writing(*a, **k):
        seen.append(len(tables[0].records))
        return write(*a, **k)

    monkeypatch.setattr(import_rows, "write_reviews", writing)
    data = _file(["assistant_ref", "client_ref", "held_on"], ["A-0001", "K-0001", "2026-02-10"])
    assert importer.import_csv(world, admin, "reviews", data).rows == 1 and seen == [0]


@pytest.mark.parametrize("busy_checks", [1, importer._OPTIMISTIC_TRIES])
def test_a_file_checked_again_is_parsed_again_from_its_text(world, admin, monkeypatch, busy_checks):
    """The cells let go before the lock are made again from the file's text when a change in
    between sends the file back to be checked — also for the last check, inside the write
    transaction — and the rows written are the file's."""
    tables = _parsed_tables(monkeypatch)
    real = import_rows.plan_shifts
    seen: list[int] = []

    def busy(s, rows, policy, **kw):
        seen.append(len(tables[-1].records))
        plan = real(s, rows, policy, **kw)
        if len(seen) <= busy_checks:
            f.municipality(world, admin, name=f"Busy {len(seen)}")  # another session writes
        return plan

    monkeypatch.setattr(import_rows, "plan_shifts", busy)
    result = importer.import_csv(world, admin, "shifts", _file(SHIFT_HEADER, *TWO_SHIFTS))
    assert result.rows == 2 and seen == [2] * (busy_checks + 1) and len(tables) == busy_checks + 1
    assert _starts(world) == ["2026-03-02 07:00", "2026-03-03 07:00"]
    with world.read() as s:
        logged = s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "shift")).scalar()
    assert logged == 2


REVIEW_HEADER = ["assistant_ref", "client_ref", "held_on", "participants"]


def test_review_import_applies_the_rule_of_review_record(world, admin):
    db = world
    data = _file(
        REVIEW_HEADER,
        ["A-0001", "K-0001", "2026-02-10", "Per, Kari"],  # fine
        ["A-0002", "K-0001", "2025-12-01", ""],  # before the assignment started
        ["A-0003", "K-0001", "2026-02-10", ""],
    )  # never worked for K-0001
    errors = _refused(db, admin, "reviews", data)
    assert set(errors) == {3, 4}
    assert errors[3].startswith("held_on") and "before A-0002 started with K-0001" in errors[3]
    assert errors[4].startswith("client_ref") and "never worked" in errors[4]
    assert _count(db, Review) == 0
    with pytest.raises(ValidationError, match="before A-0002 started"):
        reviews.record_review(db, admin, "A-0002", "K-0001", "2025-12-01")


def test_imported_reviews_are_logged_one_by_one(world, admin):
    data = _file(REVIEW_HEADER, ["A-0001", "K-0001", "2026-02-10", ""], ["A-0002", "K-0001", "2026-02-11", ""])
    assert importer.import_csv(world, admin, "reviews", data).rows == 2
    assert _count(world, AuditEvent, AuditEvent.entity == "review", AuditEvent.subject == "A-0001") == 1
    assert _count(world, AuditEvent, AuditEvent.entity == "review", AuditEvent.subject == "A-0002") == 1
    with world.read() as s:
        assert audit.verify_chain(s).ok


def test_review_rule_is_one_function(world):
    assert reviews.held_on_problem(date(2026, 1, 1), date(2026, 1, 2), "A-1", "K-1").field == "held_on"
    assert reviews.held_on_problem(date(2026, 1, 2), date(2026, 1, 2), "A-1", "K-1") is None
    assert reviews.held_on_problem(date(2026, 1, 2), None, "A-1", "K-1").field == "client"


def test_imports_check_references_dates_and_texts_by_the_one_validation(world, admin):
    """Issue 20: the importer applies services.validation, as the forms do — a reference no record
    could have (`../`, control characters) is refused in the reference rule's words, not echoed
    back as unknown; an empty review date and control characters in a summary in the date and
    text rules' words."""
    from bpa_provider.services.validation import REF_WORDS

    shifts = _refused(
        world,
        admin,
        "shifts",
        _file(
            SHIFT_HEADER,
            ["../../etc/passwd", "A-0001", "2026-03-02T08:00", "2026-03-02T16:00", ""],
            ["K-0009", "A-0001", "2026-03-03T08:00", "2026-03-03T16:00", ""],
        ),
    )
    assert shifts[2] == f"client_ref: {REF_WORDS}"
    assert shifts[3] == "client_ref: no client 'K-0009'"
    reviews_refused = _refused(
        world,
        admin,
        "reviews",
        _file(
            REVIEW_HEADER + ["summary"],
            ["A-0001", "K-0001", "", "Per", "fine"],
            ["A-0001", "K-0001", "2026-02-10", "Per", "a\x1b[2Jb"],
        ),
    )
    assert reviews_refused[2] == "held_on: a date is required (dd.mm.yyyy or YYYY-MM-DD)"
    assert reviews_refused[3].startswith("summary: contains control characters")
