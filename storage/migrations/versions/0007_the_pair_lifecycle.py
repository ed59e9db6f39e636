"""the pair lifecycle: cadence, sessions, nudges, pulses and surveys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum("booked", "held", "missed", "cancelled", name="meetingstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("booked_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("talking_points", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "period", "kind"),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
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
        sa.UniqueConstraint("pair_id", "person_id", "kind"),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "pulse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("happened", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("fit", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "person_id"),
    )
    with op.batch_alter_table("pulse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pulse_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pulse_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mentor_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mentee_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_pair_next_check_at"), ["next_check_at"], unique=False)
    # Pairs already under way: the tick looks at them at once, and their cadence counts from their announcement.
    op.execute(
        "UPDATE pair SET next_check_at = COALESCE(confirmed_at, created_at) WHERE status IN ('active', 'at_risk')"
    )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_minutes", sa.Integer(), server_default="60", nullable=False))
        batch_op.add_column(sa.Column("monthly_sessions", sa.Integer(), server_default="4", nullable=False))
        batch_op.add_column(sa.Column("length_months", sa.Integer(), server_default="6", nullable=False))
        batch_op.add_column(sa.Column("target_min", sa.Integer(), server_default="4", nullable=False))
        batch_op.add_column(sa.Column("target_max", sa.Integer(), server_default="6", nullable=False))
        batch_op.add_column(sa.Column("working_days", sa.JSON(), server_default="[0, 1, 2, 3, 4]", nullable=False))
        batch_op.add_column(sa.Column("retention_months", sa.Integer(), server_default="12", nullable=False))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("figures", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    # Not batches: on SQLite they would copy the pair and programme tables, which other tables refer to. SQLite has
    # dropped columns in place since 3.35.
    for column in (
        "figures",
        "erased_at",
        "retention_months",
        "working_days",
        "target_max",
        "target_min",
        "length_months",
        "monthly_sessions",
        "session_minutes",
    ):
        op.execute(f"ALTER TABLE programme DROP COLUMN {column}")
    op.execute("ALTER TABLE outbox DROP COLUMN expires_at")
    op.drop_index("ix_pair_next_check_at", table_name="pair")
    for column in ("mentee_seen_at", "mentor_seen_at", "snoozed_until", "paused_until", "next_check_at"):
        op.execute(f"ALTER TABLE pair DROP COLUMN {column}")
    for table in ("pulse", "survey", "nudge", "meeting"):
        op.drop_table(table)  # their indexes go with them
