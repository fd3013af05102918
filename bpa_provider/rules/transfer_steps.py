"""The provider-switch workflow's vocabulary and step table: which steps a transfer has (by
direction and country), their titles and legal basis, and when each is due (`due_dates`), with the
numbers as parameters (`TransferPolicy`).

Pure, like `rules.transfer_flow`, which holds the state machine over these steps: the order they
may be completed in, what each waits for, and the refusals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

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


# ---------------------------------------------------------------------------------------------
# Step definitions and due dates
# ---------------------------------------------------------------------------------------------


def _days(n: int) -> relativedelta:
    return relativedelta(days=n)


def steps_for(direction: str, country: str, *, policy: TransferPolicy = DEFAULT_POLICY) -> list[StepDef]:
    """The ordered steps of a transfer in `direction` ("in"/"out") for `country` ("NO"/"SE")."""
    if direction not in DIRECTIONS:
        raise Invalid(
            N_("direction must be one of {allowed}, not “{value}”"), allowed=", ".join(DIRECTIONS), value=direction
        )
    if country not in COUNTRIES:
        raise Invalid(
            N_("country must be one of {allowed}, not “{value}”"), allowed=", ".join(COUNTRIES), value=country
        )
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


def earliest_refusal_deadline(informed_on: date, min_days: int = DEFAULT_REFUSAL_DAYS) -> date:
    """The first refusal deadline the law allows for an assistant informed on `informed_on` (§ 16-3)."""
    return informed_on + _days(min_days)


def refusal_deadline_valid(informed_on: date, deadline: date, min_days: int = DEFAULT_REFUSAL_DAYS) -> bool:
    """True when `deadline` gives at least `min_days` days after `informed_on` (§ 16-3)."""
    return deadline >= earliest_refusal_deadline(informed_on, min_days)


def last_day_before(effective: date) -> date:
    """The old provider's last day: end dates are inclusive, and the effective date is the first
    day with the new provider."""
    return effective - _days(1)
