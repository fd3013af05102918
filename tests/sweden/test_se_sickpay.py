"""Sick periods and sick-pay claims on both engines: which hours count, re-preparing, the doctor's
note, status transitions and who may see sick leave."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest
import se_scenario as sc
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import sickpay


def _setup(db, admin):  # noqa: ANN001, ANN202
    f.municipality(db, admin, "Bjuv", country="se")
    f.municipality(db, admin, "Hamar")
    se_client = f.client(db, admin, "Bjuv", name="Sara")
    no_client = f.client(db, admin, "Hamar", name="Kari")
    regular = f.assistant(db, admin, name="Anna")
    sub = f.assistant(db, admin, name="Bo")
    return se_client.id, no_client.id, regular, sub


def _cover(db, client_id: int, sub_id: int, regular_id: int, *days: int, status: str = "worked") -> None:  # noqa: ANN001
    with db.write() as s:
        for d in days:
            s.add(sc.day_shift(client_id, sub_id, date(2026, 3, d), status, replaces_assistant_id=regular_id))


def test_claim_is_refreshed_while_prepared_and_frozen_once_sent(db, admin):
    se_id, no_id, regular, sub = _setup(db, admin)
    _cover(db, se_id, sub.id, regular.id, 2, 4)  # day 1 (the 2nd) has no claim
    _cover(db, no_id, sub.id, regular.id, 3)  # Norway: no claim to a Swedish municipality
    _cover(db, se_id, sub.id, regular.id, 5, status="cancelled")
    period = sickpay.add_sick_period(db, admin, regular.ref, date(2026, 3, 2), date(2026, 3, 6))
    (claim,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert (claim.first_day, claim.last_day, claim.hours, claim.doctor_note_needed) == (
        date(2026, 3, 3),
        date(2026, 3, 6),
        8.0,
        False,
    )
    _cover(db, se_id, sub.id, regular.id, 6)
    (again,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert (again.id, again.hours) == (claim.id, 16.0)
    sickpay.set_claim_status(db, admin, claim.id, "sent")
    _cover(db, se_id, sub.id, regular.id, 3)
    (sent,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert (sent.hours, sent.status) == (16.0, "sent")
    sickpay.set_claim_status(db, admin, claim.id, "rejected")
    with pytest.raises(ValidationError) as exc:
        sickpay.set_claim_status(db, admin, claim.id, "paid")
    assert "closed" in exc.value.for_field("status")


def test_no_claim_for_a_one_day_sickness_or_without_a_substitute(db, admin):
    se_id, _no, regular, sub = _setup(db, admin)
    _cover(db, se_id, sub.id, regular.id, 9)
    one_day = sickpay.add_sick_period(db, admin, regular.ref, date(2026, 3, 9), date(2026, 3, 9))
    assert sickpay.prepare_claims(db, admin, one_day.id, now=sc.NOW) == []
    uncovered = sickpay.add_sick_period(db, admin, sub.ref, date(2026, 3, 9), date(2026, 3, 20))
    assert sickpay.prepare_claims(db, admin, uncovered.id, now=sc.NOW) == []


def test_doctor_note_from_day_eight_and_the_recorded_note_clears_the_flag(db, admin):
    se_id, _no, regular, sub = _setup(db, admin)
    _cover(db, se_id, sub.id, regular.id, 10, 20)
    period = sickpay.add_sick_period(db, admin, regular.ref, date(2026, 3, 9), date(2026, 3, 31))
    (claim,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert (claim.last_day, claim.hours, claim.doctor_note_needed) == (date(2026, 3, 22), 16.0, True)  # day 14
    sickpay.update_sick_period(db, admin, period.id, period.version, doctor_note_on=date(2026, 3, 16))
    (claim,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert not claim.doctor_note_needed


def test_sick_periods_are_validated_and_private(db, admin, auditor):
    _se, _no, regular, _sub = _setup(db, admin)
    with pytest.raises(ValidationError) as exc:
        sickpay.add_sick_period(db, admin, regular.ref, date(2026, 3, 9), date(2026, 3, 8))
    assert exc.value.for_field("to_date")
    sickpay.add_sick_period(db, admin, regular.ref, date(2026, 3, 9), date(2026, 3, 12), note="flu")
    with pytest.raises(ValidationError) as exc:
        sickpay.add_sick_period(
            db, admin, regular.ref, date(2026, 3, 12), date(2026, 3, 14), doctor_note_on=date(2026, 3, 1)
        )
    assert exc.value.for_field("from_date") and exc.value.for_field("doctor_note_on")
    with pytest.raises(PermissionDenied):
        sickpay.list_claims(db, auditor)
    with db.read() as s:
        logged = s.execute(select(AuditEvent.after).where(AuditEvent.entity == "sick_period")).scalar_one()
    assert "flu" not in logged and "2026-03-09" in logged  # dates logged, the note never
