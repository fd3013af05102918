"""Transfers through the services, on SQLite and PostgreSQL: the workflow walked in and out in
Norway and Sweden, refusals that name what is missing, assistants' consequences, cut-over."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import select
from transfer_builders import build, count

from bpa_provider.db.models import Assignment, AuditEvent, Client, Employment, Transfer, TransferStep
from bpa_provider.errors import Conflict, PermissionDenied, ValidationError
from bpa_provider.services import review_due_store
from bpa_provider.services import transfers as tr

D = date.fromisoformat


def _client(db, actor, ref):
    with db.read() as s:
        return s.execute(select(Client).where(Client.ref == ref)).scalar_one()


def _employments(db, assistant_ref):
    with db.read() as s:
        from bpa_provider.db.models import Assistant

        aid = s.execute(select(Assistant.id).where(Assistant.ref == assistant_ref)).scalar_one()
        return list(
            s.execute(
                select(Employment).where(Employment.assistant_id == aid).order_by(Employment.start_date)
            ).scalars()
        )


def _assignments(db, assistant_ref):
    with db.read() as s:
        from bpa_provider.db.models import Assistant

        aid = s.execute(select(Assistant.id).where(Assistant.ref == assistant_ref)).scalar_one()
        return list(
            s.execute(select(Assignment).where(Assignment.assistant_id == aid).order_by(Assignment.id)).scalars()
        )


@pytest.mark.parametrize("direction,country", [("out", "no"), ("in", "no"), ("out", "se"), ("in", "se")])
def test_walk_every_step_in_and_out_norway_and_sweden(db, coord, direction, country):
    f.municipality(db, coord, "Bjuv" if country == "se" else "Hamar", country=country)
    c = f.client(
        db, coord, "Bjuv" if country == "se" else "Hamar", status="active" if direction == "out" else "prospect"
    )
    if direction == "out":
        a = f.assistant(db, coord)
        f.employment(db, coord, a.ref)
        f.assignment(db, coord, a.ref, c.ref)
        with db.read() as s:  # a review due for the pair until the cut-over ends it
            assert review_due_store.stored_rows(s)
    v = tr.open_transfer(db, coord, c.ref, direction, "Other AS", "2026-01-31", today=D("2026-02-01"))
    assert v.effective_date == D("2026-04-30") and v.state == "notice"
    codes = [s.code for s in v.steps]
    assert ("fk_notice" in codes) == (country == "se")
    assert _client(db, coord, c.ref).status == ("transferring_out" if direction == "out" else "prospect")
    day = D("2026-02-02")
    for code in codes[1:]:
        if code == "assistants_informed":
            for person in v.assistants:
                v = tr.inform_assistant(db, coord, v.id, person.ref, day, day + timedelta(days=14))
        if code == "refusal_deadline_passed":
            day += timedelta(days=15)
        if code == "cutover":
            day = v.effective_date
        v = tr.complete_step(db, coord, v.id, code, day)
        assert v.state == code
        day += timedelta(days=1)
    assert v.next_step is None
    status = _client(db, coord, c.ref).status
    assert status == ("ended" if direction == "out" else "active")
    with db.read() as s:
        steps = s.execute(select(AuditEvent).where(AuditEvent.action == "step", AuditEvent.entity == "transfer")).all()
    assert len(steps) == len(codes) - 1  # every step but the notice recorded at opening
    with db.read() as s:  # the stored next reviews follow what the cut-over ended or started
        stored = review_due_store.stored_rows(s)
        assert stored == review_due_store.expected_rows(s)
    assert stored == []  # an assignment ending before its first review's date has none due


def test_outgoing_norway_in_detail(db, coord):
    w = build(db, coord)
    a, b = w.assistants
    v = tr.open_transfer(db, coord, w.client, "out", "Aleris", "31.01.2026", today=D("2026-02-01"))
    assert v.effective_date == D("2026-04-30")  # 31 Jan + 3 months (relativedelta)
    assert v.days_left == 88
    assert [x.ref for x in v.assistants] == [a, b]
    assert {x.status for x in v.assistants} == {"transferring"}
    assert "Aleris" in v.assistants[0].consequence
    reported = {s.code for s in v.steps if s.reported}
    assert reported == {"client_signed", "sent_to_unit", "municipality_signed"}

    # Out of order: the message names the first step that is missing.
    with pytest.raises(ValidationError, match="Client signed must be done first"):
        tr.complete_step(db, coord, v.id, "municipality_signed", "2026-02-05")
    for code, on in [
        ("client_signed", "2026-02-02"),
        ("sent_to_unit", "2026-02-03"),
        ("municipality_signed", "2026-02-10"),
        ("provider_told", "2026-02-10"),
    ]:
        v = tr.complete_step(db, coord, v.id, code, on)
    with pytest.raises(ValidationError, match=f"assistant {a} .*has not been informed"):
        tr.complete_step(db, coord, v.id, "assistants_informed", "2026-02-12")
    with pytest.raises(ValidationError) as exc:
        tr.inform_assistant(db, coord, v.id, a, "2026-02-11", "2026-02-24")
    assert "at least 14 days" in exc.value.for_field("deadline")
    assert "25.02.2026" in exc.value.for_field("deadline")  # the earliest lawful deadline
    for ref in (a, b):
        v = tr.inform_assistant(db, coord, v.id, ref, "2026-02-11", "2026-02-25", today=D("2026-02-11"))
    assert v.assistants[0].deadline_days_left == 14
    # The deadline steps move to the actual deadline.
    assert next(s for s in v.steps if s.code == "refusal_deadline_passed").due_date == D("2026-02-26")

    v = tr.record_refusal(db, coord, v.id, b, "2026-02-20")
    refused = next(x for x in v.assistants if x.ref == b)
    assert refused.status == "refused"
    assert refused.rehire_priority_until == D("2027-04-30")  # employed since 2024: > 12 of the last 24 months
    assert "ends 29.04.2026" in refused.consequence and "re-hire priority until 30.04.2027" in refused.consequence
    with pytest.raises(ValidationError, match="already recorded"):
        tr.record_refusal(db, coord, v.id, b, "2026-02-21")

    v = tr.complete_step(db, coord, v.id, "assistants_informed", "2026-02-12")
    with pytest.raises(ValidationError, match=r"has not passed \(25.02.2026\)"):
        tr.complete_step(db, coord, v.id, "refusal_deadline_passed", "2026-02-24")
    with pytest.raises(ValidationError, match=r"has not passed \(25.02.2026\)"):  # the deadline day
        tr.complete_step(db, coord, v.id, "refusal_deadline_passed", "2026-02-25")
    v = tr.complete_step(db, coord, v.id, "refusal_deadline_passed", "2026-02-26")
    v = tr.complete_step(db, coord, v.id, "handover", "2026-04-20", note="sent by e-mail")
    with pytest.raises(ValidationError, match="cut-over cannot be before the effective date 30.04.2026"):
        tr.complete_step(db, coord, v.id, "cutover", "2026-04-29")
    assert _assignments(db, a)[0].end_date is None  # a refused step changes nothing

    v = tr.complete_step(db, coord, v.id, "cutover", "2026-04-30")
    assert any("assignment" in c for c in map(str, v.changes))
    for ref in (a, b):
        assert _assignments(db, ref)[0].end_date == D("2026-04-29")
        assert _employments(db, ref)[0].end_date == D("2026-04-29")
    assert _employments(db, a)[0].end_reason == "transfer of undertaking to Aleris"
    assert _employments(db, b)[0].end_reason.startswith("refused transfer to Aleris; re-hire priority until")
    client = _client(db, coord, w.client)
    assert (client.status, client.end_date) == ("ended", D("2026-04-29"))
    with pytest.raises(ValidationError, match="cannot be cancelled after cut-over"):
        tr.cancel_transfer(db, coord, v.id, "changed mind", "2026-05-01")
    v = tr.complete_step(db, coord, v.id, "closed", "2026-05-10")
    assert v.state == "closed" and v.next_step is None


def test_refusal_without_priority_and_assistant_with_another_client(db, coord):
    w = build(db, coord, employed_from="2025-11-01")
    a, b = w.assistants
    other = f.client(db, coord, name="Ola")
    f.assignment(db, coord, b, other.ref)
    v = tr.open_transfer(db, coord, w.client, "out", "Aleris", "2026-01-31")
    for ref in (a, b):
        tr.inform_assistant(db, coord, v.id, ref, "2026-02-01", "2026-02-15")
    v = tr.record_refusal(db, coord, v.id, a, "2026-02-10")
    x, y = v.assistants
    assert x.rehire_priority_until is None and "no re-hire priority" in x.consequence
    assert y.other_clients == (other.ref,) and f"stays employed with us for {other.ref}" in y.consequence
    for code, on in [
        ("client_signed", "2026-02-01"),
        ("sent_to_unit", "2026-02-01"),
        ("municipality_signed", "2026-02-01"),
        ("provider_told", "2026-02-01"),
        ("assistants_informed", "2026-02-01"),
        ("refusal_deadline_passed", "2026-02-16"),
        ("handover", "2026-04-01"),
        ("cutover", "2026-04-30"),
    ]:
        v = tr.complete_step(db, coord, v.id, code, on)
    assert _employments(db, a)[0].end_date == D("2026-04-29")
    assert _employments(db, b)[0].end_date is None  # still works for the other client
    ends = {(x.client_id, x.end_date) for x in _assignments(db, b)}
    assert (_client(db, coord, other.ref).id, None) in ends
    assert (_client(db, coord, w.client).id, D("2026-04-29")) in ends


def test_sweden_outgoing_notice_and_fk_step(db, coord):
    w = build(db, coord, country="se", muni="Bjuv", assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "Assistans AB", "2026-01-15")
    assert v.effective_date == D("2026-04-15")
    fk = next(s for s in v.steps if s.code == "fk_notice")
    assert fk.due_date == D("2026-03-15") and "3079" in (fk.law or "")
    assert "no transfer of undertaking" in v.assistants[0].consequence
    assert "1 month's notice" in v.assistants[0].note
    with pytest.raises(ValidationError, match="Försäkringskassan notified must be done first"):
        for code in ("client_signed", "sent_to_unit", "municipality_signed", "provider_told"):
            v = tr.complete_step(db, coord, v.id, code, "2026-01-20")
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-03-20", "2026-04-03")
    assert v.assistants[0].status == "ends" and "20.04.2026" in v.assistants[0].consequence
    for code, on in [
        ("fk_notice", "2026-02-01"),
        ("provider_told", "2026-03-01"),
        ("assistants_informed", "2026-03-20"),
        ("refusal_deadline_passed", "2026-04-04"),
        ("handover", "2026-04-08"),
        ("cutover", "2026-04-15"),
    ]:
        v = tr.complete_step(db, coord, v.id, code, on)
    emp = _employments(db, w.assistants[0])[0]
    assert emp.end_date == D("2026-04-20")  # informed 20 March + 1 month's notice, after the last day
    assert "1 month's notice" in emp.end_reason
    assert _assignments(db, w.assistants[0])[0].end_date == D("2026-04-14")


def test_cancel_keeps_history_and_client_is_active_again(db, coord):
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "Aleris", "2026-03-01")
    v = tr.complete_step(db, coord, v.id, "client_signed", "2026-03-02", note="reported by phone")
    with pytest.raises(ValidationError) as exc:
        tr.cancel_transfer(db, coord, v.id, "  ", "2026-03-03")
    assert exc.value.for_field("reason")
    v = tr.cancel_transfer(db, coord, v.id, "client changed their mind", "2026-03-03")
    assert v.state == "cancelled" and v.cancelled_reason == "client changed their mind"
    assert v.next_step is None
    assert [s.code for s in v.steps if s.done_on] == ["notice", "client_signed"]
    assert _client(db, coord, w.client).status == "active"
    with pytest.raises(ValidationError, match="the transfer is cancelled"):
        tr.complete_step(db, coord, v.id, "sent_to_unit", "2026-03-04")
    # A new transfer can be opened once the old one is cancelled; two open ones cannot.
    again = tr.open_transfer(db, coord, w.client, "out", "Aleris", "2026-04-01")
    with pytest.raises(ValidationError, match="already has an open transfer"):
        tr.open_transfer(db, coord, w.client, "out", "Other", "2026-04-02")
    assert [t.id for t in tr.list_transfers(db, coord)] == [again.id]
    assert len(tr.list_transfers(db, coord, include_ended=True)) == 2


def test_open_refusals_list_every_problem(db, coord):
    build(db, coord, assistants=0)
    with pytest.raises(ValidationError) as exc:
        tr.open_transfer(db, coord, "K-9999", "sideways", "", "31.02.2026")
    assert {e.field for e in exc.value.errors} >= {"direction", "counterpart", "notice_date", "client"}
    with pytest.raises(ValidationError) as exc:
        tr.open_transfer(db, coord, "K-0001", "out", "X", "2026-03-01", "2026-02-01")
    assert exc.value.for_field("agreed_date")
    with pytest.raises(ValidationError, match="already ours"):
        tr.open_transfer(db, coord, "K-0001", "in", "X", "2026-03-01")
    assert count(db, Transfer) == 0 and count(db, TransferStep) == 0


def test_steps_due_days_left_and_late_assistant(db, coord, auditor):
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "Aleris", "2026-03-01", agreed_date="2026-04-15")
    assert v.effective_date == D("2026-04-15") and v.agreed_date == D("2026-04-15")
    due = tr.steps_due(db, coord, D("2026-03-05"))
    assert [d.code for d in due][:2] == ["client_signed", "sent_to_unit"]
    assert due[0].days_left == 3 and due[0].client_ref == w.client and due[0].title == "Client signed"
    assert all(d.due_date <= D("2026-03-19") for d in due)
    listed = tr.list_transfers(db, auditor, today=D("2026-03-05"))[0]
    assert (listed.days_left, listed.next_step, listed.next_days_left) == (41, "client_signed", 3)

    # An assistant assigned after opening is added and must be informed before the step passes.
    late = f.assistant(db, coord, name="Late")
    f.employment(db, coord, late.ref)
    f.assignment(db, coord, late.ref, w.client, start_date="2026-03-02")
    for code in ("client_signed", "sent_to_unit", "municipality_signed", "provider_told"):
        v = tr.complete_step(db, coord, v.id, code, "2026-03-02")
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-03-03", "2026-03-17")
    with pytest.raises(ValidationError, match=f"assistant {late.ref} \\(Late\\) has not been informed"):
        tr.complete_step(db, coord, v.id, "assistants_informed", "2026-03-03")


def test_permissions_and_stale_version(db, coord, auditor):
    w = build(db, coord, assistants=0)
    with pytest.raises(PermissionDenied):
        tr.open_transfer(db, auditor, w.client, "out", "Aleris", "2026-03-01")
    v = tr.open_transfer(db, coord, w.client, "out", "Aleris", "2026-03-01")
    tr.complete_step(db, coord, v.id, "client_signed", "2026-03-02", version=v.version)
    with pytest.raises(Conflict):
        tr.complete_step(db, coord, v.id, "sent_to_unit", "2026-03-02", version=v.version)
    assert tr.get_transfer(db, auditor, v.id).state == "client_signed"
