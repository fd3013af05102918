"""What a supervisor may learn from a working-time finding: nothing about other clients.

The working-time rules look at an assistant's whole week, so a finding about a shift at the
supervisor's client often involves the same assistant's shifts at other clients (a short rest
after a long day elsewhere, an overlap) and the assistant's employment (police certificate,
confidentiality declaration, training). A supervisor is shown such a finding — it is about their
roster — but only as far as their scope goes:

- the shifts it names are only those at the supervisor's own clients;
- a finding that involves a shift elsewhere says so in general words, without times, ids,
  clients or numbers (those would be read off the other client's roster);
- a credential finding (employment, assignment, police certificate, confidentiality, training,
  Försäkringskassan) keeps its rule id — it is why the shift is blocked — but not its detail,
  which carries the employment's dates and counts the shifts elsewhere.

Everyone else sees findings unchanged. Used by the roster refusals and warnings, the week view
and the working-time report (docs/privacy.md, "Supervisors").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.models import Shift
from bpa_provider.i18n import N_, _
from bpa_provider.rules.worktime import Violation


def redact(actor: Actor | None, violations: Iterable[Violation], client_of: Mapping[int, int]) -> list[Violation]:
    """`violations` as `actor` may see them (`client_of`: shift id -> client id, for every shift
    the violations name). Findings with none of the actor's shifts are left out."""
    found = list(violations)
    if actor is None or not actor.is_scoped:
        return found
    from bpa_provider.services.worktime import CREDENTIAL_RULES  # worktime imports this module

    out = []
    for v in found:
        mine = tuple(i for i in v.shift_ids if actor.may_see_client(client_of.get(i)))
        if not mine:
            continue
        if v.rule_id in CREDENTIAL_RULES:
            template = N_("the assistant may not work this shift yet; the coordinator has the details")
        elif len(mine) < len(v.shift_ids):
            template = N_("together with the assistant's work for another client")
        else:
            out.append(v)
            continue
        # The message id goes too (template, params): `Violation.text()` words the finding from
        # them, and they hold what the supervisor may not learn.
        out.append(replace(v, shift_ids=mine, detail=_(template), template=template, params={}, numbers={}))
    return out


def redact_in(s: Session, actor: Actor | None, violations: Iterable[Violation]) -> list[Violation]:
    """`redact`, looking up the clients of the shifts named (inside the caller's transaction)."""
    found = list(violations)
    if actor is None or not actor.is_scoped or not found:
        return found
    ids = sorted({i for v in found for i in v.shift_ids})
    client_of = dict(s.execute(select(Shift.id, Shift.client_id).where(Shift.id.in_(ids))).all())
    return redact(actor, found, client_of)
