"""Tables of provider switches: transfers, their steps and assistants, and handover packages.
Import them from `bpa_provider.db.models` (db/models.py names every table; its docstring has the
conventions)."""

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .model_columns import _created, _version
from .types import UTCDateTime

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
