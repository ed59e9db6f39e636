"""What the database itself guarantees, on SQLite and PostgreSQL, and migration 0003 bringing old rows to it."""

import json
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage import queries
from storage.db import MIGRATIONS, make_engine, migrate
from storage.models import Commitment, Enrollment, Pair, PairStatus, Person, Programme

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def a_programme(session: Session) -> tuple[Programme, Person, Person, Person]:
    workspace = queries.add_workspace(session, "slack", "T1", NOW)
    assert workspace and workspace.id
    programme = Programme(workspace_id=workspace.id, name="P", is_current=True, created_at=NOW)
    session.add(programme)
    people = [queries.get_or_add_person(session, workspace.id, user, NOW) for user in ("UTOM", "UPAUL", "USOPHIE")]
    session.flush()
    return programme, people[0], people[1], people[2]


def a_pair(programme: Programme, mentor: Person, mentee: Person, status: PairStatus) -> Pair:
    assert programme.id and mentor.id and mentee.id
    return Pair(
        workspace_id=programme.workspace_id,
        programme_id=programme.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=status,
        created_at=NOW,
    )


@pytest.mark.parametrize("status", [PairStatus.ACTIVE, PairStatus.AT_RISK, PairStatus.PROPOSED])
def test_a_mentee_has_at_most_one_live_and_one_proposed_pair_per_programme(engine: Engine, status: PairStatus) -> None:
    with Session(engine) as session:
        programme, tom, paul, sophie = a_programme(session)
        held = PairStatus.ACTIVE if status == PairStatus.AT_RISK else status
        session.add_all([a_pair(programme, tom, sophie, held), a_pair(programme, paul, sophie, PairStatus.ENDED)])
        session.commit()
        session.add(a_pair(programme, paul, sophie, status))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_mentee_may_have_a_live_pair_a_proposal_and_any_number_of_ended_ones(engine: Engine) -> None:
    with Session(engine) as session:
        programme, tom, _, sophie = a_programme(session)
        statuses = (PairStatus.ACTIVE, PairStatus.PROPOSED, PairStatus.ENDED, PairStatus.ENDED)
        session.add_all([a_pair(programme, tom, sophie, s) for s in statuses])
        session.commit()
        assert len(session.exec(select(Pair)).all()) == 4


def test_a_workspace_has_one_current_programme(engine: Engine) -> None:
    with Session(engine) as session:
        programme, *_ = a_programme(session)
        session.commit()
        session.add(Programme(workspace_id=programme.workspace_id, name="Q", is_current=True, created_at=NOW))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_member_commits_to_a_pair_once(engine: Engine) -> None:
    with Session(engine) as session:
        programme, tom, _, sophie = a_programme(session)
        pair = a_pair(programme, tom, sophie, PairStatus.ACTIVE)
        session.add(pair)
        session.flush()
        assert pair.id and tom.id
        assert queries.add_commitment(session, programme.workspace_id, pair.id, tom.id, NOW)
        assert not queries.add_commitment(session, programme.workspace_id, pair.id, tom.id, NOW)
        session.commit()
        assert queries.committed(session, programme.workspace_id, pair.id) == {tom.id}


def upgrade_to(engine: Engine, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0003_keeps_commitments_as_rows_repairs_double_pairs_and_marks_the_newest_programme(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_to(engine, "0002")
    rows = {
        "workspace (platform, external_id, created_at)": ["'slack', 'T1', :t"],
        "programme (workspace_id, name, topics, quiet_start, quiet_end, locale, created_at, match_mode, min_score, "
        "min_gap, match_weights)": [
            f"1, '{n}', '[]', '18:00', '09:00', 'en', :t, 'most-pairs', 0, 1, '{{}}'" for n in "AB"
        ],
        "person (workspace_id, user_id, display_name, is_coordinator, created_at)": [
            f"1, '{u}', '', false, :t" for u in ("UTOM", "UPAUL", "USOPHIE")
        ],
        "enrollment (workspace_id, programme_id, person_id, role, status, answers, consented_at, updated_at)": [
            f"1, 2, {i}, '{r}', 'matched', '{{}}', :t, :t" for i, r in ((1, "mentor"), (2, "mentor"), (3, "mentee"))
        ],
        "pair (workspace_id, programme_id, mentor_id, mentee_id, status, pinned, score, components, committed, "
        "objectives, created_at)": [
            "1, 2, 1, 3, 'active', false, 0, '{}', '[1, 3]', '[]', :t",
            "1, 2, 2, 3, 'active', false, 0, '{}', '[3]', '[]', :t",  # the defect: Sophie twice
        ],
    }
    with engine.begin() as connection:
        for table, values in rows.items():
            for value in values:
                connection.execute(text(f"INSERT INTO {table} VALUES ({value})"), {"t": NOW})
    migrate(engine)
    with Session(engine) as session:
        assert [(p.name, p.is_current) for p in session.exec(select(Programme).order_by(Programme.id))] == [
            ("A", False),
            ("B", True),
        ]
        pairs = session.exec(select(Pair).order_by(Pair.id)).all()  # type: ignore[arg-type]
        assert [(p.status, p.ended_reason) for p in pairs] == [("active", None), ("ended", "duplicate")]
        assert sorted((c.pair_id, c.person_id) for c in session.exec(select(Commitment))) == [(1, 1), (1, 3), (2, 3)]
        statuses = {e.person_id: e.status for e in session.exec(select(Enrollment))}
        assert statuses == {1: "matched", 2: "ready", 3: "matched"}  # Paul's only pair ended
    upgrade_to(engine, "0002", down=True)
    with engine.connect() as connection:
        committed = connection.execute(text("SELECT committed FROM pair ORDER BY id")).scalars().all()
    assert [sorted(c if isinstance(c, list) else json.loads(c)) for c in committed] == [[1, 3], [3]]
    engine.dispose()
