"""The fixes of issue 13 ("What was found"), each with a test that failed before: the dates,
the plan moving with the client, the final package after cut-over, the year boundary, older
packages, the night shift across the cut-over midnight, and the rest."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from test_handover import valid_package
from transfer_builders import build

from bpa_provider.errors import ValidationError
from bpa_provider.services import handover as ho
from bpa_provider.services import review_due_store
from bpa_provider.services import transfers as tr

D = date.fromisoformat


def test_dates_consent_and_steps_must_be_plausible(db, coord):
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "New AS", "2026-01-31")
    with pytest.raises(ValidationError, match="more than a year before the notice date"):
        tr.record_consent(db, coord, v.id, "2019-05-01")
    with pytest.raises(ValidationError, match="after today"):
        tr.record_consent(db, coord, v.id, "2030-05-01", today=D("2026-03-01"))
    tr.record_consent(db, coord, v.id, "2026-02-01", today=D("2026-03-01"))
    with pytest.raises(ValidationError, match="after today"):
        tr.complete_step(db, coord, v.id, "client_signed", "2026-06-01", today=D("2026-03-01"))
    tr.complete_step(db, coord, v.id, "client_signed", "2026-03-01", today=D("2026-03-01"))


def test_a_late_informed_assistant_is_told_aloud(db, coord):
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "New AS", "2026-01-31")  # effective 30.04.2026
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-04-20", "2026-05-04")
    assert any("not before the effective date 30.04.2026" in c and "05.05.2026" in c for c in map(str, v.changes)), (
        v.changes
    )
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-02-01", "2026-02-15")
    assert not v.changes


@pytest.mark.parametrize("consent", ["2019-05-01", "2026-04-01"])
def test_a_package_with_an_implausible_consent_is_refused(consent):
    pkg = valid_package()
    pkg["transfer"]["client_consent_on"] = consent  # generated 10.03.2026, notice 31.01.2026
    doc, errors = ho.validate_package(json.dumps(pkg).encode())
    assert doc is None and [e.field for e in errors] == ["transfer.client_consent_on"]


# --------------------------------------------------------------------------- two providers

import shutil  # noqa: E402
from datetime import UTC, datetime, time  # noqa: E402

from handover_keys import pair  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from test_handover import _sender  # noqa: E402

from bpa_provider.db.engine import Database, make_engine  # noqa: E402
from bpa_provider.db.models import (  # noqa: E402
    Assistant,
    Client,
    HourBalanceEntry,
    RotaPattern,
    Shift,
    Transfer,
)
from bpa_provider.services import roster  # noqa: E402

UTC = UTC
STEPS_BEFORE_CUTOVER = [
    ("client_signed", "2026-02-01"),
    ("sent_to_unit", "2026-02-01"),
    ("municipality_signed", "2026-02-01"),
    ("provider_told", "2026-02-01"),
    ("assistants_informed", "2026-02-11"),
    ("refusal_deadline_passed", "2026-02-26"),
    ("handover", "2026-03-11"),
]


@pytest.fixture
def b_db(tmp_path, sqlite_template):
    path = tmp_path / "b.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


def _steps(db, actor, tid, cutover=True):
    """Every step up to (and with) cut-over that is not done yet: B's checklist comes partly
    filled in from A's package."""
    done = {st.code for st in tr.get_transfer(db, actor, tid).steps if st.done_on is not None}
    v = None
    for code, on in STEPS_BEFORE_CUTOVER + ([("cutover", "2026-04-30")] if cutover else []):
        if code not in done:
            v = tr.complete_step(db, actor, tid, code, on)
    return v


