"""Copying a client's week to the following weeks, at the same local times (single shifts, not
pattern occurrences; a copy that already exists is not doubled).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import format_date, local_to_utc
from bpa_provider.services.base import require, service
from bpa_provider.services.period_rows import (
    ensure_unlocked,
)
from bpa_provider.services.roster_steps import SaveResult, insert_shifts, run_checks
from bpa_provider.services.worktime import (
    client_info,
    live_shifts,
    local_range,
    policy_or_default,
)

# --------------------------------------------------------------------------- copy a week

MAX_COPY_WEEKS = 26


@service
def copy_week(
    db: Database, actor: Actor, client_id: int, week_start: date, weeks: int = 1, *, policy: Policy | None = None
) -> SaveResult:
    """Copy the client's shifts of the week from `week_start` to the following `weeks` weeks, at
    the same local times. Identical shifts already there are not doubled; the copies are single
    shifts (not pattern occurrences) without the substitute mark."""
    require(actor, "roster.write", client_id=client_id, what="plan this client's shifts")
    pol = policy_or_default(policy)
    if not 1 <= weeks <= MAX_COPY_WEEKS:
        raise ValidationError(N_("Copy to 1 to {n} weeks"), n=MAX_COPY_WEEKS, field="weeks")
    with db.write() as s:
        info = client_info(s, client_id, pol)
        zone = ZoneInfo(info.tz)
        lo, hi = local_range(week_start, week_start + timedelta(days=7), info.tz)
        source = [sh for sh in live_shifts(s, lo, hi, client_id=client_id) if sh.start_utc >= lo]
        if not source:
            raise ValidationError(
                N_("There are no shifts to copy in the week from {d}"), d=format_date(week_start), field="week"
            )
        t_lo, t_hi = local_range(week_start + timedelta(days=7), week_start + timedelta(days=7 * (weeks + 1)), info.tz)
        ensure_unlocked(s, client_id, week_start + timedelta(days=7), week_start + timedelta(days=7 * (weeks + 1) - 1))
        existing = {(o.assistant_id, o.start_utc, o.end_utc) for o in live_shifts(s, t_lo, t_hi, client_id=client_id)}
        new_rows: list[dict[str, Any]] = []
        skipped: list[str] = []
        for n in range(1, weeks + 1):
            for src in source:
                a_local = src.start_utc.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=n)
                b_local = src.end_utc.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=n)
                try:
                    a, b = local_to_utc(a_local, info.tz), local_to_utc(b_local, info.tz)
                except ValueError as exc:
                    skipped.append(f"{format_date(a_local.date())}: {exc}")
                    continue
                if (src.assistant_id, a, b) in existing:
                    continue
                existing.add((src.assistant_id, a, b))
                new_rows.append(
                    dict(
                        client_id=client_id,
                        assistant_id=src.assistant_id,
                        start_utc=a,
                        end_utc=b,
                        kind=src.kind,
                        legal_basis=src.legal_basis,
                        note=src.note,
                    )
                )
        created = insert_shifts(s, new_rows)
        warnings = run_checks(s, created, pol, actor)
        audit.record(
            s,
            actor,
            "copy",
            "shift",
            None,
            subject=info.ref,
            summary=f"week from {format_date(week_start)} copied to {weeks} week(s): {len(created)} shifts",
            after={"created": [sh.id for sh in created], "skipped": skipped},
        )
        return SaveResult(created, warnings, None, 0, tuple(skipped), {client_id: info.tz})
