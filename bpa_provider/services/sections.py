"""The dashboard's sections as data: their keys and order, the permission each needs, and the
shapes of their rows — nothing that touches the database.

The screen lays the dashboard out (a heading per section the person may see) from this module
before the database stack is loaded; `services.dashboard` fills the sections in, in workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bpa_provider.access import Actor
    from bpa_provider.config import Policy
    from bpa_provider.db.engine import Database

# Section keys, in the order the dashboard shows them; the screen words each heading.
DECISIONS_ENDING = "decisions_ending"
HOURS_USAGE = "hours_usage"
REVIEWS_DUE = "reviews_due"
COURSES_OVERDUE = "courses_overdue"
CREDENTIALS_MISSING = "credentials_missing"
TRANSFER_STEPS_DUE = "transfer_steps_due"
REVIEW_ACTIONS_DUE = "review_actions_due"
COURSES_EXPIRING = "courses_expiring"
FK_DEADLINES = "fk_deadlines"
VACANT_SHIFTS = "vacant_shifts"
NOTICES_UNDELIVERED = "notices_undelivered"
SECTION_KEYS = (
    DECISIONS_ENDING,
    HOURS_USAGE,
    REVIEWS_DUE,
    REVIEW_ACTIONS_DUE,
    COURSES_OVERDUE,
    COURSES_EXPIRING,
    CREDENTIALS_MISSING,
    TRANSFER_STEPS_DUE,
    FK_DEADLINES,
    VACANT_SHIFTS,
    NOTICES_UNDELIVERED,
)
#: How far ahead the dashboard lists vacant shifts: today and the 13 days after (the next 14 days).
VACANT_WITHIN_DAYS = 14

# The permission each section needs: a role without it does not see the section at all (and the
# dashboard does not ask, so a refresh does not fill the access log with refusals).
SECTION_PERMISSION = {
    DECISIONS_ENDING: "decision.read",
    HOURS_USAGE: "hours.read",
    REVIEWS_DUE: "review.read",
    COURSES_OVERDUE: "course.read",
    CREDENTIALS_MISSING: "roster.read",
    TRANSFER_STEPS_DUE: "transfer.read",
    REVIEW_ACTIONS_DUE: "review.read",
    COURSES_EXPIRING: "course.read",
    FK_DEADLINES: "report.read",
    VACANT_SHIFTS: "roster.read",
    NOTICES_UNDELIVERED: "notify.send",
}


@dataclass(frozen=True)
class Item:
    """One row: the record it opens (kind + id), how people name it, and why it is listed."""

    kind: str  # client, assistant or supervisor: what opening the row shows
    record_id: int | None
    ref: str = ""
    name: str = ""
    when: date | None = None  # the date that makes it urgent (end, due date, first shift, ...)
    flag: str = ""  # short codes the screen words as text, comma-separated: "over", "overdue", ...
    detail: str = ""  # extra words (a client's reference, a step's title)
    client_id: int | None = None  # the client the row is about, when it is not the record itself
    # Figures the screen words in the person's language, and what they are ("year_end": projected
    # use, the year's decided hours and the percentage).
    kind_detail: str = ""
    numbers: tuple[float | None, ...] = ()
    opens: str = ""  # what Enter opens when it is not the record itself: "hours", "roster", "onboarding", "transfer"
    opens_id: int | None = None  # the id of what `opens` names (a transfer, a supervisor), if any


@dataclass(frozen=True)
class Section:
    """One list of the dashboard; `error` is the owning service's refusal (a ServiceError)."""

    key: str
    items: tuple[Item, ...] = ()
    error: Exception | None = None
    total: int | None = None  # how many rows the section has, when `items` holds only the first

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    @property
    def available(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Dashboard:
    """Every section the actor may see, for one day."""

    today: date
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def visible_sections(actor: Actor) -> list[str]:
    """The keys of the sections the actor may see, in the dashboard's order."""
    return [key for key in SECTION_KEYS if actor.may(SECTION_PERMISSION[key])]


def gather_section(
    db: Database, actor: Actor, today: date, key: str, policy: Policy | None = None, limit: int | None = None
) -> Section:
    """`services.dashboard.gather_section`, imported by the worker that asks (see module docstring)."""
    from bpa_provider.services import dashboard

    return dashboard.gather_section(db, actor, today, key, policy, limit)
