"""The registry record kinds, described once: `SPECS` (municipality, client, decision, supervisor,
supervision, assistant, employment, assignment) drives the services, the TUI forms and CSV import.
`check_field` validates one field without a database, as the person types.
`services.records` re-exports every public name here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Decision,
    Employment,
    Municipality,
    Supervision,
    Supervisor,
)
from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_
from bpa_provider.services.record_checks import (
    supervision_after_create,
    supervisor_after_create,
    validate_any_national_id,
    validate_assignment,
    validate_assistant,
    validate_client,
    validate_decision,
    validate_employment,
    validate_municipality,
    validate_supervision,
)
from bpa_provider.services.record_fields import COUNTRIES, RELATIONS, EntitySpec, FieldSpec
from bpa_provider.services.record_parsing import parse_value
from bpa_provider.services.validation import REF_PATTERN


def check_field(kind: str, name: str, raw: Any) -> Invalid | None:
    """Validate one field without a database (the form calls this as you type): the problem
    (a message id with parameters, without the field's label) or None."""
    spec = SPECS[kind].field(name)
    if spec.kind == "ref":
        return Invalid(N_("is required")) if spec.required and not str(raw or "").strip() else None
    try:
        value = parse_value(None, spec, raw)
        if spec.kind == "national_id" and value:
            validate_any_national_id(value)
    except Invalid as exc:
        return exc
    except ValueError as exc:  # a library's own words (none expected): shown as they came
        return Invalid(str(exc))
    return None


_T = FieldSpec


SPECS: dict[str, EntitySpec] = {
    "municipality": EntitySpec(
        "municipality",
        Municipality,
        "Municipality",
        "municipality",
        (
            _T("name", "Name", required=True, max_len=100),
            _T("country", "Country", "choice", choices=COUNTRIES, hint="no or se"),
            _T("timezone", "Time zone", max_len=64, hint="Europe/Oslo"),
            _T("unit_name", "Case unit"),
            _T("unit_contact", "Unit contact"),
            _T("notice_months", "Notice (months)", "int", minimum=0, maximum=24),
            _T("approved", "Approved provider", "bool"),
            _T("approved_since", "Approved since", "date"),
        ),
        validate=validate_municipality,
    ),
    "client": EntitySpec(
        "client",
        Client,
        "Client",
        "client",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free K-number", pattern=REF_PATTERN),
            _T("name", "Name", required=True),
            _T("national_id", "National ID", "national_id", max_len=20),
            _T("birth_date", "Birth date", "date"),
            _T("municipality_id", "Municipality", "ref", required=True, ref_kind="municipality"),
            _T("status", "Status", "choice", choices=("prospect", "active", "transferring_out", "ended")),
            _T("phone", "Phone", max_len=40),
            _T("address", "Address", multiline=True),
            _T("start_date", "Start date", "date"),
            _T("end_date", "End date", "date"),
        ),
        end_field="end_date",
        ref_prefix="K-",
        search_columns=("name", "ref"),
        client_field="id",
        validate=validate_client,
    ),
    "decision": EntitySpec(
        "decision",
        Decision,
        "Decision",
        "decision",
        (
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("case_number", "Case number", max_len=60),
            _T("issuer", "Issuer", "choice", choices=("municipality", "fk")),
            _T("hours", "Hours", "float", required=True, minimum=0.25, maximum=168 * 5),
            _T("hours_unit", "Per", "choice", choices=("week", "month")),
            _T("two_helper_hours", "Two-helper hours", "float", minimum=0, maximum=168 * 5),
            _T("night_hours_allowed", "Night hours granted", "bool"),
            _T("services", "Services", hint="practical,training,support,respite"),
            _T("valid_from", "Valid from", "date", required=True),
            _T("valid_to", "Valid to", "date"),
            _T("note", "Note", max_len=500, multiline=True),
        ),
        end_field="valid_to",
        search_columns=("case_number",),
        client_field="client_id",
        validate=validate_decision,
    ),
    "supervisor": EntitySpec(
        "supervisor",
        Supervisor,
        "Work supervisor",
        "supervisor",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free S-number"),
            _T("name", "Name", required=True),
            _T("phone", "Phone", max_len=40),
            _T("email", "E-mail"),
            _T("email_consent", "Notices by e-mail (consent)", "bool"),
            _T("language", "Language of notices", "choice", choices=("nb", "sv", "en")),
        ),
        ref_prefix="S-",
        search_columns=("name", "ref"),
        after_create=supervisor_after_create,
        extra_fields=(
            _T("client_id", "Client", "ref", ref_kind="client"),
            _T("relation", "Relation", "choice", choices=RELATIONS),
            _T("since", "Since", "date"),
        ),
    ),
    "supervision": EntitySpec(
        "supervision",
        Supervision,
        "Supervision",
        "supervisor",
        (
            _T("supervisor_id", "Supervisor", "ref", required=True, ref_kind="supervisor", create_only=True),
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("relation", "Relation", "choice", choices=RELATIONS),
            _T("since", "Since", "date", required=True),
            _T("until", "Until", "date"),
        ),
        end_field="until",
        search_columns=(),
        client_field="client_id",
        validate=validate_supervision,
        after_create=supervision_after_create,
    ),
    "assistant": EntitySpec(
        "assistant",
        Assistant,
        "Assistant",
        "assistant",
        (
            _T("ref", "Reference", max_len=20, create_only=True, hint="empty: next free A-number"),
            _T("name", "Name", required=True),
            _T("national_id", "National ID", "national_id", max_len=20),
            _T("birth_date", "Birth date", "date"),
            _T("phone", "Phone", max_len=40),
            _T("email", "E-mail"),
            _T("email_consent", "Notices by e-mail (consent)", "bool"),
            _T("language", "Language of notices", "choice", choices=("nb", "sv", "en")),
            _T("eea_resident", "EEA resident", "bool"),
        ),
        ref_prefix="A-",
        search_columns=("name", "ref"),
        validate=validate_assistant,
    ),
    "employment": EntitySpec(
        "employment",
        Employment,
        "Employment",
        "employment",
        (
            _T("assistant_id", "Assistant", "ref", required=True, ref_kind="assistant", create_only=True),
            _T("start_date", "Start date", "date", required=True),
            _T("end_date", "End date", "date"),
            _T("position_percent", "Position %", "float", minimum=0.5, maximum=100),
            _T("kind", "Kind", "choice", choices=("permanent", "temporary", "on_call")),
            _T("hourly_wage", "Hourly wage", "money", minimum=0, maximum=10000),
            _T("employee_number", "Employee number", max_len=20, hint="the payroll system's number"),
            _T("seniority_date", "Seniority from", "date"),
            _T("police_certificate_on", "Police certificate", "date"),
            _T("police_certificate_checked_by", "Certificate checked by", max_len=64),
            _T("confidentiality_on", "Confidentiality signed", "date"),
            _T("end_reason", "End reason"),
        ),
        end_field="end_date",
        search_columns=(),
        validate=validate_employment,
    ),
    "assignment": EntitySpec(
        "assignment",
        Assignment,
        "Assignment",
        "assignment",
        (
            _T("assistant_id", "Assistant", "ref", required=True, ref_kind="assistant", create_only=True),
            _T("client_id", "Client", "ref", required=True, ref_kind="client", create_only=True),
            _T("role", "Role", "choice", choices=("regular", "substitute")),
            _T("start_date", "Start date", "date", required=True),
            _T("end_date", "End date", "date"),
            _T("family_relation", "Close family", "bool"),
            _T("family_permission_on", "Family permission", "date"),
            _T("fk_reported_on", "Reported to FK", "date"),
        ),
        end_field="end_date",
        search_columns=(),
        client_field="client_id",
        validate=validate_assignment,
    ),
}


def field_specs(kind: str) -> Sequence[FieldSpec]:
    """The fields of a record kind, in form order."""
    return SPECS[kind].fields
