"""Handover packages: a round trip between two databases, privacy of the contents, the hour
balance, re-import of a newer package, and bad packages refused with nothing written."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import stat
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import factories as f
import pytest
from handover_keys import pair, sign_file
from sqlalchemy import select
from transfer_builders import build, count

from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    AuditEvent,
    Client,
    Course,
    CourseEnrollment,
    Decision,
    Employment,
    HandoverExport,
    HourBalanceEntry,
    Municipality,
    Review,
    RotaPattern,
    Shift,
    Supervision,
    Transfer,
    TransferAssistant,
)
from bpa_provider.errors import ValidationError
from bpa_provider.services import handover as ho
from bpa_provider.services import records
from bpa_provider.services import transfers as tr

ROOT = Path(__file__).resolve().parents[2]
D = date.fromisoformat
UTC = UTC


def test_shipped_schema_is_the_documented_one():
    assert (ROOT / "bpa_provider" / "handover_schema.json").read_bytes() == (
        ROOT / "docs" / "handover.schema.json"
    ).read_bytes()


@pytest.fixture
def second_db(tmp_path, sqlite_template):
    path = tmp_path / "receiver.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


def _sender(db, coord):
    """A client with two assistants, a decision, a supervisor, courses, a review, rota and shifts."""
    w = build(db, coord)
    a, b = w.assistants
    f.decision(
        db, coord, w.client, 37.5, valid_to="2026-12-31", services="practical,training", note="diagnosis: secret"
    )
    records.create(
        db,
        coord,
        "supervisor",
        {"name": "Siv Leder", "client_id": w.client, "relation": "parent", "since": "2026-01-01"},
    )
    other = f.client(db, coord, name="Other Client")
    with db.write() as s:
        cid = s.execute(select(Client.id).where(Client.ref == w.client)).scalar_one()
        aid = s.execute(select(Assistant.id).where(Assistant.ref == a)).scalar_one()
        sid = s.execute(select(Supervision.supervisor_id)).scalar_one()
        basic = Course(name="Arbeidslederkurs", organiser="Uloba", kind="supervisor_basic", hours=14)
        first_aid = Course(name="Førstehjelp", organiser="Røde Kors", kind="assistant_training", hours=4)
        peg = Course(name="PEG feeding for the other client", kind="assistant_training")
        s.add_all([basic, first_aid, peg])
        s.flush()
        s.add_all(
            [
                CourseEnrollment(
                    course_id=basic.id, supervisor_id=sid, status="completed", completed_on=D("2026-02-01")
                ),
                CourseEnrollment(
                    course_id=first_aid.id, assistant_id=aid, status="completed", completed_on=D("2025-05-05")
                ),
                CourseEnrollment(
                    course_id=peg.id,
                    assistant_id=aid,
                    client_id=other.id,
                    status="completed",
                    completed_on=D("2025-06-06"),
                ),
                Review(assistant_id=aid, client_id=cid, held_on=D("2026-03-01"), summary="private review notes"),
                RotaPattern(
                    client_id=cid,
                    assistant_id=aid,
                    name="Weekdays",
                    weekdays="0,2,4",
                    start_time=time(8),
                    end_time=time(16),
                    valid_from=D("2026-01-05"),
                ),
            ]
        )

        def shift(day, status="worked", deviation="none"):
            start = datetime.fromisoformat(f"2026-03-{day:02d}T07:00").replace(tzinfo=UTC)
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=aid,
                    start_utc=start,
                    end_utc=start.replace(hour=15),
                    status=status,
                    deviation_status=deviation,
                )
            )

        shift(2)  # worked: 8 h
        shift(3, "approved")  # 8 h
        shift(4, "planned")  # planned and ended: the plan is the actuals, 8 h
        shift(5, "planned", "pending")  # a pending deviation: not counted yet
        shift(6, "cancelled")
        shift(20, "planned")  # still to come
    return w


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_round_trip_between_two_databases(db, second_db, coord, tmp_path):
    w = _sender(db, coord)
    a, b = w.assistants
    v = tr.open_transfer(db, coord, w.client, "out", "New Provider AS", "2026-01-31")
    tr.record_consent(db, coord, v.id, "2026-02-01")
    for ref in (a, b):
        tr.inform_assistant(db, coord, v.id, ref, "2026-02-11", "2026-02-25")
    tr.record_refusal(db, coord, v.id, b, "2026-02-20")

    keys = pair(tmp_path)
    r = ho.export_package(db, coord, v.id, tmp_path / "out", keys=keys.a, now=NOW)
    raw = r.json_path.read_bytes()
    assert r.sha256 == hashlib.sha256(raw).hexdigest()
    assert stat.S_IMODE(r.json_path.stat().st_mode) == 0o600
    with db.read() as s:
        row = s.execute(select(HandoverExport)).scalar_one()
        logged = s.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert (row.sha256, row.stage, row.direction) == (r.sha256, "notice", "export")
    assert r.sha256 in logged.summary

    pkg = json.loads(raw)
    text = raw.decode()
    assert pkg["schema_version"] == "3" and pkg["from_provider"]["name"] == "Old Provider AS"
    (entry,) = pkg["employment_part"]["assistants"]
    assert entry["sender_ref"] == a and entry["employment"]["seniority_date"] == "2019-03-01"
    assert entry["police_certificate"] == {"checked": True, "checked_on": "2024-12-01"}
    assert [c["name"] for c in entry["courses"]] == ["Førstehjelp"]  # not the other client's training
    assert entry["last_review_on"] == "2026-03-01"
    # The wage travels as exact decimal text, never a JSON float.
    assert entry["employment"]["hourly_wage"] == "230.50" and '"hourly_wage": "230.50"' in text
    assert pkg["employment_part"]["refusals"] == [{"sender_ref": b, "refused_on": "2026-02-20"}]
    for secret in ("private review notes", "diagnosis", "PEG", "Assistant 1", "Other Client"):
        assert secret not in text
    hb = pkg["client_part"]["hour_balance"]
    # 1 Jan - 9 Mar is 68 days of 37.5 h/week; worked, approved and the ended planned shift count.
    assert (hb["decided_hours"], hb["worked_hours"], hb["balance_hours"]) == (364.29, 24.0, 340.29)
    assert pkg["client_part"]["supervisors"][0]["basic_course_completed_on"] == "2026-02-01"
    md = r.md_path.read_text()
    assert "230.50" in md  # the printed letter reads the text wage
    assert entry["national_id"] not in md and entry["national_id"][:6] in md and r.sha256 in md

    # The receiving installation, empty until now.
    got = ho.import_package(second_db, coord, r.json_path, keys=keys.b)
    assert got.signed_by == "Old Provider AS"
    assert (got.client_ref, got.assistants, got.opening_balance, got.updated) == ("K-0001", ("A-0001",), 340.29, False)
    with second_db.read() as s:
        client = s.execute(select(Client)).scalar_one()
        assert client.status == "prospect" and client.national_id == pkg["client"]["national_id"]
        assert s.execute(select(Municipality.name)).scalar_one() == "Hamar"
        d = s.execute(select(Decision)).scalar_one()
        assert (d.hours, d.services, d.note) == (37.5, "practical,training", "")
        entry_row = s.execute(select(HourBalanceEntry)).scalar_one()
        assert (entry_row.hours, entry_row.source, entry_row.entry_date) == (340.29, "handover", D("2026-04-30"))
        t = s.execute(select(Transfer)).scalar_one()
        assert (t.direction, t.counterpart, t.effective_date) == ("in", "Old Provider AS", D("2026-04-30"))
        assert s.execute(select(HandoverExport.payload)).scalar_one() == raw.decode()
        assert s.execute(select(Employment)).first() is None  # not before cut-over
    with pytest.raises(ValidationError, match="already imported"):
        ho.import_package(second_db, coord, r.json_path, keys=keys.b)
    with pytest.raises(ValidationError, match="outgoing transfer"):
        ho.export_package(second_db, coord, t.id, tmp_path / "nope", keys=keys.b)

    for code, on in [
        ("client_signed", "2026-02-01"),
        ("sent_to_unit", "2026-02-01"),
        ("municipality_signed", "2026-02-01"),
        ("provider_told", "2026-02-01"),
        ("assistants_informed", "2026-02-11"),
        ("refusal_deadline_passed", "2026-02-26"),
        ("handover", "2026-03-11"),
        ("cutover", "2026-04-30"),
    ]:
        tv = tr.complete_step(second_db, coord, t.id, code, on)
    assert tv.assistants[0].status == "joining"
    with second_db.read() as s:
        emp = s.execute(select(Employment)).scalar_one()
        assert (emp.start_date, emp.position_percent, emp.hourly_wage, emp.seniority_date) == (
            D("2026-04-30"),
            80.0,
            Decimal("230.50"),
            D("2019-03-01"),
        )
        assert str(emp.hourly_wage) == "230.50"  # the same øre the sender stored, as a Decimal
        assert (emp.police_certificate_on, emp.transferred_from) == (D("2024-12-01"), "Old Provider AS")
        asg = s.execute(select(Assignment)).scalar_one()
        assert (asg.start_date, asg.role) == (D("2026-04-30"), "regular")
        rota = s.execute(select(RotaPattern)).scalar_one()
        assert (rota.valid_from, rota.assistant_id, rota.weekdays) == (D("2026-04-30"), emp.assistant_id, "0,2,4")
        assert s.execute(select(Client.status)).scalar_one() == "active"
        assert (
            s.execute(
                select(CourseEnrollment.certificate_ref).where(CourseEnrollment.assistant_id.is_not(None))
            ).scalar_one()
            == "handover: Old Provider AS"
        )


def test_export_without_consent_has_no_client_part_and_needs_employment_data(db, coord, tmp_path):
    w = build(db, coord)
    v = tr.open_transfer(db, coord, w.client, "out", "New AS", "2026-01-31")
    out = tmp_path / "out"
    keys = pair(tmp_path, "Old AS", "New AS")
    r = ho.export_package(db, coord, v.id, out, keys=keys.a, now=NOW)
    pkg = json.loads(r.json_path.read_text())
    assert pkg["client_part"] is None and r.client_part is False
    assert pkg["from_provider"]["name"] == "Old AS"
    assert "consent is not recorded" in r.md_path.read_text()
    lonely = f.assistant(db, coord, name="No Papers")
    f.assignment(db, coord, lonely.ref, w.client)
    with pytest.raises(ValidationError) as exc:
        ho.export_package(db, coord, v.id, out, keys=keys.a, now=NOW)
    assert "has no national ID" in str(exc.value) and "has no employment" in str(exc.value)
    assert count(db, HandoverExport) == 1
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".md", ".sig"]  # nothing half-written


# --------------------------------------------------------------------------- packages by hand


def valid_package() -> dict:
    client_id, assistant_id = f.valid_fnr(date(1970, 2, 3)), f.valid_fnr(date(1991, 4, 5))
    return {
        "schema_version": "1",
        "generated_at": "2026-03-10T12:00:00Z",
        "stage": "assistants_informed",
        "from_provider": {"name": "Old AS"},
        "to_provider": {"name": "Us"},
        "transfer": {
            "sender_transfer_id": 7,
            "country": "NO",
            "basis": "transfer_of_undertaking",
            "notice_date": "2026-01-31",
            "agreed_date": None,
            "effective_date": "2026-04-30",
            "client_consent_on": "2026-02-01",
        },
        "client": {
            "sender_ref": "K-0042",
            "name": "Kari",
            "national_id": client_id,
            "birth_date": "1970-02-03",
            "municipality": {"name": "Drammen", "country": "NO", "timezone": "Europe/Oslo", "notice_months": 3},
        },
        "employment_part": {
            "assistants": [
                {
                    "sender_ref": "A-0007",
                    "name": "Per",
                    "national_id": assistant_id,
                    "birth_date": "1991-04-05",
                    "role": "regular",
                    "with_client_since": "2025-01-01",
                    "informed_on": "2026-02-11",
                    "refusal_deadline": "2026-02-25",
                    "employment": {
                        "kind": "permanent",
                        "start_date": "2025-01-01",
                        "seniority_date": "2020-01-01",
                        "position_percent": 60,
                        "hourly_wage": 220.0,
                    },
                    "police_certificate": {"checked": True, "checked_on": "2024-12-01"},
                    "confidentiality_signed_on": "2024-12-01",
                    "courses": [],
                    "last_review_on": None,
                }
            ],
            "refusals": [],
        },
        "client_part": {
            "decision": None,
            "supervisors": [],
            "rota_patterns": [],
            "hour_balance": {
                "period_start": "2026-01-01",
                "period_end": None,
                "counted_from": "2026-01-01",
                "as_of": "2026-03-10",
                "decided_hours": 100.0,
                "worked_hours": 40.0,
                "adjustment_hours": 0.0,
                "balance_hours": 60.0,
            },
        },
    }


def _write(tmp_path, pkg, name="pkg.json") -> Path:
    """The package written and signed by "Old AS"."""
    path = tmp_path / name
    path.write_text(pkg if isinstance(pkg, str) else json.dumps(pkg), encoding="utf-8")
    sign_file(hand_keys(tmp_path).a, path)
    return path


def hand_keys(tmp_path):
    """The keys of the hand-made packages: from "Old AS" to "Us" (made once per test)."""
    if not (tmp_path / "keys-a").exists():
        pair(tmp_path, "Old AS", "Us")
    from handover_keys import Pair

    from bpa_provider.signing import Keyring

    return Pair(Keyring(tmp_path / "keys-a"), Keyring(tmp_path / "keys-b"))


def _without(pkg, *keys):
    out = copy.deepcopy(pkg)
    node = out
    for k in keys[:-1]:
        node = node[k]
    del node[keys[-1]]
    return out


def _bad(kind: str):
    good = valid_package()
    if kind == "malformed":
        return json.dumps(good)[:-5], "file", "not valid JSON"
    if kind == "version":
        return {**good, "schema_version": "4"}, "schema_version", "not supported"
    if kind == "missing":
        return (
            _without(good, "employment_part", "assistants", 0, "employment", "hourly_wage"),
            "employment_part.assistants[0].employment.hourly_wage",
            "missing",
        )
    if kind == "national_id":
        bad = copy.deepcopy(good)
        number = bad["employment_part"]["assistants"][0]["national_id"]
        bad["employment_part"]["assistants"][0]["national_id"] = number[:-1] + str((int(number[-1]) + 1) % 10)
        return bad, "employment_part.assistants[0].national_id", "check digit"
    bad = copy.deepcopy(good)
    bad["transfer"]["client_consent_on"] = None
    return bad, "client_part", "without the client's consent"


@pytest.mark.parametrize("kind", ["malformed", "version", "missing", "national_id", "consent"])
def test_bad_packages_are_refused_with_nothing_written(db, coord, tmp_path, kind):
    assert ho.validate_package(json.dumps(valid_package()).encode())[1] == []
    pkg, field, words = _bad(kind)
    with pytest.raises(ValidationError) as exc:
        ho.import_package(db, coord, _write(tmp_path, pkg), keys=hand_keys(tmp_path).b)
    assert words in (exc.value.for_field(field) or ""), exc.value.errors
    for model in (Client, Municipality, Assistant, Transfer, HandoverExport, HourBalanceEntry, AuditEvent):
        assert count(db, model) == 0


@pytest.mark.parametrize(
    "wage, ok",
    [
        ("230.50", True),
        (220.0, True),
        (None, True),
        ("230.5", False),
        ("230.505", False),
        ("NaN", False),
        ("1e3", False),
        ("10000.01", False),
    ],
)
def test_the_wage_is_exact_text_and_older_numbers_are_still_read(wage, ok):
    pkg = valid_package()
    pkg["employment_part"]["assistants"][0]["employment"]["hourly_wage"] = wage
    doc, errors = ho.validate_package(json.dumps(pkg).encode())
    assert (doc is not None and errors == []) == ok, errors


def test_every_problem_is_listed_at_once():
    pkg = _without(valid_package(), "client", "name")
    pkg["employment_part"]["assistants"][0]["national_id"] = "12345678901"
    pkg["transfer"]["client_consent_on"] = None
    pkg["transfer"]["effective_date"] = "2026-02-30"
    doc, errors = ho.validate_package(json.dumps(pkg).encode())
    fields = {e.field for e in errors}
    assert doc is None
    assert {
        "client.name",
        "employment_part.assistants[0].national_id",
        "client_part",
        "transfer.effective_date",
    } <= fields


def test_newer_package_updates_the_open_incoming_transfer(db, coord, tmp_path):
    first = valid_package()
    us = hand_keys(tmp_path).b
    r1 = ho.import_package(db, coord, _write(tmp_path, first, "v1.json"), keys=us)
    second = copy.deepcopy(first)
    second["generated_at"] = "2026-03-20T12:00:00Z"
    second["employment_part"] = {"assistants": [], "refusals": [{"sender_ref": "A-0007", "refused_on": "2026-02-20"}]}
    second["client_part"]["hour_balance"].update(as_of="2026-03-20", decided_hours=110.0, balance_hours=70.0)
    r2 = ho.import_package(db, coord, _write(tmp_path, second, "v2.json"), keys=us)
    assert (r2.transfer_id, r2.updated, r2.client_ref) == (r1.transfer_id, True, r1.client_ref)
    with db.read() as s:
        ta = s.execute(select(TransferAssistant)).scalar_one()
        assert ta.refused_on == D("2026-02-20")
        hours = sorted(e.hours for e in s.execute(select(HourBalanceEntry)).scalars())
    assert hours == [10.0, 60.0] and count(db, Client) == 1 and count(db, Transfer) == 1
    view = tr.get_transfer(db, coord, r1.transfer_id)
    assert view.assistants[0].status == "refused"


def test_swedish_round_trip_keeps_personnummer_and_fk_step(db, second_db, coord, tmp_path):
    w = build(db, coord, country="se", muni="Bjuv", assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "Assistans AB", "2026-01-15")
    keys = pair(tmp_path, "Gamla Assistans AB", "Assistans AB")
    r = ho.export_package(db, coord, v.id, tmp_path / "out", keys=keys.a, now=NOW)
    pkg = json.loads(r.json_path.read_text())
    assert pkg["transfer"]["basis"] == "new_employment" and pkg["client_part"] is None
    assert "employs the assistants anew" in r.md_path.read_text()
    got = ho.import_package(second_db, coord, r.json_path, keys=keys.b)
    view = tr.get_transfer(second_db, coord, got.transfer_id)
    assert view.country == "SE" and "fk_notice" in [s.code for s in view.steps]
    assert "new employment with us" in view.assistants[0].consequence
    with second_db.read() as s:
        person = s.execute(select(Assistant)).scalar_one()
        tz = s.execute(select(Municipality.timezone)).scalar_one()
    assert person.national_id == pkg["employment_part"]["assistants"][0]["national_id"]
    assert "-" in person.national_id and tz == "Europe/Stockholm"
