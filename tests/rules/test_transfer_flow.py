"""Tests for the provider-switch state machine and step table (bpa_provider.rules.transfer_flow, transfer_steps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bpa_provider.rules.transfer_flow import (
    AssistantState,
    StepRefused,
    TransferState,
    cancel,
    check_step,
    complete_step,
    latest_refusal_deadline,
    next_step,
    stage,
)
from bpa_provider.rules.transfer_steps import (
    STEP_CODES,
    TransferPolicy,
    due_dates,
    earliest_refusal_deadline,
    last_day_before,
    refusal_deadline_valid,
    steps_for,
)

D = date


def codes(direction: str, country: str) -> list[str]:
    return [s.code for s in steps_for(direction, country)]


def make_state(
    direction: str = "out",
    country: str = "NO",
    notice: date = D(2027, 1, 31),
    effective: date = D(2027, 4, 30),
    assistants: tuple[AssistantState, ...] = (),
) -> TransferState:
    return TransferState(direction, country, notice, effective, {}, assistants)


def informed(assistant_id: int, on: date, days: int = 14) -> AssistantState:
    return AssistantState(assistant_id, on, on + timedelta(days=days), None)


def run_to(state: TransferState, last: str, on: date) -> TransferState:
    """Complete every step up to and including `last`, all on date `on`."""
    for code in codes(state.direction, state.country):
        state = complete_step(state, code, on)
        if code == last:
            break
    return state


# ---------------------------------------------------------------------------------------------
# Step lists
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["in", "out"])
def test_step_lists_norway_and_sweden(direction: str) -> None:
    no = codes(direction, "NO")
    se = codes(direction, "SE")
    assert "fk_notice" not in no
    assert se == no[:4] + ["fk_notice"] + no[4:]
    assert no[0] == "notice" and no[-1] == "closed"
    # The list follows the one canonical order.
    assert se == [c for c in STEP_CODES if c in se]


def test_contract_steps_are_reported_only_on_outgoing_transfers() -> None:
    reported_out = {s.code for s in steps_for("out", "SE") if s.reported}
    assert reported_out == {"client_signed", "sent_to_unit", "municipality_signed"}
    assert not any(s.reported for s in steps_for("in", "SE"))


def test_titles_and_law() -> None:
    out = {s.code: s for s in steps_for("out", "NO")}
    inc = {s.code: s for s in steps_for("in", "NO")}
    assert out["handover"].title == "Handover sent"
    assert inc["handover"].title == "Handover received"
    assert out["assistants_informed"].law == "arbeidsmiljøloven § 16-6"
    fk = {s.code: s for s in steps_for("in", "SE")}["fk_notice"]
    assert fk.law == "Försäkringskassan form 3079"
    assert fk.due_offset.describe() == "effective_date - 1 months on day 15"
    assert inc["closed"].due_offset.describe() == "cutover + 14 days"


def test_unknown_direction_or_country() -> None:
    with pytest.raises(ValueError):
        steps_for("sideways", "NO")
    with pytest.raises(ValueError):
        steps_for("in", "DK")
    with pytest.raises(ValueError):
        make_state(notice=D(2027, 5, 1), effective=D(2027, 4, 30))


# ---------------------------------------------------------------------------------------------
# Happy paths
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["in", "out"])
@pytest.mark.parametrize("country", ["NO", "SE"])
def test_happy_path(direction: str, country: str) -> None:
    notice, effective = D(2027, 1, 31), D(2027, 4, 30)
    ann = informed(7, D(2027, 2, 10), days=21)  # deadline 03.03.2027
    state = make_state(direction, country, notice, effective, (ann, informed(8, D(2027, 2, 12))))
    plan = {
        "notice": notice,
        "client_signed": D(2027, 2, 3),
        "sent_to_unit": D(2027, 2, 4),
        "municipality_signed": D(2027, 2, 8),
        "fk_notice": D(2027, 2, 9),
        "provider_told": D(2027, 2, 9),
        "assistants_informed": D(2027, 2, 12),
        "refusal_deadline_passed": D(2027, 3, 4),  # the day after the latest deadline
        "handover": D(2027, 4, 20),
        "cutover": effective,
        "closed": D(2027, 5, 14),
    }
    assert stage(state) == "new"
    for code in codes(direction, country):
        assert next_step(state) is not None and next_step(state).code == code
        state = complete_step(state, code, plan[code])
        assert stage(state) == code
    assert next_step(state) is None
    assert ("fk_notice" in state.done) == (country == "SE")
    assert list(state.done) == codes(direction, country)
    with pytest.raises(StepRefused, match="closed"):
        cancel(state, D(2027, 6, 1))


def test_complete_step_does_not_change_the_given_state() -> None:
    state = make_state()
    new = complete_step(state, "notice", state.notice_date)
    assert state.done == {} and new.done == {"notice": state.notice_date}
    with pytest.raises(TypeError):
        new.done["client_signed"] = D(2027, 2, 1)  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Refusals and their messages
# ---------------------------------------------------------------------------------------------


def test_message_names_the_missing_step() -> None:
    state = run_to(make_state(), "sent_to_unit", D(2027, 2, 1))
    with pytest.raises(StepRefused) as err:
        check_step(state, "provider_told", D(2027, 2, 2))
    assert err.value.message == "Municipality signed must be done first"
    assert err.value.rule == "must_be_done_first"
    # Closing too early names the first missing step, the one to do next.
    with pytest.raises(StepRefused, match="^Client signed must be done first$"):
        check_step(complete_step(make_state(), "notice", D(2027, 1, 31)), "closed", D(2027, 5, 1))
    with pytest.raises(StepRefused, match="^Notice received must be done first$"):
        check_step(make_state(), "client_signed", D(2027, 2, 1))


def test_refusals_are_in_the_language_of_the_app() -> None:
    """The app asks in Norwegian or Swedish: the refusal and the step it names are translated
    where shown, whatever the language was when it was raised."""
    from bpa_provider import i18n

    state = run_to(make_state(), "sent_to_unit", D(2027, 2, 1))
    try:
        for lang, expected in (("nb", "Kommunen har signert må gjøres først"), ("sv", None)):
            i18n.set_language(lang)
            with pytest.raises(StepRefused) as err:
                check_step(state, "provider_told", D(2027, 2, 2))
            assert err.value.rule == "must_be_done_first"
            # Raised as a message id: English for logs, translated where it is shown.
            assert err.value.message == "Municipality signed must be done first"
            assert "must be done first" not in err.value.localized()
            if expected:
                assert err.value.localized() == expected
    finally:
        i18n.set_language("en")


def test_fk_notice_required_in_sweden_only() -> None:
    se = run_to(make_state(country="SE"), "municipality_signed", D(2027, 2, 1))
    with pytest.raises(StepRefused, match="^Försäkringskassan notified must be done first$"):
        check_step(se, "provider_told", D(2027, 2, 2))
    no = run_to(make_state(country="NO"), "municipality_signed", D(2027, 2, 1))
    check_step(no, "provider_told", D(2027, 2, 2))
    with pytest.raises(StepRefused, match="does not apply to NO"):
        check_step(no, "fk_notice", D(2027, 2, 2))


def test_cutover_message_names_the_effective_date() -> None:
    state = run_to(make_state(assistants=(informed(7, D(2027, 2, 1)),)), "handover", D(2027, 3, 1))
    with pytest.raises(StepRefused) as err:
        check_step(state, "cutover", D(2027, 4, 29))
    assert err.value.message == "cut-over cannot be before the effective date 30.04.2027"
    check_step(state, "cutover", D(2027, 4, 30))


def test_refusal_deadline_message_names_the_assistant_and_the_date() -> None:
    a7 = AssistantState(7, D(2027, 2, 20), D(2027, 3, 14), None)
    state = run_to(make_state(assistants=(informed(3, D(2027, 2, 1)), a7)), "assistants_informed", D(2027, 2, 20))
    with pytest.raises(StepRefused) as err:
        check_step(state, "refusal_deadline_passed", D(2027, 3, 13))
    assert err.value.message == "refusal deadline for assistant 7 has not passed (14.03.2027)"
    assert err.value.params == {"assistant_id": 7, "deadline": "14.03.2027"}
    # The deadline day is the assistant's own: a refusal that day is in time (issue 13, fix 8).
    with pytest.raises(StepRefused, match="has not passed"):
        check_step(state, "refusal_deadline_passed", D(2027, 3, 14))
    check_step(state, "refusal_deadline_passed", D(2027, 3, 15))


def test_uninformed_assistant_blocks_informing_step() -> None:
    state = run_to(
        make_state(assistants=(informed(1, D(2027, 2, 1)), AssistantState(2, None, None, None))),
        "provider_told",
        D(2027, 2, 1),
    )
    with pytest.raises(StepRefused, match="^assistant 2 has not been informed$"):
        check_step(state, "assistants_informed", D(2027, 2, 2))


def test_short_or_missing_refusal_deadline_blocks_informing_step() -> None:
    base = run_to(make_state(), "provider_told", D(2027, 2, 1))
    short = replace(base, assistants=(AssistantState(5, D(2027, 2, 1), D(2027, 2, 14), None),))
    with pytest.raises(StepRefused, match=r"assistant 5 \(14.02.2027\) must be at least 14 days"):
        check_step(short, "assistants_informed", D(2027, 2, 2))
    # A provider policy of a longer minimum is a parameter.
    ok = replace(base, assistants=(informed(5, D(2027, 2, 1)),))
    check_step(ok, "assistants_informed", D(2027, 2, 2))
    with pytest.raises(StepRefused, match="at least 21 days"):
        check_step(ok, "assistants_informed", D(2027, 2, 2), refusal_days=21)
    none = replace(base, assistants=(AssistantState(6, D(2027, 2, 1), None, None),))
    with pytest.raises(StepRefused, match="^assistant 6 has no refusal deadline$"):
        check_step(none, "assistants_informed", D(2027, 2, 2))
    later = replace(base, assistants=(informed(9, D(2027, 2, 5)),))
    with pytest.raises(StepRefused, match="assistant 9 was informed on 05.02.2027, after 02.02.2027"):
        check_step(later, "assistants_informed", D(2027, 2, 2))


def test_assistant_added_after_deadline_step_blocks_cutover() -> None:
    state = run_to(make_state(assistants=(informed(1, D(2027, 2, 1)),)), "handover", D(2027, 3, 1))
    late = AssistantState(2, D(2027, 4, 25), D(2027, 5, 9), None)
    state = replace(state, assistants=(*state.assistants, late))
    with pytest.raises(StepRefused, match=r"assistant 2 has not passed \(09.05.2027\)"):
        check_step(state, "cutover", D(2027, 4, 30))
    with pytest.raises(StepRefused, match=r"assistant 2 has not passed"):
        check_step(state, "cutover", D(2027, 5, 9))  # the deadline day is still the assistant's
    check_step(state, "cutover", D(2027, 5, 10))


def test_dates_may_not_precede_notice_or_earlier_steps() -> None:
    state = make_state()
    with pytest.raises(StepRefused, match="^the date cannot be before the notice date 31.01.2027$"):
        check_step(state, "notice", D(2027, 1, 30))
    state = run_to(state, "client_signed", D(2027, 2, 10))
    with pytest.raises(StepRefused, match=r"^the date cannot be before Client signed \(10.02.2027\)$"):
        check_step(state, "sent_to_unit", D(2027, 2, 9))
    check_step(state, "sent_to_unit", D(2027, 2, 10))


def test_no_step_twice_and_unknown_step() -> None:
    state = run_to(make_state(), "client_signed", D(2027, 2, 1))
    with pytest.raises(StepRefused, match=r"^Client signed is already done \(01.02.2027\)$"):
        check_step(state, "client_signed", D(2027, 2, 2))
    with pytest.raises(StepRefused, match="unknown step 'teleport'"):
        check_step(state, "teleport", D(2027, 2, 2))


def test_cancel_rules() -> None:
    state = run_to(make_state(), "handover", D(2027, 3, 1))
    cancelled = cancel(state, D(2027, 3, 2))
    assert cancelled.cancelled and stage(cancelled) == "cancelled" and next_step(cancelled) is None
    assert cancelled.done == state.done  # the history is kept
    with pytest.raises(StepRefused, match="^the transfer is cancelled$"):
        complete_step(cancelled, "cutover", D(2027, 4, 30))
    with pytest.raises(StepRefused, match="^the transfer is cancelled$"):
        cancel(cancelled, D(2027, 3, 3))
    with pytest.raises(StepRefused, match="before Handover sent"):
        cancel(state, D(2027, 2, 28))
    cut = complete_step(state, "cutover", D(2027, 4, 30))
    with pytest.raises(StepRefused) as err:
        cancel(cut, D(2027, 5, 1))
    assert err.value.message == "the transfer cannot be cancelled after cut-over (30.04.2027)"


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def test_earliest_deadline_and_last_day_are_the_rules_dates() -> None:
    # The forms propose the earliest deadline and the services refuse an earlier one: one rule.
    assert earliest_refusal_deadline(D(2028, 2, 15)) == D(2028, 2, 29)
    assert earliest_refusal_deadline(D(2026, 3, 2), 21) == D(2026, 3, 23)
    assert refusal_deadline_valid(D(2026, 3, 2), earliest_refusal_deadline(D(2026, 3, 2), 21), 21)
    assert last_day_before(D(2026, 3, 1)) == D(2026, 2, 28)
    assert last_day_before(D(2028, 1, 1)) == D(2027, 12, 31)


def test_refusal_deadline_valid_across_february() -> None:
    # Leap year: 15 Feb + 14 days = 29 Feb.
    assert not refusal_deadline_valid(D(2028, 2, 15), D(2028, 2, 28))
    assert refusal_deadline_valid(D(2028, 2, 15), D(2028, 2, 29))
    # Common year: 15 Feb + 14 days = 1 Mar.
    assert not refusal_deadline_valid(D(2027, 2, 15), D(2027, 2, 28))
    assert refusal_deadline_valid(D(2027, 2, 15), D(2027, 3, 1))
    # Year end.
    assert refusal_deadline_valid(D(2027, 12, 20), D(2028, 1, 3))
    assert not refusal_deadline_valid(D(2027, 12, 20), D(2028, 1, 2))
    assert not refusal_deadline_valid(D(2027, 12, 20), D(2028, 1, 3), min_days=15)


def test_due_dates_with_month_end_notice() -> None:
    notice = D(2027, 1, 31)
    effective = notice + relativedelta(months=3)  # 30.04.2027, the documented example
    due = due_dates("out", "SE", notice, effective)
    assert effective == D(2027, 4, 30)
    assert list(due) == codes("out", "SE")
    assert due["notice"] == notice
    assert due["client_signed"] == due["sent_to_unit"] == D(2027, 2, 7)
    assert due["municipality_signed"] == due["provider_told"] == D(2027, 2, 14)
    assert due["assistants_informed"] == D(2027, 2, 14)
    assert due["fk_notice"] == D(2027, 3, 15)
    assert due["refusal_deadline_passed"] == D(2027, 3, 1)
    assert due["handover"] == D(2027, 4, 23)
    assert due["cutover"] == effective
    assert due["closed"] == D(2027, 5, 14)
    assert "fk_notice" not in due_dates("out", "NO", notice, effective)


def test_due_dates_in_leap_years() -> None:
    notice = D(2027, 11, 30)
    effective = notice + relativedelta(months=3)
    assert effective == D(2028, 2, 29)
    due = due_dates("in", "SE", notice, effective, informed_on=D(2028, 2, 15))
    assert due["fk_notice"] == D(2028, 1, 15)
    assert due["refusal_deadline_passed"] == D(2028, 3, 1)
    assert due["cutover"] == D(2028, 3, 1)
    # Notice on the leap day itself.
    due = due_dates("in", "NO", D(2028, 2, 29), D(2028, 5, 29))
    assert due["assistants_informed"] == D(2028, 3, 14)
    assert due["refusal_deadline_passed"] == D(2028, 3, 29)


@pytest.mark.parametrize(
    ("effective", "fk_due"),
    [
        (D(2028, 1, 1), D(2027, 12, 15)),  # over the year end
        (D(2028, 3, 31), D(2028, 2, 15)),
        (D(2027, 3, 1), D(2027, 2, 15)),
        (D(2027, 12, 31), D(2027, 11, 15)),
    ],
)
def test_fk_notice_is_due_the_15th_of_the_month_before(effective: date, fk_due: date) -> None:
    assert due_dates("out", "SE", D(2026, 10, 1), effective)["fk_notice"] == fk_due


def test_due_dates_when_the_effective_date_is_close() -> None:
    # An agreed date ten days after notice: assistants must be informed at once, and cut-over
    # cannot come before their 14 days have run out.
    notice, effective = D(2027, 3, 1), D(2027, 3, 11)
    due = due_dates("out", "NO", notice, effective)
    assert due["client_signed"] == due["assistants_informed"] == notice
    assert due["refusal_deadline_passed"] == D(2027, 3, 16)
    assert due["handover"] == due["cutover"] == D(2027, 3, 16)
    assert due["closed"] == D(2027, 3, 30)
    # With twenty days, informing is due five days after notice: the 14 days and the deadline
    # day itself have then passed before the effective date.
    due = due_dates("out", "NO", notice, D(2027, 3, 21))
    assert due["assistants_informed"] == D(2027, 3, 6)
    assert due["cutover"] == D(2027, 3, 21)


def test_due_dates_follow_actual_deadlines_and_policy() -> None:
    notice, effective = D(2027, 1, 31), D(2027, 4, 30)
    deadlines = [D(2027, 3, 1), None, D(2027, 5, 6)]
    due = due_dates("out", "NO", notice, effective, deadlines=deadlines)
    assert due["refusal_deadline_passed"] == D(2027, 5, 7)
    assert due["cutover"] == D(2027, 5, 7)
    due = due_dates("out", "NO", notice, effective, policy=TransferPolicy(inform_days=10, close_days=30))
    assert due["assistants_informed"] == D(2027, 2, 10)
    assert due["closed"] == D(2027, 5, 30)
    a = (informed(1, D(2027, 2, 1)), AssistantState(2, None, None, None), informed(3, D(2027, 2, 3), 20))
    assert latest_refusal_deadline(a) == D(2027, 2, 23)
    assert latest_refusal_deadline(()) is None


# ---------------------------------------------------------------------------------------------
# Hypothesis: random sequences of attempts
# ---------------------------------------------------------------------------------------------

NOTICE = D(2027, 1, 31)


@st.composite
def assistant_lists(draw: st.DrawFn) -> tuple[AssistantState, ...]:
    """Assistants in every condition: informed or not, with lawful, short or missing deadlines."""
    n = draw(st.integers(0, 3))
    out = []
    for i in range(n):
        # Mostly informed with a lawful deadline, so that runs get past the informing step.
        informed_on = draw(
            st.sampled_from([True] * 5 + [False]).flatmap(
                lambda yes: st.integers(-5, 120).map(lambda d: NOTICE + timedelta(days=d)) if yes else st.none()
            )
        )
        deadline = None
        if informed_on is not None:
            deadline = draw(
                st.sampled_from([True] * 5 + [False]).flatmap(
                    lambda lawful, b=informed_on: (st.integers(14, 40) if lawful else st.integers(0, 13)).map(
                        lambda d: b + timedelta(days=d)
                    )
                )
                | st.none()
            )
        out.append(AssistantState(i + 1, informed_on, deadline, None))
    return tuple(out)


def check_invariants(state: TransferState) -> None:
    order = codes(state.direction, state.country)
    done = list(state.done)
    # Completed steps are always a prefix of the list, in order, with non-decreasing dates.
    assert set(done) == set(order[: len(done)])
    dates = [state.done[c] for c in order[: len(done)]]
    assert dates == sorted(dates)
    assert all(d >= state.notice_date for d in dates)
    assert "closed" not in state.done or "municipality_signed" in state.done
    if "fk_notice" in state.done:
        assert state.country == "SE"


@settings(max_examples=200, deadline=None)
@given(
    direction=st.sampled_from(["in", "out"]),
    country=st.sampled_from(["NO", "SE"]),
    effective_days=st.integers(0, 150),
    assistants=assistant_lists(),
    data=st.data(),
)
def test_random_sequences_keep_the_invariants(
    direction: str, country: str, effective_days: int, assistants: tuple[AssistantState, ...], data: st.DataObject
) -> None:
    state = TransferState(direction, country, NOTICE, NOTICE + timedelta(days=effective_days), {}, assistants)
    last = NOTICE
    for _ in range(data.draw(st.integers(1, 40), label="attempts")):
        action = data.draw(st.sampled_from(["next"] * 30 + ["any"] * 6 + ["cancel", "assistants"]))
        # Dates mostly move forward from the last attempt, sometimes jump anywhere (before the
        # notice too), sometimes land just around the latest deadline or effective date.
        latest = max(
            [last, state.effective_date, *(a.refusal_deadline for a in state.assistants if a.refusal_deadline)]
        )
        on = data.draw(
            st.one_of(
                st.integers(0, 30).map(lambda d: last + timedelta(days=d)),
                st.integers(-10, 200).map(lambda d: NOTICE + timedelta(days=d)),
                st.integers(-2, 3).map(lambda d: latest + timedelta(days=d)),
            )
        )
        before = state
        try:
            if action == "cancel":
                state = cancel(state, on)
            elif action == "assistants":
                # The assistant list may change under a running transfer (someone hired late).
                state = TransferState(
                    direction,
                    country,
                    NOTICE,
                    state.effective_date,
                    state.done,
                    data.draw(assistant_lists()),
                    cancelled=state.cancelled,
                )
                before = state
            else:
                nxt = next_step(state)
                code = nxt.code if action == "next" and nxt else data.draw(st.sampled_from([*STEP_CODES, "bogus"]))
                state = complete_step(state, code, on)
                # A completed step was the next one, on a date not before anything already done.
                assert nxt is not None and code == nxt.code
                if code == "cutover":
                    event("cut over")
                    assert on >= state.effective_date
                    for a in state.assistants:
                        assert a.informed_on is not None and a.refusal_deadline is not None
                        assert on > a.refusal_deadline
                        assert refusal_deadline_valid(a.informed_on, a.refusal_deadline)
                if code == "refusal_deadline_passed":
                    assert all(a.refusal_deadline and on > a.refusal_deadline for a in state.assistants)
                if code == "closed":
                    assert "municipality_signed" in before.done
            last = max(last, on)
        except StepRefused as refused:
            assert refused.message  # every refusal says something
            assert state is before  # and changes nothing
            if action == "cancel":
                assert (
                    before.cancelled
                    or "cutover" in before.done
                    or "closed" in before.done
                    or on < max([before.notice_date, *before.done.values()])
                )
        if before.cancelled and action != "assistants":
            assert state is before  # nothing happens after a cancellation
        check_invariants(state)
        if "cutover" in state.done:
            with pytest.raises(StepRefused):
                cancel(state, on)
        assert (stage(state) == "cancelled") == state.cancelled
    event(f"final stage: {stage(state)}")  # see --hypothesis-show-statistics: deep stages are reached


@settings(max_examples=200, deadline=None)
@given(
    direction=st.sampled_from(["in", "out"]),
    country=st.sampled_from(["NO", "SE"]),
    effective_days=st.integers(0, 400),
    informed_days=st.lists(st.tuples(st.integers(0, 60), st.integers(14, 60)), max_size=4),
    gaps=st.lists(st.integers(0, 20), min_size=11, max_size=11),
)
def test_a_patient_coordinator_always_reaches_closed(
    direction: str, country: str, effective_days: int, informed_days: list[tuple[int, int]], gaps: list[int]
) -> None:
    """Doing the next step at the earliest lawful date never gets stuck, and cut-over lands on
    the later of the effective date and the last refusal deadline."""
    assistants = tuple(
        AssistantState(i, NOTICE + timedelta(days=d), NOTICE + timedelta(days=d + k), None)
        for i, (d, k) in enumerate(informed_days)
    )
    effective = NOTICE + timedelta(days=effective_days)
    state = TransferState(direction, country, NOTICE, effective, {}, assistants)
    on = NOTICE
    for gap in gaps:
        step = next_step(state)
        if step is None:
            break
        on = on + timedelta(days=gap)
        if step.code == "assistants_informed":
            on = max([on, *(a.informed_on for a in assistants if a.informed_on)])
        if step.code == "refusal_deadline_passed":
            on = max([on, *(a.refusal_deadline + timedelta(days=1) for a in assistants if a.refusal_deadline)])
        if step.code == "cutover":
            earliest = max(
                [effective, *(a.refusal_deadline + timedelta(days=1) for a in assistants if a.refusal_deadline)]
            )
            with pytest.raises(StepRefused) as err:
                check_step(state, "cutover", earliest - timedelta(days=1))
            assert err.value.rule in {
                "cutover_before_effective",
                "deadline_not_passed",
                "before_last_step",
                "before_notice",
            }
            on = max(on, earliest)
        state = complete_step(state, step.code, on)
    assert stage(state) == "closed"
    assert list(state.done) == codes(direction, country)
