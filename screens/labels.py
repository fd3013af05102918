"""Words for the codes the services use (statuses, choices, flags, actions), translated when
shown. The codes themselves never change with the language; only these words do."""

from __future__ import annotations

from bpa_provider.i18n import N_, _

# Record kinds as people name them.
KINDS = {
    "municipality": N_("municipality"),
    "client": N_("client"),
    "decision": N_("decision"),
    "supervisor": N_("work supervisor"),
    "supervision": N_("supervision"),
    "assistant": N_("assistant"),
    "employment": N_("employment"),
    "assignment": N_("assignment"),
}

# Titles of empty forms, whole, because the adjective follows the noun's gender in Norwegian
# ("Ny bruker", "Nytt vedtak").
NEW = {
    "municipality": N_("New municipality"),
    "client": N_("New client"),
    "decision": N_("New decision"),
    "supervisor": N_("New supervisor"),
    "supervision": N_("Link supervisor"),
    "assistant": N_("New assistant"),
    "employment": N_("New employment"),
    "assignment": N_("New assignment"),
}

# Roles, as the header shows them.
ROLES = {
    "admin": N_("admin"),
    "coordinator": N_("coordinator"),
    "supervisor": N_("supervisor"),
    "auditor": N_("auditor"),
}

# Choice values (statuses, roles, relations, kinds...).
CHOICES = {
    "no": N_("Norway"),
    "se": N_("Sweden"),
    "NO": N_("Norway"),
    "SE": N_("Sweden"),
    "prospect": N_("prospect"),
    "active": N_("active"),
    "transferring_out": N_("transferring out"),
    "ended": N_("ended"),
    "municipality": N_("municipality"),
    "fk": N_("Försäkringskassan"),
    "week": N_("week"),
    "month": N_("month"),
    "self": N_("self"),
    "parent": N_("parent"),
    "spouse": N_("spouse"),
    "sibling": N_("sibling"),
    "child": N_("child"),
    "other": N_("other"),
    "permanent": N_("permanent"),
    "temporary": N_("temporary"),
    "on_call": N_("on call"),
    "regular": N_("regular"),
    "substitute": N_("substitute"),
    "planned": N_("planned"),
    "worked": N_("worked"),
    "approved": N_("approved"),
    "cancelled": N_("cancelled"),
    "vacant": N_("vacant"),
    "passive": N_("passive"),
    "night": N_("night"),
    "enrolled": N_("enrolled"),
    "attended": N_("attended"),
    "completed": N_("completed"),
    "no_show": N_("no-show"),
    "in": N_("in"),
    "out": N_("out"),
    # a decision's services (records.SERVICE_TYPES)
    "practical": N_("practical help"),
    "training": N_("training"),
    "support": N_("support"),
    "respite": N_("respite"),
}

# Dashboard flags: state is written as text, never conveyed by colour alone.
FLAGS = {
    "over": N_("OVER"),
    "under": N_("UNDER"),
    "warn": N_("NEAR LIMIT"),
    "alert": N_("OVER"),
    "overdue": N_("OVERDUE"),
    "due": N_("DUE"),
    "ending": N_("ENDING"),
    "police_certificate": N_("NO POLICE CERTIFICATE"),
    "confidentiality": N_("NO CONFIDENTIALITY"),
    "missing_police_certificate": N_("NO POLICE CERTIFICATE"),
    "missing_confidentiality": N_("NO CONFIDENTIALITY"),
    "ok": N_("OK"),
    "expired": N_("EXPIRED"),
    "expiring": N_("EXPIRES"),
    "vacant": N_("VACANT"),
    "failed": N_("FAILED"),
    "retrying": N_("RETRYING"),
}

# Audit actions in the history of a record.
ACTIONS = {
    "create": N_("created"),
    "update": N_("changed"),
    "end": N_("ended"),
    "view": N_("viewed"),
    "reveal_id": N_("national ID shown"),
    "refused": N_("refused"),
    "export": N_("exported"),
}


def label(text: str) -> str:
    """A field label or hint of records.SPECS in the current language (the extractor collects
    the specs' labels and hints into the catalog)."""
    return _(text) if text else ""


def choice(code: str | None) -> str:
    """A choice code as a word; unknown codes are shown as they are."""
    if not code:
        return ""
    return _(CHOICES[code]) if code in CHOICES else code


def flag(code: str | None) -> str:
    """A dashboard flag as upper-case text (several codes may come comma-separated)."""
    if not code:
        return ""
    return ", ".join(_(FLAGS[c]) if c in FLAGS else c.replace("_", " ").upper() for c in code.split(","))


def new(kind_code: str) -> str:
    """The title of an empty form for a record kind."""
    return _(NEW[kind_code]) if kind_code in NEW else kind(kind_code)


def role(code: str) -> str:
    return _(ROLES.get(code, code))


def kind(code: str) -> str:
    return _(KINDS.get(code, code))


def action(code: str) -> str:
    return _(ACTIONS[code]) if code in ACTIONS else code
