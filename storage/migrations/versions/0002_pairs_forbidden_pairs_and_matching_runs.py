"""pairs, forbidden pairs and matching runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forbidden",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "mentor_id", "mentee_id"),
    )
    with op.batch_alter_table("forbidden", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forbidden_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "matchrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matchrun_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matchrun_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("committed", sa.JSON(), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pair_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pair_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pair_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pair_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community_channel", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("match_mode", sa.String(length=16), nullable=False, server_default="most-pairs"))
        batch_op.add_column(sa.Column("min_score", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("min_gap", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("match_weights", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("match_weights")
        batch_op.drop_column("min_gap")
        batch_op.drop_column("min_score")
        batch_op.drop_column("match_mode")
        batch_op.drop_column("community_channel")

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pair_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_pair_programme_id"))
        batch_op.drop_index(batch_op.f("ix_pair_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_pair_mentee_id"))

    op.drop_table("pair")
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matchrun_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_matchrun_programme_id"))

    op.drop_table("matchrun")
    with op.batch_alter_table("forbidden", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forbidden_workspace_id"))

    op.drop_table("forbidden")
