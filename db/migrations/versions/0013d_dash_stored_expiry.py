"""the latest completions' expiry stored; decisions by end date, employments by credential date

Revision ID: 0013d
Revises: 0012d
Create Date: 2026-12-07

`credential_expiry`: one row per completed enrollment that is its person's latest of its
credential and whose course expires, with the expiry date (services/course_expiry.py keeps it
where completions and courses are written). The dashboard's "courses expiring" reads a range of
`ix_credential_expiry_expires` instead of every person's latest completion (issue 19: cost grows
with what is shown). Filled here from the current data by the same rule.

`ix_decision_valid_to`: the dashboard's "decisions ending" is a range of end dates.
`ix_employment_police`, `ix_employment_confidentiality`: its "credentials missing" starts from the
few employments without a credential (or with one dated later), a range of each.
"""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op
from dateutil.relativedelta import relativedelta


def expiry_date(completed_on: date, validity_months: int | None) -> date | None:
    """`bpa_provider.rules.calendar.expiry_date` as it stands at this revision, kept here: db/
    imports nothing of the application (a migration must give the same rows whatever the rules
    become later). `relativedelta` clamps to the month's last day, as the rule's `add_months` does."""
    if validity_months is None:
        return None
    if validity_months < 0:
        raise ValueError("validity_months cannot be negative")
    return completed_on + relativedelta(months=validity_months)


revision = "0013d"
down_revision = "0012d"
branch_labels = None
depends_on = None

SUPERVISOR_KINDS = ("supervisor_basic", "supervisor_refresher")  # services/courses.py


def _fill() -> None:
    conn = op.get_bind()
    groups: dict[tuple[object, object, int], list[tuple[int, date, int | None]]] = defaultdict(list)
    for eid, sup, asst, completed, course_id, kind, validity in conn.execute(
        sa.text(
            "SELECT e.id, e.supervisor_id, e.assistant_id, e.completed_on, c.id, c.kind, c.validity_months"
            " FROM course_enrollment e JOIN course c ON c.id = e.course_id"
            " WHERE e.status = 'completed' AND e.completed_on IS NOT NULL"
        )
    ):
        if isinstance(completed, str):  # SQLite's text dates through a plain text query
            completed = date.fromisoformat(completed)
        groups[(sup, asst, -1 if kind in SUPERVISOR_KINDS else course_id)].append((eid, completed, validity))
    rows = []
    for members in groups.values():
        # The latest date; of two on that day the later row.
        completed, eid, validity = max((completed, eid, validity) for eid, completed, validity in members)
        expires = expiry_date(completed, validity)
        if expires is not None:
            rows.append({"enrollment_id": eid, "expires_on": expires})
    if rows:
        table = sa.table("credential_expiry", sa.column("enrollment_id", sa.Integer), sa.column("expires_on", sa.Date))
        conn.execute(sa.insert(table), rows)


def upgrade() -> None:
    op.create_table(
        "credential_expiry",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["course_enrollment.id"]),
        sa.PrimaryKeyConstraint("enrollment_id"),
    )
    op.create_index("ix_credential_expiry_expires", "credential_expiry", ["expires_on"])
    op.create_index("ix_decision_valid_to", "decision", ["valid_to"])
    op.create_index("ix_employment_police", "employment", ["police_certificate_on"])
    op.create_index("ix_employment_confidentiality", "employment", ["confidentiality_on"])
    _fill()


def downgrade() -> None:
    op.drop_index("ix_employment_confidentiality", table_name="employment")
    op.drop_index("ix_employment_police", table_name="employment")
    op.drop_index("ix_decision_valid_to", table_name="decision")
    op.drop_index("ix_credential_expiry_expires", table_name="credential_expiry")
    op.drop_table("credential_expiry")
