"""A large import yields to people (issue 15): its check runs in a thread at a lower CPU priority
(`Policy.import_nice`) while the write keeps the caller's priority, and the per-assistant rules
may be spread over forked processes (`import_spread`) with exactly the one-process result —
errors, warnings, rows and every violation with its words and parameters, rows in any order."""

from __future__ import annotations

import io
import os
import threading
from types import MappingProxyType

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpa_provider.config import Policy
from bpa_provider.errors import ValidationError
from bpa_provider.services import import_rows, import_spread, importer, worktime
from bpa_provider.services.worktime import policy_or_default

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods() or not hasattr(os, "setpriority"),
    reason="needs fork and per-thread niceness (Linux)",
)


@pytest.fixture
def world(db, admin):
    """K-0001 and K-0002 (Oslo); A-0001…A-0004 employed and assigned to both (A-0002 without a
    police certificate), A-0005 employed but not assigned."""
    f.municipality(db, admin)
    f.client(db, admin, ref="K-0001")
    f.client(db, admin, ref="K-0002")
    for n in range(1, 6):
        ref = f"A-000{n}"
        f.assistant(db, admin, ref=ref)
        f.employment(db, admin, ref, **({"police_certificate_on": ""} if n == 2 else {}))
        if n < 5:
            f.assignment(db, admin, ref, "K-0001")
            f.assignment(db, admin, ref, "K-0002")
    return db


ROW = st.fixed_dictionaries(
    {
        "client_ref": st.sampled_from(["K-0001", "K-0002"]),
        "assistant_ref": st.sampled_from(["A-0001", "A-0002", "A-0003", "A-0004", "A-0004", "A-0005"]),
        "start": st.sampled_from([f"2026-03-{d:02d}T{h:02d}:00" for d in (2, 3, 4, 7, 8, 29) for h in (0, 6, 8, 20)]),
        "end": st.sampled_from(["06:00", "14:00", "16:00", "23:00", "2026-03-05T08:00"]),
        "kind": st.sampled_from(["active", "passive", "night"]),
        "status": st.sampled_from(["", "planned", "cancelled"]),
        "legal_basis": st.sampled_from(["", "avtale § 10-12 (4)"]),
    }
)


def _violations(found):
    """Every field of each violation, the ones equality leaves out and the mapping's type too."""
    return [(v, v.template, dict(v.params), type(v.params)) for v in found]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ROW, min_size=2, max_size=30), st.randoms(use_true_random=False))
def test_spread_rules_say_what_one_process_says(world, rows, rnd):
    """The same file in two orders, checked in one process and in two forked ones: the same
    errors (field, words, line), rows and warnings, and the same violations in the same order."""
    lines = [(n + 2, cells) for n, cells in enumerate(rows)]
    shuffled = lines[:]
    rnd.shuffle(shuffled)
    pol = policy_or_default(None)
    with world.read() as s:
        for file in (lines, shuffled):
            one = import_rows.plan_shifts(s, file, pol, workers=1)
            two = import_rows.plan_shifts(s, file, pol, workers=2)
            assert [(e.field, e.message, e.row, e.params) for e in one.errors] == [
                (e.field, e.message, e.row, e.params) for e in two.errors
            ]
            assert one.rows == two.rows and one.warnings == two.warnings


