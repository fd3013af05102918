"""the next review due of each assistant-client pair stored

Revision ID: 0014r
Revises: 0013d
Create Date: 2026-12-07

`review_due`: for each (assistant, client) pair, one row per span of days over which the pair's
current assignments and the assistant's current employments stay the same and a review is due,
with the pair's start, the last review held since it and the next due date
(services/review_due_store.py keeps it wherever assignments, employments and reviews are written).
The dashboard's "reviews due" reads a range of `ix_review_due_next` and a record its own pairs,
instead of every assignment and employment in the company (issue 19: cost grows with what is
shown). `review_due_basis`: the policy months the rows are made with, here the policy's defaults
(6 months to the first review, 12 between) when there is data (an empty database gets its basis at
its first write): a provider configured otherwise has its reviews worked out as before until the
rows are rewritten with its months. Filled here from the current data by the same rule.
"""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014r"
down_revision = "0013d"
branch_labels = None
depends_on = None

FIRST_MONTHS, INTERVAL_MONTHS = 6, 12  # bpa_provider.config.Policy's defaults at this revision


# The rule as it stands at this revision, kept here: db/ imports nothing of the application (a
# migration must give the same rows whatever the rules become later).
def add_months(day: date, months: int) -> date:
    """The same day of the month that many months on, clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def next_review_due(start: date, last: date | None, a_end: date | None, e_end: date | None) -> date | None:
    """rules.calendar.next_review_due with the default months."""
    due = add_months(start, FIRST_MONTHS) if last is None else add_months(last, INTERVAL_MONTHS)
    ends = [d for d in (a_end, e_end) if d is not None]
    return None if ends and min(ends) < due else due


def spans(assignments: list, employment_ends: list, held: date | None) -> list:
    """services/review_due_store.spans: the pair's rows, one per span of days between end dates."""
    ends = sorted({e for _s, e in assignments if e is not None} | {e for e in employment_ends if e is not None})
    out: list = []
    for i, after in enumerate([None, *ends]):
        if after == date.max:
            break
        day = date.min if after is None else after + timedelta(days=1)
        until = ends[i] if i < len(ends) else None
        current = [(s, e) for s, e in assignments if e is None or e >= day]
        employed = [e for e in employment_ends if e is None or e >= day]
        if not current or not employed:
            break
        start = min(s for s, _e in current)
        a_end = None if any(e is None for _s, e in current) else max(e for _s, e in current)
        e_end = None if any(e is None for e in employed) else max(employed)
        last = held if held is not None and held >= start else None
        due = next_review_due(start, last, a_end, e_end)
        if due is None:
            continue
        if out and out[-1][1] == after and out[-1][2:] == (start, last, due):
            out[-1] = (out[-1][0], until, start, last, due)
        else:
            out.append((None if after is None else day, until, start, last, due))
    return out


def _day(value):  # SQLite's text dates through a plain text query
    return date.fromisoformat(value) if isinstance(value, str) else value


def _fill() -> None:
    conn = op.get_bind()
    pairs: dict = defaultdict(list)
    jobs: dict = defaultdict(list)
    held: dict = {}
    for aid, cid, start, end in conn.execute(
        sa.text("SELECT assistant_id, client_id, start_date, end_date FROM assignment")
    ):
        pairs[(aid, cid)].append((_day(start), _day(end)))
    for aid, end in conn.execute(sa.text("SELECT assistant_id, end_date FROM employment")):
        jobs[aid].append(_day(end))
    for aid, cid, last in conn.execute(
        sa.text("SELECT assistant_id, client_id, max(held_on) FROM review GROUP BY assistant_id, client_id")
    ):
        held[(aid, cid)] = _day(last)
    rows = []
    for (aid, cid), members in pairs.items():
        if aid in jobs:
            for frm, until, start, last, due in spans(members, jobs[aid], held.get((aid, cid))):
                rows.append(
                    {
                        "assistant_id": aid,
                        "client_id": cid,
                        "valid_from": frm,
                        "valid_until": until,
                        "start_date": start,
                        "last_held": last,
                        "next_due": due,
                    }
                )
    table = sa.table(
        "review_due",
        *(sa.column(c, sa.Integer) for c in ("assistant_id", "client_id")),
        *(sa.column(c, sa.Date) for c in ("valid_from", "valid_until", "start_date", "last_held", "next_due")),
    )
    for i in range(0, len(rows), 5000):
        conn.execute(sa.insert(table), rows[i : i + 5000])
    if not pairs:
        # An empty database (a new install, or one a restore fills next: bench/pg_company.py
        # copies the basis with the rows) stores no basis: the first write stores the configured
        # policy's months and rewrites every row (services/review_due_store.refresh).
        return
    basis = sa.table(
        "review_due_basis",
        sa.column("id", sa.Integer),
        sa.column("first_months", sa.Integer),
        sa.column("interval_months", sa.Integer),
    )
    conn.execute(sa.insert(basis), [{"id": 1, "first_months": FIRST_MONTHS, "interval_months": INTERVAL_MONTHS}])


def upgrade() -> None:
    op.create_table(
        "review_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("last_held", sa.Date(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"]),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_due_next", "review_due", ["next_due", "valid_from", "valid_until", "client_id"])
    op.create_index("ix_review_due_assistant", "review_due", ["assistant_id"])
    op.create_index("ix_review_due_client", "review_due", ["client_id"])
    op.create_table(
        "review_due_basis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_months", sa.Integer(), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _fill()


def downgrade() -> None:
    op.drop_table("review_due_basis")
    op.drop_index("ix_review_due_client", table_name="review_due")
    op.drop_index("ix_review_due_assistant", table_name="review_due")
    op.drop_index("ix_review_due_next", table_name="review_due")
    op.drop_table("review_due")
