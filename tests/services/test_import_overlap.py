"""A large file's rules in forked workers, with nothing idle meanwhile (issue 15, session 9): the
assistants dealt into shares of about equal shift counts (`import_spread.shares`), the rules' first
call made once here before the fork (its imports and caches inherited, not made again in each
worker), and the rows prepared for the write in this process while the workers check
(`plan_shifts(meanwhile=...)`) — every error, warning and prepared row as when done one after
another in one process."""

from __future__ import annotations

import functools
import io
import os

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bpa_provider.db.models import AuditEvent, Shift
from bpa_provider.errors import ServiceError, ValidationError
from bpa_provider.services import import_rows, import_spread, importer, worktime
from bpa_provider.services.worktime import policy_or_default

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)


@pytest.fixture
def world(db, admin):
    """K-0001 and K-0002; A-0001…A-0004 employed and assigned to both (A-0002 without a police
    certificate), A-0005 employed but not assigned."""
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


@given(
    st.lists(st.integers(0, 10_000), min_size=0, max_size=40, unique=True).flatmap(
        lambda aids: st.tuples(
            st.just(aids),
            st.lists(st.integers(0, 600), min_size=len(aids), max_size=len(aids)),
            st.integers(1, 20),
        )
    )
)
def test_shares_deal_every_assistant_once_in_balanced_groups(case):
    aids, weights, n = case
    weight = dict(zip(aids, weights))
    groups = import_spread.shares(aids, weight, n)
    assert sorted(a for g in groups for a in g) == sorted(aids)  # each once
    assert len(groups) <= n and all(groups)
    at = {a: i for i, a in enumerate(aids)}
    assert all([at[a] for a in g] == sorted(at[a] for a in g) for g in groups)  # the given order kept
    loads = [sum(weight[a] for a in g) for g in groups]
    assert loads == sorted(loads, reverse=True)  # the heaviest first
    if len(groups) == n and aids:  # as even as one assistant's weight allows
        assert max(loads) - min(loads) <= max(weights)


def _file(rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    return [(n + 2, cells) for n, cells in enumerate(rows)]


def _weeks(assistants: tuple[str, ...], days: int = 6) -> list[dict[str, str]]:
    return [
        {
            "client_ref": "K-0001" if i % 2 else "K-0002",
            "assistant_ref": a,
            "start": f"2026-03-{d:02d}T{8 + i:02d}:00",
            "end": "16:00",
        }
        for i, a in enumerate(assistants)
        for d in range(2, 2 + days)
    ]


def test_the_rules_first_call_is_made_here_before_the_fork(world, monkeypatch):
    """The lightest assistant is checked in this process (importing the holidays and building
    the rule sets once, for every worker to inherit); the others in the workers only."""
    here = os.getpid()
    calls: list[int] = []
    rules = worktime.assistant_violations

    def counted(data, aid):  # noqa: ANN001, ANN202
        if os.getpid() == here:
            calls.append(aid)
        return rules(data, aid)

    monkeypatch.setattr(worktime, "assistant_violations", counted)
    rows = _weeks(("A-0001", "A-0003", "A-0004"), days=6) + _weeks(("A-0004",), days=2)
    rows[-1]["start"], rows[-2]["start"] = "2026-03-20T08:00", "2026-03-21T08:00"
    pol = policy_or_default(None)
    with world.read() as s:
        one = import_rows.plan_shifts(s, _file(rows), pol, workers=1)
        ids = {ref: aid for ref, aid in import_rows._refs(s, _file(rows))[1].items()}
        calls.clear()
        two = import_rows.plan_shifts(s, _file(rows), pol, workers=2)
    assert calls == [min((ids["A-0001"], ids["A-0003"]))]  # 6 shifts each; A-0004 has 8
    assert not one.errors and one.rows == two.rows and one.warnings == two.warnings


ROW = st.fixed_dictionaries(
    {
        "client_ref": st.sampled_from(["K-0001", "K-0002"]),
        "assistant_ref": st.sampled_from(["A-0001", "A-0002", "A-0003", "A-0004", "A-0004", "A-0005"]),
        "start": st.sampled_from([f"2026-03-{d:02d}T{h:02d}:00" for d in (2, 3, 4, 7, 8, 29) for h in (0, 6, 8, 20)]),
        "end": st.sampled_from(["06:00", "14:00", "16:00", "23:00"]),
        "kind": st.sampled_from(["active", "passive", "night"]),
        "status": st.sampled_from(["", "planned", "cancelled"]),
        "note": st.sampled_from(["", "overtid"]),
    }
)


def _same(prepared):  # the timestamps are the moment each was prepared
    stamp = [i for i, k in enumerate(prepared.shape.order) if k in ("created_at", "updated_at")]
    params = [[v for i, v in enumerate(p) if i not in stamp] for p in prepared.params]
    chained = prepared.chained
    head = None if chained is None else (chained.first, list(chained.ids), len(chained.digests))
    return prepared.shape.order, params, prepared.log.subjects, prepared.log.summaries, head


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ROW, min_size=2, max_size=24))
def test_rows_prepared_while_the_workers_check_are_those_prepared_after(world, admin, rows):
    """`meanwhile` runs once, while the forked workers check (never in one process), with every
    new row in the plan; what it prepares equals the rows prepared after a one-process check, and
    the errors and warnings are the same (a refused file's prepared rows are dropped)."""
    pol = policy_or_default(None)
    made: list[tuple[bool, object]] = []
    with world.read() as s:
        dialect = s.get_bind().dialect
        after = import_rows.heads(s, "shifts") if dialect.name == "sqlite" else None

        def meanwhile(plan):  # noqa: ANN001, ANN202
            made.append(
                (import_spread._DATA is not None, import_rows.prepare(plan, admin, "f.csv", dialect, after=after))
            )

        one = import_rows.plan_shifts(s, _file(rows), pol, workers=1, meanwhile=meanwhile)
        assert made == []  # one process: nothing runs beside the rules
        two = import_rows.plan_shifts(s, _file(rows), pol, workers=2, meanwhile=meanwhile)
    assert [(e.field, e.message, e.row, e.params) for e in one.errors] == [
        (e.field, e.message, e.row, e.params) for e in two.errors
    ]
    assert one.rows == two.rows and one.warnings == two.warnings
    spread = import_spread.spreads(sorted({sh.assistant_id for sh in one.rows if sh.status != "cancelled"}), 2)
    before_rules = bool(one.errors) and not one.rows  # refused before the rules ran
    assert len(made) == (1 if spread and not before_rules else 0)
    if made:
        during, prepared = made[0]
        assert during  # while the workers had the loaded data
        if not one.errors:
            later = import_rows.prepare(one, admin, "f.csv", dialect, after=after)
            assert _same(prepared) == _same(later)


