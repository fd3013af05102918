"""Tables of courses (catalog, dates, enrollments, required trainings), onboarding checklists
and annual reviews. Import them from `bpa_provider.db.models` (db/models.py names every table;
its docstring has the conventions)."""

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .model_columns import _created, _version
from .types import UTCDateTime

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


class CredentialExpiry(SQLModel, table=True):
    """When a latest completion expires (services/course_expiry.py): one row per completed
    enrollment that is its person's latest of its credential (a course; the supervisor basic course
    and its refresher are one) and whose course expires. Rewritten for a person wherever their
    completions or a course's validity change, so the dashboard's "courses expiring" is a range
    over `expires_on` instead of every person's latest completion worked out on each visit."""

    __tablename__ = "credential_expiry"
    # The person beside the expiry in the index: the dashboard counts the range with each row's
    # person current and in scope without the enrollment's page per row (migration 0015s).
    __table_args__ = (
        Index("ix_credential_expiry_expires", "expires_on", "supervisor_id", "assistant_id"),
        # The rows of one day in the order the dashboard shows them (by the person's reference;
        # "C" collation on PostgreSQL, migration 0017c).
        Index("ix_credential_expiry_order", "expires_on", "person_ref", "supervisor_id", "assistant_id"),
    )
    enrollment_id: int = Field(foreign_key="course_enrollment.id", primary_key=True)
    expires_on: date
    # The enrollment's person (one of the two), copied with the row; an enrollment's never changes.
    supervisor_id: int | None = None
    assistant_id: int | None = None
    # The person's reference, kept by database triggers from the person (migration 0017c): on
    # the row's insert or update and when the reference changes; never written by the app.
    person_ref: str | None = Field(default=None, max_length=20)


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


class OnboardingDue(SQLModel, table=True):
    """Why a supervision may be overdue (services/onboarding_due.py): the earliest due date among
    its pair's open checklist steps, or, the pair without a checklist and its supervisor without a
    basic course, the supervision's start. Rewritten for a supervisor wherever their supervisions,
    steps or enrollments change, so the dashboard's "courses overdue" is two ranges instead of
    every supervision judged on each visit. No foreign keys: a supervision deleted in a flush
    loses its row at the commit, after the delete."""

    __tablename__ = "onboarding_due"
    __table_args__ = (
        Index("ix_onboarding_due_open", "open_due"),
        Index("ix_onboarding_due_basic", "basic_from"),
        Index("ix_onboarding_due_supervisor", "supervisor_id"),
    )
    supervision_id: int = Field(primary_key=True)
    supervisor_id: int
    client_id: int
    open_due: date | None = None
    basic_from: date | None = None


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


class ReviewDueSpan(SQLModel, table=True):
    """When a pair's next annual review is due, stored (services/review_due_store.py): one row per
    (assistant, client) and span of days over which the pair's current assignments and the
    assistant's current employments stay the same (a span ends on an end date, when a row drops
    out of "current"), with the pair's start, the last review held in it and the next due date; a
    pair whose review is cancelled (an end before the due date) has no row for that span.
    Rewritten for an assistant wherever their assignments, employments or reviews change, so the
    dashboard's "reviews due" is a range over `next_due` and a record reads its own pairs."""

    __tablename__ = "review_due"
    __table_args__ = (
        Index("ix_review_due_next", "next_due", "valid_from", "valid_until", "client_id"),
        Index("ix_review_due_assistant", "assistant_id"),
        Index("ix_review_due_client", "client_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id")
    client_id: int = Field(foreign_key="client.id")
    valid_from: date | None = None  # first day the row holds; None: since always
    valid_until: date | None = None  # last day it holds; None: no end
    start_date: date  # the pair's start on those days (its earliest current assignment)
    last_held: date | None = None  # the last review held since that start
    next_due: date


class ReviewDueBasis(SQLModel, table=True):
    """The policy months `review_due` was worked out with (one row): a reader with other months
    computes instead of reading stored dates made for these."""

    __tablename__ = "review_due_basis"
    id: int | None = Field(default=None, primary_key=True)
    first_months: int
    interval_months: int


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
