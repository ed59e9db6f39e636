"""Storage on SQLite and on PostgreSQL: migrations, workspace scoping, idempotent deliveries, erasure."""

import threading
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, select

from bot.actor import Actor
from bot.service import Passerelle
from bot.volunteers.enrollment import end_pauses
from storage import queries
from storage.db import MIGRATIONS, make_engine, migrate
from storage.models import Conversation, Enrollment, MatchRunState, Outbox, Person, Programme, Workspace

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_the_migrations_build_exactly_the_tables_of_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def add_people(session: Session) -> tuple[Programme, Programme, Person, Person]:
    one = queries.add_workspace(session, "slack", "T1", NOW)
    two = queries.add_workspace(session, "slack", "T2", NOW)
    assert one and two and one.id and two.id
    programmes = [
        Programme(workspace_id=w.id, name=f"P{w.id}", topics=["dei"], is_current=True, created_at=NOW)
        for w in (one, two)
    ]
    session.add_all(programmes)
    # The same user id in two workspaces is two different people.
    people = [queries.get_or_add_person(session, w.id, "USAME", NOW) for w in (one, two)]  # type: ignore[arg-type]
    session.flush()
    return programmes[0], programmes[1], people[0], people[1]


def enroll(session: Session, programme: Programme, person: Person, answers: dict[str, object]) -> Enrollment:
    assert programme.id and person.id
    enrollment = Enrollment(
        workspace_id=person.workspace_id,
        programme_id=programme.id,
        person_id=person.id,
        role="mentor",
        status="ready",
        answers=answers,
        consented_at=NOW,
        updated_at=NOW,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def test_every_query_stays_within_its_workspace(engine: Engine) -> None:
    with Session(engine) as session:
        p1, p2, ana1, ana2 = add_people(session)
        assert ana1.id != ana2.id
        enroll(session, p1, ana1, {"hope": "un"})
        enroll(session, p2, ana2, {"hope": "deux"})
        session.commit()
        assert [e.answers["hope"] for e in queries.enrollments_of_programme(session, p1.workspace_id, p1.id)] == ["un"]  # type: ignore[arg-type]
        assert queries.enrollments_of_programme(session, p2.workspace_id, p1.id) == []  # type: ignore[arg-type]
        assert queries.count_enrollments(session, p2.workspace_id, p2.id) == {("mentor", "ready"): 1}  # type: ignore[arg-type]
        assert queries.current_programme(session, p2.workspace_id) == p2


def test_answers_keep_their_unicode_and_structure(engine: Engine) -> None:
    answers = {"hope": "Apprendre l'IA — vite ✨", "levels": {"dei": 3}, "languages": ["fr", "en"]}
    with Session(engine) as session:
        p1, _, ana, _ = add_people(session)
        enroll(session, p1, ana, answers)
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(Enrollment)).one().answers == answers


def test_a_delivery_is_claimed_once_and_the_first_claim_survives(engine: Engine) -> None:
    with Session(engine) as session:
        workspace = queries.add_workspace(session, "slack", "T1", NOW)
        assert workspace and workspace.id
        assert queries.claim_delivery(session, workspace.id, "Ev1", NOW)
        assert not queries.claim_delivery(session, workspace.id, "Ev1", NOW)
        assert queries.claim_delivery(session, workspace.id, "Ev2", NOW)
        session.commit()
        queries.forget_deliveries_before(session, datetime(2026, 11, 27, tzinfo=UTC))
        assert queries.claim_delivery(session, workspace.id, "Ev1", NOW)


def test_erasure_removes_one_person_and_all_that_is_theirs_only(engine: Engine) -> None:
    with Session(engine) as session:
        p1, _, ana, _ = add_people(session)
        assert ana.id and p1.id
        marc = queries.get_or_add_person(session, ana.workspace_id, "UMARC", NOW)
        enroll(session, p1, ana, {})
        enroll(session, p1, marc, {})
        session.add(
            Conversation(
                workspace_id=ana.workspace_id,
                person_id=ana.id,
                programme_id=p1.id,
                step="role",
                draft={},
                history=[],
                updated_at=NOW,
            )
        )
        session.commit()
        queries.erase_person(session, ana.workspace_id, ana.id)
        session.commit()
        assert [p.user_id for p in session.exec(select(Person)).all()] == ["USAME", "UMARC"]
        assert [e.person_id for e in session.exec(select(Enrollment)).all()] == [marc.id]
        assert session.exec(select(Conversation)).all() == []


def test_pauses_end_on_their_date_and_not_before(engine: Engine) -> None:
    with Session(engine) as session:
        p1, _, ana, _ = add_people(session)
        enrollment = enroll(session, p1, ana, {})
        enrollment.status, enrollment.paused_until = "paused", date(2026, 12, 1)
        session.commit()
        assert end_pauses(session, date(2026, 11, 30), NOW) == 0
        assert end_pauses(session, date(2026, 12, 1), NOW) == 1
        session.commit()
        assert session.exec(select(Enrollment)).one().status == "ready"