def test_an_import_prepares_during_the_spread_and_writes_what_one_process_writes(world, admin, monkeypatch):
    """Through `import_csv`: spread, the rows are prepared while the workers check (before: after
    the check); the shifts and access-log rows written are those of a one-process import, and a
    file the rules refuse writes nothing, with the one-process words."""
    seen: list[bool] = []
    prepare = import_rows.prepare

    def watched(*a, **k):  # noqa: ANN002, ANN003, ANN202
        seen.append(import_spread._DATA is not None)
        return prepare(*a, **k)

    monkeypatch.setattr(import_rows, "prepare", watched)
    header = "client_ref,assistant_ref,start,end\n"
    body = "".join(
        f"{r['client_ref']},{r['assistant_ref']},{r['start']},{r['end']}\n"
        for r in _weeks(("A-0001", "A-0003", "A-0004"), days=4)
    )

    def shifts():
        with world.read() as s:
            return sorted(
                s.execute(
                    select(
                        Shift.client_id, Shift.assistant_id, Shift.start_utc, Shift.end_utc, Shift.kind, Shift.status
                    )
                ).all()
            )

    def logged_since(mark: int):
        with world.read() as s:
            return [
                (r.action, r.entity, r.subject, r.summary)
                for r in s.execute(select(AuditEvent).where(AuditEvent.id > mark).order_by(AuditEvent.id)).scalars()
            ]

    def last_id() -> int:
        with world.read() as s:
            return s.execute(select(func.max(AuditEvent.id))).scalar() or 0

    results = []
    for workers in (2, 1):
        monkeypatch.setattr(import_spread, "workers_for", lambda n, w=workers: w)
        seen.clear()
        mark = last_id()
        importer.import_csv(world, admin, "shifts", io.BytesIO((header + body).encode()))
        results.append((shifts(), logged_since(mark)))
        assert seen == [workers == 2]
        with world.write() as s:  # the next import finds none of them stored
            s.execute(delete(Shift))
    assert results[0] == results[1] and len(results[0][0]) == 12 and len(results[0][1]) == 13
    bad = header + body + "K-0001,A-0005,2026-03-20T08:00,16:00\n"  # not assigned: blocks
    refusals = []
    for workers in (2, 1):
        monkeypatch.setattr(import_spread, "workers_for", lambda n, w=workers: w)
        seen.clear()
        with pytest.raises(ValidationError) as exc:
            importer.import_csv(world, admin, "shifts", io.BytesIO(bad.encode()))
        assert seen == ([True] if workers == 2 else [])  # prepared meanwhile, then dropped
        refusals.append([(e.field, e.message, e.row, e.params) for e in exc.value.errors])
        assert shifts() == []
    assert refusals[0] == refusals[1] and refusals[0]


