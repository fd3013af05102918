"""The provider-switch workflow as a pure state machine.

When a client switches provider, the client, the assistants, the municipality and two companies all
depend on dates and papers being right (issue 5; Sweden: issue 9, item 6; facts in
`domain.md`, "Switching provider" and "Sweden"). This module knows the steps of a transfer, in which
order they may be completed, what each step waits for, and when each step is due. It holds no
database and does no I/O: the transfers service loads a `TransferState`, asks `check_step` /
`complete_step` / `cancel`, and writes the result together with its audit event. The step table
and the due dates are `rules.transfer_steps`.

The steps, in order:

    notice -> client_signed -> sent_to_unit -> municipality_signed [-> fk_notice (SE)]
    -> provider_told -> assistants_informed -> refusal_deadline_passed -> handover
    -> cutover -> closed

or cancelled at any point before cut-over. On an outgoing transfer the contract steps
(`client_signed`, `sent_to_unit`, `municipality_signed`) are the new provider's business; we record
them as they are reported to us (`StepDef.reported`).

Every number (14 days to refuse, the 15th of the month for Försäkringskassan, ...) is a parameter
with a default: `TransferPolicy` for due-date targets, `refusal_days` for the statutory minimum.
Every refusal message is written once, in `_MESSAGES` (marked for translation), and `StepRefused`
carries the rule id and the values: `.message` is English (logs, tests), `.localized()` the words in
the language in force, made where the refusal is shown (a service re-raises it as a ValidationError
with the same message id and values).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_, Msg, render_message
from bpa_provider.rules.dates import format_date
from bpa_provider.rules.transfer_steps import (
    COUNTRIES,
    DEFAULT_REFUSAL_DAYS,
    DIRECTIONS,
    STAGE_CANCELLED,
    STAGE_NEW,
    STEP_CODES,
    StepDef,
    refusal_deadline_valid,
    steps_for,
)

# The step table is `rules.transfer_steps`; the names used all over (`flow.steps_for`,
# `flow.STAGE_CANCELLED`) stay importable from here.
__all__ = [
    "STAGE_CANCELLED",
    "STAGE_NEW",
    "steps_for",
    "AssistantState",
    "StepRefused",
    "TransferState",
    "cancel",
    "check_step",
    "complete_step",
    "latest_refusal_deadline",
    "next_step",
    "stage",
]


@dataclass(frozen=True)
class AssistantState:
    """One assistant of the client, as far as the transfer is concerned."""

    assistant_id: int
    informed_on: date | None
    refusal_deadline: date | None
    refused_on: date | None


@dataclass(frozen=True)
class TransferState:
    """Everything the workflow rules need to know about one transfer."""

    direction: str
    country: str
    notice_date: date
    effective_date: date
    done: Mapping[str, date]  # step code -> done date
    assistants: Sequence[AssistantState]
    cancelled: bool = False
    # Whether the client consented to sharing the client part of the handover package. Carried for
    # the handover export; no step of the workflow waits for it (a package without the client
    # part is still a valid handover).
    client_consent: bool = False

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise Invalid(
                N_("direction must be one of {allowed}, not “{value}”"),
                allowed=", ".join(DIRECTIONS),
                value=self.direction,
            )
        if self.country not in COUNTRIES:
            raise Invalid(
                N_("country must be one of {allowed}, not “{value}”"), allowed=", ".join(COUNTRIES), value=self.country
            )
        if self.effective_date < self.notice_date:
            raise Invalid(N_("the effective date cannot be before the notice date"))
        # Freeze the containers too, so a state handed to the UI cannot be changed behind our back.
        object.__setattr__(self, "done", MappingProxyType(dict(self.done)))
        object.__setattr__(self, "assistants", tuple(self.assistants))


# ---------------------------------------------------------------------------------------------
# Refusals: every message in one place
# ---------------------------------------------------------------------------------------------

_MESSAGES: dict[str, str] = {
    "unknown_step": N_("unknown step '{code}'"),
    "not_applicable": N_("step '{code}' does not apply to {country} transfers"),
    "cancelled": N_("the transfer is cancelled"),
    "closed": N_("the transfer is closed"),
    "already_done": N_("{step} is already done ({done_on})"),
    "before_notice": N_("the date cannot be before the notice date {notice_date}"),
    "before_last_step": N_("the date cannot be before {step} ({done_on})"),
    "must_be_done_first": N_("{step} must be done first"),
    "assistant_not_informed": N_("assistant {assistant_id} has not been informed"),
    "assistant_informed_later": N_("assistant {assistant_id} was informed on {informed_on}, after {on}"),
    "assistant_no_deadline": N_("assistant {assistant_id} has no refusal deadline"),
    "deadline_too_short": N_(
        "refusal deadline for assistant {assistant_id} ({deadline}) must be at least "
        "{min_days} days after they were informed ({informed_on})"
    ),
    "deadline_not_passed": N_("refusal deadline for assistant {assistant_id} has not passed ({deadline})"),
    "cutover_before_effective": N_("cut-over cannot be before the effective date {effective_date}"),
    "cancel_after_cutover": N_("the transfer cannot be cancelled after cut-over ({done_on})"),
}


class StepRefused(Exception):
    """A step (or a cancellation) that may not happen; `message` names what is missing.

    `rule` is the key of the message and `params` its values, so the UI can translate the text.
    """

    def __init__(self, rule: str, **params: Any) -> None:
        self.rule = rule
        self.params = params
        self.template = _MESSAGES[rule]
        # A step's title is itself a message id: translated where the refusal is shown.
        self.shown_params = {k: (Msg(v) if k == "step" and isinstance(v, str) else v) for k, v in params.items()}
        self.message = render_message(self.template, self.shown_params, translate=False)
        super().__init__(self.message)

    def localized(self) -> str:
        """The refusal in the current language."""
        return render_message(self.template, self.shown_params)


def latest_refusal_deadline(assistants: Iterable[AssistantState]) -> date | None:
    """The latest refusal deadline among `assistants`, or None when none has one."""
    return max((a.refusal_deadline for a in assistants if a.refusal_deadline is not None), default=None)


# ---------------------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------------------


def _step_map(state: TransferState) -> dict[str, StepDef]:
    return {s.code: s for s in steps_for(state.direction, state.country)}


def _check_open(state: TransferState) -> None:
    # Nothing happens after the end of a transfer; a cancelled one keeps its history as it was.
    if state.cancelled:
        raise StepRefused("cancelled")
    if "closed" in state.done:
        raise StepRefused("closed")


def _check_date(state: TransferState, on: date, steps: Mapping[str, StepDef]) -> None:
    if on < state.notice_date:
        raise StepRefused("before_notice", notice_date=format_date(state.notice_date))
    if state.done:
        # Steps are done in order, so their dates may not run backwards. Name the latest step
        # (on a tie, the one furthest along), which is the one the person just recorded.
        order = {c: i for i, c in enumerate(STEP_CODES)}
        last_code, last_on = max(state.done.items(), key=lambda item: (item[1], order.get(item[0], -1)))
        if on < last_on:
            title = steps[last_code].title if last_code in steps else last_code
            raise StepRefused("before_last_step", step=title, done_on=format_date(last_on))


def _check_assistants(state: TransferState, on: date, refusal_days: int, *, deadlines_passed: bool) -> None:
    # Every listed assistant transfers unless they refuse in writing, so every one must have been
    # informed with a lawful deadline; nobody can be skipped by leaving them uninformed.
    for a in state.assistants:
        if a.informed_on is None:
            raise StepRefused("assistant_not_informed", assistant_id=a.assistant_id)
        if a.informed_on > on:
            raise StepRefused(
                "assistant_informed_later",
                assistant_id=a.assistant_id,
                informed_on=format_date(a.informed_on),
                on=format_date(on),
            )
        if a.refusal_deadline is None:
            raise StepRefused("assistant_no_deadline", assistant_id=a.assistant_id)
        if not refusal_deadline_valid(a.informed_on, a.refusal_deadline, refusal_days):
            raise StepRefused(
                "deadline_too_short",
                assistant_id=a.assistant_id,
                deadline=format_date(a.refusal_deadline),
                min_days=refusal_days,
                informed_on=format_date(a.informed_on),
            )
        # The deadline day is the assistant's own: a refusal that day is in time (§ 16-3).
        if deadlines_passed and on <= a.refusal_deadline:
            raise StepRefused(
                "deadline_not_passed",
                assistant_id=a.assistant_id,
                deadline=format_date(a.refusal_deadline),
            )


def check_step(state: TransferState, code: str, on: date, *, refusal_days: int = DEFAULT_REFUSAL_DAYS) -> None:
    """Raise `StepRefused` when step `code` may not be completed on `on`; return None otherwise."""
    if code not in STEP_CODES:
        raise StepRefused("unknown_step", code=code)
    steps = _step_map(state)
    if code not in steps:
        raise StepRefused("not_applicable", code=code, country=state.country)
    _check_open(state)
    if code in state.done:
        raise StepRefused("already_done", step=steps[code].title, done_on=format_date(state.done[code]))

    # Order: every earlier step of this transfer's list must be done. Name the first one missing —
    # it is the one the coordinator can do next.
    for earlier in steps.values():
        if earlier.code == code:
            break
        if earlier.code not in state.done:
            raise StepRefused("must_be_done_first", step=earlier.title)
    # Belt and braces for the rule that matters most: the order above already implies it.
    if code == "closed" and "municipality_signed" not in state.done:
        raise StepRefused("must_be_done_first", step=steps["municipality_signed"].title)

    _check_date(state, on, steps)

    if code == "assistants_informed":
        _check_assistants(state, on, refusal_days, deadlines_passed=False)
    elif code == "refusal_deadline_passed":
        _check_assistants(state, on, refusal_days, deadlines_passed=True)
    elif code == "cutover":
        if on < state.effective_date:
            raise StepRefused("cutover_before_effective", effective_date=format_date(state.effective_date))
        # The assistant list may have changed since the deadline step (an assistant added late):
        # check again, so nobody is cut over before their own deadline.
        _check_assistants(state, on, refusal_days, deadlines_passed=True)


def complete_step(
    state: TransferState, code: str, on: date, *, refusal_days: int = DEFAULT_REFUSAL_DAYS
) -> TransferState:
    """Check step `code` on `on` and return the new state with it done; raise `StepRefused` if not."""
    check_step(state, code, on, refusal_days=refusal_days)
    return dataclasses.replace(state, done={**state.done, code: on})


def cancel(state: TransferState, on: date) -> TransferState:
    """Return the state cancelled on `on`; refused once cut over, closed or already cancelled.

    The reason is recorded by the caller with the transfer; this rule only decides whether a
    cancellation is allowed. The done steps are kept: a cancelled transfer keeps its history.
    """
    _check_open(state)
    if "cutover" in state.done:
        # After cut-over the assistants and the client are already with the new provider.
        raise StepRefused("cancel_after_cutover", done_on=format_date(state.done["cutover"]))
    _check_date(state, on, _step_map(state))
    return dataclasses.replace(state, cancelled=True)


def next_step(state: TransferState) -> StepDef | None:
    """The next step to do, or None when the transfer is cancelled or closed."""
    if state.cancelled:
        return None
    for s in steps_for(state.direction, state.country):
        if s.code not in state.done:
            return s
    return None


def stage(state: TransferState) -> str:
    """The code of the last completed step, "cancelled", or "new" when no step is done yet."""
    if state.cancelled:
        return STAGE_CANCELLED
    last = STAGE_NEW
    for s in steps_for(state.direction, state.country):
        if s.code in state.done:
            last = s.code
    return last
