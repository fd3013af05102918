"""The provider-switch workflow as a pure state machine.

When a client switches provider, the client, the assistants, the municipality and two companies all
depend on dates and papers being right (issue 5; Sweden: issue 9, item 6; facts in
`domain.md`, "Switching provider" and "Sweden"). This module knows the steps of a transfer, in which
order they may be completed, what each step waits for, and when each step is due. It holds no
database and does no I/O: the transfers service loads a `TransferState`, asks `check_step` /
`complete_step` / `cancel`, and writes the result together with its audit event.

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
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from dateutil.relativedelta import relativedelta

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_, Msg, render_message
from bpa_provider.rules.dates import format_date

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

DIRECTIONS: tuple[str, ...] = ("in", "out")
COUNTRIES: tuple[str, ...] = ("NO", "SE")

#: Every step code, in workflow order. `fk_notice` exists only on Swedish transfers.
STEP_CODES: tuple[str, ...] = (
    "notice",
    "client_signed",
    "sent_to_unit",
    "municipality_signed",
    "fk_notice",
    "provider_told",
    "assistants_informed",
    "refusal_deadline_passed",
    "handover",
    "cutover",
    "closed",
)

#: The steps that belong to the new provider; on an outgoing transfer they are reported to us.
CONTRACT_STEPS: frozenset[str] = frozenset({"client_signed", "sent_to_unit", "municipality_signed"})

#: What `stage` returns for a cancelled transfer, and for one where no step is done yet.
STAGE_CANCELLED = "cancelled"
STAGE_NEW = "new"

#: Arbeidsmiljøloven § 16-3: the assistant gets *at least* 14 days to refuse in writing.
DEFAULT_REFUSAL_DAYS = 14

# Anchors a due date can be derived from (besides any earlier step's code).
ANCHOR_NOTICE = "notice_date"  # the transfer's notice date
ANCHOR_EFFECTIVE = "effective_date"  # the transfer's effective date
# The last day assistants can be informed so that their refusal deadline still falls on or before
# the effective date: effective date - refusal_days.
ANCHOR_INFORM_BY = "inform_by"
# The latest refusal deadline: the assistants' actual deadlines when known, else informed + days.
ANCHOR_REFUSAL_DEADLINE = "refusal_deadline"
_DATE_ANCHORS = frozenset({ANCHOR_NOTICE, ANCHOR_EFFECTIVE, ANCHOR_INFORM_BY, ANCHOR_REFUSAL_DEADLINE})


@dataclass(frozen=True)
class TransferPolicy:
    """Due-date targets for the steps that law leaves to the provider (*(policy)* in domain.md).

    These set when a step is *due* (for the checklist and the dashboard); they never refuse a step.
    """

    #: The client signs the new contract and it goes to the municipality's case unit within a week.
    contract_days: int = 7
    #: The municipality signs (three-party agreement in force) and the current provider is told.
    agreement_days: int = 14
    #: Assistants are informed within two weeks of notice, well before the effective date.
    inform_days: int = 14
    #: The handover package goes out a week before cut-over, so the other side can prepare.
    handover_lead_days: int = 7
    #: The transfer is closed two weeks after cut-over (last timesheets, final hour balance).
    close_days: int = 14
    #: Sweden: Försäkringskassan must have form 3079 by the 15th of the month before the change.
    fk_day_of_month: int = 15
    fk_months_before: int = 1


DEFAULT_POLICY = TransferPolicy()


@dataclass(frozen=True)
class DueOffset:
    """How a step's due date derives: ``anchor + delta``, then kept within bounds.

    `anchor` is one of the date anchors (`notice_date`, `effective_date`, `inform_by`,
    `refusal_deadline`) or the code of an earlier step. The result is pulled back to `not_after`
    when later than it, then pushed forward to the latest of `not_before` — a lower bound wins,
    because those are dates before which the step cannot be done at all.
    """

    anchor: str
    delta: relativedelta = field(default_factory=relativedelta)
    not_after: str | None = None
    not_before: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short English description, e.g. ``notice_date + 14 days, not after inform_by``."""
        text = self.anchor
        if self.delta:
            text += f" {_describe_delta(self.delta)}"
        if self.not_after:
            text += f", not after {self.not_after}"
        if self.not_before:
            text += f", not before {' / '.join(self.not_before)}"
        return text