def test_spread_violations_equal_one_process_with_warnings_and_blocks(world, admin):
    """A file that breaks rules (overlaps, short rests, a missing certificate and assignment): the
    violation lists themselves, in order, with their parameters' read-only mappings kept."""
    rows = [
        {"client_ref": c, "assistant_ref": a, "start": f"2026-03-{d:02d}T{h:02d}:00", "end": e}
        for c in ("K-0001", "K-0002")
        for a in ("A-0001", "A-0002", "A-0003", "A-0005")
        for d, h, e in ((2, 8, "16:00"), (2, 20, "06:00"), (3, 6, "23:00"), (4, 0, "14:00"))
    ]
    lines = [(n + 2, cells) for n, cells in enumerate(rows)]
    pol = policy_or_default(None)
    with world.read() as s:
        new = [
            sh
            for sh in (
                import_rows._shift(line, cells, *import_rows._refs(s, lines), [])  # type: ignore[misc]
                for line, cells in lines
            )
            if sh is not None
        ]
        lo = min(sh.start_utc for sh in new) - worktime.MARGIN
        hi = max(sh.end_utc for sh in new) + worktime.MARGIN
        data = worktime.load(s, lo, hi, pol, sorted({sh.assistant_id for sh in new}))
        import_rows._add_to(data, s, new, pol, lo)
        aids = sorted({sh.assistant_id for sh in new})
        cids = sorted({sh.client_id for sh in new})
        one = import_spread.violations(data, aids, cids, 1)
        data.facts.clear()
        two = import_spread.violations(data, aids, cids, 2)
    assert one[0] and one[1]  # the file does break assistant rules and the client rule
    assert any(v.severity == "block" for v in one[0]) and any(v.severity != "block" for v in one[0])
    assert any(isinstance(v.params, MappingProxyType) for v in one[0] + one[1])
    assert _violations(one[0]) == _violations(two[0])
    assert _violations(one[1]) == _violations(two[1])
    # What the import takes of them (`verdicts`: a key per warning, blocking violations whole),
    # the same from forked workers as from this process, and the digest of the lists above.
    lines = {sh.id: sh.line for sh in new}
    data.facts.clear()
    here = import_spread.verdicts(data, aids, cids, 1, lines)
    data.facts.clear()
    forked = import_spread.verdicts(data, aids, cids, 2, lines)

    def shown(ds):
        return [(k, None if v is None else _violations([v]), line) for k, v, line in ds]

    assert shown(here) == shown(forked) == shown(import_spread.digest(one[0] + one[1], lines))
    assert any(v is None for _k, v, _l in here) and any(v is not None for _k, v, _l in here)


def test_the_check_runs_niced_in_its_own_thread_and_the_write_does_not(world, admin, monkeypatch):
    """The read-and-check phase at `import_nice` steps lower priority in a worker thread; the write
    in the caller's thread at the caller's priority."""
    seen: dict[str, tuple[int, int]] = {}

    def where() -> tuple[int, int]:
        tid = threading.get_native_id()
        return tid, os.getpriority(os.PRIO_PROCESS, tid)

    plan, write = import_rows.plan_shifts, import_rows.write_shifts

    def planning(*a, **k):
        seen["check"] = where()
        return plan(*a, **k)

    def writing(*a, **k):
        seen["write"] = where()
        return write(*a, **k)

    monkeypatch.setattr(import_rows, "plan_shifts", planning)
    monkeypatch.setattr(import_rows, "write_shifts", writing)
    mine = where()
    data = b"client_ref,assistant_ref,start,end\nK-0001,A-0001,2026-03-02T08:00,16:00\n"
    importer.import_csv(world, admin, "shifts", io.BytesIO(data), policy=Policy(import_nice=5))
    assert seen["write"] == mine  # same thread, same priority
    assert seen["check"][0] != mine[0]
    assert seen["check"][1] == min(19, mine[1] + 5)
    assert where() == mine  # the caller's priority is untouched afterwards


def test_niced_hands_back_the_result_and_the_error():
    assert import_spread.niced(lambda: 42, 3) == 42
    assert import_spread.niced(lambda: threading.get_native_id(), 0) == threading.get_native_id()

    def refuse() -> None:
        raise ValidationError("no")

    with pytest.raises(ValidationError):
        import_spread.niced(refuse, 3)


def test_import_nice_is_a_setting():
    from bpa_provider.config import load_settings

    assert load_settings(env={}).policy.import_nice == 10
    assert load_settings(env={"BPA_IMPORT_NICE": "0"}).policy.import_nice == 0


def test_small_files_and_busy_machines_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert import_spread.workers_for(import_spread.SPREAD_FROM - 1) == 1
    assert import_spread.workers_for(import_spread.SPREAD_FROM) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (1.1, 0.2, 0.2))  # this import, and a core to spare
    assert import_spread.workers_for(import_spread.SPREAD_FROM) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 0.2, 0.2))  # no core to spare
    assert import_spread.workers_for(import_spread.SPREAD_FROM) == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert import_spread.workers_for(10 * import_spread.SPREAD_FROM) == 2