def _a_side(db, coord):
    """Provider A: the client, assistant a moves, b refuses; both have a rota pattern; a night
    shift of a runs across the cut-over midnight (29-30 April, 22:00-07:00 in Oslo)."""
    w = _sender(db, coord)
    a, b = w.assistants
    with db.write() as s:
        cid = s.execute(select(Client.id).where(Client.ref == w.client)).scalar_one()
        aid, bid = (s.execute(select(Assistant.id).where(Assistant.ref == r)).scalar_one() for r in (a, b))
        s.add(
            RotaPattern(
                client_id=cid,
                assistant_id=bid,
                name="Weekends",
                weekdays="5,6",
                start_time=time(9),
                end_time=time(17),
                valid_from=D("2026-01-05"),
            )
        )
        s.add(
            Shift(
                client_id=cid,
                assistant_id=aid,
                start_utc=datetime(2026, 4, 29, 20, tzinfo=UTC),
                end_utc=datetime(2026, 4, 30, 5, tzinfo=UTC),
                status="worked",
            )
        )
        # One-off plans after the effective date: a's goes with the client, b's (who refused) not.
        for who, day in ((aid, 5), (bid, 6)):
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=who,
                    start_utc=datetime(2026, 5, day, 8, tzinfo=UTC),
                    end_utc=datetime(2026, 5, day, 12, tzinfo=UTC),
                    status="planned",
                )
            )
    v = tr.open_transfer(db, coord, w.client, "out", "New Provider AS", "2026-01-31")
    tr.record_consent(db, coord, v.id, "2026-02-01")
    for ref in (a, b):
        tr.inform_assistant(db, coord, v.id, ref, "2026-02-11", "2026-02-25")
    tr.record_refusal(db, coord, v.id, b, "2026-02-20")
    return w, v.id


def _b_transfer(b_db):
    with b_db.read() as s:
        return s.execute(select(Transfer.id)).scalar_one()


def test_final_package_first_then_b_cuts_over_with_rota_and_roster_extends(db, b_db, coord, tmp_path):
    keys = pair(tmp_path)
    w, tid = _a_side(db, coord)
    _steps(db, coord, tid)  # A cuts over: its rota ends 29.04, planned shifts from 30.04 cancelled
    final = ho.export_package(db, coord, tid, tmp_path / "final", keys=keys.a, now=datetime(2026, 5, 2, 12, tzinfo=UTC))
    pkg = json.loads(final.json_path.read_text())
    hb = pkg["client_part"]["hour_balance"]
    # 4 day shifts of 8 h (the plan is the actuals) and the whole night shift across the cut-over
    # midnight, 9 h — its 7 h after midnight were counted by neither side before (fix 9).
    assert hb["worked_hours"] == 41.0 and hb["as_of"] == "2026-04-30"
    # The patterns our cut-over ended still go with the client, open-ended (fix 2).
    assert {p["name"]: p["valid_to"] for p in pkg["client_part"]["rota_patterns"]} == {
        "Weekdays": None,
        "Weekends": None,
    }
    got = ho.import_package(b_db, coord, final.json_path, keys=keys.b)
    assert got.opening_balance == hb["balance_hours"]
    v = _steps(b_db, coord, _b_transfer(b_db))
    assert any("Weekends" in c and "not created" in c for c in map(str, v.changes)), v.changes  # fix 1
    with b_db.read() as s:
        patterns = s.execute(select(RotaPattern)).scalars().all()
    assert [(p.name, p.valid_from) for p in patterns] == [("Weekdays", D("2026-04-30"))]
    assert all(p.assistant_id is not None for p in patterns)
    res = roster.extend_patterns(b_db, coord, today=D("2026-05-01"), now=datetime(2026, 5, 1, tzinfo=UTC))
    assert res.shifts  # B's roster runs without repair (fix 1)


