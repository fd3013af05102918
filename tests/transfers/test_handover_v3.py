"""Schema 3 of the handover package: course expiry dates, B's checklist filled in from A's package
(with a warning wherever B's own dates differ), and absences that run past the effective date —
all through the two-database story of test_handover_fixes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import factories as f
import pytest
from handover_keys import pair
from sqlalchemy import select
from test_handover import valid_package
from test_handover_fixes import _a_side, _b_transfer, _steps, b_db  # noqa: F401 (b_db is a fixture)

from bpa_provider import i18n
from bpa_provider.db.models import Absence, Assistant, Client, Course, CourseEnrollment, Supervisor, Transfer
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.services import handover as ho
from bpa_provider.services import transfers as tr

D = date.fromisoformat
UTC = UTC


def _check(pkg):
    return ho.validate_package(json.dumps(pkg).encode())


def _v3(pkg):
    pkg = copy.deepcopy(pkg)
    pkg["schema_version"] = "3"
    pkg["employment_part"]["assistants"][0]["employment"]["hourly_wage"] = "220.00"
    return pkg


def test_version_3_needs_text_wages_and_expiry_dates_and_versions_1_and_2_are_still_read():
    old = valid_package()  # version 1, the wage a JSON number
    assert _check(old)[1] == []
    assert _check({**copy.deepcopy(old), "schema_version": "2"})[1] == []
    assert _check(_v3(old))[1] == []
    number = _v3(old)
    number["employment_part"]["assistants"][0]["employment"]["hourly_wage"] = 220.0
    course = {
        "name": "Førstehjelp",
        "organiser": "Røde Kors",
        "kind": "assistant_training",
        "hours": 4,
        "completed_on": "2025-05-05",
        "validity_months": 12,
    }
    undated = _v3(old)
    undated["employment_part"]["assistants"][0]["courses"] = [course]
    backwards = _v3(old)
    backwards["employment_part"]["assistants"][0]["courses"] = [{**course, "expires_on": "2025-05-01"}]
    fields = {
        name: [e.field for e in _check(p)[1]]
        for name, p in (("number", number), ("undated", undated), ("backwards", backwards))
    }
    assert fields == {
        "number": ["employment_part.assistants[0].employment.hourly_wage"],
        "undated": ["employment_part.assistants[0].courses[0].expires_on"],
        "backwards": ["employment_part.assistants[0].courses[0].expires_on"],
    }


def test_the_published_schema_is_valid_json_schema_and_names_version_3():
    from jsonschema import Draft202012Validator

    schema = ho.load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["enum"] == ["1", "2", "3"]
    assert "expires_on" in schema["$defs"]["course"]["properties"]


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_version_2_or_3_package_is_imported(db, coord, tmp_path, version):
    from test_handover import _write, hand_keys

    pkg = _v3(valid_package())
    pkg["schema_version"] = version
    pkg["employment_part"]["assistants"][0]["courses"] = [
        {
            "name": "Førstehjelp",
            "organiser": "Røde Kors",
            "kind": "assistant_training",
            "hours": 4,
            "completed_on": "2025-05-05",
            "validity_months": None,
            "expires_on": "2026-05-05",
        }
    ]
    got = ho.import_package(db, coord, _write(tmp_path, pkg), keys=hand_keys(tmp_path).b)
    assert got.client_ref and got.assistants
    with db.read() as s:
        assert s.execute(select(Transfer.client_consent_on)).scalar_one() == D("2026-02-01")


def test_course_expiry_dates_travel_and_a_differing_catalog_is_said(db, b_db, coord, tmp_path):  # noqa: F811
    keys = pair(tmp_path)
    _w, tid = _a_side(db, coord)
    with db.write() as s:
        for c in s.execute(select(Course)).scalars():
            c.validity_months = {"Arbeidslederkurs": 24, "Førstehjelp": 12}.get(c.name)
    _steps(db, coord, tid, cutover=False)
    r = ho.export_package(db, coord, tid, tmp_path / "p", keys=keys.a, now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    pkg = json.loads(r.json_path.read_text())
    assert pkg["schema_version"] == "3"
    (first_aid,) = pkg["employment_part"]["assistants"][0]["courses"]
    (basic,) = pkg["client_part"]["supervisors"][0]["courses"]
    assert (first_aid["completed_on"], first_aid["expires_on"]) == ("2025-05-05", "2026-05-05")
    assert (basic["completed_on"], basic["expires_on"]) == ("2026-02-01", "2028-02-01")
    assert "Førstehjelp (05.05.2025, expires 05.05.2026)" in r.md_path.read_text()
    # B has first aid in its own catalog, valid three years: B's credential would differ.
    with b_db.write() as s:
        s.add(Course(name="Førstehjelp", kind="assistant_training", validity_months=36))
    ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    v = _steps(b_db, coord, _b_transfer(b_db))
    (said,) = [c for c in map(str, v.changes) if "Førstehjelp" in c]
    assert "05.05.2026" in said and "05.05.2028" in said
    with b_db.read() as s:
        sup = s.execute(
            select(CourseEnrollment, Course)
            .join(Course, Course.id == CourseEnrollment.course_id)
            .where(CourseEnrollment.supervisor_id == s.execute(select(Supervisor.id)).scalar_one())
        ).one()
    assert expiry_date(sup[0].completed_on, sup[1].validity_months) == D("2028-02-01")  # as at A


def test_b_checklist_is_filled_in_from_a_package(db, b_db, coord, tmp_path):  # noqa: F811
    keys = pair(tmp_path)
    _w, tid = _a_side(db, coord)
    _steps(db, coord, tid, cutover=False)
    r = ho.export_package(db, coord, tid, tmp_path / "p", keys=keys.a, now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    got = ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    assert got.warnings == ()
    view = tr.get_transfer(b_db, coord, got.transfer_id)
    done = {st.code: st.done_on for st in view.steps if st.done_on}
    assert done == {
        "notice": D("2026-01-31"),
        "client_signed": D("2026-02-01"),
        "sent_to_unit": D("2026-02-01"),
        "municipality_signed": D("2026-02-01"),
        "provider_told": D("2026-02-01"),
        "assistants_informed": D("2026-02-11"),
        "refusal_deadline_passed": D("2026-02-26"),
        "handover": D("2026-03-11"),
    }
    assert view.client_consent_on == D("2026-02-01") and view.next_step == "cutover"
    assert next(st.note for st in view.steps if st.code == "handover") == "from the other provider's handover package"
    assert view.warnings == ()


def test_notes_the_app_writes_on_steps_are_shown_in_the_reader_language(db, coord, lang):
    from transfer_builders import build

    w = build(db, coord, assistants=0)
    lang("nb")  # opened by a Norwegian reader ...
    v = tr.open_transfer(db, coord, w.client, "out", "New AS", "2026-01-31")
    lang("sv")  # ... read by a Swedish one
    note = next(st.note for st in tr.get_transfer(db, coord, v.id).steps if st.code == "notice")
    assert note == i18n._("recorded when the transfer was opened") != "recorded when the transfer was opened"


@pytest.fixture
def lang():
    yield i18n.set_language
    i18n.set_language("en")


def test_b_own_dates_are_kept_and_each_difference_is_a_warning_on_the_transfer(
    db,
    b_db,  # noqa: F811
    coord,
    tmp_path,
    lang,
):
    keys = pair(tmp_path)
    w, tid = _a_side(db, coord)
    with db.write() as s:
        client = s.execute(select(Client).where(Client.ref == w.client)).scalar_one()
        client.national_id = f.valid_fnr(date(1970, 2, 3))
        name = client.name
    _steps(db, coord, tid, cutover=False)
    r = ho.export_package(db, coord, tid, tmp_path / "p", keys=keys.a, now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    # B opened its own incoming transfer and recorded the client's signature on another day.
    f.municipality(b_db, coord, "Hamar", notice_months=3)
    c = f.client(b_db, coord, "Hamar", name=name, status="prospect")
    own = tr.open_transfer(b_db, coord, c.ref, "in", "Old Provider AS", "2026-01-31")
    tr.complete_step(b_db, coord, own.id, "client_signed", "2026-02-03")
    got = ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    assert got.transfer_id == own.id
    assert [str(w) for w in got.warnings] == ["Client signed: Old Provider AS has 01.02.2026, we have 03.02.2026"]
    view = tr.get_transfer(b_db, coord, own.id)
    assert next(st.done_on for st in view.steps if st.code == "client_signed") == D("2026-02-03")  # ours kept
    assert view.warnings == got.warnings  # kept on the transfer
    lang("sv")  # in the reader's language and date format
    (shown,) = map(str, tr.get_transfer(b_db, coord, own.id).warnings)
    assert "2026-02-01" in shown and "2026-02-03" in shown and "vi har" in shown


def test_absences_past_the_effective_date_travel_to_b(db, b_db, coord, tmp_path):  # noqa: F811
    keys = pair(tmp_path)
    w, tid = _a_side(db, coord)
    a = w.assistants[0]
    with db.write() as s:
        aid = s.execute(select(Assistant.id).where(Assistant.ref == a)).scalar_one()
        s.add_all(
            [
                Absence(
                    assistant_id=aid,
                    kind="holiday",
                    from_date=D("2026-04-27"),
                    to_date=D("2026-05-08"),
                    note="Mallorca",
                ),
                Absence(
                    assistant_id=aid,
                    kind="sick-note",
                    from_date=D("2026-04-01"),
                    to_date=D("2026-04-10"),
                    grade=50,
                    doctor_note_on=D("2026-04-01"),
                ),
            ]
        )
    _steps(db, coord, tid, cutover=False)
    r = ho.export_package(db, coord, tid, tmp_path / "p", keys=keys.a, now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    entry = json.loads(r.json_path.read_text())["employment_part"]["assistants"][0]
    assert entry["absences"] == [
        {"kind": "holiday", "from_date": "2026-04-27", "to_date": "2026-05-08", "grade": 100, "document_on": None}
    ]
    assert "Mallorca" not in r.json_path.read_text()
    assert "holiday 27.04.2026–08.05.2026" in r.md_path.read_text()  # the printed copy says it too
    ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    v = _steps(b_db, coord, _b_transfer(b_db))
    assert "1 absence(s) from the package" in map(str, v.changes)
    with b_db.read() as s:
        (ab,) = s.execute(select(Absence)).scalars().all()
        assert (ab.kind, ab.from_date, ab.to_date) == ("holiday", D("2026-04-30"), D("2026-05-08"))
        assert ab.note == "from the handover package of Old Provider AS"
        assert s.execute(select(Transfer.state)).scalar_one() == "cutover"
    # The same checks as `absence add`: one that overlaps an absence B recorded itself is refused,
    # and said.
    assert not any("not taken over" in c for c in map(str, v.changes))


def test_a_validity_is_read_from_the_expiry_date_when_only_that_is_sent():
    from bpa_provider.services.handover_apply import _validity_of

    done = D("2025-05-05")
    assert _validity_of({"validity_months": None, "expires_on": "2026-05-05"}, done) == 12
    assert _validity_of({"expires_on": "2026-05-20"}, done) == 13  # part of a month: rounded up
    assert _validity_of({"validity_months": 24, "expires_on": "2026-05-05"}, done) == 24  # as sent
    assert _validity_of({"expires_on": None}, done) is None


def test_sweden_carries_no_absences(db, coord, tmp_path):
    from transfer_builders import build

    keys = pair(tmp_path, "Gamla Assistans AB", "Nya Assistans AB")
    w = build(db, coord, country="se", muni="Bjuv", assistants=1)
    with db.write() as s:
        aid = s.execute(select(Assistant.id).where(Assistant.ref == w.assistants[0])).scalar_one()
        s.add(Absence(assistant_id=aid, kind="sick-note", from_date=D("2026-04-01"), to_date=D("2026-06-30")))
    v = tr.open_transfer(db, coord, w.client, "out", "Nya Assistans AB", "2026-01-15")
    r = ho.export_package(db, coord, v.id, tmp_path / "se", keys=keys.a, now=datetime(2026, 3, 1, 12, tzinfo=UTC))
    (entry,) = json.loads(r.json_path.read_text())["employment_part"]["assistants"]
    assert entry["absences"] == []  # a new employment: sick leave (health data) stays with the old employer
