"""The checks before a row changes (`services.transitions`) and the transfers' shared step preamble:
missing rows in the caller's words, stale versions, and which transfer states each action accepts."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.db.models import Course
from bpa_provider.errors import Conflict, NotFound, ValidationError
from bpa_provider.services import course_enrollment, courses, sickpay
from bpa_provider.services import transfers as tr
from bpa_provider.services.base import CONFLICT_MESSAGE
from bpa_provider.services.transfer_views import TransferView
from bpa_provider.services.transitions import check_version, get_for_change

COORD = Actor(login="coord", role="coordinator")


def test_get_for_change_finds_refuses_missing_and_stale_rows(db):
    with db.write() as s:
        row = Course(name="Førstehjelp", kind="assistant_training")
        s.add(row)
        s.flush()
        course_id, version = row.id, row.version
    with db.write() as s:
        assert get_for_change(s, Course, course_id, "gone", version).id == course_id
        assert get_for_change(s, Course, course_id, "gone").id == course_id  # no version read: no check
        with pytest.raises(NotFound, match="^no such course$"):
            get_for_change(s, Course, course_id + 1, "no such course", version)
        with pytest.raises(Conflict) as exc:
            get_for_change(s, Course, course_id, "gone", version + 1)
        assert str(exc.value) == CONFLICT_MESSAGE
        check_version(s.get(Course, course_id), None)


def test_services_keep_their_own_not_found_words(db, admin):
    with pytest.raises(NotFound, match="no course date 99"):
        courses.update_session(db, admin, 99, None, {})
    with pytest.raises(NotFound, match="no enrollment 99"):
        course_enrollment.record_outcome(db, admin, 99, "completed", "2026-01-01")
    with pytest.raises(NotFound, match="No sick period 99"):
        sickpay.update_sick_period(db, admin, 99, None)
    with pytest.raises(NotFound, match="No sick period 99"):
        sickpay.prepare_claims(db, admin, 99)
    with pytest.raises(NotFound, match="No sick-pay claim 99"):
        sickpay.set_claim_status(db, admin, 99, "sent")


def _outgoing(db, notice: str) -> TransferView:
    return tr.open_transfer(db, COORD, f.client(db, COORD).ref, "out", "Aleris", notice)


def test_consent_is_refused_only_once_a_transfer_ended_steps_also_after_cut_over(db):
    f.municipality(db, COORD, country="no", notice_months=3)
    v = _outgoing(db, "2026-01-31")
    day = date(2026, 2, 2)
    for code in [s.code for s in v.steps][1:]:
        if code == "cutover":
            day = v.effective_date
        if code == "closed":
            break
        v = tr.complete_step(db, COORD, v.id, code, day)
        day += timedelta(days=14 if code == "assistants_informed" else 1)
    assert v.state == "cutover"
    v = tr.record_consent(db, COORD, v.id, "2026-05-02", version=v.version)
    assert v.client_consent_on == date(2026, 5, 2)
    with pytest.raises(ValidationError, match="cut over on 30.04.2026") as exc:
        tr.inform_assistant(db, COORD, v.id, "A-0001", "2026-05-02", "2026-05-20")
    assert exc.value.for_field("transfer")

    other = _outgoing(db, "2026-03-01")
    other = tr.cancel_transfer(db, COORD, other.id, "client changed their mind", "2026-03-03")
    for refused in (
        lambda: tr.record_consent(db, COORD, other.id, "2026-03-04"),
        lambda: tr.record_refusal(db, COORD, other.id, "A-0001", "2026-03-04"),
    ):
        with pytest.raises(ValidationError, match="The transfer is cancelled") as exc:
            refused()
        assert exc.value.for_field("transfer")
