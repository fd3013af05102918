"""Registry services on SQLite and PostgreSQL: create, validate, update with versions, end, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factories as f
import pytest

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import AuditEvent, Client, Employment
from bpa_provider.errors import Conflict, PermissionDenied, ValidationError
from bpa_provider.services import records


def _count(db, model) -> int:
    from sqlalchemy import func, select

    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_create_client_assigns_next_reference_and_birth_date(db, admin):
    f.municipality(db, admin)
    fnr = f.valid_fnr(date(1985, 3, 14))
    a = f.client(db, admin, national_id=fnr)
    b = f.client(db, admin, name="Ola")
    assert (a.ref, b.ref) == ("K-0001", "K-0002")
    assert a.birth_date == date(1985, 3, 14)
    assert a.version == 1


def test_invalid_national_id_is_refused_with_field_and_nothing_written(db, admin):
    f.municipality(db, admin)
    good = f.valid_fnr()
    typo = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        f.client(db, admin, national_id=typo)
    assert exc.value.for_field("national_id")
    assert "check digit" in exc.value.for_field("national_id")
    assert _count(db, Client) == 0


def test_non_ascii_digits_are_refused(db, admin):
    f.municipality(db, admin)
    with pytest.raises(ValidationError) as exc:
        f.client(db, admin, national_id="１４０３８５１２３２４")
    assert exc.value.for_field("national_id")


def test_every_problem_is_reported_at_once(db, admin):
    f.municipality(db, admin)
    with pytest.raises(ValidationError) as exc:
        records.create(db, admin, "client", {"name": "", "municipality_id": "Nowhere", "start_date": "31.02.2026"})
    fields = {e.field for e in exc.value.errors}
    assert {"name", "municipality_id", "start_date"} <= fields


def test_decision_hours_and_date_order(db, admin):
    f.municipality(db, admin)
    c = f.client(db, admin)
    with pytest.raises(ValidationError) as exc:
        f.decision(db, admin, c.ref, hours=0)
    assert exc.value.for_field("hours")
    with pytest.raises(ValidationError) as exc:
        f.decision(db, admin, c.ref, valid_from="2026-05-01", valid_to="2026-04-30")
    assert exc.value.for_field("valid_to")


@pytest.mark.parametrize(
    "raw, stored", [("206,38", "206.38"), ("332.6", "332.60"), (206.38, "206.38"), (220, "220.00"), ("0.01", "0.01")]
)
def test_an_hourly_wage_is_stored_as_the_exact_decimal_typed(db, admin, raw, stored):
    per = f.assistant(db, admin)
    emp = f.employment(db, admin, per.ref, hourly_wage=raw)
    with db.read() as s:
        wage = s.get(Employment, emp.id).hourly_wage
    assert isinstance(wage, Decimal) and str(wage) == stored


@pytest.mark.parametrize(
    "raw, words",
    [
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("abc", "not a number"),
        ("206.385", "two decimals"),
        ("-1", "at least"),
        ("10000.01", "at most"),
    ],
)
def test_a_wage_that_is_not_an_amount_is_refused(db, admin, raw, words):
    per = f.assistant(db, admin)
    with pytest.raises(ValidationError) as exc:
        f.employment(db, admin, per.ref, hourly_wage=raw)
    assert words in (exc.value.for_field("hourly_wage") or ""), exc.value.errors
    assert _count(db, Employment) == 0


def test_one_decision_per_client_per_day(db, admin):
    f.municipality(db, admin)
    c = f.client(db, admin)
    f.decision(db, admin, c.ref, valid_from="2026-01-01", valid_to="2026-06-30")
    with pytest.raises(ValidationError) as exc:
        f.decision(db, admin, c.ref, valid_from="2026-06-30")
    assert "one decision per day" in exc.value.for_field("valid_from")
    d2 = f.decision(db, admin, c.ref, valid_from="2026-07-01")
    assert d2.valid_from == date(2026, 7, 1)


def test_second_save_of_a_stale_version_is_refused(db, admin):
    f.municipality(db, admin)
    c = f.client(db, admin)
    # Two coordinators opened version 1; the first saves, the second is refused.
    first = records.update(db, admin, "client", c.id, c.version, {"phone": "111"})
    assert first.version == 2
    with pytest.raises(Conflict):
        records.update(db, Actor("other", "coordinator"), "client", c.id, c.version, {"phone": "222"})
    assert records.get(db, admin, "client", c.id).phone == "111"


def test_end_keeps_the_record_and_logs_before_and_after(db, admin):
    f.municipality(db, admin)
    c = f.client(db, admin)
    ended = records.end(db, admin, "client", c.id, c.version, "30.06.2026", "moved")
    assert (ended.status, ended.end_date) == ("ended", date(2026, 6, 30))
    from sqlalchemy import select

    with db.read() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "end")).scalar_one()
        assert ev.subject == c.ref and ev.before and ev.after
        assert audit.verify_chain(s).ok


def test_audit_never_holds_a_national_id(db, admin):
    f.municipality(db, admin)
    fnr = f.valid_fnr()
    f.client(db, admin, national_id=fnr)
    from sqlalchemy import select

    with db.read() as s:
        texts = [e.after or "" for e in s.execute(select(AuditEvent)).scalars()]
    assert texts and all(fnr not in t for t in texts)


def test_refusal_is_logged(db, admin):
    f.municipality(db, admin)
    with pytest.raises(PermissionDenied):
        records.create(db, Actor("s", "supervisor"), "client", {"name": "x", "municipality_id": "Hamar"})
    from sqlalchemy import select

    with db.read() as s:
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "refused")).scalar_one().actor == "s"


def test_list_search_and_paging(db, admin):
    f.municipality(db, admin)
    for i in range(25):
        f.client(db, admin, name=f"Person {i:02d}")
    page = records.list_records(db, admin, "client", search="person 1", limit=5)
    assert page.total == 10 and len(page.rows) == 5
    page2 = records.list_records(db, admin, "client", offset=20, limit=10)
    assert page2.total == 25 and len(page2.rows) == 5


def test_national_id_search_is_exact_and_only_for_roles_that_may(db, admin, auditor):
    f.municipality(db, admin)
    fnr = f.valid_fnr()
    f.client(db, admin, national_id=fnr)
    assert records.list_records(db, admin, "client", search=fnr).total == 1
    assert records.list_records(db, admin, "client", search=fnr[:6]).total == 0
    assert records.list_records(db, auditor, "client", search=fnr).total == 0


def test_markup_and_escape_codes_in_names(db, admin):
    f.municipality(db, admin)
    c = f.client(db, admin, name="Kari [/bold] [link=x]")
    assert c.name == "Kari [/bold] [link=x]"
    with pytest.raises(ValidationError):
        f.client(db, admin, name="Evil \x1b[2J")


def test_a_new_supervisor_gets_an_onboarding_checklist(db, admin):
    from sqlalchemy import select

    from bpa_provider.db.models import OnboardingStep

    f.municipality(db, admin)
    c = f.client(db, admin)
    sup = records.create(
        db,
        admin,
        "supervisor",
        {"name": "Mor Nordmann", "client_id": c.ref, "relation": "parent", "since": "2026-02-01"},
    )
    with db.read() as s:
        steps = {
            st.code: st.due_date
            for st in s.execute(select(OnboardingStep).where(OnboardingStep.supervisor_id == sup.id)).scalars()
        }
    assert steps["basic_course"] == date(2026, 5, 2)  # 90 days after 1 February


def test_unknown_reference_and_a_bad_national_id_are_reported_together(db, admin):
    f.municipality(db, admin)
    with pytest.raises(ValidationError) as exc:
        records.create(db, admin, "client", {"name": "", "municipality_id": "Atlantis", "national_id": "14038512325"})
    assert exc.value.for_field("municipality_id") == "“Atlantis” is not a known municipality"
    assert exc.value.for_field("name")
    assert exc.value.for_field("national_id")


@pytest.mark.parametrize("bad", ["Kari\nNordmann", "Kari\tNordmann", "Kari \u202eannamdroN"])
def test_single_line_fields_refuse_line_breaks_and_bidi_overrides(db, admin, bad):
    f.municipality(db, admin)
    with pytest.raises(ValidationError) as exc:
        f.client(db, admin, name=bad)
    assert exc.value.for_field("name")


def test_roles_that_may_not_see_ids_get_them_masked(db, admin, auditor):
    f.municipality(db, admin)
    fnr = f.valid_fnr()
    c = f.client(db, admin, national_id=fnr)
    assert records.get(db, admin, "client", c.id).national_id == fnr
    assert records.get(db, auditor, "client", c.id).national_id == fnr[:6] + "*****"
    assert records.list_records(db, auditor, "client").rows[0].national_id == fnr[:6] + "*****"
