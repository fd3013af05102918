"""The navigation targets: every area of the app, its number key and the permission it needs.

An area the role may not read is left out of the navigation and the command palette (services
would refuse it anyway). Numbers are fixed, so "2 Clients" means the same thing for every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpa_provider.access import Actor
from bpa_provider.i18n import N_, _


@dataclass(frozen=True)
class Area:
    """One entry of the navigation list."""

    key: str
    title: str  # English, marked with N_; shown with _()
    permission: str
    number: int

    @property
    def label(self) -> str:
        return _(self.title)


AREAS: tuple[Area, ...] = (
    Area("dashboard", N_("Dashboard"), "client.read", 1),
    Area("clients", N_("Clients"), "client.read", 2),
    Area("assistants", N_("Assistants"), "assistant.read", 3),
    Area("rosters", N_("Rosters"), "roster.read", 4),
    Area("transfers", N_("Transfers"), "transfer.read", 5),
    Area("courses", N_("Courses"), "course.read", 6),
    Area("reviews", N_("Reviews"), "review.read", 7),
    Area("municipalities", N_("Municipalities"), "municipality.read", 8),
    Area("audit", N_("Audit log"), "audit.read", 9),
    Area("outbox", N_("Outbox"), "notify.send", 0),  # screens/outbox.py
)


def visible_areas(actor: Actor) -> list[Area]:
    """The areas this actor's role may open, in navigation order."""
    return [a for a in AREAS if actor.may(a.permission)]


def area(key: str) -> Area:
    return next(a for a in AREAS if a.key == key)
