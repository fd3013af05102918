"""the outbox of messages to people, and their consent to e-mail

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

`outbox_message` keeps each message to an assistant or a supervisor (a shift offered, changed or
cancelled, an absence recorded, hours waiting for approval) until `notify send` has delivered it
(docs/notify.md). Assistants and supervisors get `email_consent` (nothing is sent without it) and
`language` (the language their messages are written in; empty: their client's country's).
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("assistant", "supervisor"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("email_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column("language", sa.String(length=2), nullable=False, server_default=""))
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_kind", sa.String(length=12), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("params", sa.String(length=4000), nullable=False),
        sa.Column("ical_uid", sa.String(length=120), nullable=False),
        sa.Column("ical_sequence", sa.Integer(), nullable=False),
        sa.Column("ical_method", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_utc", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_due", ["status", "next_attempt_utc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_due")
    op.drop_table("outbox_message")
    for table in ("supervisor", "assistant"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
            batch_op.drop_column("email_consent")
