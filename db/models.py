"""The tables of bpa-provider, one class each, grouped by area.

Conventions (why they matter is in docs/architecture.md):
- every editable row has a `version` column used for optimistic locking, so two coordinators
  saving the same record cannot silently overwrite each other;
- instants are UTC (`UTCDateTime`); calendar dates are plain dates; times of day are local to the
  client's municipality;
- personal history is never hard-deleted: records end with an end date or a status;
- enumerations are short strings validated in the services, so SQLite and PostgreSQL store the
  same thing and a new value needs no migration;
- indexes are named for the lookups the screens and reports make.

No `from __future__ import annotations` here: with it pydantic has to evaluate every field's
annotation from a string while the classes are built, ~10 ms of every command's start-up.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from .model_columns import _created, _version
from .types import Money, UTCDateTime, utcnow  # utcnow: tests patch models.utcnow

# --------------------------------------------------------------------------- users and audit


class User(SQLModel, table=True):
    """A person who signs in: admin, coordinator, supervisor (scoped to own clients) or auditor."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    supervisor_id: int | None = Field(default=None, foreign_key="supervisor.id", index=True)
    disabled: bool = Field(default=False)
    lang: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class SshKey(SQLModel, table=True):
    """One public key of a user; each is one forced-command line of the service account's
    authorized_keys file."""

    __tablename__ = "ssh_key"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    key_type: str = Field(max_length=40)
    key_data: str = Field(sa_type=Text)
    comment: str = Field(default="", max_length=200)
    fingerprint: str = Field(max_length=100, unique=True)
    added_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Append-only log of every change, every view of sensitive data and every refusal.

    Each row carries the hash of the previous row, so a removed or edited row breaks the chain.
    Rows of `hash_format` 2 hash salted digests of their before/after snapshots instead of the
    snapshots themselves, so retention can erase the snapshot text (and the salt) of a row about an
    anonymised person and the chain still verifies; the database permits no other change
    (migration 0003). Rows of format 1 (written before 0003) hash the text and cannot be erased.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_subject_at", "subject", "at"),
        Index("ix_audit_actor_at", "actor", "at"),
        Index("ix_audit_entity", "entity", "entity_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    actor: str = Field(max_length=64)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=40)  # create, update, end, view, reveal_id, refused, export, …
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    subject: str = Field(default="", max_length=40)  # the person the data is about: client/assistant ref
    summary: str = Field(default="", max_length=500)
    before: str | None = Field(default=None, sa_type=Text)  # JSON; NULL once erased (format 2)
    after: str | None = Field(default=None, sa_type=Text)  # JSON; NULL once erased (format 2)
    connection: str = Field(default="", max_length=200)  # SSH_CONNECTION of the session
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
    # 1: the hash covers before/after as text; 2: it covers before_digest/after_digest. Existing
    # rows become 1 through the server default; audit.record writes 2.
    hash_format: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    before_digest: str | None = Field(default=None, max_length=64)  # SHA-256(salt + before)
    after_digest: str | None = Field(default=None, max_length=64)  # SHA-256(salt + after)
    # Random per row and erased with the snapshots: without it a kept digest cannot be used to
    # confirm a guessed name (the rest of the snapshot is still in the anonymised record).
    snapshot_salt: str | None = Field(default=None, max_length=32)


# --------------------------------------------------------------------------- municipalities


class Municipality(SQLModel, table=True):
    """A municipality (kommune/kommun): country, time zone, case unit and the notice period."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    country: str = Field(default="NO", max_length=2)
    timezone: str = Field(default="Europe/Oslo", max_length=64)
    unit_name: str = Field(default="", max_length=200)
    unit_contact: str = Field(default="", max_length=200)
    notice_months: int = Field(default=3)
    approved: bool = Field(default=False)
    approved_since: date | None = None
    rule_profile: str = Field(default="", max_length=40)  # empty: the country's default rule set
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class HourlyRate(SQLModel, table=True):
    """A dated hourly rate: a municipality's contract rate (invoice basis) or, with no
    municipality, a country's state rate (Sweden's schablonbelopp)."""

    __tablename__ = "hourly_rate"
    __table_args__ = (Index("ix_rate_lookup", "country", "municipality_id", "valid_from"),)
    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(default="NO", max_length=2)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    valid_from: date
    rate: Decimal = Field(sa_column=Column(Money(), nullable=False))
    currency: str = Field(default="NOK", max_length=3)
    note: str = Field(default="", max_length=200)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


# --------------------------------------------------------------------------- clients


class Client(SQLModel, table=True):
    """The person who receives assistance (bruker / assistansberättigad)."""

    __table_args__ = (Index("ix_client_status_muni", "status", "municipality_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    national_id: str | None = Field(default=None, max_length=20, index=True)
    birth_date: date | None = None
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    status: str = Field(default="active", max_length=20)  # prospect, active, transferring_out, ended
    coordinator_id: int | None = Field(default=None, foreign_key="app_user.id")
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=200)
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str = Field(default="", max_length=200)
    anonymised: bool = Field(default=False)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Decision(SQLModel, table=True):
    """The municipality's (or Försäkringskassan's) decision: hours and period (vedtak / beslut)."""

    __table_args__ = (
        Index("ix_decision_client_period", "client_id", "valid_from", "valid_to"),
        # The dashboard's decisions ending: a range of end dates, counted with each one's client
        # from the index (migration 0016g).
        Index("ix_decision_valid_to_client", "valid_to", "client_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    case_number: str = Field(default="", max_length=60)
    issuer: str = Field(default="municipality", max_length=20)  # municipality, fk (Försäkringskassan)
    hours: float  # the amount, per `hours_unit`
    hours_unit: str = Field(default="week", max_length=10)  # week, month
    two_helper_hours: float = Field(default=0.0)  # hours with two assistants at once, same unit
    night_hours_allowed: bool = Field(default=False)
    services: str = Field(default="practical", max_length=200)  # comma list: practical, training, support, respite
    valid_from: date
    valid_to: date | None = None
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Supervisor(SQLModel, table=True):
    """A work supervisor (arbeidsleder / arbetsledare): the client or a close person."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    email_consent: bool = Field(default=False)  # notices by e-mail only with consent (docs/notify.md)
    language: str = Field(default="", max_length=2)  # nb, sv, en; empty: the client's country's
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Supervision(SQLModel, table=True):
    """That a supervisor leads a client's assistants, from when to when, and how they are related."""

    __table_args__ = (
        Index("ix_supervision_client", "client_id", "since"),
        Index("ix_supervision_supervisor", "supervisor_id", "since"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    client_id: int = Field(foreign_key="client.id")
    relation: str = Field(default="self", max_length=20)  # self, parent, spouse, sibling, child, other
    since: date
    until: date | None = None
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


# --------------------------------------------------------------------------- assistants


class Assistant(SQLModel, table=True):
    """A personal assistant: an employee of the provider."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    national_id: str | None = Field(default=None, max_length=20, index=True)
    birth_date: date | None = None
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    email_consent: bool = Field(default=False)  # notices by e-mail only with consent (docs/notify.md)
    language: str = Field(default="", max_length=2)  # nb, sv, en; empty: the client's country's
    eea_resident: bool = Field(default=True)  # Sweden: Försäkringskassan's registration asks
    anonymised: bool = Field(default=False)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Employment(SQLModel, table=True):
    """An employment contract of an assistant with the provider, with its credentials."""

    __table_args__ = (
        Index("ix_employment_assistant", "assistant_id", "start_date"),
        # The dashboard's credentials missing: the few employments without a credential (or with
        # one dated later) are a range of these, not every employment grouped.
        Index("ix_employment_police", "police_certificate_on"),
        Index("ix_employment_confidentiality", "confidentiality_on"),
        # Whether an assistant is employed on a day (the dashboard's courses expiring asks it of
        # every row it counts), from the index alone.
        Index("ix_employment_assistant_end", "assistant_id", "end_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    start_date: date
    end_date: date | None = None
    end_reason: str = Field(default="", max_length=200)
    position_percent: float = Field(default=100.0)
    kind: str = Field(default="permanent", max_length=20)  # permanent, temporary, on_call
    hourly_wage: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    employee_number: str = Field(default="", max_length=20)  # the payroll system's number for the person
    seniority_date: date | None = None  # kept across a transfer of undertaking
    police_certificate_on: date | None = None
    police_certificate_checked_by: str = Field(default="", max_length=64)
    confidentiality_on: date | None = None
    transferred_from: str = Field(default="", max_length=200)  # the provider we took them over from
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Assignment(SQLModel, table=True):
    """That an assistant works for a client, as a regular or a substitute."""

    __table_args__ = (
        Index("ix_assignment_client", "client_id", "start_date"),
        Index("ix_assignment_assistant", "assistant_id", "start_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    client_id: int = Field(foreign_key="client.id")
    role: str = Field(default="regular", max_length=20)  # regular, substitute
    start_date: date
    end_date: date | None = None
    family_relation: bool = Field(default=False)  # close family: needs the municipality's permission
    family_permission_on: date | None = None
    fk_reported_on: date | None = None  # Sweden: reported to Försäkringskassan for this client
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


# The other areas' tables, in modules of their own, named here: import every table from here.
from .models_absence import (  # noqa: E402
    Absence,
    OutboxMessage,
    SickPayClaim,
    SickPeriod,
)
from .models_roster import (  # noqa: E402
    DayCount,
    DayCountChange,
    HourBalanceEntry,
    HourLedger,
    HourOutlook,
    PeriodApproval,
    RotaPattern,
    RuleAck,
    Shift,
)
from .models_training import (  # noqa: E402
    Course,
    CourseEnrollment,
    CourseSession,
    CredentialExpiry,
    OnboardingDue,
    OnboardingStep,
    RequiredTraining,
    Review,
    ReviewAction,
    ReviewDueBasis,
    ReviewDueSpan,
)
from .models_transfer import (  # noqa: E402
    HandoverExport,
    Transfer,
    TransferAssistant,
    TransferStep,
)

EDITABLE_TABLES = [t.name for t in SQLModel.metadata.sorted_tables if "version" in t.columns]

__all__ = [
    "EDITABLE_TABLES",
    "User",
    "SshKey",
    "AuditEvent",
    "Municipality",
    "HourlyRate",
    "Client",
    "Decision",
    "Supervisor",
    "Supervision",
    "Assistant",
    "Employment",
    "Assignment",
    "RotaPattern",
    "Shift",
    "RuleAck",
    "PeriodApproval",
    "HourBalanceEntry",
    "HourLedger",
    "HourOutlook",
    "DayCount",
    "DayCountChange",
    "Course",
    "CourseSession",
    "CourseEnrollment",
    "CredentialExpiry",
    "OnboardingDue",
    "RequiredTraining",
    "OnboardingStep",
    "Review",
    "ReviewAction",
    "ReviewDueSpan",
    "ReviewDueBasis",
    "Transfer",
    "TransferStep",
    "TransferAssistant",
    "HandoverExport",
    "Absence",
    "SickPeriod",
    "OutboxMessage",
    "SickPayClaim",
    "utcnow",
]