def test_final_package_after_b_cut_over_brings_the_final_balance(db, b_db, coord, tmp_path):
    keys = pair(tmp_path)
    w, tid = _a_side(db, coord)
    _steps(db, coord, tid, cutover=False)
    early = ho.export_package(
        db, coord, tid, tmp_path / "early", keys=keys.a, now=datetime(2026, 3, 10, 12, tzinfo=UTC)
    )
    ho.import_package(b_db, coord, early.json_path, keys=keys.b)
    v = _steps(b_db, coord, _b_transfer(b_db))  # B cuts over first
    # The plan moves with the client (deliverable 4): the one-off shift of the assistant who moves.
    assert "1 planned shift(s) from the package" in map(str, v.changes)
    assert "1 planned shift(s) without an assistant who moves, not created" in map(str, v.changes)
    with b_db.read() as s:
        (planned,) = s.execute(select(Shift)).scalars().all()
        assert (planned.start_utc, planned.status) == (datetime(2026, 5, 5, 8, tzinfo=UTC), "planned")
    tr.complete_step(db, coord, tid, "cutover", "2026-04-30")
    final = ho.export_package(db, coord, tid, tmp_path / "final", keys=keys.a, now=datetime(2026, 5, 2, 12, tzinfo=UTC))
    got = ho.import_package(b_db, coord, final.json_path, keys=keys.b)  # was refused before (fix 2)
    final_balance = json.loads(final.json_path.read_text())["client_part"]["hour_balance"]["balance_hours"]
    assert got.updated and got.opening_balance == final_balance
    with b_db.read() as s:
        total = s.execute(select(func.sum(HourBalanceEntry.hours))).scalar_one()
        assert s.execute(select(func.count()).select_from(RotaPattern)).scalar_one() == 1  # not made twice
    assert round(total, 2) == final_balance
    # The early package, arriving again late (re-sent), is older than the newest: refused (fix 2).
    late = ho.export_package(db, coord, tid, tmp_path / "late", keys=keys.a, now=datetime(2026, 3, 1, 12, tzinfo=UTC))
    with pytest.raises(ValidationError, match="before the newest one"):
        ho.import_package(b_db, coord, late.json_path, keys=keys.b)


def test_a_december_package_books_nothing_into_the_new_year(db, b_db, coord, tmp_path):
    keys = pair(tmp_path)
    w = _sender(db, coord)
    v = tr.open_transfer(db, coord, w.client, "out", "New Provider AS", "2026-09-30")  # effective 31.12.2026
    tr.record_consent(db, coord, v.id, "2026-10-01")
    # An agreed first day of 1 January: the package of 10 December counts 2026's hours.
    with db.write() as s:
        t = s.get(Transfer, v.id)
        t.agreed_date = t.effective_date = D("2027-01-01")
    r = ho.export_package(db, coord, v.id, tmp_path / "dec", keys=keys.a, now=datetime(2026, 12, 10, 12, tzinfo=UTC))
    hb = json.loads(r.json_path.read_text())["client_part"]["hour_balance"]
    assert hb["balance_hours"] == 0.0  # 2026 ends with us: nothing of it continues in 2027
    got = ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    assert got.opening_balance == 0.0
    with b_db.read() as s:
        assert s.execute(select(func.count()).select_from(HourBalanceEntry)).scalar_one() == 0


def test_b_own_incoming_transfer_is_found_by_name_and_its_date_kept(db, b_db, coord, tmp_path):
    import factories as f

    keys = pair(tmp_path)
    w = _sender(db, coord)
    from bpa_provider.services import records

    cid = records.find_id(db, coord, "client", w.client)
    records.update(
        db,
        coord,
        "client",
        cid,
        records.get(db, coord, "client", cid).version,
        {"national_id": f.valid_fnr(date(1970, 2, 3))},
    )
    v = tr.open_transfer(db, coord, w.client, "out", "New Provider AS", "2026-01-31")
    r = ho.export_package(db, coord, v.id, tmp_path / "p", keys=keys.a, now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    # B registered the client itself (no national ID yet) and opened its incoming transfer with
    # its own agreed date.
    f.municipality(b_db, coord, "Hamar", notice_months=3)
    with db.read() as s:
        name = s.execute(select(Client.name).where(Client.ref == w.client)).scalar_one()
    c = f.client(b_db, coord, "Hamar", name=name, status="prospect")
    own = tr.open_transfer(b_db, coord, c.ref, "in", "Old Provider AS", "2026-01-31", "2026-05-15")
    got = ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    assert (got.transfer_id, got.client_ref, got.updated) == (own.id, c.ref, True)  # fix 6
    assert any("15.05.2026" in x and "kept" in x for x in map(str, got.warnings))
    with b_db.read() as s:
        assert s.execute(select(func.count()).select_from(Client)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Transfer)).scalar_one() == 1
        t = s.get(Transfer, own.id)
        assert t.effective_date == D("2026-05-15")
        sent = json.loads(r.json_path.read_text())["client"]["national_id"]
        assert sent and s.execute(select(Client.national_id)).scalar_one() == sent  # from the package


