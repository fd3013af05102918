"""The codes a table cell holds (a status, a role, a direction) in a person's words.

Rows keep their codes (`overdue`, `municipality_signed`): `--format json` and `csv` are read by
programs and show them as they are. A table is read by a person: `render.py` shows each code of a
column named here by its words, translated where it is shown; a code not listed stays as it is.
The columns are few and their codes fixed (the services' own tuples), so a name or a free text in
another column is never taken for a code.
"""

from __future__ import annotations

from typing import Any

from bpa_provider.i18n import N_, _

_STATUS = {
    # clients
    "prospect": N_("prospect"),
    "active": N_("active"),
    "transferring_out": N_("transferring out"),
    "ended": N_("ended"),
    # staff reviews and onboarding
    "overdue": N_("overdue"),
    "due": N_("due"),
    "scheduled": N_("scheduled"),
    "done": N_("done"),
    "not_started": N_("not started"),
    "in_progress": N_("in progress"),
    "complete": N_("complete"),
    # course enrollments
    "enrolled": N_("enrolled"),
    "attended": N_("attended"),
    "completed": N_("completed"),
    "no_show": N_("did not come"),
    # shifts
    "planned": N_("planned"),
    "worked": N_("worked"),
    "approved": N_("approved"),
    "cancelled": N_("cancelled"),
    # sick-pay claims and e-mail notices
    "prepared": N_("prepared"),
    "sent": N_("sent"),
    "paid": N_("paid"),
    "rejected": N_("rejected"),
    "pending": N_("pending"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
    # an assistant in a transfer (services/transfer_rows.py)
    "joining": N_("joining us"),
    "stays": N_("stays"),
    "ends": N_("employment ends"),
    "transferring": N_("transferring"),
    "refused": N_("refused"),
}

#: A transfer's state is the code of its last step done (rules/transfer_flow.py); the titles are
#: the steps' own message ids.
_TRANSFER_STATE = {
    "new": N_("new"),
    "cancelled": N_("called off"),
    "notice": N_("Notice received"),
    "client_signed": N_("Client signed"),
    "sent_to_unit": N_("Sent to case unit"),
    "municipality_signed": N_("Municipality signed"),
    "fk_notice": N_("Försäkringskassan notified"),
    "provider_told": N_("Current provider told"),
    "assistants_informed": N_("Assistants informed"),
    "refusal_deadline_passed": N_("Refusal deadline passed"),
    "handover": N_("Handover sent"),
    "cutover": N_("Cut-over"),
    "closed": N_("Closed"),
}
#: The step after the last one done, by its code (a transfer's `next_step`).
_TRANSFER_STEP = {code: title for code, title in _TRANSFER_STATE.items() if code not in ("new", "cancelled")}

_KIND = {
    # employments
    "permanent": N_("permanent"),
    "temporary": N_("temporary"),
    "on_call": N_("on call"),
    # courses
    "supervisor_basic": N_("supervisor course, basic"),
    "supervisor_refresher": N_("supervisor course, refresher"),
    "assistant_training": N_("assistant training"),
    # shifts
    "active": N_("active"),
    "passive": N_("passive"),
    "night": N_("night"),
    # absence (rules/absence.py KIND_LABELS)
    "self-cert": N_("self-certified sick leave"),
    "sick-note": N_("sick note"),
    "sick-child": N_("sick child"),
    "holiday": N_("holiday"),
    "welfare": N_("welfare leave"),
    "unpaid": N_("unpaid leave"),
    "parental": N_("parental leave"),
    # e-mail notices (services/notify.py TEXTS)
    "shift_offered": N_("shift offered"),
    "shift_confirmed": N_("shift confirmed"),
    "shift_changed": N_("shift changed"),
    "shift_cancelled": N_("shift cancelled"),
    "absence": N_("absence"),
    "approval_due": N_("approval due"),
}

_ROLE = {
    "admin": N_("admin"),
    "coordinator": N_("coordinator"),
    "supervisor": N_("supervisor"),
    "auditor": N_("auditor"),
    # assignments
    "regular": N_("regular"),
    "substitute": N_("substitute"),
}

#: The steps of a supervisor's onboarding (services/onboarding.py `default_template`), by code; the
#: titles are the template's own message ids.
_ONBOARDING_STEP = {
    "basic_course": N_("Basic supervisor course completed"),
    "job_description": N_("Job description written with the provider"),
    "working_time_intro": N_("Working-time rules introduced"),
    "first_rota": N_("First rota planned"),
}

#: What a decision covers (services/records.py SERVICE_TYPES; domain.md "Services covered").
_SERVICE = {
    "practical": N_("practical assistance"),
    "training": N_("training"),
    "support": N_("support contact"),
    "respite": N_("respite"),
}

#: Who a work supervisor is to the client (services/records.py RELATIONS).
_RELATION = {
    "self": N_("self"),
    "parent": N_("parent"),
    "spouse": N_("spouse"),
    "sibling": N_("sibling"),
    "child": N_("child"),
    "other": N_("other"),
}

#: Columns holding a comma-separated list of codes ("practical,training"): each code in words.
LIST_COLUMNS = frozenset({"services"})

WORDS: dict[str, dict[str, str]] = {
    "status": _STATUS,
    # a transfer's state, and an onboarding step's (services/onboarding.py: done, overdue, open)
    "state": {**_TRANSFER_STATE, "done": N_("done"), "overdue": N_("overdue"), "open": N_("open")},
    # a transfer's next step and an onboarding's next step share the column name; their codes differ
    "next_step": {**_TRANSFER_STEP, **_ONBOARDING_STEP},
    "services": _SERVICE,
    "relation": _RELATION,
    "next_title": {title: title for title in _TRANSFER_STATE.values()},
    "kind": _KIND,
    "role": _ROLE,
    "person_kind": {"assistant": N_("assistant"), "supervisor": N_("supervisor")},
    "responsible": {"coordinator": N_("coordinator"), "supervisor": N_("supervisor")},
    "direction": {"in": N_("incoming"), "out": N_("outgoing")},
    "hours_unit": {"week": N_("per week"), "month": N_("per month")},
    "severity": {"block": N_("blocking"), "warn": N_("warning")},
    "flag": {"ok": N_("ok"), "warn": N_("near the limit"), "alert": N_("over the limit"), "under": N_("well under")},
}


def step_title(code: str, title: str) -> str:
    """An onboarding step's title in the language: the template's words for a known step's code
    (whatever English title was stored with it), else the stored title as a message id."""
    return _(_ONBOARDING_STEP.get(code, title))


def word(column: str, value: Any) -> Any:
    """The value of a table cell: a known code of `column` in words of the language in force."""
    codes = WORDS.get(column, {})
    if isinstance(value, str) and (label := codes.get(value)):
        return _(label)
    if isinstance(value, str) and column in LIST_COLUMNS and "," in value:
        return ", ".join(_(codes[p]) if p in codes else p for p in (p.strip() for p in value.split(",")))
    return value