@given(
    st.lists(
        st.lists(st.sampled_from(["", " K-1 ", "K-1", "A-2", "\t", "x y", "2026-03-02T08:00"]), min_size=0, max_size=7),
        min_size=0,
        max_size=12,
    ),
    st.permutations(["client_ref", "assistant_ref", "start", "end", "note", "kind"]),
    st.integers(0, 6),
)
def test_a_rows_cells_without_a_dict_are_what_its_dict_says(records, columns, keep):
    """`_Renamed.values` (the shift check's cells, no dict per row) gives what `cells.get(name,
    absent)` gives each row's dict: short and long rows, and columns the file lacks."""
    from bpa_provider.services.import_fast import SHIFT_ABSENT, SHIFT_CELLS

    columns = list(columns[:keep])
    table = importer.CsvTable(columns, [(n + 2, r) for n, r in enumerate(records)], ",", [], "utf-8")
    rows = importer._Renamed(table, {c: c for c in columns})
    expected = [(line, tuple(cells.get(n, a) for n, a in zip(SHIFT_CELLS, SHIFT_ABSENT))) for line, cells in rows]
    assert list(rows.values(SHIFT_CELLS, SHIFT_ABSENT)) == expected
    assert list(rows.values(["note"], [None])) == [(line, (cells.get("note"),)) for line, cells in rows]


WIDE = st.fixed_dictionaries(
    {
        "client_ref": st.sampled_from(["K-0001", "K-0002", " K-0001", "K-0404", "../x"]),
        "assistant_ref": st.sampled_from(["A-0001", "A-0003", "A-0004 ", "A-0005", ""]),
        "start": st.sampled_from(["2026-03-02T08:00", "2026-03-03 20:00", "29.03.2026 02:30", "x"]),
        "end": st.sampled_from(["16:00", "06:00", "2026-03-06T08:00", ""]),
        "kind": st.sampled_from(["", "active", "night", "bad"]),
        "active_minutes": st.sampled_from(["", "30", "x"]),
        "note": st.sampled_from(["", "ok", "a\x07b"]),
    }
)


WIDE_COLUMNS = ["client_ref", "assistant_ref", "start", "end", "kind", "active_minutes", "note"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WIDE, min_size=1, max_size=12), st.permutations(WIDE_COLUMNS), st.integers(0, 3))
def test_a_file_checked_from_its_cells_says_what_its_dicts_say(world, rows, columns, short):
    """The file's rows checked from their cells (`plan_shifts` over the table) and from a dict per
    row, memo on and off: the same errors, in order, rows and warnings."""
    records = [
        (n + 2, [r[c] for c in columns][: len(columns) - (short if n % 3 == 0 else 0)]) for n, r in enumerate(rows)
    ]
    table = importer.CsvTable(list(columns), records, ",", [], "utf-8")
    renamed = importer._Renamed(table, {c: c for c in columns})
    pol = policy_or_default(None)
    with world.read() as s:
        plans = [
            import_rows.plan_shifts(s, renamed, pol, workers=1),
            import_rows.plan_shifts(s, list(renamed), pol, workers=1),
            import_rows.plan_shifts(s, list(renamed), pol, workers=1, memo=False),
        ]
    said = [([(e.field, e.message, e.row, e.params) for e in p.errors], p.rows, p.warnings) for p in plans]
    assert said[0] == said[1] == said[2]


def test_the_loaded_shifts_are_let_go_before_the_rows_are_prepared(world, monkeypatch):
    """While the workers check, this process drops its loaded shifts (the workers have theirs)
    before preparing the rows, so the prepared rows take their memory (peak RSS of a
    100,000-shift import: 251 -> 221 MB); a worker forked after that (the pool replacing a dead
    one) refuses instead of finding no violations."""
    held: list[int] = []
    pol = policy_or_default(None)

    def meanwhile(plan):  # noqa: ANN001, ANN202
        data = import_spread._DATA
        assert data is not None
        held.append(len(data.by_assistant) + len(data.by_client) + len(data.facts))
        assert import_spread._check_group(("d", [plan.rows[0].assistant_id])) is None

    with world.read() as s:
        plan = import_rows.plan_shifts(s, _file(_weeks(("A-0001", "A-0003"))), pol, workers=2, meanwhile=meanwhile)
    assert held == [0] and not plan.errors and plan.warnings >= 0


def test_a_share_checked_without_its_shifts_refuses_the_file(world, monkeypatch):
    """A worker that has not the loaded shifts (forked after the parent let them go) makes
    `_spread` refuse in words, not return fewer violations."""
    check = import_spread._check_group

    def forgetful(task):  # noqa: ANN001, ANN202
        return None if os.getpid() != here else check(task)

    here = os.getpid()
    monkeypatch.setattr(import_spread, "_check_group", functools.wraps(check)(forgetful))
    pol = policy_or_default(None)
    with world.read() as s, pytest.raises(ServiceError) as exc:
        import_rows.plan_shifts(s, _file(_weeks(("A-0001", "A-0003", "A-0004"))), pol, workers=2)
    assert "lost one of its worker processes" in exc.value.message
