"""a matching is asked for, claimed by a worker and run out of the request: its state, claim and watchers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATES = ("queued", "running", "done", "failed", "superseded")


def upgrade() -> None:
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        # The runs made before this one were made in the request: they are done.
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum(*STATES, name="matchrunstate", native_enum=False, length=16),
                nullable=False,
                server_default="done",
            )
        )
        batch_op.add_column(sa.Column("watchers", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("command_prefix", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("expected_seconds", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_matchrun_state"), ["state"], unique=False)
    # The defaults were for the rows already there; the model gives every new row its values.
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        for name in ("state", "watchers", "command_prefix", "expected_seconds", "attempts"):
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matchrun_state"))
        for name in (
            "started_at",
            "claimed_until",
            "attempts",
            "seconds",
            "expected_seconds",
            "command_prefix",
            "watchers",
            "state",
        ):
            batch_op.drop_column(name)
