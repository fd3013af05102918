"""The working-time reports: `report rest` (`violations_between`, every violation of a date
range) and the assistants scheduled without credentials (`missing_credentials`, the dashboard).
`services.worktime` re-exports them.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, bindparam, exists, func, literal_column, or_, select, union
from sqlalchemy.orm import aliased

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assistant,
    Client,
    Employment,
    Municipality,
    Shift,
)
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.worktime import (
    police_certificate_required,
)
from bpa_provider.services import day_counts
from bpa_provider.services.base import require, service
from bpa_provider.services.scope_view import redact
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime_check import (
    ack_map,
    acknowledgement,
    describe_shifts,
    people_by_id,
    violations_involving,
)
from bpa_provider.services.worktime_clients import (
    client_infos,
    policy_or_default,
)
from bpa_provider.services.worktime_data import (
    LONGEST_SHIFT,
    MARGIN,
    ShiftRow,
    _overlapping,
    local_date,
    local_range,
    shift_rows,
)


@dataclass(frozen=True)
class CredentialGap:
    """An assistant with a coming shift but no police certificate or confidentiality declaration."""

    assistant_id: int
    assistant_ref: str
    name: str
    client_ref: str
    shift_start: datetime
    missing: tuple[str, ...]


@functools.cache
def _gaps_query(with_unemployed: bool, scoped: bool) -> Any:
    """`missing_credentials`' shifts of the assistants who may lack a credential, built once (its
    building cost ≈ 0.5 ms of Python on each visit, more than SQLite's work), with the day, the
    shifts' instants and a scoped reader's clients as parameters (`today`, `lo`, `hi`, `scope`).

    Only assistants whose earliest certificate or declaration is missing or later than today can
    lack one on a shift day (every day counted is today or later), so the database leaves out
    everybody else's shifts: a large provider has ~100,000 shifts a month and a handful of gaps,
    and loading every shift took seconds. The exact per-day check is `missing_credentials`'.
    An assistant's earliest date is missing or later only if one of their employments' is: those
    few come from the credential dates' indexes (`ix_employment_police`, `…_confidentiality`).
    Their earliest date missing or later than today is no employment of theirs dated on or before
    it: a NOT EXISTS asked of each of those few employments through `ix_employment_assistant`,
    fenced by `OFFSET 0`. Grouping all 12,000 employments at a large provider took 21 ms; grouping
    only the few, PostgreSQL's planner (random_page_cost 4) still hashed every employment to find
    their assistants' other employments (1.4 ms of the statement at a large provider).
    `with_unemployed`: anyone without an employment too."""
    today = bindparam("today", type_=Date)
    other = aliased(Employment)

    def none_by(column: Any) -> Any:
        """No employment of the row's assistant with `column` on or before today."""
        return ~(
            select(literal_column("1"))
            .where(other.assistant_id == Employment.assistant_id, column(other) <= today)
            .offset(0)
            .exists()
        )

    earliest = select(Employment.assistant_id).where(
        or_(
            Employment.police_certificate_on.is_(None),
            Employment.police_certificate_on > today,
            Employment.confidentiality_on.is_(None),
            Employment.confidentiality_on > today,
        ),
        or_(none_by(lambda e: e.police_certificate_on), none_by(lambda e: e.confidentiality_on)),
    )
    # Those assistants (and anyone without an employment) first, then their shifts through the
    # assistant's start-time index (a left join from the shifts read all ~70,000 of the month at a
    # large provider: 108 -> 22 ms).
    unemployed = select(Assistant.id).where(~exists().where(Employment.assistant_id == Assistant.id))
    suspects = union(earliest, unemployed) if with_unemployed else earliest
    # The client's reference and time zone of each shift read, looked up by key: joined,
    # PostgreSQL's planner hashed every client (2,000 at a large provider) for a dozen shifts.
    q = select(
        Shift.assistant_id,
        Shift.start_utc,
        select(Client.ref).where(Client.id == Shift.client_id).scalar_subquery(),
        select(Municipality.timezone)
        .join(Client, Client.municipality_id == Municipality.id)
        .where(Client.id == Shift.client_id)
        .scalar_subquery(),
    ).where(
        staffed(),
        Shift.start_utc >= bindparam("lo", type_=Shift.start_utc.type),
        Shift.start_utc < bindparam("hi", type_=Shift.start_utc.type),
        Shift.assistant_id.in_(suspects),
    )
    if scoped:
        q = q.where(Shift.client_id.in_(bindparam("scope", expanding=True)))
    return q.order_by(Shift.start_utc, Shift.id)


