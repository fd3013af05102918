"""Who is acting, and what each role may do: the one permission check every service passes.

Roles: admin (everything), coordinator (runs everything but user administration and reopening
locked periods), supervisor (only the clients they supervise: roster, hours, their assistants'
names and contact; never national IDs), auditor (read-only, including the access log).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "coordinator", "supervisor", "auditor")

# Permission names are "<area>.<verb>". A role's set is explicit so a new permission is refused
# until someone decides who may have it.
_READ = {
    "municipality.read",
    "client.read",
    "decision.read",
    "supervisor.read",
    "assistant.read",
    "employment.read",
    "assignment.read",
    "roster.read",
    "hours.read",
    "review.read",
    "course.read",
    "transfer.read",
    "report.read",
}
_COORD_WRITE = {
    "municipality.write",
    "client.write",
    "decision.write",
    "supervisor.write",
    "assistant.write",
    "employment.write",
    "assignment.write",
    "roster.write",
    "roster.lock",
    "hours.approve",
    "review.write",
    "review.notes",
    "course.write",
    "transfer.write",
    "handover.export",
    "handover.import",
    "import.run",
    "national_id.reveal",
    "demo.load",
    "payroll.export",
    "audit.read",
    "rate.write",
    "sickpay.write",
    "absence.write",
    "notify.send",
}
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        _READ | _COORD_WRITE | {"users.admin", "roster.reopen", "retention.run", "backup.run", "impersonate"}
    ),
    "coordinator": frozenset(_READ | _COORD_WRITE),
    "supervisor": frozenset(
        {
            "client.read",
            "decision.read",
            "assistant.read",
            "assignment.read",
            "roster.read",
            "roster.write",
            "hours.read",
            "hours.approve",
            "review.read",
            "review.write",
            "review.notes",
            "course.read",
            "report.read",
        }
    ),
    "auditor": frozenset(_READ | {"audit.read"}),
}

# Permissions a supervisor holds only for the clients they supervise.
SCOPED = frozenset(PERMISSIONS["supervisor"])


@dataclass(frozen=True)
class Actor:
    """The person behind a call: login, role, and (for a supervisor) the clients in scope."""

    login: str
    role: str
    user_id: int | None = None
    supervisor_id: int | None = None
    connection: str = ""  # SSH_CONNECTION, for the access log
    impersonated_by: str = ""
    client_scope: frozenset[int] | None = field(default=None)  # None: no client restriction

    @property
    def is_scoped(self) -> bool:
        return self.role == "supervisor"

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def may_see_client(self, client_id: int | None) -> bool:
        if not self.is_scoped:
            return True
        return client_id is not None and client_id in (self.client_scope or frozenset())


SYSTEM = Actor(login="system", role="admin")
