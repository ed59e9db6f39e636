"""statuses you can trust: commitments as rows, one live pair per mentee, an explicit current programme

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = "status IN ('active', 'at_risk')"
PROPOSED = "status = 'proposed'"
pair = sa.table(
    "pair",
    sa.column("id", sa.Integer()),
    sa.column("workspace_id", sa.Integer()),
    sa.column("committed", sa.JSON()),
)
commitment = sa.table(
    "commitment",
    sa.column("workspace_id", sa.Integer()),
    sa.column("pair_id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("committed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    # Read the commitments before the pair table is rebuilt without them (SQLite copies it to drop a column).
    committed = op.get_bind().execute(sa.select(pair.c.id, pair.c.workspace_id, pair.c.committed)).all()
    _repair_duplicates(now)
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_column("committed")
        batch_op.create_index(
            "uq_pair_live_mentee",
            ["programme_id", "mentee_id"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch_op.create_index(
            "uq_pair_proposed_mentee",
            ["programme_id", "mentee_id"],
            unique=True,
            sqlite_where=sa.text(PROPOSED),
            postgresql_where=sa.text(PROPOSED),
        )

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "person_id"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_workspace_id"), ["workspace_id"], unique=False)
    rows = [
        {"workspace_id": workspace_id, "pair_id": pair_id, "person_id": person_id, "committed_at": now}
        for pair_id, workspace_id, people in committed
        for person_id in dict.fromkeys(people or [])
    ]
    if rows:
        op.bulk_insert(commitment, rows)

    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        # Statuses stay VARCHAR(16) (see storage.models._status_type); NULL resumes from the pairs held.
        batch_op.add_column(sa.Column("paused_from", sa.String(length=16), nullable=True))

    with op.batch_alter_table("programme", schema=None) as batch_op:
        # A plain "0" (false on both databases) lets SQLite add the column in place: an expression would make
        # Alembic copy the table, which the foreign keys of the other tables refuse.
        batch_op.add_column(sa.Column("is_current", sa.Boolean(), nullable=False, server_default="0"))
    # Until now the newest programme of a workspace was the current one: it stays so.
    op.execute(
        sa.text(
            "UPDATE programme SET is_current = :yes WHERE id IN (SELECT max(id) FROM programme GROUP BY workspace_id)"
        ).bindparams(yes=True)
    )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.create_index(
            "uq_programme_current",
            ["workspace_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )


def _repair_duplicates(now: datetime) -> None:
    """Pairs the old code let through would break the new indexes: a mentee keeps her first live pair and her
    first proposal; a mentor left without a live pair is ready again."""
    op.execute(
        sa.text(
            f"UPDATE pair SET status = 'ended', ended_reason = 'duplicate', ended_at = :now WHERE {LIVE} AND EXISTS "
            f"(SELECT 1 FROM pair AS earlier WHERE earlier.programme_id = pair.programme_id "
            f"AND earlier.mentee_id = pair.mentee_id AND earlier.{LIVE} AND earlier.id < pair.id)"
        ).bindparams(now=now)
    )
    op.execute(
        sa.text(
            f"DELETE FROM pair WHERE {PROPOSED} AND EXISTS (SELECT 1 FROM pair AS earlier "
            f"WHERE earlier.programme_id = pair.programme_id AND earlier.mentee_id = pair.mentee_id "
            f"AND earlier.{PROPOSED} AND earlier.id < pair.id)"
        )
    )
    op.execute(
        sa.text(
            f"UPDATE enrollment SET status = 'ready' WHERE status = 'matched' AND NOT EXISTS (SELECT 1 FROM pair "
            f"WHERE pair.programme_id = enrollment.programme_id AND pair.{LIVE} "
            f"AND enrollment.person_id IN (pair.mentor_id, pair.mentee_id))"
        )
    )


def downgrade() -> None:
    # Other tables refer to the programme: SQLite (3.35 and later) drops the column in place instead of copying
    # the table, which its foreign keys would refuse.
    with op.batch_alter_table("programme", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("uq_programme_current", sqlite_where=sa.text("is_current"))
        batch_op.drop_column("is_current")

    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_column("paused_from")

    bind = op.get_bind()
    by_pair: dict[int, list[int]] = {}
    for pair_id, person_id in bind.execute(sa.select(commitment.c.pair_id, commitment.c.person_id)).all():
        by_pair.setdefault(pair_id, []).append(person_id)
    op.drop_table("commitment")

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_index("uq_pair_proposed_mentee", sqlite_where=sa.text(PROPOSED))
        batch_op.drop_index("uq_pair_live_mentee", sqlite_where=sa.text(LIVE))
        batch_op.add_column(sa.Column("committed", sa.JSON(), nullable=False, server_default="[]"))
    for pair_id, people in by_pair.items():
        bind.execute(sa.update(pair).where(pair.c.id == pair_id).values(committed=people))
