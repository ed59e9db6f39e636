"""The checkpoint at mid-programme, the end survey, and the pair's close, in travelled time against the core."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from bot.ui import Outcome
from storage.models import Enrollment, EnrollmentStatus, Pair, PairStatus, Person, Survey
from tests.bot.dialog import Dialog, announced, queued
from tests.conftest import Clock

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
# A programme of 26 November to 25 May: its middle is 26 February in the afternoon, its end 26 May at midnight.
MIDDLE = datetime(2027, 2, 25, 10, 0, tzinfo=UTC)
END = datetime(2027, 5, 26, 0, 0, tzinfo=UTC)


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    return announced(bot, clock.now, COORD, "end 2027-05-25")


def survey_of(bot: Passerelle, user: str, kind: str) -> Survey:
    with Session(bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == user)).one()
        return session.exec(select(Survey).where(Survey.person_id == person.id, Survey.kind == kind)).one()


def answer(bot: Passerelle, user: str, kind: str, values: dict[str, str | None], when: datetime) -> Outcome:
    survey = survey_of(bot, user, kind)
    actor = Dialog(bot, when, user=user).actor
    opened = bot.pressed(actor, "survey.open", [str(survey.id)], when)
    assert opened.form is not None, opened
    return bot.submitted(actor, opened.form.action, values, when)


def test_a_checkpoint_at_mid_programme_asks_each_member_privately(bot: Passerelle, pair: Pair) -> None:
    bot.tick(datetime(2027, 2, 1, 10, 0, tzinfo=UTC))
    assert not [q for q in queued(bot) if q.key.startswith("survey:")]
    bot.tick(datetime(2027, 2, 26, 10, 0, tzinfo=UTC))
    asked = [q for q in queued(bot) if q.key.startswith("survey:checkpoint")]
    assert sorted(q.to for q in asked) == [("UMENTEE1",), ("UMENTOR1",)] and "Halfway" in asked[0].text
    when = datetime(2027, 2, 26, 11, 0, tzinfo=UTC)
    assert answer(bot, "UMENTEE1", "checkpoint", {"progress": "9", "comment": None}, when).form_errors
    assert not answer(bot, "UMENTEE1", "checkpoint", {"progress": "4", "comment": "More on Copilot"}, when).form_errors
    assert survey_of(bot, "UMENTEE1", "checkpoint").answers == {"progress": "4", "comment": "More on Copilot"}
    bot.tick(datetime(2027, 3, 2, 10, 0, tzinfo=UTC))
    assert len([q for q in queued(bot) if q.key.startswith("survey:checkpoint")]) == 2  # asked once


def test_the_end_survey_asks_mentors_and_mentees_their_own_question_then_the_pair_closes(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(MIDDLE + timedelta(days=2))
    bot.tick(END)
    asked = [q for q in queued(bot) if q.key.startswith("survey:end")]
    assert sorted(q.to for q in asked) == [("UMENTEE1",), ("UMENTOR1",)]
    when = END + timedelta(hours=10)
    mentor = answer(bot, "UMENTOR1", "end", {"recommend": "9", "useful": "yes", "comment": None}, when)
    assert not mentor.form_errors
    wrong = answer(bot, "UMENTEE1", "end", {"recommend": "11", "adoption": None, "comment": None}, when)
    assert set(wrong.form_errors) == {"recommend", "adoption"}
    answer(bot, "UMENTEE1", "end", {"recommend": "10", "adoption": "yes", "comment": "Loved it"}, when)
    bot.tick(when + timedelta(minutes=1))  # both answered: the summary need not wait a week
    [closed] = [q for q in queued(bot) if q.key.startswith("closed:")]
    assert closed.to == ("UMENTOR1", "UMENTEE1") and "Sessions held: 0" in closed.text
    with Session(bot.engine) as session:
        ended = session.get(Pair, pair.id)
        assert ended is not None and ended.status == PairStatus.ENDED and ended.ended_reason == "completed"
        statuses = {e.status for e in session.exec(select(Enrollment)).all()}
    assert statuses == {EnrollmentStatus.READY}
    assert not any(q.key.startswith("nudge:") and "after" in q.key for q in queued(bot))


def test_a_pair_closes_a_week_after_the_survey_when_nobody_answers(bot: Passerelle, pair: Pair) -> None:
    bot.tick(MIDDLE + timedelta(days=2))
    bot.tick(END)
    bot.tick(END + timedelta(days=6))
    assert not [q for q in queued(bot) if q.key.startswith("closed:")]
    bot.tick(END + timedelta(days=7))
    assert [q for q in queued(bot) if q.key.startswith("closed:")]
    late = answer(bot, "UMENTOR1", "end", {"recommend": "7", "useful": "no", "comment": None}, END + timedelta(days=8))
    assert not late.form_errors  # a late answer still counts


def test_no_nudge_after_the_programmes_end(bot: Passerelle, pair: Pair) -> None:
    for day in range(0, 200, 3):
        bot.tick(NOW + timedelta(days=day))
    late = [q for q in queued(bot) if q.key.startswith("nudge:")]
    assert late and max(int(q.key.split(":")[2]) for q in late) == 4  # five periods: four a month long, then the rest


def test_an_end_moved_later_after_the_survey_keeps_the_pair_going_until_the_new_end(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(MIDDLE + timedelta(days=2))
    bot.tick(END)
    answer(bot, "UMENTOR1", "end", {"recommend": "9", "useful": "yes", "comment": None}, END + timedelta(hours=10))
    Dialog(bot, END + timedelta(days=1), user=COORD).command("program set end 2027-07-31")
    bot.tick(END + timedelta(days=7))  # the survey's week is over, but the programme is not
    assert not [q for q in queued(bot) if q.key.startswith("closed:")]
    with Session(bot.engine) as session:
        assert session.get(Pair, pair.id).status == PairStatus.ACTIVE  # type: ignore[union-attr]
    bot.tick(datetime(2027, 8, 1, 0, 0, tzinfo=UTC))
    assert [q for q in queued(bot) if q.key.startswith("closed:")]
    assert survey_of(bot, "UMENTOR1", "end").answers["recommend"] == "9"  # asked once, its answer kept