def test_refusal_after_an_early_package_and_cancelling_at_b_leave_no_personal_data(db, coord, tmp_path):
    from test_handover import _write, hand_keys

    from bpa_provider.db.models import HandoverExport

    us = hand_keys(tmp_path).b
    first = valid_package()
    first["employment_part"]["assistants"].append(
        {
            **copy.deepcopy(first["employment_part"]["assistants"][0]),
            "sender_ref": "A-0008",
            "name": "Ola",
            "national_id": __import__("factories").valid_fnr(date(1992, 6, 7)),
            "birth_date": "1992-06-07",
        }
    )
    r1 = ho.import_package(db, coord, _write(tmp_path, first, "v1.json"), keys=us)
    second = copy.deepcopy(first)
    second["generated_at"] = "2026-03-20T12:00:00Z"
    second["employment_part"]["assistants"] = second["employment_part"]["assistants"][:1]
    second["employment_part"]["refusals"] = [{"sender_ref": "A-0008", "refused_on": "2026-02-20"}]
    ho.import_package(db, coord, _write(tmp_path, second, "v2.json"), keys=us)
    with db.read() as s:
        ids = dict(s.execute(select(Assistant.name, Assistant.national_id)).all())
    assert ids["Ola"] is None and ids["Per"]  # who refused is not kept in our register (fix 5)

    v = tr.cancel_transfer(db, coord, r1.transfer_id, "the client stays with Old AS")
    assert any("reversed" in c for c in map(str, v.changes)) and any("never started" in c for c in map(str, v.changes))
    with db.read() as s:
        client = s.execute(select(Client)).scalar_one()
        assert (client.status, client.end_date) == ("ended", date.today())  # retention reaches them
        assert s.execute(select(func.sum(HourBalanceEntry.hours))).scalar_one() == 0.0
        kept = s.execute(select(HandoverExport.payload)).scalars().all()
        assert kept and all(json.loads(p)["erased"] and "national_id" not in p for p in kept)
        assert set(s.execute(select(Assistant.national_id)).scalars()) == {None}


