"""Hypothesis: random sequences of attempts on a transfer keep its invariants, and a patient
coordinator always reaches the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from transfer_flow_kit import (
    D,
    codes,
)

from bpa_provider.rules.transfer_flow import (
    AssistantState,
    StepRefused,
    TransferState,
    cancel,
    check_step,
    complete_step,
    next_step,
    stage,
)
from bpa_provider.rules.transfer_steps import (
    STEP_CODES,
    refusal_deadline_valid,
)

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
