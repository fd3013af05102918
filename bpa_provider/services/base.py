"""What every service shares: the `@service` boundary, permission checks and supervisor scope.

The boundary turns database faults into ServiceErrors (a stale version into Conflict, a lock that
outlasted busy_timeout into DatabaseBusy) and writes every refusal to the access log in a
transaction of its own — the refused action's transaction was rolled back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Supervision
from bpa_provider.errors import (
    Conflict,
    DatabaseBusy,
    DatabaseUnavailable,
    PermissionDenied,
    ValidationError,
)
from bpa_provider.i18n import N_, Msg

# ... and why each supervision may be overdue (onboarding_due).
from bpa_provider.services import onboarding_due as _onboarding_due  # noqa: F401,E402

# Imported for its session hooks: every commit keeps the stored next reviews due (review_due_store).
from bpa_provider.services import review_due_store as _review_due_store  # noqa: F401

F = TypeVar("F", bound=Callable[..., Any])

CONFLICT_MESSAGE = N_(
    "Someone else changed this record after you opened it. Your input is kept: "
    "reopen the record to see their change, then save again."
)


def service(fn: F) -> F:
    """Mark a function as a service entry point (first two arguments: db, actor)."""

    @functools.wraps(fn)
    def wrapper(db: Database, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        try:
            # A supervisor read before the database stack was loaded (identity.early_actor) has no
            # client scope yet: every service fills it in, so none can see more, or less.
            return fn(db, scoped_actor(db, actor), *args, **kwargs)
        except PermissionDenied as exc:
            _log_refusal(db, actor, fn.__name__, exc.message)
            raise
        except StaleDataError:
            raise Conflict(CONFLICT_MESSAGE) from None
        except IntegrityError as exc:
            raise ValidationError(_integrity_message(exc)) from None
        except OperationalError as exc:
            text = str(exc.orig) if exc.orig else str(exc)
            if "locked" in text or "busy" in text:
                raise DatabaseBusy(N_("The database is busy with other users' changes; try again.")) from None
            raise DatabaseUnavailable(
                N_("The database cannot be used: {detail}"), detail=text.splitlines()[0]
            ) from None

    return wrapper  # type: ignore[return-value]


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return N_("a record with this reference or name already exists")
    if "foreign key" in text:
        return N_("it refers to a record that does not exist, or other records still refer to it")
    return N_("the change breaks a database rule")


def _log_refusal(db: Database, actor: Actor, action: str, message: str) -> None:
    try:
        with db.write() as s:
            audit.record(s, actor, "refused", action, summary=message)
    except Exception:  # noqa: BLE001 - the refusal itself must still reach the person
        pass


# Roles as a word inside a message (the same words as the app's header).
ROLE_WORDS = {
    "admin": N_("admin"),
    "coordinator": N_("coordinator"),
    "supervisor": N_("supervisor"),
    "auditor": N_("auditor"),
}


def require(actor: Actor, permission: str, *, client_id: int | None = None, what: str | Msg = "") -> None:
    """Refuse unless the actor's role has `permission` (and, for supervisors, the client is theirs)."""
    if not actor.may(permission):
        # `what` may be a Msg (translated where shown) or English words of an older caller.
        raise PermissionDenied(
            N_("Your role ({role}) may not {what}."),
            role=Msg(ROLE_WORDS.get(actor.role, actor.role)),
            what=what or permission.replace(".", " "),
        )
    if actor.is_scoped and client_id is not None and not actor.may_see_client(client_id):
        raise PermissionDenied(N_("You can only see and change your own clients."))


def supervisor_client_ids(session: Session, supervisor_id: int, on: date | None = None) -> frozenset[int]:
    """The clients a supervisor leads on a day (default: today or later — any current supervision)."""
    on = on or date.today()
    rows = session.execute(
        select(Supervision.client_id).where(
            Supervision.supervisor_id == supervisor_id,
            or_(Supervision.until.is_(None), Supervision.until >= on),
        )
    ).scalars()
    return frozenset(rows)


def scoped_actor(db: Database, actor: Actor) -> Actor:
    """Fill in a supervisor's client scope (others pass through unchanged)."""
    if not actor.is_scoped or actor.client_scope is not None:
        return actor
    if actor.supervisor_id is None:
        return Actor(**{**actor.__dict__, "client_scope": frozenset()})
    with db.read() as s:
        scope = supervisor_client_ids(s, actor.supervisor_id)
    return Actor(**{**actor.__dict__, "client_scope": scope})
