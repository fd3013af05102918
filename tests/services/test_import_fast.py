"""The fast paths of a large import give the verdicts of the slow ones (issue 15, import figures).

- `import_fast.RowChecks` (each distinct time and text checked once per file) says what roster's
  `_times`, `_text` and `_kind` say when called for every value, on values chosen to be awkward:
  the DST gap and the autumn's doubled hour, offsets, both date forms, bare HH:MM ends, shifts over
  72 h or ending before they start, control characters, non-ASCII digits, over-long texts.
- A whole varied file gets the same errors, rows and warning count from `plan_shifts` with the
  memo as without it.
- `audit.append_entries` (the access-log chain put together from prepared JSON parts, the rows
  made as the driver takes them) writes the hash `_row_hash` computes, for texts that need
  escaping, and the log verifies.
"""

from __future__ import annotations

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bpa_provider import audit
from bpa_provider.db.models import AuditEvent
from bpa_provider.errors import FieldError
from bpa_provider.services import import_rows
from bpa_provider.services.import_fast import RowChecks
from bpa_provider.services.roster import _kind, _text, _times
from bpa_provider.services.worktime import policy_or_default

STARTS = [
    "2026-03-02T08:00",
    "2026-03-02 08:00",
    "02.03.2026 08:00",
    "2.3.2026 8:00",
    "2026-03-29T02:30",
    "2026-03-29T01:30",
    "2026-10-25T02:30",
    "2026-10-25T01:00",
    "2026-03-02T08:00+01:00",
    "2026-03-02T07:00Z",
    "2026-02-30T08:00",
    "2026-03-02T25:00",
    "",
    "   ",
    "not a time",
    "２026-03-02T08:00",
    "2026-12-31T23:00",
    "2026-03-28T22:00",
    " 2026-03-02T08:00 ",
]
ENDS = STARTS + ["16:00", "08:00", "07:59", "3:30", "24:00", "23:59", "2026-03-06T08:00", "2026-03-05T09:00"]
ZONES = ["Europe/Oslo", "Europe/Stockholm", "UTC"]
TEXTS = [
    "",
    "  ",
    "a note",
    "line one\nline two",
    "tab\there",
    "bell\x07",
    "\u202eoverride",
    "x" * 201,
    "y" * 501,
    "Ærlig øl på Åsen",
    "\udcff",
    "legal: § 10-12 (4)",
]
KINDS = ["", "active", "Passive", " night ", "nap", "ACTIVE"]


def _same(fast: list[FieldError], slow: list[FieldError]) -> bool:
    return [(e.field, e.message, e.row, e.params) for e in fast] == [
        (e.field, e.message, e.row, e.params) for e in slow
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STARTS),
            st.sampled_from(ENDS),
            st.sampled_from(ZONES),
            st.sampled_from(TEXTS),
            st.booleans(),
            st.sampled_from(KINDS),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_row_checks_say_what_roster_says_for_every_value(values):
    checks = RowChecks(limit=7)  # small: the memo is also cleared along the way
    for start, end, tz, note, multiline, kind in values * 2:  # every value seen at least twice
        fast: list[FieldError] = []
        slow: list[FieldError] = []
        assert checks.times(start, end, tz, fast) == _times(start, end, tz, slow)
        assert checks.text(note, "note", 200, fast, multiline=multiline) == _text(
            note, "note", 200, slow, multiline=multiline
        )
        assert checks.kind(kind, fast) == _kind(kind, slow)
        assert _same(fast, slow)


@pytest.fixture
def world(db, admin):
    """K-0001 (Oslo) with A-0001 (every credential), A-0002 (no police certificate), A-0003 (not
    assigned), and one stored shift of A-0001."""
    from bpa_provider.db.models import Assistant, Client
    from bpa_provider.services import roster

    f.municipality(db, admin)
    f.client(db, admin, ref="K-0001")
    for ref in ("A-0001", "A-0002", "A-0003"):
        f.assistant(db, admin, ref=ref)
    f.employment(db, admin, "A-0001")
    f.employment(db, admin, "A-0002", police_certificate_on="")
    f.employment(db, admin, "A-0003")
    f.assignment(db, admin, "A-0001", "K-0001")
    f.assignment(db, admin, "A-0002", "K-0001")
    with db.read() as s:
        cid = s.execute(select(Client.id).where(Client.ref == "K-0001")).scalar_one()
        aid = s.execute(select(Assistant.id).where(Assistant.ref == "A-0001")).scalar_one()
    roster.create_shift(db, admin, cid, aid, "2026-03-02T08:00", "2026-03-02T16:00")
    return db


