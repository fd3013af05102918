"""Tables of absence (Sweden's sick periods among them), sick-pay claims and the outbox of
notices. Import them from `bpa_provider.db.models` (db/models.py names every table; its docstring
has the conventions)."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .model_columns import _created, _version
from .types import UTCDateTime

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
