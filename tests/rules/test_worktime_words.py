"""Working-time findings are message ids with parameters: the English detail stays as it was
(logs, the access log), the person reads them in nb/sv (`Violation.text()`), and what a
supervisor may not learn is gone from the message too, not only from the detail."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bpa_provider import i18n
from bpa_provider.access import Actor
from bpa_provider.rules.worktime import (
    AssistantContext,
    ShiftFact,
    check_assistant,
    check_credentials,
    profile,
)
from bpa_provider.services.scope_view import redact

OSLO = ZoneInfo("Europe/Oslo")
NO = profile("no-default")


def sh(i: int, day: int, start: int, end: int, client: int = 10) -> ShiftFact:
    return ShiftFact(
        id=i,
        assistant_id=1,
        client_id=client,
        start=datetime(2026, 3, day, start, tzinfo=OSLO),
        end=datetime(2026, 3, day, end, tzinfo=OSLO),
    )


@pytest.fixture
def lang():
    yield i18n.set_language
    i18n.set_language("en")


def _ctx(**kw) -> AssistantContext:
    base = {
        "employments": [(date(2026, 3, 3), None)],
        "assignments": {10: [(date(2026, 1, 1), None)]},
        "police_certificate_on": date(2026, 1, 1),
        "confidentiality_on": None,
    }
    return AssistantContext(**{**base, **kw})


def test_credential_findings_in_english_and_norwegian(lang):
    found = {v.rule_id: v for v in check_credentials([sh(1, 2, 8, 16), sh(2, 3, 8, 16)], _ctx(), NO)}
    assert found["NO-EMPLOYMENT"].detail == "1 shift from 2026-03-02 outside every employment period"
    assert found["NO-CONFIDENTIALITY"].detail == (
        "2 shifts from 2026-03-02 before the confidentiality declaration (none on record)"
    )
    lang("nb")
    assert found["NO-EMPLOYMENT"].text() == "1 vakt fra 02.03.2026 utenfor enhver ansettelsesperiode"
    assert found["NO-CONFIDENTIALITY"].text() == "2 vakter fra 02.03.2026 før taushetserklæringen (ingen registrert)"
    lang("sv")
    assert found["NO-CONFIDENTIALITY"].text().startswith("2 pass från 2026-03-02 före tystnadsförbindelsen")


def test_rest_and_overlap_in_swedish(lang):
    found = {v.rule_id: v for v in check_assistant([sh(1, 2, 8, 20), sh(2, 2, 19, 23), sh(3, 3, 4, 8)], NO)}
    assert found["NO-OVERLAP"].detail == "the shifts 2026-03-02 08:00–20:00 and 2026-03-02 19:00–23:00 overlap by 1.0 h"
    assert "h rest, needs 11 h (the 24 h from 2026-03-02 08:00)" in found["NO-REST-DAILY"].detail
    lang("sv")
    assert found["NO-OVERLAP"].text() == "passen 2026-03-02 08:00–20:00 och 2026-03-02 19:00–23:00 överlappar med 1,0 h"
    assert "h vila, kräver 11 h (dygnet från 2026-03-02 08:00)" in found["NO-REST-DAILY"].text()
    lang("nb")
    assert ",0 t hvile, krever 11 t (døgnet fra 02.03.2026 08:00)" in found["NO-REST-DAILY"].text()


def test_a_supervisor_reads_neither_the_detail_nor_the_message_of_a_credential(lang):
    (v,) = [v for v in check_credentials([sh(1, 2, 8, 16)], _ctx(), NO) if v.rule_id == "NO-EMPLOYMENT"]
    supervisor = Actor("sup", "supervisor", client_scope=frozenset({10}))
    (seen,) = redact(supervisor, [v], {1: 10})
    lang("nb")
    assert not {"2026-03-02", "02.03.2026"} & {seen.text()[i : i + 10] for i in range(len(seen.text()))}
    assert "2026-03-02" not in seen.detail
    assert seen.text() != seen.template and seen.params == {}
