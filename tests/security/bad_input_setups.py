"""What test_bad_input_fields.py sends hostile strings to: part 1, every text field of
`records.SPECS`; and the worlds (a client, shifts, a transfer, a course…) the other services'
free-text parameters need."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import factories as f
from bad_input_kit import (
    ADMIN,
    RECORD_STRINGS,
    SERVICE_STRINGS,
    Target,
    _count,
    _insert,
    _value,
    counts,
)
from sqlalchemy import select

from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    AuditEvent,
    Client,
    CourseEnrollment,
    Employment,
    OnboardingStep,
    PeriodApproval,
    ReviewAction,
    RuleAck,
    Shift,
    Transfer,
    TransferStep,
)
from bpa_provider.services import (
    course_enrollment,
    courses,
    onboarding,
    periods,
    records,
    reviews,
    roster,
    transfers,
    users,
)

# --------------------------------------------------------------------------- part 1: records.SPECS

# Parents the record kinds refer to, by the reference a form would type.
_PARENT = {"municipality": "Hamar", "client": "K-0001", "assistant": "A-0001", "supervisor": "S-0001"}
# Fields with a rule of their own after the shared one (a valid time zone, known service words,
# a national ID's check digits): text that passes clean_text may still be refused there.
_OWN_RULE: dict[tuple[str, str], dict[str, Any]] = {
    ("municipality", "timezone"): {"extra": ("Europe/Oslo", " America/New_York ")},
    ("decision", "services"): {
        "extra": ("practical", " respite , support "),
        "normalize": lambda text: ",".join(p.strip() for p in text.split(",") if p.strip()),
    },
    # Letters, digits, '.', '_', '-' (services/employee_numbers.py): most free text is refused.
    ("employment", "employee_number"): {"extra": ("1001", " A-17 ", "emp_2.b")},
    # References have a pattern (letters, digits, '-', '_'): other valid text is refused by it.
    ("client", "ref"): {"extra": ("K-9001", " oslo_17 ")},
}


def _record_setup(db: Database) -> dict[str, str]:
    f.municipality(db, ADMIN)
    f.client(db, ADMIN)
    f.assistant(db, ADMIN)
    records.create(db, ADMIN, "supervisor", {"name": "Siri Leder"})
    return {}


def _required_value(spec: records.FieldSpec, i: int) -> Any:
    """A valid value for a field the record needs besides the one under test (unique per call)."""
    day = date(2000, 1, 1) + timedelta(days=i)
    return {
        "text": f"x{i}",
        "date": day.isoformat(),
        "ref": _PARENT.get(spec.ref_kind or ""),
        "choice": spec.choices[0] if spec.choices else "",
        "bool": False,
        "int": spec.minimum if spec.minimum is not None and spec.minimum > 0 else 1,
        "float": spec.minimum if spec.minimum is not None and spec.minimum > 0 else 1,
    }[spec.kind]


def _record_target(entity: records.EntitySpec, spec: records.FieldSpec) -> Target:
    kind, name = entity.kind, spec.name

    def call(db: Database, ctx: Any, i: int, raw: str) -> int:
        data = {f.name: _required_value(f, i) for f in entity.fields if f.required and f.name != name}
        if entity.end_field and entity.end_field != name:  # one-day records never overlap each other
            data[entity.end_field] = (date(2000, 1, 1) + timedelta(days=i)).isoformat()
        data[name] = raw
        return records.create(db, ADMIN, kind, data).id

    def read(db: Database, ctx: Any, key: int) -> str:
        return _value(db, getattr(entity.model, name), entity.model.id == key)

    extra: dict[str, Any] = dict(_OWN_RULE.get((kind, name), {}))
    if spec.kind == "national_id":  # no national ID is stored as NULL
        extra = {"extra": (f.valid_fnr(),), "empty_ok": lambda stored: stored is None}
    if extra:
        extra["free_refusals"] = True
    if name == "ref" and entity.ref_prefix:  # empty: the next free reference
        extra["empty_ok"] = lambda stored, prefix=entity.ref_prefix: stored.startswith(prefix)
    return Target(
        id=f"{kind}.{name}",
        field=name,
        max_len=spec.max_len,
        lines="many" if spec.multiline else "one",
        required=spec.required,
        call=call,
        read=read,
        state=counts(entity.model),
        setup=_record_setup,
        n=RECORD_STRINGS,
        clean_text=True,
        spec=(kind, name),
        **extra,
    )


RECORD_TARGETS = [
    _record_target(entity, spec)
    for entity in records.SPECS.values()
    for spec in entity.fields + entity.extra_fields
    if spec.kind in ("text", "national_id")
]


# --------------------------------------------------------------------------- part 2: other services


@dataclass
class World:
    """Hamar (Norway), client K-0001 since 2020 with assistants A-0001 and A-0002 employed and assigned."""

    client_id: int
    a1: int
    a2: int
    extra: dict[str, Any] = field(default_factory=dict)


def world(db: Database) -> World:
    f.municipality(db, ADMIN)
    c = f.client(db, ADMIN, start_date="2020-01-01")
    ids = []
    for name in ("Per Hansen", "Siri Vik"):
        a = f.assistant(db, ADMIN, name=name)
        f.employment(db, ADMIN, a.ref, start_date="2020-01-01")
        f.assignment(db, ADMIN, a.ref, c.ref, start_date="2020-01-01")
        ids.append(a.id)
    return World(c.id, ids[0], ids[1])


def _day(i: int, first: date = date(2031, 1, 6)) -> date:
    return first + timedelta(days=i)


def _shifts(db: Database, w: World, n: int, **values) -> list[int]:
    """n two-hour shifts of A-0001, one a day from 6 Jan 2031 (plain rows: the setup is not under test)."""
    rows = []
    for i in range(n):
        start = datetime.combine(_day(i), time(8), tzinfo=UTC)
        rows.append(
            {
                "client_id": w.client_id,
                "assistant_id": w.a1,
                "start_utc": start,
                "end_utc": start + timedelta(hours=2),
                **values,
            }
        )
    with db.write() as s:
        return [sh.id for sh in roster.insert_shifts(s, rows)]


def _shift_note(db: Database, w: World, key: int) -> str:
    return _value(db, Shift.note, Shift.id == key)


def _with_shifts(**values) -> Callable[[Database], World]:
    def setup(db: Database) -> World:
        w = world(db)
        w.extra["shifts"] = _shifts(db, w, SERVICE_STRINGS + 60, **values)
        return w

    return setup


def _create_shift(what: str) -> Callable[[Database, World, int, str], int]:
    def call(db: Database, w: World, i: int, raw: str) -> int:
        start = datetime.combine(_day(i), time(8))
        return roster.create_shift(
            db, ADMIN, w.client_id, w.a1, start, start + timedelta(hours=2), **{what: raw}
        ).shift.id

    return call


def _update_shift_setup(db: Database) -> World:
    w = world(db)
    w.extra["shift"] = _shifts(db, w, 1)[0]
    return w


def _update_shift_state(db: Database, w: World) -> tuple:
    with db.read() as s:
        sh = s.get(Shift, w.extra["shift"])
        return sh.version, sh.note, _count(s, AuditEvent)


def _pattern_call(db: Database, w: World, i: int, raw: str) -> int:
    # One-day patterns beyond the roster horizon: nothing to generate, only the pattern is saved.
    day = date(2040, 1, 2) + timedelta(weeks=i)
    return roster.create_pattern(
        db,
        ADMIN,
        w.client_id,
        w.a1,
        weekdays="mon",
        start_time="08:00",
        end_time="10:00",
        valid_from=day,
        valid_to=day,
        name=raw,
        today=date(2030, 1, 1),
    ).pattern.id


def _ack_setup(db: Database) -> World:
    # Friday 17-23 then Saturday 08-12: nine hours' rest, a warning to acknowledge.
    w = world(db)
    roster.create_shift(db, ADMIN, w.client_id, w.a1, "2031-01-10 17:00", "23:00")
    res = roster.create_shift(db, ADMIN, w.client_id, w.a1, "2031-01-11 08:00", "12:00")
    warning = next(v for v in res.warnings if v.severity != "block" and res.shift.id in v.shift_ids)
    w.extra.update(shift=res.shift.id, rule=warning.rule_id)
    return w


def _ack_state(db: Database, w: World) -> tuple:
    with db.read() as s:
        comment = s.execute(select(RuleAck.comment).where(RuleAck.shift_id == w.extra["shift"])).scalar()
        return comment, _count(s, RuleAck), _count(s, AuditEvent)


def _locked_periods(db: Database) -> World:
    w = world(db)
    with db.write() as s:
        for i in range(SERVICE_STRINGS + 60):
            first = date(2010, 1, 4) + timedelta(weeks=i)
            _insert(
                s,
                PeriodApproval,
                client_id=w.client_id,
                period_start=first,
                period_end=first + timedelta(days=7),
                approved_by="sup",
                approved_at=datetime(2010, 1, 1, tzinfo=UTC),
                locked_by="coord",
                locked_at=datetime(2010, 1, 1, tzinfo=UTC),
            )
    return w


def _reopen(db: Database, w: World, i: int, raw: str) -> date:
    first = date(2010, 1, 4) + timedelta(weeks=i)
    periods.reopen_period(db, ADMIN, w.client_id, first, first + timedelta(days=7), raw)
    return first


def _onboarding_setup(db: Database) -> World:
    w = world(db)
    sup = records.create(db, ADMIN, "supervisor", {"name": "Siri Leder"})
    with db.write() as s:
        for i in range(SERVICE_STRINGS + 60):
            _insert(
                s,
                OnboardingStep,
                supervisor_id=sup.id,
                client_id=w.client_id,
                code=f"step{i}",
                title=f"Step {i}",
                due_date=date(2031, 1, 1),
            )
    w.extra["sup"] = sup.ref
    return w


def _onboarding_call(db: Database, w: World, i: int, raw: str) -> str:
    onboarding.complete_step(db, ADMIN, w.extra["sup"], f"step{i}", on="2026-01-01", note=raw)
    return f"step{i}"


def _key(i: int) -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + i.to_bytes(4, "big") * 8
    return base64.b64encode(blob).decode()


def _key_setup(db: Database) -> None:
    users.add_user(db, ADMIN, "keyholder", "coordinator")


def _add_key(db: Database, w: Any, i: int, raw: str) -> int:
    # The comment sits inside the key line, so the trimming is the line's: the comment is typed trimmed.
    # authorized_keys: the test's own file (BPA_AUTHORIZED_KEYS, set by the security conftest).
    return users.add_key(db, ADMIN, "keyholder", f"ssh-ed25519 {_key(i)} {raw.strip()}").id


# Transfers: one prospect client coming in; each call gets a transfer in the state it needs.
_NOTICE = "2026-01-31"


def _transfer_setup(db: Database) -> World:
    w = world(db)
    prospect = f.client(db, ADMIN, name="Ola Nordmann", status="prospect")
    w.extra["client"] = prospect.ref
    w.extra["step"] = transfers.open_transfer(db, ADMIN, prospect.ref, "in", "Aleris", _NOTICE).steps[1].code
    return w


def _open_transfer(db: Database, w: World) -> int | None:
    with db.read() as s:
        cid = s.execute(select(Client.id).where(Client.ref == w.extra["client"])).scalar_one()
        t = transfers.open_transfer_for(s, cid)
        return t.id if t else None


def _fresh_transfer(db: Database, w: World, i: int) -> None:
    """An open transfer with nothing but the notice done."""
    tid = _open_transfer(db, w)
    if tid is not None:
        with db.read() as s:
            done = s.execute(
                select(TransferStep.done_on).where(
                    TransferStep.transfer_id == tid, TransferStep.code == w.extra["step"]
                )
            ).scalar()
        if done is None:
            w.extra["tid"] = tid
            return
        transfers.cancel_transfer(db, ADMIN, tid, "test reset")
    w.extra["tid"] = transfers.open_transfer(db, ADMIN, w.extra["client"], "in", "Aleris", _NOTICE).id


def _no_transfer(db: Database, w: World, i: int) -> None:
    tid = _open_transfer(db, w)
    if tid is not None:
        transfers.cancel_transfer(db, ADMIN, tid, "test reset")


def _transfer_state(db: Database, w: World) -> tuple:
    with db.read() as s:
        return (
            _count(s, Transfer),
            _count(s, Transfer, Transfer.cancelled_reason != ""),
            _count(s, TransferStep, TransferStep.done_on.is_not(None)),
            _count(s, AuditEvent),
        )


def _step_note(db: Database, w: World, key: int) -> str:
    return _value(db, TransferStep.note, TransferStep.transfer_id == key, TransferStep.code == w.extra["step"])


# Reviews: A-0001 with K-0001, one review a day from 2 Jan 2020.
def _review(what: str) -> Callable[[Database, World, int, str], int]:
    def call(db: Database, w: World, i: int, raw: str) -> int:
        kw: dict[str, Any] = (
            {"participants": raw}
            if what == "participants"
            else {"summary": raw}
            if what == "summary"
            else {
                "actions": [
                    reviews.ActionInput(text=raw) if what == "text" else reviews.ActionInput("Follow up", owner=raw)
                ]
            }
        )
        return reviews.record_review(db, ADMIN, "A-0001", "K-0001", date(2020, 1, 2) + timedelta(days=i), **kw).id

    return call


def _action(column) -> Callable[[Database, World, int], str]:
    return lambda db, w, key: _value(db, column, ReviewAction.review_id == key)


def _course_setup(db: Database) -> World:
    w = world(db)
    course = courses.create_course(db, ADMIN, {"name": "Førstehjelp", "kind": "assistant_training"})
    cs = courses.create_session(db, ADMIN, course.id, {"starts_on": "2026-01-01"})
    (enrolment,) = course_enrollment.enroll(db, ADMIN, cs.id, ["A-0001"])
    w.extra.update(course=course.id, enrollment=enrolment.id)
    return w


def _enrollment_state(db: Database, w: World) -> tuple:
    with db.read() as s:
        row = s.get(CourseEnrollment, w.extra["enrollment"])
        return row.version, row.certificate_ref, _count(s, AuditEvent)


def _end_client_read(db: Database, w: World, key: int) -> str:
    """What the change log says the reason was (a client record has no reason field)."""
    with db.read() as s:
        summary = s.execute(
            select(AuditEvent.summary).where(AuditEvent.action == "end").order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one()
    return summary.partition(": ")[2]


def _end_state(db: Database, w: World) -> tuple:
    with db.read() as s:
        emp = s.get(Employment, w.extra["employment"]) if "employment" in w.extra else None
        return _count(s, AuditEvent), emp.end_reason if emp else ""


def _employment_setup(db: Database) -> World:
    w = world(db)
    with db.read() as s:
        w.extra["employment"] = s.execute(select(Employment.id).where(Employment.assistant_id == w.a1)).scalar_one()
    return w