def _describe_delta(delta: relativedelta) -> str:
    parts = []
    for unit in ("months", "days"):
        value = getattr(delta, unit)
        if value:
            parts.append(f"{'+' if value > 0 else '-'} {abs(value)} {unit}")
    if delta.day:
        parts.append(f"on day {delta.day}")
    return " ".join(parts)


@dataclass(frozen=True)
class StepDef:
    """One step of a transfer as the checklist shows it."""

    code: str
    #: Short English title; refusal messages use it ("Municipality signed must be done first").
    title: str
    #: True when the step is another party's and we only record what was reported to us.
    reported: bool
    #: The legal or formal basis shown beside the step, if any.
    law: str | None
    due_offset: DueOffset


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
            raise Invalid(N_("direction must be one of {allowed}, not “{value}”"), allowed=", ".join(DIRECTIONS),
                          value=self.direction)
        if self.country not in COUNTRIES:
            raise Invalid(N_("country must be one of {allowed}, not “{value}”"), allowed=", ".join(COUNTRIES),
                          value=self.country)
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


# ---------------------------------------------------------------------------------------------
# Step definitions and due dates
# ---------------------------------------------------------------------------------------------


def _days(n: int) -> relativedelta:
    return relativedelta(days=n)


def steps_for(direction: str, country: str, *, policy: TransferPolicy = DEFAULT_POLICY) -> list[StepDef]:
    """The ordered steps of a transfer in `direction` ("in"/"out") for `country` ("NO"/"SE")."""
    if direction not in DIRECTIONS:
        raise Invalid(N_("direction must be one of {allowed}, not “{value}”"), allowed=", ".join(DIRECTIONS),
                      value=direction)
    if country not in COUNTRIES:
        raise Invalid(N_("country must be one of {allowed}, not “{value}”"), allowed=", ".join(COUNTRIES),
                      value=country)
    return list(_steps(direction, country, policy))


@lru_cache(maxsize=64)
def _steps(direction: str, country: str, policy: TransferPolicy) -> tuple[StepDef, ...]:
    outgoing = direction == "out"
    norway = country == "NO"
    # Steps before informing the assistants are due within a policy period of the notice, but
    # never so late that the assistants could no longer get their full refusal period before the
    # effective date (when the notice period is short, everything moves up to the notice date).
    early: dict[str, Any] = {"not_after": ANCHOR_INFORM_BY, "not_before": (ANCHOR_NOTICE,)}

    def step(code: str, title: str, due: DueOffset, law: str | None = None) -> StepDef:
        return StepDef(code, title, outgoing and code in CONTRACT_STEPS, law, due)

    steps = [
        step(
            "notice",
            "Notice received" if outgoing else "Notice given",
            DueOffset(ANCHOR_NOTICE),
        ),
        step("client_signed", "Client signed", DueOffset(ANCHOR_NOTICE, _days(policy.contract_days), **early)),
        step("sent_to_unit", "Sent to case unit", DueOffset(ANCHOR_NOTICE, _days(policy.contract_days), **early)),
        step(
            "municipality_signed",
            "Municipality signed",
            DueOffset(ANCHOR_NOTICE, _days(policy.agreement_days), **early),
            "NS 8435 form B" if norway else None,
        ),
    ]
    if not norway:
        # The legal deadline itself, not a policy target: it may fall after later steps' targets
        # (doing it early is fine), and before the notice date when the agreed date is very close
        # (then it is simply late, and the checklist should say so).
        steps.append(
            step(
                "fk_notice",
                "Försäkringskassan notified",
                DueOffset(
                    ANCHOR_EFFECTIVE,
                    relativedelta(months=-policy.fk_months_before, day=policy.fk_day_of_month),
                ),
                "Försäkringskassan form 3079",
            )
        )
    steps += [
        step(
            "provider_told",
            "Current provider told",
            DueOffset(ANCHOR_NOTICE, _days(policy.agreement_days), **early),
        ),
        step(
            "assistants_informed",
            "Assistants informed",
            DueOffset(ANCHOR_NOTICE, _days(policy.inform_days), **early),
            # domain.md gives the Norwegian transfer-of-undertaking rules only; in Sweden the steps
            # are kept as provider practice, without a legal reference we could not source.
            "arbeidsmiljøloven § 16-6" if norway else None,
        ),
        step(
            "refusal_deadline_passed",
            "Refusal deadline passed",
            DueOffset(ANCHOR_REFUSAL_DEADLINE),
            "arbeidsmiljøloven § 16-3" if norway else None,
        ),
        step(
            "handover",
            "Handover sent" if outgoing else "Handover received",
            # The package lists who transfers, so it waits for the refusal deadline.
            DueOffset(ANCHOR_EFFECTIVE, _days(-policy.handover_lead_days), not_before=(ANCHOR_REFUSAL_DEADLINE,)),
        ),
        step(
            "cutover",
            "Cut-over",
            # Cut-over cannot happen before the refusal deadline, so that is its due date when later.
            DueOffset(ANCHOR_EFFECTIVE, not_before=(ANCHOR_REFUSAL_DEADLINE,)),
        ),
        step("closed", "Closed", DueOffset("cutover", _days(policy.close_days))),
    ]
    return tuple(steps)