@service
def missing_credentials(
    db: Database, actor: Actor, today: date, *, days: int = 30, policy: Policy | None = None
) -> list[CredentialGap]:
    """Assistants whose shifts in the next `days` days lack a police certificate (when their
    employment needs one: hired on or after `Policy.police_certificate_required_from`) or a signed
    confidentiality declaration dated on or before the shift: one row per assistant, at the
    first such shift (a supervisor sees only their own clients' shifts)."""
    require(actor, "roster.read", what="see rosters")
    cutoff = policy_or_default(policy).police_certificate_required_from
    lo = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(today + timedelta(days=days + 1), datetime.min.time(), tzinfo=UTC)
    with db.read() as s:
        # Listing the assistants without an employment walks every assistant (12,000 index probes
        # at a large provider: 2.5 of the section's 4.4 ms, and all of its growth). Every
        # employment names an existing assistant (a foreign key), so as many assistants employed
        # as there are assistants means nobody to list: two counts, one over an index (issue 19).
        # The difference is stored for the day while no assistant or employment is written
        # (services/day_counts.py): the distinct count alone walked the 12,000 employments' index.
        without = day_counts.total(
            db,
            s,
            None,
            day_counts.ASSISTANTS_UNEMPLOYED,
            today,
            "",
            lambda: (
                s.execute(select(func.count()).select_from(Assistant)).scalar_one()
                - s.execute(select(func.count(Employment.assistant_id.distinct()))).scalar_one()
            ),
        )
        params: dict[str, Any] = {"today": today, "lo": lo, "hi": hi}
        if actor.is_scoped:
            params["scope"] = sorted(actor.client_scope or ())
        # Rows, not ORM objects: staffed shifts always have an assistant.
        rows = [
            (aid, start, ref, tz)
            for aid, start, ref, tz in s.execute(_gaps_query(without > 0, actor.is_scoped), params)
            if aid
        ]
        creds: dict[int, tuple[list[date], list[date]]] = {}
        periods: dict[int, list[tuple[date, date | None]]] = {}
        aids = sorted({aid for aid, _s, _r, _t in rows})
        people: dict[int, tuple[str, str]] = {}
        if aids:
            for aid, police_on, confid_on, began, ended in s.execute(
                select(
                    Employment.assistant_id,
                    Employment.police_certificate_on,
                    Employment.confidentiality_on,
                    Employment.start_date,
                    Employment.end_date,
                ).where(Employment.assistant_id.in_(aids))
            ):
                entry = creds.setdefault(aid, ([], []))
                periods.setdefault(aid, []).append((began, ended))
                if police_on:
                    entry[0].append(police_on)
                if confid_on:
                    entry[1].append(confid_on)
            people = people_by_id(s, aids)
        out: dict[int, CredentialGap] = {}
        for aid, start, client_ref, tz in rows:
            day = local_date(start, tz or "Europe/Oslo")
            if aid in out or not today <= day <= today + timedelta(days=days):
                continue
            police, confid = creds.get(aid, ([], []))
            missing = []
            if police_certificate_required(day, periods.get(aid, []), cutoff) and not any(p <= day for p in police):
                missing.append("police_certificate")
            if not any(c <= day for c in confid):
                missing.append("confidentiality")
            if missing:
                ref, name = people.get(aid, ("", ""))
                out[aid] = CredentialGap(aid, ref, name, client_ref, start, tuple(missing))
        return sorted(out.values(), key=lambda g: (g.shift_start, g.assistant_ref))


@dataclass(frozen=True)
class Finding:
    """One violation in a report: who, which rule, which shifts, why."""

    assistant: str
    assistant_name: str
    rule: str
    law: str
    severity: str
    shifts: str
    detail: str
    acknowledged: bool
    not_payable: bool


@service
def violations_between(
    db: Database, actor: Actor, date_from: date, date_to: date, *, policy: Policy | None = None
) -> list[Finding]:
    """Every working-time violation involving a shift that starts on a local date in
    [date_from, date_to]; a supervisor sees only violations that touch their own clients."""
    require(actor, "roster.read", what="see rosters")
    if date_to < date_from:
        raise ValidationError(N_("The end date is before the start date"), field="to")
    pol = policy_or_default(policy)
    lo = datetime.combine(date_from - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(date_to + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    with db.read() as s:
        read: list[ShiftRow] | None = None
        if actor.is_scoped:
            scope = sorted(actor.client_scope or ())
            candidates = shift_rows(
                s, staffed(), Shift.start_utc >= lo, Shift.start_utc < hi, Shift.client_id.in_(scope)
            )
        else:
            # Every assistant's shifts around the range in one read: the candidates and the
            # neighbourhood the rules look at (± MARGIN) are picked out of it, each shift read once.
            read = shift_rows(s, *_overlapping(lo - MARGIN, hi + LONGEST_SHIFT + MARGIN))
            candidates = [sh for sh in read if lo <= sh.start_utc < hi]
        infos = client_infos(s, {sh.client_id for sh in candidates}, pol)
        # A start's local date is in the range when the start is between the range's local
        # midnights: two instants per time zone, not a conversion per shift.
        bounds = {tz: local_range(date_from, date_to + timedelta(days=1), tz) for tz in {i.tz for i in infos.values()}}
        chosen = [sh for sh in candidates if _within(sh.start_utc, bounds[infos[sh.client_id].tz])]
        found, shifts = violations_involving(s, chosen, pol, everyone=not actor.is_scoped, read=read)
        found = redact(actor, found, {i: sh.client_id for i, sh in shifts.items()})
        chosen_ids = {sh.id for sh in chosen}
        ids = {i for v in found for i in v.shift_ids}
        infos.update(client_infos(s, {shifts[i].client_id for i in ids} - infos.keys(), pol))
        people = people_by_id(s, {shifts[i].assistant_id for i in ids})
        acks = ack_map(s, ids)
        out = []
        for v in found:
            vs = [shifts[i] for i in v.shift_ids]
            owner = next((sh for sh in vs if sh.id in chosen_ids), vs[0])
            ref, name = people.get(owner.assistant_id, ("", ""))
            out.append(
                Finding(
                    assistant=ref,
                    assistant_name=name,
                    rule=v.rule_id,
                    law=v.law,
                    severity=v.severity,
                    shifts=describe_shifts(vs, infos, ids=True),
                    detail=v.text(),
                    acknowledged=acknowledgement(v, acks) is not None,
                    not_payable=v.not_payable,
                )
            )
        return sorted(out, key=lambda f: (f.assistant, f.shifts, f.rule))


def _within(instant: datetime, bounds: tuple[datetime, datetime]) -> bool:
    return bounds[0] <= instant < bounds[1]