@given(
    st.lists(
        st.lists(st.sampled_from(["", " K-1 ", "K-1", "A-2", "\t", "x y"]), min_size=0, max_size=4),
        min_size=0,
        max_size=12,
    ),
    st.permutations(["client_ref", "assistant_ref", "start", "note"]),
    st.booleans(),
)
def test_a_columns_distinct_values_are_those_of_its_rows(records, columns, drop):
    """`_Renamed.distinct` (the references looked up, no dict per row) says what the rows say,
    short rows and a file without the column included."""
    if drop:
        columns = [c for c in columns if c != "assistant_ref"]
    table = importer.CsvTable(list(columns), [(n + 2, r) for n, r in enumerate(records)], ",", [], "utf-8")
    rows = importer._Renamed(table, {c: c for c in columns})
    for name in ("client_ref", "assistant_ref"):
        assert rows.distinct(name) == {cells.get(name, "").strip() for _line, cells in rows}


@pytest.mark.parametrize("kind", ["shifts", "reviews"])
def test_a_consumed_plan_prepares_what_a_kept_one_does(world, admin, kind):
    """`prepare(consume=True)` lets the checked rows go as it goes (the import holds less at
    once) and makes the same parameters and access-log entries; the count stays."""
    from datetime import date

    pol = policy_or_default(None)
    if kind == "shifts":
        pairs = [(c, a) for c in ("K-0001", "K-0002") for a in ("A-0001", "A-0003")]
        lines = [
            (n + 2, {"client_ref": c, "assistant_ref": a, "start": f"2026-03-{9 + n:02d}T08:00", "end": "16:00"})
            for n, (c, a) in enumerate(pairs)
        ]
    else:
        lines = [(2, {"client_ref": "K-0001", "assistant_ref": "A-0001", "held_on": date.today().isoformat()})]
    with world.read() as s:
        dialect = s.get_bind().dialect

        def plan():
            p = (
                import_rows.plan_shifts(s, lines, pol)
                if kind == "shifts"
                else import_rows.plan_reviews(s, lines, date.today())
            )
            assert p.rows and not p.errors
            return p

        kept, consumed = plan(), plan()
    a = import_rows.prepare(kept, admin, "f.csv", dialect)
    b = import_rows.prepare(consumed, admin, "f.csv", dialect, consume=True)
    assert len(consumed.rows) == len(kept.rows) and set(consumed.rows) == {None}
    assert all(r is not None for r in kept.rows)
    stamp = [i for i, k in enumerate(a.shape.order) if k in ("created_at", "updated_at")]

    def same(params):  # the timestamps are the moment each was prepared
        return [[v for i, v in enumerate(p) if i not in stamp] for p in params]

    assert a.shape.order == b.shape.order and same(a.params) == same(b.params)
    assert a.log.subjects == b.log.subjects and a.log.summaries == b.log.summaries


@pytest.mark.parametrize("how", ["file", "table"])
def test_the_collector_is_paused_for_an_import_and_given_back(world, admin, monkeypatch, how):
    """The cyclic garbage collector is off while a file is read, checked and written (its
    objects live until the import ends: the collector's walks over them cost ≈ 0.5 s of CPU in
    100,000 shifts), and as it was afterwards — on again, or still off — also when the file is
    refused."""
    import gc

    seen: dict[str, bool] = {}
    plan, write, read = import_rows.plan_shifts, import_rows.write_shifts, importer.read_bytes

    def planning(*a, **k):
        seen["check"] = gc.isenabled()
        return plan(*a, **k)

    def writing(*a, **k):
        seen["write"] = gc.isenabled()
        return write(*a, **k)

    def reading(*a, **k):
        seen["read"] = gc.isenabled()
        return read(*a, **k)

    monkeypatch.setattr(import_rows, "plan_shifts", planning)
    monkeypatch.setattr(import_rows, "write_shifts", writing)
    monkeypatch.setattr(importer, "read_bytes", reading)
    good = b"client_ref,assistant_ref,start,end\nK-0001,A-0001,2026-03-02T08:00,16:00\n"
    bad = b"client_ref,assistant_ref,start,end\nK-0009,A-0001,2026-03-03T08:00,16:00\n"

    def run(data: bytes) -> None:
        if how == "file":
            importer.import_csv(world, admin, "shifts", io.BytesIO(data))
        else:
            importer.import_table(world, admin, "shifts", importer.parse_csv(data.decode()))

    was = gc.isenabled()
    try:
        gc.enable()
        run(good)
        assert seen["check"] is False and seen["write"] is False
        assert seen.get("read", False) is False
        assert gc.isenabled()
        with pytest.raises(ValidationError):
            run(bad)
        assert gc.isenabled()
        gc.disable()
        seen.clear()
        run(good.replace(b"03-02", b"03-04"))
        assert seen["check"] is False and not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