def due_dates(
    direction: str,
    country: str,
    notice: date,
    effective: date,
    informed_on: date | None = None,
    refusal_days: int = DEFAULT_REFUSAL_DAYS,
    *,
    deadlines: Iterable[date | None] = (),
    policy: TransferPolicy = DEFAULT_POLICY,
) -> dict[str, date]:
    """A due date for every step of the transfer, keyed by step code, in step order.

    - `notice`: the notice date.
    - contract steps, `provider_told`, `assistants_informed`: notice + the policy's days, but no
      later than `effective - refusal_days` and no earlier than the notice date.
    - `fk_notice` (SE): the 15th of the month before the effective month.
    - `refusal_deadline_passed`: the latest refusal deadline — the latest of `deadlines` (the
      assistants' actual deadlines) when any is given, else `informed_on + refusal_days`, else the
      planned `assistants_informed` date + `refusal_days`. Pass the latest informed date as
      `informed_on` when assistants were informed on different days.
    - `handover`: a week before the effective date, but not before the refusal deadline.
    - `cutover`: the effective date, or the refusal deadline when that is later (a cut-over before
      it is refused).
    - `closed`: cut-over + the policy's days.
    """
    steps = steps_for(direction, country, policy=policy)
    anchors: dict[str, date] = {
        ANCHOR_NOTICE: notice,
        ANCHOR_EFFECTIVE: effective,
        # Informed by then, the deadline has passed on the effective date itself.
        ANCHOR_INFORM_BY: effective - _days(refusal_days + 1),
    }
    known = [d for d in deadlines if d is not None]
    due: dict[str, date] = {}
    for s in steps:
        if s.due_offset.anchor == ANCHOR_REFUSAL_DEADLINE or ANCHOR_REFUSAL_DEADLINE in s.due_offset.not_before:
            if ANCHOR_REFUSAL_DEADLINE not in anchors:
                # An assistant may refuse through the deadline day itself: the deadline has passed
                # on the day after it.
                if known:
                    anchors[ANCHOR_REFUSAL_DEADLINE] = max(known) + _days(1)
                else:
                    informed = informed_on if informed_on is not None else due["assistants_informed"]
                    anchors[ANCHOR_REFUSAL_DEADLINE] = informed + _days(refusal_days + 1)
        due[s.code] = _resolve(s.due_offset, anchors, due)
    return due


def _resolve(offset: DueOffset, anchors: Mapping[str, date], due: Mapping[str, date]) -> date:
    def at(name: str) -> date:
        return anchors[name] if name in _DATE_ANCHORS else due[name]

    result = at(offset.anchor) + offset.delta
    if offset.not_after is not None:
        result = min(result, at(offset.not_after))
    for name in offset.not_before:
        result = max(result, at(name))
    return result


def refusal_deadline_valid(informed_on: date, deadline: date, min_days: int = DEFAULT_REFUSAL_DAYS) -> bool:
    """True when `deadline` gives at least `min_days` days after `informed_on` (§ 16-3)."""
    return deadline >= informed_on + _days(min_days)


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