def test_simultaneous_first_contacts_make_one_workspace_and_one_programme(engine: Engine) -> None:
    bot = Passerelle(engine)
    errors: list[BaseException] = []

    def first_contact(user: str) -> None:
        try:
            bot.said(Actor("slack", "TNEW", user), "hello", NOW, delivery_id=f"Ev-{user}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_contact, args=(f"U{i:07d}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert len(session.exec(select(Workspace)).all()) == 1
        assert len(session.exec(select(Programme)).all()) == 1
        assert len(session.exec(select(Person)).all()) == 6
        assert len(session.exec(select(Conversation)).all()) == 6


def test_upgrading_keeps_existing_programmes_and_gives_them_the_new_defaults(database_url: str) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspace (platform, external_id, created_at) VALUES ('slack', 'T1', :t)"), {"t": NOW}
        )
        connection.execute(
            text(
                "INSERT INTO programme (workspace_id, name, topics, quiet_start, quiet_end, locale, "
                "created_at) VALUES (1, 'Pilot', '[\"dei\"]', '18:00', '09:00', 'fr', :t)"
            ),
            {"t": NOW},
        )
    migrate(engine)
    with Session(engine) as session:
        programme = session.exec(select(Programme)).one()
    assert (programme.name, programme.match_mode, programme.min_score, programme.min_gap) == (
        "Pilot",
        "most-pairs",
        0,
        1,
    )
    engine.dispose()


def test_a_failed_statement_is_logged_without_peoples_answers(engine: Engine) -> None:
    assert engine.hide_parameters


@pytest.mark.parametrize("user_id", ["", "U" * 65, "U" * 101, "UANA\x00", "U ANA", "\n"])
def test_a_person_is_never_stored_with_an_id_no_platform_sends(engine: Engine, user_id: str) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    with Session(engine) as session:
        workspace = queries.add_workspace(session, "slack", "T0PASSE", now)
        assert workspace is not None and workspace.id is not None
        with pytest.raises(ValueError):
            queries.get_or_add_person(session, workspace.id, user_id, now)
        assert session.exec(select(Person)).all() == []


def test_0008_leaves_the_outbox_rows_there_about_nobody_and_goes_back_down_without_its_columns(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspace (platform, external_id, created_at) VALUES ('slack', 'T1', :t)"), {"t": NOW}
        )
        connection.execute(
            text(
                "INSERT INTO outbox (workspace_id, key, recipient, conversation, message, state, not_before, "
                'attempts, maybe_sent, receipt, reported, created_at) VALUES (1, \'k\', \'{"kind": "person", '
                "\"id\": 1}', 'person:1', '{}', 'sent', :t, 1, false, '{}', false, :t)"
            ),
            {"t": NOW},
        )
    migrate(engine)
    with Session(engine) as session:
        row = session.exec(select(Outbox)).one()
        assert (row.key, row.about, row.programme_id) == ("k", None, None)
        queries.forget_outbox_about(session, 1, [1])  # names nobody known: an erasure finds it by its conversation
        session.commit()
        assert session.exec(select(Outbox)).all() != []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("outbox")}
        programme_columns = {c["name"] for c in inspect(connection).get_columns("programme")}
    assert "about" not in columns and "programme_id" not in columns and "key" in columns
    assert "erasure_on" not in programme_columns and "retention_months" in programme_columns
    engine.dispose()


def test_a_programme_erased_takes_its_rows_that_name_anyone_and_leaves_those_of_another_programme(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        p1, _, ana, _ = add_people(session)
        assert ana.id and p1.id
        p2 = Programme(workspace_id=ana.workspace_id, name="Next", created_at=NOW)
        session.add(p2)
        session.flush()
        assert p2.id
        enroll(session, p1, ana, {})
        enroll(session, p2, ana, {})  # she stays: she takes part in the next one
        coordinator = queries.get_or_add_person(session, ana.workspace_id, "UCOORD", NOW)

        def row(key: str, programme_id: int, about: list[int] | None) -> Outbox:
            return Outbox(
                workspace_id=ana.workspace_id,
                key=key,
                recipient={"kind": "person", "id": coordinator.id},
                conversation=f"person:{coordinator.id}",
                message={},
                not_before=NOW,
                about=about,
                programme_id=programme_id,
                created_at=NOW,
            )

        session.add_all(
            [row("at_risk:old", p1.id, [ana.id]), row("at_risk:new", p2.id, [ana.id]), row("n", p1.id, None)]
        )
        session.commit()
        queries.erase_programme(session, ana.workspace_id, p1.id)
        session.commit()
        assert sorted(r.key for r in session.exec(select(Outbox)).all()) == ["at_risk:new", "n"]
        queries.erase_person(session, ana.workspace_id, ana.id)
        session.commit()
        assert [r.key for r in session.exec(select(Outbox)).all()] == ["n"]


def test_0011_makes_the_runs_already_there_done_and_goes_back_down_without_its_columns(database_url: str) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
    bot = Passerelle(engine)
    bot.home(Actor("slack", "T1", "U1"), NOW)  # the workspace and its programme
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO matchrun (workspace_id, programme_id, pool_size, unmatched, created_at) "
                'VALUES (1, 1, 2, \'[["U2", "no_shared_language"]]\', :t)'
            ),
            {"t": NOW},
        )
    migrate(engine)
    with Session(engine) as session:
        run = queries.latest_run(session, 1, 1)  # the runs made before are the proposal shown
        assert run is not None and run.state == MatchRunState.DONE and run.watchers == [] and run.attempts == 0
        assert run.unmatched == [["U2", "no_shared_language"]] and queries.open_run(session, 1, 1) is None
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("matchrun")}
    assert "state" not in columns and "claimed_until" not in columns and "unmatched" in columns
    engine.dispose()
