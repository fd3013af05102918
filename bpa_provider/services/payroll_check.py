"""Payroll's pre-run check (what blocks a month) and the one read of the month's shifts that the
check and the pay share.

`read_month` reads every staffed shift the month's payroll needs — the month, the week before it
(overtime) and the working-time check's margin either side — once, as plain rows (`ShiftRow`),
not ORM objects:
`export payroll` used to read the month three times as objects (the check, each client's approval
state, the working-time load). `blockers` works on those rows: each client's approval state is
judged from them and `periods.unapproved_reasons` (the one definition of the reasons) is asked
only for a client whose rows or approval rows show a reason; the working-time rules run over a
`worktime.Loaded` made of the same rows (credentials and the overtime look-back are read by
worktime's own loaders).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.config import Policy
from bpa_provider.db.models import Assistant, Decision, Shift
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.worktime import Violation
from bpa_provider.services import employee_numbers
from bpa_provider.services import worktime as wt
from bpa_provider.services.payroll_absence import month_absence
from bpa_provider.services.periods import client_rows, period_words, unapproved_reasons
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime import ClientInfo, client_infos, describe_shifts, local_date

UTC_MARGIN = timedelta(days=1)
#: How far before the month the shifts are read: the check's margin plus the longest shift before
#: the month's first shift, and a day for the UTC offset (this covers the week before the month,
#: read for its overtime).
BEFORE = wt.MARGIN + wt.LONGEST_SHIFT + UTC_MARGIN
#: And after the month: the check's margin after a shift that starts on its last day.
AFTER = wt.MARGIN + wt.LONGEST_SHIFT + UTC_MARGIN
#: Assistants checked together: what the working-time check holds at once is one batch's.
ASSISTANT_BATCH = 200


@dataclass(frozen=True)
class Blocker:
    """One reason payroll cannot run: kind (unapproved, not_worked, exported, no_employment,
    blocking, warning), whose, and why."""

    kind: str
    client_ref: str
    assistant_ref: str
    detail: str  # English (logs, tests)
    why: Msg | None = field(default=None, compare=False)  # the same, translated where shown

    def text(self) -> str:
        """The reason in the language in force."""
        return self.why.render() if self.why is not None else self.detail


def _blocker(kind: str, client_ref: str, assistant_ref: str, template: str, **params: Any) -> Blocker:
    why = Msg(template, **params)
    return Blocker(kind, client_ref, assistant_ref, why.render(translate=False), why)


class PayrollBlocked(ValidationError):
    """Payroll refused by its pre-run check; `blockers` lists every reason."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__(
            [
                FieldError(
                    b.kind,
                    N_("{who}: {why}") if b.client_ref or b.assistant_ref else "{why}",
                    params={
                        "who": " ".join(p for p in (b.client_ref, b.assistant_ref) if p),
                        "why": b.why if b.why is not None else b.detail,
                    },
                )
                for b in blockers
            ]
        )


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first of the month and the first of the next; a month outside 1-12 is refused."""
    if not 1 <= month <= 12:
        raise ValidationError(N_("The month must be 01-12"), field="month")
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1)


class ShiftRow:
    """A staffed shift as payroll and the working-time rules read it: `Shift`'s attribute names,
    plain slots and shared strings (a month at 100 % is ~140,000 of them; a SQLAlchemy row with
    its own copy of each code string costs about twice the memory)."""

    __slots__ = (
        "id",
        "client_id",
        "assistant_id",
        "start_utc",
        "end_utc",
        "kind",
        "active_minutes",
        "legal_basis",
        "status",
        "deviation_status",
        "day",
    )

    def __init__(self, row: Sequence[Any], words: dict[Any, Any]) -> None:
        self.id: int = row[0]
        # The clients', the assistants' ids and the codes repeat from row to row: one object each.
        self.client_id: int = words.setdefault(row[1], row[1])
        self.assistant_id: int = words.setdefault(row[2], row[2])
        self.start_utc: datetime = row[3]
        self.end_utc: datetime = row[4]
        self.active_minutes: int = row[6]
        self.kind: str = words.setdefault(row[5], row[5])
        self.legal_basis: str | None = row[7] if row[7] is None else words.setdefault(row[7], row[7])
        self.status: str = words.setdefault(row[8], row[8])
        self.deviation_status: str = words.setdefault(row[9], row[9])
        self.day: date = date.min  # its local start date, set by `read_month`


@dataclass
class MonthRows:
    """Every staffed shift from `BEFORE` the month to `AFTER` it as rows (attributes as `Shift`'s,
    and `day`: the local start date), in start order, and their clients."""

    first: date
    last_exclusive: date
    shifts: list[ShiftRow]
    infos: dict[int, ClientInfo]

    def in_month(self) -> list[ShiftRow]:
        """The shifts whose local start date is in the month (they belong to it)."""
        return [sh for sh in self.shifts if self.first <= sh.day < self.last_exclusive]


def read_month(s: Session, first: date, last_exclusive: date, policy: Policy) -> MonthRows:
    """One read of the shifts the month's check and pay need (see `MonthRows`)."""
    lo = datetime.combine(first, time(0), tzinfo=UTC) - BEFORE
    hi = datetime.combine(last_exclusive, time(0), tzinfo=UTC) + AFTER
    words: dict[Any, Any] = {}
    found = [
        ShiftRow(row, words)
        for row in s.execute(
            select(
                Shift.id,
                Shift.client_id,
                Shift.assistant_id,
                Shift.start_utc,
                Shift.end_utc,
                Shift.kind,
                Shift.active_minutes,
                Shift.legal_basis,
                Shift.status,
                Shift.deviation_status,
            )
            .where(staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
            .order_by(Shift.start_utc, Shift.id)
            .execution_options(yield_per=2000)  # fetched in batches, not buffered whole
        )
    ]
    infos = client_infos(s, {sh.client_id for sh in found}, policy)
    for sh in found:
        day = local_date(sh.start_utc, infos[sh.client_id].tz)
        sh.day = words.setdefault(day, day)
    return MonthRows(first, last_exclusive, found, infos)


def month_shifts(
    s: Session, first: date, last_exclusive: date, policy: Policy
) -> tuple[list[Any], dict[int, ClientInfo]]:
    """Shifts (not cancelled) whose local start date is in the month, as rows, and their clients."""
    month = read_month(s, first, last_exclusive, policy)
    return month.in_month(), month.infos


@dataclass(frozen=True)
class Person:
    """An assistant as payroll names them."""

    id: int
    ref: str
    name: str


def people(s: Session, ids: Iterable[int]) -> dict[int, Person]:
    """Reference and name per assistant id (a few columns, not the ORM object)."""
    out: dict[int, Person] = {}
    for part in wt.chunks(ids):
        for aid, ref, name in s.execute(
            select(Assistant.id, Assistant.ref, Assistant.name).where(Assistant.id.in_(part))
        ):
            out[aid] = Person(aid, ref, name)
    return out


def _violations(
    s: Session, month: MonthRows, chosen: Sequence[Any], policy: Policy
) -> tuple[list[Violation], dict[Any, Any], dict[int, ClientInfo]]:
    """`worktime.violations_involving(…, everyone=True)` over the rows already read: the
    violations, every shift loaded by id and the clients of them all."""
    lo = min(sh.start_utc for sh in chosen) - wt.MARGIN
    hi = max(sh.end_utc for sh in chosen) + wt.MARGIN
    by_assistant: dict[int, list[Any]] = {}
    by_client: dict[int, list[Any]] = {}
    for sh in month.shifts:  # as worktime's `_overlapping(lo, hi)`
        if lo - wt.LONGEST_SHIFT < sh.start_utc < hi and sh.end_utc > lo:
            by_assistant.setdefault(sh.assistant_id, []).append(sh)
            by_client.setdefault(sh.client_id, []).append(sh)
    two = frozenset(
        s.execute(
            select(Decision.client_id).where(
                Decision.client_id.in_(sorted(by_client)),
                Decision.two_helper_hours > 0,
                Decision.valid_from <= hi.date(),
                (Decision.valid_to.is_(None)) | (Decision.valid_to >= lo.date()),
            )
        ).scalars()
    )
    refs = {p.id: p.ref for p in people(s, {sh.assistant_id for rows in by_client.values() for sh in rows}).values()}
    infos = {cid: month.infos[cid] for cid in by_client}
    out: list[Violation] = []
    history: dict[Any, Any] = {}
    # The assistants a batch at a time: their credentials, facts and the overtime look-back (up to
    # a year of earlier shifts) are held for one batch, not for the whole company at once.
    for batch in wt.chunks({sh.assistant_id for sh in chosen}, ASSISTANT_BATCH):
        mine = {aid: by_assistant[aid] for aid in batch}
        clients = {sh.client_id for aid in batch for sh in mine[aid]}
        contexts = wt.assistant_contexts(s, batch, clients, lo.date() + wt.MARGIN)
        data = wt.Loaded(mine, {}, infos, contexts, two, policy, refs)
        wt.load_history(s, data, lo, policy)
        found: list[Violation] = []
        for aid in batch:
            found += wt.assistant_violations(data, aid)
        earlier = {sh.id: sh for aid in batch for sh in data.by_assistant[aid] if sh.id in data.history}
        history.update({i: earlier[i] for v in found for i in v.shift_ids if i in earlier})
        out += found
    data = wt.Loaded({}, by_client, infos, {}, two, policy, refs)
    for cid in sorted({sh.client_id for sh in chosen}):
        out += wt.client_violations(data, cid)
    picked = {sh.id for sh in chosen}
    loaded: dict[Any, Any] = {sh.id: sh for rows in by_client.values() for sh in rows}
    loaded.update(history)
    return [v for v in wt.merge_violations(out) if picked & set(v.shift_ids)], loaded, infos


def _numbers(s: Session, month: MonthRows, who: dict[int, Person], policy: Policy, digits_only: bool) -> list[Blocker]:
    first, last_exclusive = month.first, month.last_exclusive
    # An assistant absent all month has absence lines and no shift: the file names them too.
    absent = {a.assistant_id for a in month_absence(s, first, last_exclusive, policy)}
    paid = {**who, **people(s, absent - who.keys())}
    numbers = employee_numbers.in_force(s, paid, first, last_exclusive)
    out: list[Blocker] = []
    for aid in sorted(paid, key=lambda a: paid[a].ref):
        number = numbers[aid].employee_number if aid in numbers else ""
        if not number:
            out.append(
                _blocker(
                    "no_employee_number",
                    "",
                    paid[aid].ref,
                    N_(
                        "no employee number on the employment in force; add it on the assistant's "
                        "employment (the app, or 'import employments')"
                    ),
                )
            )
        elif digits_only and not (number.isascii() and number.isdigit()):
            out.append(
                _blocker(
                    "no_employee_number",
                    "",
                    paid[aid].ref,
                    N_("employee number {number} is not digits only, and Visma Lønn reads it as a number"),
                    number=number,
                )
            )
    return out


def blockers(
    s: Session,
    first: date,
    last_exclusive: date,
    now: datetime,
    policy: Policy,
    need_numbers: bool = False,
    digits_only: bool = False,
    *,
    month: MonthRows | None = None,
) -> list[Blocker]:
    """Everything that stops payroll for the month (empty: clear to run). `need_numbers`: a file
    that names people by employee number also needs every assistant's number; `digits_only`: one
    that reads it as a number (Visma Lønn) needs digits. `month`: the rows `read_month` gave."""
    month = month or read_month(s, first, last_exclusive, policy)
    shifts, infos = month.in_month(), month.infos
    who = people(s, {sh.assistant_id for sh in shifts})
    out: list[Blocker] = []
    if need_numbers or digits_only:
        out += _numbers(s, month, who, policy, digits_only)
    clients = {sh.client_id for sh in shifts}
    approvals = client_rows(s, clients, first, last_exclusive)
    # A client has a reason to list only when one of its shifts is not approved or waits for a
    # decision, or an approval waits for co-approval; the reasons are unapproved_reasons' words.
    suspect = {sh.client_id for sh in shifts if sh.status != "approved" or sh.deviation_status == "pending"}
    suspect |= {
        row.client_id
        for row in approvals
        if row.approved_at is not None and row.needs_coapproval and not row.coapproved_by
    }
    for cid in sorted(suspect, key=lambda c: infos[c].ref):
        info = infos[cid]
        out += [
            Blocker("unapproved", info.ref, "", r.render(translate=False), r)
            for r in unapproved_reasons(s, cid, first, last_exclusive, info.tz)
        ]
    for row in approvals:
        if row.exported_at is not None:
            out.append(
                _blocker(
                    "exported",
                    infos[row.client_id].ref,
                    "",
                    N_("{period} was already exported to payroll; an admin must reopen it first"),
                    period=period_words(row.period_start, row.period_end),
                )
            )
    for sh in shifts:
        if sh.end_utc > now:
            out.append(
                _blocker(
                    "not_worked",
                    infos[sh.client_id].ref,
                    who[sh.assistant_id].ref,
                    N_("the shift {shift} has not ended yet"),
                    shift=describe_shifts([cast(Any, sh)], infos),  # a ShiftRow reads as a Shift
                )
            )
    if not shifts:
        return out
    found, loaded, all_infos = _violations(s, month, shifts, policy)
    acks = wt.ack_map(s, {i for v in found for i in v.shift_ids})
    month_ids = {sh.id for sh in shifts}
    for v in found:
        owner = loaded[next(i for i in v.shift_ids if i in month_ids)]
        if v.rule_id == "NO-EMPLOYMENT":
            kind = "no_employment"
        elif v.severity == "block":
            kind = "blocking"
        elif wt.acknowledgement(v, acks) is None:
            kind = "warning"
        else:
            continue
        where = describe_shifts([loaded[i] for i in v.shift_ids], all_infos)
        out.append(
            _blocker(
                kind,
                infos[owner.client_id].ref,
                who[owner.assistant_id].ref,
                "{rule}: {detail} [{shifts}]",
                rule=v.rule_id,
                shifts=where,
                detail=Msg(v.template, **v.params) if v.template else v.detail,
            )
        )
    return out


__all__ = [
    "Blocker",
    "MonthRows",
    "PayrollBlocked",
    "ShiftRow",
    "blockers",
    "month_bounds",
    "month_shifts",
    "people",
    "read_month",
]