ROW = st.fixed_dictionaries(
    {
        "client_ref": st.sampled_from(["K-0001", "K-0001", "K-0001", "K-9999", ""]),
        "assistant_ref": st.sampled_from(["A-0001", "A-0001", "A-0002", "A-0003", "A-9999"]),
        "start": st.sampled_from(STARTS + ["2026-03-03T08:00", "2026-03-04T22:00", "2026-03-05T07:00"]),
        "end": st.sampled_from(ENDS + ["2026-03-03T16:00", "2026-03-05T06:00", "2026-03-06T07:00"]),
    },
    # A file without the column (the cell is None to the check, not ""), or with it.
    optional={
        "status": st.sampled_from(["", "worked", "planned", "cancelled", "lost", " Worked "]),
        "kind": st.sampled_from(KINDS),
        "active_minutes": st.sampled_from(["", "30", "-1", "３0", " 45 "]),
        "note": st.sampled_from(TEXTS),
        "legal_basis": st.sampled_from(["", "", "avtale § 10-12 (4)", "bad\x1b[2J"]),
    },
)


#: Rows that pass the row checks, so the files reach the working-time and credential rules:
#: overlaps, short rests, long shifts, a missing certificate or assignment, duplicates.
CLEAN = st.fixed_dictionaries(
    {
        "client_ref": st.just("K-0001"),
        "assistant_ref": st.sampled_from(["A-0001", "A-0001", "A-0001", "A-0002", "A-0003"]),
        "start": st.sampled_from([f"2026-03-{d:02d}T{h:02d}:00" for d in (2, 3, 4, 28, 29, 30) for h in (0, 6, 8, 20)]),
        "end": st.sampled_from(["06:00", "14:00", "16:00", "23:00", "2026-03-05T08:00"]),
        "kind": st.sampled_from(["active", "passive", "night"]),
        "legal_basis": st.sampled_from(["", "avtale § 10-12 (4)"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.lists(ROW, min_size=1, max_size=25), st.lists(CLEAN, min_size=1, max_size=25)))
def test_a_varied_file_gets_the_same_verdict_with_the_memo_as_without(world, rows):
    """Errors (field, words, line), the rows to write and the warnings are the same both ways."""
    lines = [(n + 2, cells) for n, cells in enumerate(rows)]
    pol = policy_or_default(None)
    with world.read() as s:
        fast = import_rows.plan_shifts(s, lines, pol)
        slow = import_rows.plan_shifts(s, lines, pol, memo=False)
    assert _same(fast.errors, slow.errors)
    assert fast.rows == slow.rows
    assert fast.warnings == slow.warnings


def test_a_repeated_clean_file_is_checked_as_one_row_at_a_time(world):
    """The memo's everyday case: the same times for many assistants' rows, none refused."""
    lines = [
        (n + 2, {"client_ref": "K-0001", "assistant_ref": "A-0001", "start": f"2026-04-{d:02d}T08:00", "end": "16:00"})
        for n, d in enumerate(range(6, 11))
    ]
    pol = policy_or_default(None)
    with world.read() as s:
        fast = import_rows.plan_shifts(s, lines, pol)
        slow = import_rows.plan_shifts(s, lines, pol, memo=False)
    assert not fast.errors and len(fast.rows) == 5
    assert fast.rows == slow.rows and fast.warnings == slow.warnings


AWKWARD = ["", "K-0001", 'quote " and back\\slash', "Ærlig øl", "ctrl \x01\x1f\x7f", "emoji 🙂", "\u2028sep", "z" * 600]


def test_prepared_log_rows_hash_as_row_hash_says(db, admin):
    f.municipality(db, admin)  # a row before: the batch chains to it
    entries = [
        audit.Entry(
            None if i % 4 == 0 else i, subject=AWKWARD[i % len(AWKWARD)][:40], summary=AWKWARD[(i + 3) % len(AWKWARD)]
        )
        for i in range(24)
    ]
    with db.write() as s:
        assert audit.record_entries(s, admin, "create", "shift", entries) == 24
    with db.read() as s:
        rows = list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
        assert audit.verify_chain(s).ok
    new = rows[-24:]
    assert [r.summary for r in new] == [e.summary[:500] for e in entries]
    prev = rows[-25].hash
    for row in new:
        assert row.prev_hash == prev
        assert row.hash == audit._row_hash(prev, row)
        prev = row.hash
