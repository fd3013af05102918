"""Shared by the transfer-flow rule tests (test_transfer_flow.py, test_transfer_flow_random.py):
states, step lists and a runner."""

from __future__ import annotations

from datetime import date, timedelta

from bpa_provider.rules.transfer_flow import (
    AssistantState,
    TransferState,
    complete_step,
)
from bpa_provider.rules.transfer_steps import (
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
