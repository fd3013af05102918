"""the stored expiries name their person; employments by assistant and end

Revision ID: 0015s
Revises: 0014r
Create Date: 2026-12-07

`credential_expiry.supervisor_id` / `.assistant_id`: the person of the enrollment, copied beside
its expiry (services/course_expiry.py writes them with the row), and `ix_credential_expiry_expires`
made (expires_on, supervisor_id, assistant_id). The dashboard's "courses expiring" counts its range
with the person's currency and scope from the index, without the enrollment's page per row
(issue 19: its count at a large provider read 3,583 enrollments to show 50).
`ix_employment_assistant_end`: whether an assistant is employed on a day, from the index alone.
Filled here from each row's enrollment (an enrollment's person never changes).

"""

import sqlalchemy as sa
from alembic import op

revision = "0015s"
down_revision = "0014r"
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    op.drop_index("ix_employment_assistant_end", table_name="employment")
    op.drop_index("ix_credential_expiry_expires", table_name="credential_expiry")
    with op.batch_alter_table("credential_expiry") as batch:
        batch.drop_column("assistant_id")
        batch.drop_column("supervisor_id")
    op.create_index("ix_credential_expiry_expires", "credential_expiry", ["expires_on"])
