"""Codes in a table (a status, a role, a direction) are shown in the person's words; JSON and CSV
keep the codes. Every code the services use for those columns has words."""

from __future__ import annotations

import json

import pytest

from bpa_provider import i18n
from bpa_provider.code_words import WORDS
from bpa_provider.render import render


@pytest.fixture
def lang():
    yield i18n.set_language
    i18n.set_language("en")


def test_a_status_in_norwegian_and_swedish_but_a_name_stays(lang):
    rows = [{"name": "overdue", "status": "overdue", "direction": "in", "state": "municipality_signed"}]
    lang("nb")
    table = render(rows, "table")
    assert "forfalt" in table and "innkommende" in table and "Kommunen har signert" in table
    assert table.splitlines()[-1].startswith("overdue")  # the name column is not a code column
    assert json.loads(render(rows, "json")) == rows and "municipality_signed" in render(rows, "csv")
    lang("sv")
    assert "försenad" in render(rows, "table")


def test_every_code_of_those_columns_has_words(lang):
    from bpa_provider.access import ROLES
    from bpa_provider.rules import absence, transfer_steps
    from bpa_provider.services import courses, notify, onboarding, reviews, sickpay
    from bpa_provider.services.import_rows import SHIFT_STATUSES

    statuses = {
        *reviews.REVIEW_STATUSES,
        *onboarding.STATUSES,
        *sickpay.CLAIM_STATUSES,
        *notify.STATUSES,
        *SHIFT_STATUSES,
        *courses.OUTCOMES,
        "enrolled",
        "prospect",
        "active",
        "transferring_out",
        "ended",
        "joining",
        "stays",
        "ends",
        "transferring",
        "refused",
    }
    assert sorted(statuses - WORDS["status"].keys()) == []
    assert sorted({*ROLES} - WORDS["role"].keys()) == []
    assert sorted({*absence.KINDS, *courses.COURSE_KINDS} - WORDS["kind"].keys()) == []
    assert sorted({*transfer_steps.DIRECTIONS} - WORDS["direction"].keys()) == []
    lang("nb")
    for column, codes in WORDS.items():
        for code, label in codes.items():
            assert i18n._(label) != label or label in ("ok",), (column, code)
