"""Shifts and reviews from a CSV file: checked first, then written in one short transaction.

`plan_shifts` / `plan_reviews` run in a read transaction (a snapshot: no write lock, nobody waits):
every row is parsed and checked with the same functions as the commands — a shift like
`roster add` (times on the client's clock, kind, note and legal basis through `services.roster`;
locked periods through `services.periods`; the working-time and credential rules through
`services.worktime`, over the assistant's stored shifts and the file's together, so an assistant
without an assignment or police certificate, or a 24-hour shift without a legal basis, refuses the
file), a review like `review record` (`services.reviews.held_on_problem`). The plan remembers the
access log's last row id: every change in the application writes a log row in its own transaction,
so the same id at write time means the checks still hold.

`prepare` then makes, still outside any transaction, the rows as the driver takes them and the
access-log rows' own parts; `write_plan`, in the write transaction, inserts the rows 500 to an
INSERT on SQLite (ids worked out, not read back) or with one COPY on PostgreSQL (ids reserved from
the sequence) and one access-log row per record with one more (`audit.append_entries`), so the
write lock is held for little more than the database's own work (`services.import_write`, whose
names this module re-exports). When
the log moved on in between, the caller checks again. Each distinct time and text of a file is
checked once (`import_fast.RowChecks`, by roster's own functions).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy
from bpa_provider.db.models import Assistant, Client, Decision, Municipality, PeriodApproval, Review
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import format_date
from bpa_provider.services import import_spread, worktime
from bpa_provider.services.import_fast import (
    SHIFT_ABSENT,
    SHIFT_CELLS,
    SHIFT_STATUSES,
    NewShift,
    RowChecks,
    _parties,
    _shift,
    checked,
)
from bpa_provider.services.import_write import (
    Prepared,
    audit_mark,
    changed_since,
    heads,
    hold_log,
    prepare,
    write_plan,
    write_reviews,
    write_shifts,
)
from bpa_provider.services.periods import PeriodLocked, ensure_unlocked, shift_days
from bpa_provider.services.reviews import assignment_starts, held_on_problem
from bpa_provider.services.validation import check_date, check_text

__all__ = [
    "SHIFT_STATUSES",
    "NewReview",
    "NewShift",
    "Plan",
    "Prepared",
    "audit_mark",
    "changed_since",
    "heads",
    "hold_log",
    "plan_reviews",
    "plan_shifts",
    "prepare",
    "write_plan",
    "write_reviews",
    "write_shifts",
]

#: A review's date left empty, in the words the date rule has always used for it.
_DATE_WORDS = {"required": N_("a date is required (dd.mm.yyyy or YYYY-MM-DD)")}

_IN_CHUNK = 5000  # values per IN (...) list


@dataclass(slots=True)
class NewReview:
    line: int
    client_id: int
    assistant_id: int
    held_on: date
    participants: str
    summary: str
    client_ref: str
    assistant_ref: str


@dataclass
class Plan:
    """What a file will write, once every row is fine."""

    kind: str
    rows: list[Any] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    warnings: int = 0  # working-time warnings the new shifts raise (see `report rest`)
    mark: int = 0  # the access log's last row id when the plan was made


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i : i + _IN_CHUNK]


def _refs(
    s: Session, rows: Iterable[tuple[int, Mapping[str, str]]]
) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """Client ref -> (id, time zone) and assistant ref -> id, for the refs the file names."""
    client_refs: set[str] = set()
    assistant_refs: set[str] = set()
    distinct = getattr(rows, "distinct", None)  # importer._Renamed: a column's values, no dict per row
    if distinct is not None:
        client_refs, assistant_refs = distinct("client_ref"), distinct("assistant_ref")
    else:
        for _line, cells in rows:
            client_refs.add(cells.get("client_ref", "").strip())
            assistant_refs.add(cells.get("assistant_ref", "").strip())
    clients: dict[str, tuple[int, str]] = {}
    for part in _chunks(client_refs):
        for cid, ref, tz in s.execute(
            select(Client.id, Client.ref, Municipality.timezone)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Client.ref.in_(part))
        ).all():
            clients[ref] = (cid, tz or "Europe/Oslo")
    assistants: dict[str, int] = {}
    for part in _chunks(assistant_refs):
        assistants.update(s.execute(select(Assistant.ref, Assistant.id).where(Assistant.ref.in_(part))).all())
    return clients, assistants


def plan_shifts(
    s: Session,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    policy: Policy,
    *,
    memo: bool = True,
    workers: int | None = None,
    meanwhile: Callable[[Plan], object] | None = None,
) -> Plan:
    """Check every shift row (see the module docstring); nothing is written. `memo`: each distinct
    time and text checked once (`import_fast.RowChecks`); False checks every row afresh (the
    reference the tests hold the memo to). `workers`: processes the per-assistant rules are spread
    over (`import_spread`; None: as the file's size says, 1: this process only). `meanwhile`:
    called with the plan, its rows in place, while forked workers check the rules (only when they
    do) — this process's core would otherwise wait for them; the plan may still get errors after
    it (the caller then drops what it made)."""
    plan = Plan("shifts", mark=audit_mark(s))
    clients, assistants = _refs(s, rows)
    checks = RowChecks() if memo else None
    new: list[NewShift] = []
    values = getattr(rows, "values", None)  # importer._Renamed: each row's cells, no dict per row
    if checks is not None and values is not None:
        for line, cells in values(SHIFT_CELLS, SHIFT_ABSENT):
            errors: list[FieldError] = []
            sh = checked(line, cells, clients, assistants, errors, checks)
            if errors:
                plan.errors += [FieldError(e.field, e.message, row=line, params=e.params) for e in errors]
            elif sh is not None:
                new.append(sh)
    else:
        for line, row in rows:
            errors = []
            sh = _shift(line, row, clients, assistants, errors, checks)
            if errors:
                plan.errors += [FieldError(e.field, e.message, row=line, params=e.params) for e in errors]
            elif sh is not None:
                new.append(sh)
    release = getattr(rows, "release", None)  # importer._Renamed: the file's cells may go now
    if release is not None:
        release()
    if not new:
        return plan
    live = [sh for sh in new if sh.status != "cancelled"]
    lo = min(sh.start_utc for sh in new) - worktime.MARGIN
    hi = max(sh.end_utc for sh in new) + worktime.MARGIN
    aids = sorted({sh.assistant_id for sh in new})
    data = worktime.load(s, lo, hi, policy, aids)
    _duplicates(plan, new, data)
    _locked(s, plan, new)
    if plan.errors:
        return plan  # the rules would only repeat what is wrong already
    _add_to(data, s, live, policy, lo)
    plan.rows = new
    spread = import_spread.workers_for(len(live)) if workers is None else workers
    absent = _absent(s, data, live)  # reported after the rules' errors, as always
    lines = {sh.id: sh.line for sh in live}
    aids, cids = sorted({sh.assistant_id for sh in live}), sorted({sh.client_id for sh in live})
    del live

    def during() -> None:
        # The workers have their own copies of the loaded shifts and the clients' rule is done:
        # let them go here, so the rows prepared meanwhile take their memory (the checked rows
        # go as they are prepared) instead of adding to it.
        data.by_assistant.clear()
        data.by_client.clear()
        data.facts.clear()
        assert meanwhile is not None
        meanwhile(plan)

    _rules(plan, data, aids, cids, lines, spread, None if meanwhile is None else during)
    plan.errors += absent
    return plan


def _duplicates(plan: Plan, new: Sequence[NewShift], data: worktime.Loaded) -> None:
    """The same shift twice in the file, or already stored: importing a file again must not
    double the hours."""
    stored = {
        (sh.client_id, sh.assistant_id, sh.start_utc, sh.end_utc) for rows in data.by_assistant.values() for sh in rows
    }
    seen: set[tuple[int, int, datetime, datetime]] = set()
    for sh in new:
        key = (sh.client_id, sh.assistant_id, sh.start_utc, sh.end_utc)
        if key in seen:
            plan.errors.append(FieldError("start", N_("this shift is already in the file"), row=sh.line))
        elif key in stored:
            plan.errors.append(FieldError("start", N_("this shift is already registered"), row=sh.line))
        seen.add(key)


def _locked(s: Session, plan: Plan, new: Sequence[NewShift]) -> None:
    """Shifts in a locked period are refused, as `roster add` refuses them (`ensure_unlocked`
    gives the words; the locked periods are loaded once, not asked for per row)."""
    locked: dict[int, list[tuple[date, date]]] = {}
    for part in _chunks(sh.client_id for sh in new):
        for cid, first, end in s.execute(
            select(PeriodApproval.client_id, PeriodApproval.period_start, PeriodApproval.period_end).where(
                PeriodApproval.client_id.in_(part), PeriodApproval.locked_at.is_not(None)
            )
        ).all():
            locked.setdefault(cid, []).append((first, end))
    if not locked:
        return
    for sh in new:
        spans = locked.get(sh.client_id)
        if not spans:
            continue
        first, last = shift_days(sh, sh.tz)  # type: ignore[arg-type]
        if any(a <= last and b > first for a, b in spans):
            try:
                ensure_unlocked(s, sh.client_id, first, last)
            except PeriodLocked as exc:
                plan.errors.append(FieldError("start", exc.template, row=sh.line, params=exc.params))


#: A shift's place in start order (as `worktime.load` sorts): the key made in C, not a lambda.
_by_start = operator.attrgetter("start_utc", "id")


def _add_to(data: worktime.Loaded, s: Session, live: Sequence[NewShift], policy: Policy, lo: datetime) -> None:
    """Put the new shifts among the stored ones, with the facts of every client and assistant the
    file names (`worktime.load` knows only those with stored shifts in the window)."""
    for sh in live:
        data.by_assistant.setdefault(sh.assistant_id, []).append(sh)  # type: ignore[arg-type]
        data.by_client.setdefault(sh.client_id, []).append(sh)  # type: ignore[arg-type]
    for rows in (*data.by_assistant.values(), *data.by_client.values()):
        rows.sort(key=_by_start)
    clients = sorted(data.by_client)
    data.infos.update(worktime.client_infos(s, [c for c in clients if c not in data.infos], policy))
    aids = sorted({sh.assistant_id for sh in live})
    # As worktime.load: credentials as of the start of the window.
    data.contexts = worktime.assistant_contexts(s, aids, clients, lo.date() + worktime.MARGIN)
    hi = max(sh.end_utc for sh in live) + worktime.MARGIN if live else lo
    two = set(data.two_helpers)
    for part in _chunks(clients):
        two |= set(
            s.execute(
                select(Decision.client_id).where(
                    Decision.client_id.in_(part),
                    Decision.two_helper_hours > 0,
                    Decision.valid_from <= hi.date(),
                    or_(Decision.valid_to.is_(None), Decision.valid_to >= lo.date()),
                )
            ).scalars()
        )
    data.two_helpers = frozenset(two)


def _rules(
    plan: Plan,
    data: worktime.Loaded,
    aids: Sequence[int],
    cids: Sequence[int],
    lines: Mapping[int, int],
    workers: int = 1,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """The working-time and credential rules over stored and new shifts together (`aids` and
    `cids`: the new shifts' assistants and clients, sorted; `lines`: their lines by id); a
    blocking violation that involves a new shift refuses the file (reported at its first row, in
    the words `roster add` uses), warnings are counted. `meanwhile`: see `plan_shifts`."""
    found = import_spread.verdicts(data, aids, cids, workers, lines, meanwhile)
    merged: dict[Any, import_spread.Digest] = {}
    for d in found:  # as worktime.merge_violations: the first of each key
        merged.setdefault(d[0], d)
    for _key, v, first in merged.values():
        if v is None:  # a warning
            plan.warnings += 1
            continue
        try:
            worktime.refuse_blocking([v])
        except ValidationError as exc:
            for e in exc.errors:
                column = "assistant_ref" if e.field == "assistant_id" else e.field
                plan.errors.append(FieldError(column, e.message, row=first, params=e.params))


def _absent(s: Session, data: worktime.Loaded, live: Sequence[NewShift]) -> list[FieldError]:
    """`roster add`'s absence rule (roster.refuse_absent) for a whole file: an assistant recorded
    absent (not a graded sick note) cannot be given a shift on those days. One query per chunk of
    assistants, then a check in memory per row. The errors are returned."""
    from datetime import timedelta

    from bpa_provider.db.models import Absence

    out: list[FieldError] = []
    if not live:
        return out
    first = min(sh.start_utc for sh in live).date() - timedelta(days=1)
    last = max(sh.end_utc for sh in live).date() + timedelta(days=1)
    away: dict[int, list[tuple[date, date]]] = {}
    for part in _chunks(sorted({sh.assistant_id for sh in live})):
        for aid, a, b in s.execute(
            select(Absence.assistant_id, Absence.from_date, Absence.to_date).where(
                Absence.assistant_id.in_(part),
                Absence.cancelled.is_(False),
                Absence.grade == 100,
                Absence.from_date <= last,
                Absence.to_date >= first,
            )
        ).all():
            away.setdefault(aid, []).append((a, b))
    for sh in live:
        for a, b in away.get(sh.assistant_id, ()):
            tz = data.infos[sh.client_id].tz
            day_a = worktime.local_date(sh.start_utc, tz)
            day_b = worktime.local_date(sh.end_utc - timedelta(microseconds=1), tz)
            if a <= day_b and b >= day_a:
                out.append(
                    FieldError(
                        "assistant_ref",
                        N_("The assistant is absent {a}–{b}; choose a substitute"),
                        row=sh.line,
                        params={"a": format_date(a), "b": format_date(b)},
                    )
                )
                break
    return out


# --------------------------------------------------------------------------- reviews


def plan_reviews(s: Session, rows: Iterable[tuple[int, Mapping[str, str]]], today: date) -> Plan:
    """Check every review row as `review record` checks one; nothing is written."""
    plan = Plan("reviews", mark=audit_mark(s))
    clients, assistants = _refs(s, rows)
    parsed: list[NewReview] = []
    for line, cells in rows:
        errors: list[FieldError] = []
        client, assistant = _parties(cells, clients, assistants, errors)
        # The one validation (services.validation), as `review record` checks its input.
        held = check_date(cells.get("held_on", ""), "held_on", required=True, messages=_DATE_WORDS, errors=errors)
        if held is not None and held > today:
            errors.append(FieldError("held_on", N_("a review cannot be held in the future")))
        texts = {
            name: check_text(cells.get(name), name, max_len, errors=errors)
            for name, max_len in (("participants", 500), ("summary", 20_000))
        }
        plan.errors += [FieldError(e.field, e.message, row=line, params=e.params) for e in errors]
        if not errors and client is not None and assistant is not None and held is not None:
            parsed.append(
                NewReview(
                    line,
                    client[0],
                    assistant,
                    held,
                    texts["participants"],
                    texts["summary"],
                    cells["client_ref"].strip(),
                    cells["assistant_ref"].strip(),
                )
            )
    starts = assignment_starts(s, [(r.assistant_id, r.client_id) for r in parsed])
    stored = set()
    for part in _chunks(r.assistant_id for r in parsed):
        stored |= set(
            s.execute(
                select(Review.client_id, Review.assistant_id, Review.held_on).where(Review.assistant_id.in_(part))
            ).all()
        )
    seen: set[tuple[int, int, date]] = set()
    for r in parsed:
        problem = held_on_problem(r.held_on, starts.get((r.assistant_id, r.client_id)), r.assistant_ref, r.client_ref)
        if problem is not None:
            column = "client_ref" if problem.field == "client" else problem.field
            plan.errors.append(FieldError(column, problem.message, row=r.line, params=problem.params))
            continue
        key = (r.client_id, r.assistant_id, r.held_on)
        if key in seen:
            plan.errors.append(FieldError("held_on", N_("this review is already in the file"), row=r.line))
        elif key in stored:
            plan.errors.append(FieldError("held_on", N_("this review is already registered"), row=r.line))
        seen.add(key)
    if not plan.errors:
        plan.rows = parsed
    return plan
