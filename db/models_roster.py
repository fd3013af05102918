"""Tables of rosters and hours: rota patterns, shifts, rule acknowledgements, period approvals,
hour balance entries and the hour ledger. Import them from `bpa_provider.db.models` (db/models.py
names every table; its docstring has the conventions)."""

from datetime import date, datetime, time

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .model_columns import _created, _version
from .types import UTCDateTime

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
        # Only the vacant shifts (a partial index: the import's other rows do not enter it), so
        # the dashboard's "vacant shifts in the next 14 days" reads them, not two weeks of shifts
        # (migration 0012d). A query uses it when it says `status = 'vacant'` as a literal.
        Index(
            "ix_shift_vacant_start",
            "start_utc",
            sqlite_where=text("status = 'vacant'"),
            postgresql_where=text("status = 'vacant'"),
        ),
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


class HourOutlook(SQLModel, table=True):
    """One client's year-end outlook as the dashboard shows it, stored (services/hour_outlook.py).

    `changes` counts the changes of the client's inputs — shifts, decisions, balance entries, the
    hour ledger, the client's dates and municipality, its municipality's time zone — and is bumped
    by database triggers (migration 0015o) on every path that writes them. The result columns are
    what was computed for day `as_of` from `computed_changes` with the thresholds `basis`; a row is
    fresh when all three still match, and the dashboard recomputes only the rows that are not."""

    __tablename__ = "hour_outlook"
    # The day and thresholds, and the flagged rows, each an index of its own (migration 0018d);
    # none holds `changes`, so a trigger's bump updates no index.
    __table_args__ = (
        Index("ix_hour_outlook_day", "as_of", "basis"),
        Index("ix_hour_outlook_flag_listed", "flag", "listed"),
    )
    client_id: int = Field(
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    changes: int = Field(default=0)
    as_of: date | None = None  # the day it was computed for (None: never)
    computed_changes: int | None = None  # the `changes` it was computed from
    basis: str | None = Field(default=None, max_length=60)  # the policy's thresholds, "warn/alert/under"
    listed: bool | None = None  # the client is in that month's hours report
    flag: str | None = Field(default=None, max_length=10)  # ok, warn, alert, under
    year_projected: float | None = None
    year_decided: float | None = None
    usage_pct: float | None = None


class DayCount(SQLModel, table=True):
    """A dashboard section's count for a day, stored (services/day_counts.py, migration 0017c).

    Valid for day `as_of`, policy `basis`, while none of the section's input tables changed since it
    was counted: on SQLite `computed_changes == changes` (bumped by triggers in the writer's own
    transaction: SQLite's writers are one at a time); on PostgreSQL no `day_count_change` row with a
    transaction id at or above `counted_xmin`, the oldest transaction still running when it was counted."""

    __tablename__ = "day_count"
    key: str = Field(sa_column=Column(String(40), primary_key=True))
    changes: int = Field(default=0)  # SQLite: bumped on every write of an input table
    computed_changes: int | None = None  # SQLite: the `changes` it was counted at
    counted_xmin: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # PostgreSQL
    as_of: date | None = None
    basis: str | None = Field(default=None, max_length=60)
    total: int | None = None


class DayCountChange(SQLModel, table=True):
    """PostgreSQL: a transaction that wrote an input table of a stored count (one row for each count
    and transaction, inserted by statement triggers: writers never share a row, so never wait on
    one another). Rows older than the count's `counted_xmin` are pruned when a count is stored."""

    __tablename__ = "day_count_change"
    key: str = Field(sa_column=Column(String(40), primary_key=True))
    xid: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
