"""What needs action now: the dashboard's lists, gathered from the services that own each rule.

The dashboard screen only displays what `gather_section()` returns for each key of
`visible_sections()` (`gather()` is all of them at once). One list (decisions ending soon) is a
query of its own here; the others belong to other areas (hours, reviews, onboarding, courses,
working time, transfers, Sweden's FK deadlines, vacant shifts, undelivered notices). Each area's rows are turned into `Item`s by a
small adapter below, the only code that knows their shapes. The section catalog itself (keys,
permissions, row shapes) is `services.sections`, which the screen reads before the database
stack is loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import aliased

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Decision, Municipality, Transfer
from bpa_provider.errors import DatabaseBusy, DatabaseUnavailable, ServiceError
from bpa_provider.formats import format_hours
from bpa_provider.i18n import N_, _
from bpa_provider.services import core_rows, day_counts
from bpa_provider.services.base import require, service
from bpa_provider.services.counted import Counted

# The section catalog and the shapes of its rows live in a module without the database stack, so
# the screen can lay the dashboard out before SQLAlchemy is loaded; they are re-exported here.
from bpa_provider.services.sections import (  # noqa: E402,F401
    COURSES_EXPIRING,
    COURSES_OVERDUE,
    CREDENTIALS_MISSING,
    DECISIONS_ENDING,
    FK_DEADLINES,
    HOURS_USAGE,
    NOTICES_UNDELIVERED,
    REVIEW_ACTIONS_DUE,
    REVIEWS_DUE,
    SECTION_KEYS,
    SECTION_PERMISSION,
    TRANSFER_STEPS_DUE,
    VACANT_SHIFTS,
    VACANT_WITHIN_DAYS,
    Dashboard,
    Item,
    Section,
    visible_sections,
)

# --------------------------------------------------------------------------- our own query


@service
def decisions_ending(db: Database, actor: Actor, today: date, within_days: int, limit: int | None = None) -> list[Item]:
    """Decisions whose period ends within `within_days` of `today` and that no later decision of
    the same client already follows (a renewed decision needs no action). With `limit`, the first
    `limit` of them and how many there are in all (`Counted`): a range of `ix_decision_valid_to_client`
    read as far as the rows shown, and counted (an unscoped reader's count stored for the day)."""
    require(actor, "decision.read", what="see decisions")
    later = aliased(Decision)
    # `SELECT 1`: answered from ix_decision_client_period alone (`SELECT *` read the row).
    renewed = (
        select(literal_column("1"))
        .where(and_(later.client_id == Decision.client_id, later.valid_from > Decision.valid_to))
        .exists()
    )
    q = (
        # Plain columns, not Decision objects: thousands of rows at a large provider.
        select(Decision.client_id, Decision.valid_to, Decision.hours, Decision.hours_unit, Client.ref, Client.name)
        .join(Client, Client.id == Decision.client_id)
        .where(
            Decision.valid_to.is_not(None),
            Decision.valid_to >= today,
            Decision.valid_to <= today + timedelta(days=within_days),
            Client.status != "ended",
            ~renewed,
        )
        .order_by(Decision.valid_to, Client.ref)
    )
    if actor.is_scoped:
        q = q.where(Decision.client_id.in_(sorted(actor.client_scope or ())))
    total = None
    with db.read() as s:
        if limit is not None:
            # Stored for the day while no decision or client status changes (services/day_counts.py).
            # Built only when counted: the subquery's columns cost ≈ 0.1 ms of Python to make.
            total = day_counts.total(
                db,
                s,
                actor,
                day_counts.DECISIONS_ENDING,
                today,
                f"days={within_days}",
                lambda: s.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one(),
            )
            q = q.limit(limit)
        rows = core_rows.rows(s, q).all()
    items = [
        Item(
            "client",
            client_id,
            ref,
            name,
            when=valid_to,
            flag="ending",
            detail=f"{format_hours(hours)} h/{_(unit)}",
        )
        for client_id, valid_to, hours, unit, ref, name in rows
    ]
    return items if total is None else Counted(items, total)


# --------------------------------------------------------------------------- other areas' rows


def _hours_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # hour_outlook.OutlookRow: the flag is the year-end outlook (warn, alert, under), so the numbers beside
    # it are the year's too — projected use against the year's decided hours — never this month's.
    return [
        Item(
            "client",
            r.client_id,
            r.client,
            r.name,
            flag=r.flag,
            kind_detail="year_end",
            opens="hours",
            numbers=(r.year_projected, r.year_decided, r.usage_pct),
        )
        for r in rows
    ]


def _review_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # reviews.ReviewDue: one assistant with one client.
    return [
        Item(
            "assistant",
            r.assistant_id,
            r.assistant_ref,
            r.assistant_name,
            when=r.next_due,
            flag=r.status,
            detail=r.client_ref,
            client_id=r.client_id,
        )
        for r in rows
    ]


def _course_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # onboarding.OnboardingStatus: a supervisor's checklist for one client; the row opens the checklist.
    return [
        Item(
            "supervisor",
            r.supervisor_id,
            r.supervisor_ref,
            r.name,
            when=r.next_deadline,
            flag="overdue",
            detail=f"{r.client_ref}: {_(r.next_step_title)}" if r.next_step_title else r.client_ref,
            client_id=r.client_id,
            opens="onboarding",
            opens_id=r.supervisor_id,
        )
        for r in rows
    ]


def _credential_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # worktime.CredentialGap: the first shift without a certificate or a declaration.
    return [
        Item(
            "assistant",
            r.assistant_id,
            r.assistant_ref,
            r.name,
            when=r.shift_start.date(),
            flag=",".join(r.missing),
            detail=r.client_ref,
        )
        for r in rows
    ]


def _transfer_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # transfer_views.StepDue names the transfer; the row opens the transfer.
    rows = list(rows)
    ids = {r.transfer_id for r in rows}
    clients: dict[int, tuple[int, str]] = {}
    if ids:
        with db.read() as s:
            clients = {
                tid: (cid, name)
                for tid, cid, name in s.execute(
                    select(Transfer.id, Client.id, Client.name)
                    .join(Client, Client.id == Transfer.client_id)
                    .where(Transfer.id.in_(ids))
                )
            }
    return [
        Item(
            "client",
            clients.get(r.transfer_id, (None, ""))[0],
            r.client_ref,
            clients.get(r.transfer_id, (None, ""))[1],
            when=r.due_date,
            flag="overdue" if r.days_left < 0 else "due",
            detail=_(r.title),
            opens="transfer",
            opens_id=r.transfer_id,
        )
        for r in rows
    ]


def _ids_by_ref(db: Database, model: type[Assistant] | type[Client], refs: Iterable[str]) -> dict[str, int]:
    refs = sorted(set(refs))
    if not refs:
        return {}
    with db.read() as s:
        return dict(s.execute(select(model.ref, model.id).where(model.ref.in_(refs))).all())


def _action_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # reviews.OpenAction: an action agreed in a review, due within the review window or overdue
    # (the section's call keeps only those with a due date).
    rows = list(rows)
    ids = _ids_by_ref(db, Assistant, (r.assistant_ref for r in rows))
    return [
        Item(
            "assistant",
            ids.get(r.assistant_ref),
            r.assistant_ref,
            r.assistant_name,
            when=r.due_date,
            flag="overdue" if r.overdue else "due",
            detail=f"{r.client_ref}: {r.text}",
            opens="review",
            opens_id=r.review_id,
        )
        for r in rows
    ]


def _expiry_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # course_credentials.ExpiringCredential: a supervisor's or assistant's course about to expire, or expired.
    return [
        Item(
            r.person_kind,
            r.person_id,
            r.person_ref,
            r.person_name,
            when=r.expires_on,
            flag="expired" if r.expired else "expiring",
            detail=r.course,
        )
        for r in rows
    ]


def _fk_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # sweden.FkDeadline: a Swedish client's monthly time report due at Försäkringskassan.
    rows = list(rows)
    ids = _ids_by_ref(db, Client, (r.client_ref for r in rows))
    return [
        Item(
            "client",
            ids.get(r.client_ref),
            r.client_ref,
            r.client_name,
            when=r.deadline,
            flag="overdue" if r.days_left < 0 else "due",
            detail=r.month,
        )
        for r in rows
    ]


def _vacant_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # vacancy.VacantRow: a vacant shift, earliest first; the row opens the client's roster week.
    rows = list(rows)
    refs = sorted({r.client for r in rows})
    clients: dict[str, tuple[int, str, str]] = {}
    if refs:
        with db.read() as s:
            clients = {
                ref: (cid, name, tz)
                for ref, cid, name, tz in s.execute(
                    select(Client.ref, Client.id, Client.name, Municipality.timezone)
                    .join(Municipality, Municipality.id == Client.municipality_id)
                    .where(Client.ref.in_(refs))
                )
            }
    out = []
    for r in rows:
        cid, name, tz = clients[r.client]
        start, end = (_aware(x).astimezone(ZoneInfo(tz)) for x in (r.start, r.end))
        out.append(
            Item(
                "client",
                cid,
                r.client,
                name,
                when=start.date(),
                flag="vacant",
                # A shift created vacant was nobody's: "new", not "was 's".
                detail=(
                    _("{start}–{end}, was {assistant}'s").format(
                        start=f"{start:%H:%M}", end=f"{end:%H:%M}", assistant=r.was_assistant
                    )
                    if r.was_assistant
                    else _("{start}–{end}, new vacant shift").format(start=f"{start:%H:%M}", end=f"{end:%H:%M}")
                ),
                opens="roster",
                opens_id=cid,
            )
        )
    return out


#: What each kind of notice is, in a dashboard row (notify.TEXTS has the messages themselves).
NOTICE_KINDS = {
    "shift_offered": N_("shift offered"),
    "shift_confirmed": N_("shift confirmed"),
    "shift_changed": N_("shift changed"),
    "shift_cancelled": N_("shift cancelled"),
    "absence": N_("vacant shifts"),
    "approval_due": N_("hours to approve"),
}


def _notice_items(db: Database, rows: Iterable[Any]) -> list[Item]:
    # notify.DeliveryProblem, oldest first: the heading counts them, the first row is the oldest.
    out = []
    for r in rows:
        error = " ".join(r.last_error.split())  # one line per row, whatever the server answered
        what = _(NOTICE_KINDS[r.kind]) if r.kind in NOTICE_KINDS else r.kind
        out.append(
            Item(
                r.recipient_kind,
                r.recipient_id,
                r.recipient,
                r.name,
                when=_aware(r.created).date(),
                flag=r.state,
                detail=_("{what}, {n} attempts: {error}").format(what=what, n=r.attempts, error=error)
                if error
                else what,
            )
        )
    return out


def _aware(instant: datetime) -> datetime:
    # SQLite hands back naive UTC.
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- gathering

#: (owning module under bpa_provider.services, its service function), how to call it (with the
#: screen's limit, which a service may use to read only the rows shown), how to read its rows.
Source = tuple[tuple[str, str], Callable[..., Any], Callable[[Database, Iterable[Any]], list[Item]]]


def _sources(policy: Policy) -> dict[str, Source]:
    """Section -> (service function, how to call it, how to read its rows). The owning module is
    imported when its section is first asked for: the dashboard's worker computes the sections one
    after another, and the cheap ones need not wait for every area's module to load."""
    return {
        DECISIONS_ENDING: (
            ("dashboard", "decisions_ending"),
            lambda fn, db, actor, today, limit: fn(db, actor, today, policy.decision_ending_days, limit),
            lambda db, rows: list(rows),
        ),
        HOURS_USAGE: (
            # hours.usage_flags as of the start of today, from the stored outlook (hour_outlook.py).
            ("hour_outlook", "usage_outlook"),
            lambda fn, db, actor, today, limit: fn(db, actor, today, policy=policy, limit=limit),
            _hours_items,
        ),
        REVIEWS_DUE: (
            ("reviews", "due_reviews"),
            lambda fn, db, actor, today, limit: fn(
                db, actor, today, within_days=policy.review_due_window_days, policy=policy, limit=limit
            ),
            _review_items,
        ),
        COURSES_OVERDUE: (
            ("dashboard_onboarding", "onboarding_overdue"),
            lambda fn, db, actor, today, limit: fn(db, actor, today, policy=policy, limit=limit),
            _course_items,
        ),
        CREDENTIALS_MISSING: (
            ("worktime", "missing_credentials"),
            lambda fn, db, actor, today, _limit: fn(db, actor, today),
            _credential_items,
        ),
        TRANSFER_STEPS_DUE: (
            ("transfers", "steps_due"),
            lambda fn, db, actor, today, _limit: fn(db, actor, today, within_days=policy.transfer_step_window_days),
            _transfer_items,
        ),
        REVIEW_ACTIONS_DUE: (
            ("reviews", "open_actions"),
            lambda fn, db, actor, today, _limit: [
                a
                for a in fn(db, actor, today)
                if a.due_date is not None and (a.due_date - today).days <= policy.review_due_window_days
            ],
            _action_items,
        ),
        COURSES_EXPIRING: (
            ("dashboard_reads", "expiring_credentials"),
            lambda fn, db, actor, today, limit: fn(db, actor, today, policy=policy, limit=limit),
            _expiry_items,
        ),
        FK_DEADLINES: (
            ("sweden", "fk_deadlines"),
            lambda fn, db, actor, today, _limit: fn(db, actor, today, within_days=policy.transfer_step_window_days),
            _fk_items,
        ),
        VACANT_SHIFTS: (
            ("vacancy", "list_vacant"),
            lambda fn, db, actor, today, _limit: fn(db, actor, today, today + timedelta(days=VACANT_WITHIN_DAYS - 1)),
            _vacant_items,
        ),
        NOTICES_UNDELIVERED: (
            ("notify", "delivery_problems"),
            lambda fn, db, actor, today, _limit: fn(db, actor),
            _notice_items,
        ),
    }


def gather_section(
    db: Database, actor: Actor, today: date, key: str, policy: Policy | None = None, limit: int | None = None
) -> Section:
    """One section, for a key of `visible_sections(actor)`; with `limit`, only its first `limit`
    items are made (`total` counts them all: the screen shows 50 of the thousands of reviews due
    at a large provider, and making every item cost more than the query).

    The screen computes the sections in a worker and shows each as it arrives. A section whose
    service refuses carries the refusal; a database that cannot be reached raises, and so does a
    bug — the screen writes it to the crash log and says the section could not load."""
    (module, name), call, read = _sources(policy or Policy())[key]
    fn = getattr(importlib.import_module(f"bpa_provider.services.{module}"), name)
    try:
        # Every adapter makes one item per row, in order: the first rows give the first items. A
        # service that reads only what is shown (given `limit`) says how many there are in all.
        got = call(fn, db, actor, today, limit)
        rows = list(got)
        total = got.total if isinstance(got, Counted) else len(rows)
        return Section(key, tuple(read(db, rows if limit is None else rows[:limit])), total=total)
    except (DatabaseUnavailable, DatabaseBusy):
        raise
    except ServiceError as exc:
        return Section(key, error=exc)


def gather(db: Database, actor: Actor, today: date, policy: Policy | None = None) -> Dashboard:
    """Every section the actor may see. A section whose service refuses carries the refusal; a
    database that cannot be reached raises (one message for the whole dashboard), and so does a bug."""
    policy = policy or Policy()
    return Dashboard(today, tuple(gather_section(db, actor, today, key, policy) for key in visible_sections(actor)))
