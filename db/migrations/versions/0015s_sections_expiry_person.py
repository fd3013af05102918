"""the stored expiries name their person; employments by assistant and end; why a supervision may be overdue

Revision ID: 0015s
Revises: 0015o
Create Date: 2026-12-07

`credential_expiry.supervisor_id` / `.assistant_id`: the person of the enrollment, copied beside
its expiry (services/course_expiry.py writes them with the row), and `ix_credential_expiry_expires`
made (expires_on, supervisor_id, assistant_id). The dashboard's "courses expiring" counts its range
with the person's currency and scope from the index, without the enrollment's page per row
(issue 19: its count at a large provider read 3,583 enrollments to show 50).
`ix_employment_assistant_end`: whether an assistant is employed on a day, from the index alone.
Filled here from each row's enrollment (an enrollment's person never changes).

`onboarding_due`: for each supervision that may be overdue, the earliest due date among its pair's
open checklist steps (`open_due`) or, the pair without a checklist and its supervisor without a
basic course, its start (`basic_from`); services/onboarding_due.py keeps it wherever supervisions,
steps, enrollments and courses are written. The dashboard's "courses overdue" reads two ranges
instead of judging every supervision (issue 19). Filled here from the current data by the same rule.
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0015s"
down_revision = "0015o"
branch_labels = None
depends_on = None


BASIC_COURSE = "basic_course"  # services/onboarding_template.py at this revision


def _day(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _fill_onboarding_due() -> None:
    """The rule of services/onboarding_due.py as it stands at this revision (db/ imports nothing
    of the application)."""
    conn = op.get_bind()
    open_due: dict[tuple[int, int], date] = {}
    has_steps: set[tuple[int, int]] = set()
    basic_done: set[int] = set()
    for sup, client, due, done, code in conn.execute(
        sa.text("SELECT supervisor_id, client_id, due_date, done_on, code FROM onboarding_step")
    ):
        has_steps.add((sup, client))
        if done is None and _day(due) < open_due.get((sup, client), date.max):
            open_due[(sup, client)] = _day(due)
        if code == BASIC_COURSE and done is not None:
            basic_done.add(sup)
    basic_done.update(
        sup
        for (sup,) in conn.execute(
            sa.text(
                "SELECT e.supervisor_id FROM course_enrollment e JOIN course c ON c.id = e.course_id"
                " WHERE e.supervisor_id IS NOT NULL AND e.status = 'completed' AND e.completed_on IS NOT NULL"
                " AND c.kind = 'supervisor_basic'"
            )
        )
    )
    rows = []
    for sid, sup, client, since in conn.execute(
        sa.text("SELECT id, supervisor_id, client_id, since FROM supervision")
    ):
        pair = (sup, client)
        if pair in has_steps:
            if pair in open_due:
                rows.append(dict(supervision_id=sid, supervisor_id=sup, client_id=client, open_due=open_due[pair]))
        elif sup not in basic_done:
            rows.append(dict(supervision_id=sid, supervisor_id=sup, client_id=client, basic_from=_day(since)))
    if rows:
        table = sa.table(
            "onboarding_due",
            sa.column("supervision_id", sa.Integer),
            sa.column("supervisor_id", sa.Integer),
            sa.column("client_id", sa.Integer),
            sa.column("open_due", sa.Date),
            sa.column("basic_from", sa.Date),
        )
        conn.execute(sa.insert(table), [{"open_due": None, "basic_from": None, **r} for r in rows])


def upgrade() -> None:
    with op.batch_alter_table("credential_expiry") as batch:
        batch.add_column(sa.Column("supervisor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assistant_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE credential_expiry SET"
        " supervisor_id = (SELECT e.supervisor_id FROM course_enrollment e WHERE e.id = credential_expiry.enrollment_id),"
        " assistant_id = (SELECT e.assistant_id FROM course_enrollment e WHERE e.id = credential_expiry.enrollment_id)"
    )
    op.drop_index("ix_credential_expiry_expires", table_name="credential_expiry")
    op.create_index(
        "ix_credential_expiry_expires", "credential_expiry", ["expires_on", "supervisor_id", "assistant_id"]
    )
    op.create_index("ix_employment_assistant_end", "employment", ["assistant_id", "end_date"])
    op.create_table(
        "onboarding_due",
        sa.Column("supervision_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("open_due", sa.Date(), nullable=True),
        sa.Column("basic_from", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("supervision_id"),
    )
    op.create_index("ix_onboarding_due_open", "onboarding_due", ["open_due"])
    op.create_index("ix_onboarding_due_basic", "onboarding_due", ["basic_from"])
    op.create_index("ix_onboarding_due_supervisor", "onboarding_due", ["supervisor_id"])
    _fill_onboarding_due()


def downgrade() -> None:
    op.drop_index("ix_onboarding_due_supervisor", table_name="onboarding_due")
    op.drop_index("ix_onboarding_due_basic", table_name="onboarding_due")
    op.drop_index("ix_onboarding_due_open", table_name="onboarding_due")
    op.drop_table("onboarding_due")
    op.drop_index("ix_employment_assistant_end", table_name="employment")
    op.drop_index("ix_credential_expiry_expires", table_name="credential_expiry")
    with op.batch_alter_table("credential_expiry") as batch:
        batch.drop_column("assistant_id")
        batch.drop_column("supervisor_id")
    op.create_index("ix_credential_expiry_expires", "credential_expiry", ["expires_on"])
