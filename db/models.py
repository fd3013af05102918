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

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bpa_provider.db.types import Money, UTCDateTime, utcnow


def _version() -> Column:
    # Each table needs its own Column object: it is handed to both the field and the mapper.
    return Column("version", Integer, nullable=False)


def _created() -> datetime:
    return utcnow()


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

    __table_args__ = (Index("ix_decision_client_period", "client_id", "valid_from", "valid_to"),)
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

    __table_args__ = (Index("ix_employment_assistant", "assistant_id", "start_date"),)
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


# --------------------------------------------------------------------------- rosters and hours


class RotaPattern(SQLModel, table=True):
    """A recurring shift pattern ("Mon/Wed/Fri 08:00-16:00", or week k of an n-week rotation),
    expanded with dateutil.rrule up to a horizon."""

    __tablename__ = "rota_pattern"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    assistant_id: int | None = Field(default=None, foreign_key="assistant.id")
    name: str = Field(default="", max_length=100)
    weekdays: str = Field(max_length=20)  # "0,2,4" (Monday = 0)
    start_time: time
    end_time: time  # earlier than start_time means the shift ends the next day
    kind: str = Field(default="active", max_length=10)
    cycle_weeks: int = Field(default=1)
    cycle_week: int = Field(default=0)  # which week of the cycle this pattern's shifts fall in
    valid_from: date
    valid_to: date | None = None
    generated_until: date | None = None
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class Shift(SQLModel, table=True):
    """One shift of one assistant for one client, as UTC instants (a vacant shift: of nobody yet,
    or still naming the absent assistant it was for; docs/absence.md).

    The plan becomes the actuals by default: a planned shift that has ended counts as worked unless a
    deviation is recorded (`deviation_status` pending until approved).
    """

    __table_args__ = (
        Index("ix_shift_client_start", "client_id", "start_utc"),
        Index("ix_shift_assistant_start", "assistant_id", "start_utc"),
        Index("ix_shift_start", "start_utc"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    # None: created vacant (`roster add --vacant`), nobody's until filled. A shift vacated by an
    # absence keeps naming the absent assistant (docs/absence.md).
    assistant_id: int | None = Field(default=None, foreign_key="assistant.id")
    start_utc: datetime = Field(sa_type=UTCDateTime)
    end_utc: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="active", max_length=10)  # active, passive, night
    status: str = Field(default="planned", max_length=12)  # planned, worked, approved, cancelled
    active_minutes: int = Field(default=0)  # active time recorded inside a passive shift
    pattern_id: int | None = Field(default=None, foreign_key="rota_pattern.id", index=True)
    detached: bool = Field(default=False)  # an occurrence edited alone: regeneration leaves it be
    deviation_status: str = Field(default="none", max_length=10)  # none, pending, approved, rejected
    planned_start_utc: datetime | None = Field(default=None, sa_type=UTCDateTime)
    planned_end_utc: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaces_assistant_id: int | None = Field(default=None, foreign_key="assistant.id")
    legal_basis: str = Field(default="", max_length=200)  # needed for a shift over 12.5 h
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class RuleAck(SQLModel, table=True):
    """A working-time warning acknowledged with a comment (kept for the record)."""

    __tablename__ = "rule_ack"
    __table_args__ = (UniqueConstraint("shift_id", "rule_id", name="uq_rule_ack"),)
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id", index=True)
    rule_id: str = Field(max_length=40)
    comment: str = Field(max_length=500)
    by: str = Field(max_length=64)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class PeriodApproval(SQLModel, table=True):
    """A client's hours for a period: approved by the supervisor, locked by a coordinator,
    exported to payroll. Locked shifts cannot change; only an admin reopens, with a reason."""

    __tablename__ = "period_approval"
    __table_args__ = (Index("ix_period_client", "client_id", "period_start"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    period_start: date
    period_end: date  # exclusive
    approved_by: str = Field(default="", max_length=64)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    needs_coapproval: bool = Field(default=False)  # supervisor's course overdue: coordinator co-signs
    coapproved_by: str = Field(default="", max_length=64)
    locked_by: str = Field(default="", max_length=64)
    locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    exported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_reason: str = Field(default="", max_length=500)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class HourBalanceEntry(SQLModel, table=True):
    """An adjustment of a client's hour account, e.g. the opening balance from a handover."""

    __tablename__ = "hour_balance_entry"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    entry_date: date
    hours: float  # positive: hours still available; negative: hours already used
    source: str = Field(default="manual", max_length=40)  # manual, handover
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class HourLedger(SQLModel, table=True):
    """A closed month's hour totals of one client (services/hour_ledger.py): written in the
    transaction that locks the month, removed when it is reopened, and read by the year-end outlook
    instead of the month's raw shifts. Hours are unrounded sums, as the report computes them."""

    __tablename__ = "hour_ledger"
    __table_args__ = (UniqueConstraint("client_id", "month", name="uq_hour_ledger_client_month"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    month: date  # the first day of the month
    planned_hours: float  # not cancelled, clipped at the client's local month bounds
    worked_hours: float  # counted as worked when the month was locked
    vacant_hours: float = Field(default=0.0)  # planned but uncovered (vacant shifts)
    last_end_utc: datetime | None = Field(default=None, sa_type=UTCDateTime)  # latest end of a shift touching the month
    written_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- courses and onboarding


class Course(SQLModel, table=True):
    """A course in the catalog: supervisor basic course, refresher, or an assistant training."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    organiser: str = Field(default="", max_length=200)
    kind: str = Field(
        default="supervisor_basic", max_length=30
    )  # supervisor_basic, supervisor_refresher, assistant_training
    hours: float = Field(default=0.0)
    validity_months: int | None = None
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class CourseSession(SQLModel, table=True):
    """A dated run of a course, with place and capacity."""

    __tablename__ = "course_session"
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    starts_on: date = Field(index=True)
    ends_on: date | None = None
    place: str = Field(default="", max_length=200)
    capacity: int | None = None
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class CourseEnrollment(SQLModel, table=True):
    """A supervisor or an assistant enrolled in a course (session), and the outcome."""

    __tablename__ = "course_enrollment"
    __table_args__ = (
        Index("ix_enrollment_supervisor", "supervisor_id"),
        Index("ix_enrollment_assistant", "assistant_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="course_session.id")
    supervisor_id: int | None = Field(default=None, foreign_key="supervisor.id")
    assistant_id: int | None = Field(default=None, foreign_key="assistant.id")
    client_id: int | None = Field(default=None, foreign_key="client.id")  # for the training report
    status: str = Field(default="enrolled", max_length=12)  # enrolled, attended, completed, no_show
    completed_on: date | None = None
    certificate_ref: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class RequiredTraining(SQLModel, table=True):
    """A training an assistant must have completed before working for a given client."""

    __tablename__ = "required_training"
    __table_args__ = (UniqueConstraint("client_id", "course_id", name="uq_required_training"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    course_id: int = Field(foreign_key="course.id")


class OnboardingStep(SQLModel, table=True):
    """One step of a supervisor's onboarding checklist, created from the provider's template."""

    __tablename__ = "onboarding_step"
    __table_args__ = (Index("ix_onboarding_supervisor", "supervisor_id", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    client_id: int | None = Field(default=None, foreign_key="client.id")
    code: str = Field(max_length=40)  # basic_course, job_description, working_time_intro, first_rota
    title: str = Field(max_length=200)
    responsible: str = Field(default="", max_length=64)
    due_date: date
    done_on: date | None = None
    note: str = Field(default="", max_length=500)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


# --------------------------------------------------------------------------- reviews


class Review(SQLModel, table=True):
    """An annual staff review (medarbeidersamtale) of an assistant at a client."""

    __table_args__ = (Index("ix_review_pair", "assistant_id", "client_id", "held_on"),)
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    client_id: int = Field(foreign_key="client.id", index=True)
    held_on: date
    participants: str = Field(default="", max_length=500)
    summary: str = Field(default="", sa_type=Text)  # private: coordinators and that client's supervisor
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class ReviewAction(SQLModel, table=True):
    """An action agreed in a review, with owner and due date; may enroll the assistant in a course."""

    __tablename__ = "review_action"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    text: str = Field(max_length=500)
    owner: str = Field(default="", max_length=200)
    due_date: date | None = Field(default=None, index=True)
    done_on: date | None = None
    course_id: int | None = Field(default=None, foreign_key="course.id")
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


# --------------------------------------------------------------------------- transfers


class Transfer(SQLModel, table=True):
    """A provider switch, in or out, with its dates; the steps are TransferStep rows."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    direction: str = Field(max_length=3)  # in, out
    counterpart: str = Field(max_length=200)  # the other provider
    notice_date: date
    agreed_date: date | None = None
    effective_date: date = Field(index=True)
    state: str = Field(default="notice", max_length=30)  # last completed step, or cancelled/closed
    client_consent_on: date | None = None  # consent to hand over the client part of the package
    cancelled_reason: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class TransferStep(SQLModel, table=True):
    """One step of a transfer's checklist: due date, done date, who, note."""

    __tablename__ = "transfer_step"
    __table_args__ = (
        UniqueConstraint("transfer_id", "code", name="uq_transfer_step"),
        Index("ix_transfer_step_due", "done_on", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id")
    code: str = Field(max_length=40)
    seq: int = Field(default=0)
    due_date: date | None = None
    done_on: date | None = None
    done_by: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class TransferAssistant(SQLModel, table=True):
    """An assistant affected by a transfer: informed, refusal deadline, written refusal if any."""

    __tablename__ = "transfer_assistant"
    __table_args__ = (UniqueConstraint("transfer_id", "assistant_id", name="uq_transfer_assistant"),)
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    informed_on: date | None = None
    refusal_deadline: date | None = None
    refused_on: date | None = None  # a written refusal: the assistant does not transfer
    note: str = Field(default="", max_length=500)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


class HandoverExport(SQLModel, table=True):
    """A handover package exported (or imported): its checksum, stage and who did it."""

    __tablename__ = "handover_export"
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    direction: str = Field(default="export", max_length=10)  # export, import
    sha256: str = Field(max_length=64)
    stage: str = Field(default="", max_length=30)
    schema_version: str = Field(default="1", max_length=10)
    by: str = Field(max_length=64)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    # An imported package as received (cut-over creates employments from it); empty for exports.
    payload: str | None = Field(default=None, sa_type=Text)


# --------------------------------------------------------------------------- Sweden: sick pay


class Absence(SQLModel, table=True):
    """An assistant's absence: sick leave (self-certified or with a sick note, graded), a sick
    child, holiday, welfare, unpaid or parental leave (docs/absence.md). Sweden's sick periods,
    the basis of sick-pay claims to municipalities, are absences of the sick kinds."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_assistant_from", "assistant_id", "from_date"),)
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    kind: str = Field(default="self-cert", max_length=12)  # rules/absence.py KINDS
    from_date: date
    to_date: date
    grade: int = Field(default=100)  # a graded sick note: the share of work missed, in %
    doctor_note_on: date | None = None  # the document received (sick note, application)
    cancelled: bool = Field(default=False)  # recorded in error: kept, counted nowhere
    note: str = Field(default="", max_length=500)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


SickPeriod = Absence  # Sweden's name for the sick kinds (services/sickpay.py)


class OutboxMessage(SQLModel, table=True):
    """A message to a person, kept until it is delivered (docs/notify.md): a shift offered,
    changed or cancelled, an absence recorded, hours waiting for approval. Written in the same
    transaction as what it tells; `notify send` delivers it by e-mail."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_utc"),)
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, unique=True)  # the same fact is told once
    kind: str = Field(
        max_length=20
    )  # shift_offered, shift_confirmed, shift_changed, shift_cancelled, absence, approval_due
    recipient_kind: str = Field(max_length=12)  # assistant, supervisor
    recipient_id: int
    params: str = Field(default="{}", max_length=4000)  # JSON: what the message says (no health detail)
    ical_uid: str = Field(default="", max_length=120)
    ical_sequence: int = Field(default=0)
    ical_method: str = Field(default="", max_length=10)  # REQUEST, CANCEL or empty
    status: str = Field(default="pending", max_length=10)  # pending, sent, failed, skipped
    attempts: int = Field(default=0)
    next_attempt_utc: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SickPayClaim(SQLModel, table=True):
    """A claim to a client's municipality for a regular assistant's sick pay when a substitute worked."""

    __tablename__ = "sick_pay_claim"
    id: int | None = Field(default=None, primary_key=True)
    sick_period_id: int = Field(foreign_key="absence.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    first_day: date
    last_day: date
    hours: float = Field(default=0.0)
    status: str = Field(default="prepared", max_length=12)  # prepared, sent, paid, rejected
    doctor_note_needed: bool = Field(default=False)
    version: int | None = Field(default=None, sa_column=(_v := _version()))
    __mapper_args__ = {"version_id_col": _v}
    del _v  # otherwise pydantic keeps the Column as a private attribute and deep-copies it per row


EDITABLE_TABLES = [t.name for t in SQLModel.metadata.sorted_tables if "version" in t.columns]
