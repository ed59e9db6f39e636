"""outbox and address book

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "owner", "owner_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("conversation", sa.String(length=80), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("maybe_sent", sa.Boolean(), nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=120), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_conversation"), ["conversation"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_not_before"), ["not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_state"), ["state"], unique=False)

    _move_pair_conversations_to_addresses()
    # Not a batch: copying `pair` would break the commitments' foreign keys; SQLite drops a column in place.
    op.drop_column("pair", "conversation_id")


def _move_pair_conversations_to_addresses() -> None:
    """Pairs introduced before the address book keep the conversation they talk in."""
    pair = sa.table(
        "pair",
        sa.column("id", sa.Integer()),
        sa.column("workspace_id", sa.Integer()),
        sa.column("conversation_id", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    pairs = (
        op.get_bind()
        .execute(
            sa.select(pair.c.id, pair.c.workspace_id, pair.c.conversation_id, pair.c.created_at).where(
                pair.c.conversation_id.is_not(None)
            )
        )
        .all()
    )
    address = sa.table(
        "address",
        sa.column("workspace_id", sa.Integer()),
        sa.column("owner", sa.String()),
        sa.column("owner_id", sa.Integer()),
        sa.column("ref", sa.JSON()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    if pairs:
        op.bulk_insert(
            address,
            [
                {"workspace_id": w, "owner": "pair", "owner_id": i, "ref": {"channel": c}, "updated_at": t}
                for i, w, c, t in pairs
            ],
        )


def downgrade() -> None:
    op.add_column("pair", sa.Column("conversation_id", sa.VARCHAR(length=64), nullable=True))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_outbox_not_before"))
        batch_op.drop_index(batch_op.f("ix_outbox_conversation"))

    op.drop_table("outbox")
    op.drop_table("address")
