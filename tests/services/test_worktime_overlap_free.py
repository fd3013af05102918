"""The two-helper rule is skipped for a client whose shifts overlap nowhere
(`worktime_check.overlap_free`, session 8): what `client_violations` says is what the rule
itself says over every shift, for shifts that touch, overlap, nest, share a start, come out of
start order, or belong to the same assistant; with and without two-helper hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.worktime import check_client_overlap
from bpa_provider.services.worktime_check import client_violations, overlap_free
from bpa_provider.services.worktime_clients import ClientInfo, rule_set
from bpa_provider.services.worktime_data import Loaded, ShiftRow, fact

BASE = datetime(2026, 3, 2, tzinfo=UTC)
INFO = ClientInfo(7, "K-0007", "Client", 1, "Hamar", "NO", "Europe/Oslo", "no-default")

SHIFT = st.tuples(st.integers(0, 40), st.integers(1, 12), st.integers(1, 3))  # start hour, hours, assistant


def _rows(spec: list[tuple[int, int, int]]) -> list[ShiftRow]:
    return [
        ShiftRow(n + 1, a, INFO.id, BASE + timedelta(hours=h), BASE + timedelta(hours=h + d), "active", "")
        for n, (h, d, a) in enumerate(spec)
    ]


@settings(max_examples=400, deadline=None)
@given(st.lists(SHIFT, max_size=12), st.booleans(), st.booleans())
def test_client_violations_say_what_the_rule_says(spec, in_order, two):
    rows = _rows(spec)
    if in_order:
        rows.sort(key=lambda sh: (sh.start_utc, sh.id))
    data = Loaded({}, {INFO.id: rows}, {INFO.id: INFO}, {}, frozenset({INFO.id}) if two else frozenset())
    rules = rule_set(INFO.profile)
    whole = check_client_overlap([fact(sh, INFO) for sh in rows], two, rules, names={})
    assert client_violations(data, INFO.id) == whole
    if overlap_free(rows):
        assert whole == []


def test_touching_shifts_are_free_and_overlapping_ones_are_not():
    assert overlap_free(_rows([(0, 6, 1), (6, 6, 2), (12, 6, 1)]))
    assert not overlap_free(_rows([(0, 6, 1), (5, 6, 2)]))
    assert not overlap_free(_rows([(0, 12, 1), (2, 2, 2), (6, 2, 3)]))  # nested: past the last end
    assert not overlap_free(_rows([(6, 6, 1), (0, 6, 2)]))  # out of start order: the rule decides
