"""Same rules on every path: a shift import refuses a row that gives an absent assistant a shift,
as `roster add` does, with nothing written."""

from __future__ import annotations

import io
from datetime import date

import pytest
from absence_world import world

from bpa_provider.db.models import Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import absence, importer


def test_an_import_cannot_roster_an_absent_assistant(db, admin):
    w = world(db, admin)
    absence.add_absence(db, admin, w["known"].ref, "holiday", date(2027, 2, 1), date(2027, 2, 5))
    with db.read() as s:
        before = s.query(Shift).count()
    csv = (
        f"client_ref,assistant_ref,start,end\n"
        f"{w['client'].ref},{w['new'].ref},2027-02-02T08:00,2027-02-02T12:00\n"
        f"{w['client'].ref},{w['known'].ref},2027-02-03T08:00,2027-02-03T12:00\n"
    ).encode()
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "shifts", io.BytesIO(csv))
    assert "absent" in exc.value.message and "line 3" in exc.value.message
    with db.read() as s:
        assert s.query(Shift).count() == before  # the whole file refused