def test_shared_assistant_onboarding_reviews_and_carried_details(db, b_db, coord, tmp_path):
    import factories as f

    from bpa_provider.db.models import Assignment, Course, Employment, OnboardingStep, Review

    keys = pair(tmp_path)
    w, tid = _a_side(db, coord)
    a = w.assistants[0]
    other = f.client(db, coord, name="Other Client")
    f.assignment(db, coord, a, other.ref, start_date="2026-01-01", family_relation=False)
    with db.write() as s:
        aid = s.execute(select(Assistant.id).where(Assistant.ref == a)).scalar_one()
        cid = s.execute(select(Client.id).where(Client.ref == w.client)).scalar_one()
        s.execute(select(Course)).scalars().first().validity_months = 24  # Arbeidslederkurs
        # 72 h for the other client in April.
        for day in range(9):
            start = datetime(2026, 4, 1 + day, 6, tzinfo=UTC)
            s.add(
                Shift(
                    client_id=other.id,
                    assistant_id=aid,
                    start_utc=start,
                    end_utc=start.replace(hour=14),
                    status="planned",
                )
            )
        s.execute(
            select(Assignment).where(Assignment.assistant_id == aid, Assignment.client_id == cid)
        ).scalar_one().family_relation = True
    _steps(db, coord, tid, cutover=False)
    r = ho.export_package(db, coord, tid, tmp_path / "p", keys=keys.a, now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    entry = json.loads(r.json_path.read_text())["employment_part"]["assistants"][0]
    e = entry["employment"]
    assert e["currency"] == "NOK" and e["position_percent"] == 80.0
    # This client's planned hours (5 day shifts of 8 h, the 9 h night) of all 121 h in the 13 weeks
    # before the effective date (72 h for the other client): 80 % x 49/121 (fix 3).
    assert e["position_percent_moving"] == round(80 * 49 / 121, 1) == 32.4
    assert entry["family_relation"] is True and entry["eea_resident"] is True
    ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    _steps(b_db, coord, _b_transfer(b_db))
    with b_db.read() as s:
        emp = s.execute(select(Employment)).scalar_one()
        assert emp.position_percent == e["position_percent_moving"]  # not A's whole 80 % (fix 3)
        assert s.execute(select(Assignment.family_relation)).scalar_one() is True
        assert s.execute(select(Review.held_on)).scalar_one() == D("2026-03-01")  # reviews continue (fix 4)
        steps = {st.code: st for st in s.execute(select(OnboardingStep)).scalars()}
        assert steps["basic_course"].done_on == D("2026-02-01")  # the basic course arrived (fix 4)
        assert all(st.due_date >= D("2026-04-30") for st in steps.values() if st.done_on is None)
        assert s.execute(select(Course.validity_months).where(Course.name == "Arbeidslederkurs")).scalar_one() == 24
        # The applied package's assignment, employment and review keep the stored next review
        # (services/review_due_store.py's hook runs in the apply's commit): the rule's rows, and
        # the pair's review continues from the one held at A.
        stored = review_due_store.stored_rows(s)
        assert stored == review_due_store.expected_rows(s) and stored


def test_sweden_new_employment_stays_with_sender_and_fk_step(db, b_db, coord, tmp_path):
    import factories as f

    from bpa_provider.db.models import Employment

    keys = pair(tmp_path, "Gamla Assistans AB", "Nya Assistans AB")
    w = build(db, coord, country="se", muni="Bjuv", assistants=2)
    stays = w.assistants[1]
    other = f.client(db, coord, "Bjuv", name="Annan Kund")
    f.assignment(db, coord, stays, other.ref, start_date="2026-01-01")
    v = tr.open_transfer(db, coord, w.client, "out", "Nya Assistans AB", "2026-01-15")  # effective 15.04.2026
    for ref in w.assistants:
        tr.inform_assistant(db, coord, v.id, ref, "2026-02-01", "2026-02-15")
    r = ho.export_package(db, coord, v.id, tmp_path / "se", keys=keys.a, now=datetime(2026, 3, 1, 12, tzinfo=UTC))
    pkg = json.loads(r.json_path.read_text())
    assert {a["employment"]["currency"] for a in pkg["employment_part"]["assistants"]} == {"SEK"}
    assert [a["stays_with_sender"] for a in pkg["employment_part"]["assistants"]] == [False, True]
    ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    tid = _b_transfer(b_db)
    for code, on in [
        ("client_signed", "2026-02-01"),
        ("sent_to_unit", "2026-02-01"),
        ("municipality_signed", "2026-02-01"),
        ("fk_notice", "2026-02-01"),
        ("provider_told", "2026-02-01"),
        ("assistants_informed", "2026-02-01"),
        ("refusal_deadline_passed", "2026-02-16"),
        ("handover", "2026-03-01"),
        ("cutover", "2026-04-15"),
    ]:
        v = tr.complete_step(b_db, coord, tid, code, on)
    assert any("Försäkringskassan" in c for c in map(str, v.changes)) and any(
        "stay employed" in c for c in map(str, v.changes)
    )
    with b_db.read() as s:
        (emp,) = s.execute(select(Employment)).scalars().all()  # only the one who moves (fix 7)
        assert emp.seniority_date == D("2026-04-15")  # employed anew, not with A's seniority


def test_a_wage_in_the_wrong_currency_is_refused():
    pkg = valid_package()
    pkg["schema_version"] = "2"
    pkg["employment_part"]["assistants"][0]["employment"]["currency"] = "SEK"
    doc, errors = ho.validate_package(json.dumps(pkg).encode())
    assert doc is None and errors[0].field == "employment_part.assistants[0].employment.currency"
