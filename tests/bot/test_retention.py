"""Retention in travelled time: a month's notice, then the programme's personal data erased, its figures kept."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from storage.models import Enrollment, Meeting, Outbox, Pair, PairStatus, Person, Programme, Pulse
from tests.bot.dialog import Dialog, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
BOOKED = {"day": "2026-12-08", "time": "14:30", "format": "video", "place": "", "odd_hour": None}


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("program set end 2027-01-31")
    coordinator.command("program set retention 6")
    coordinator.command("match")
    coordinator.command("match confirm")
    with Session(bot.engine) as session:
        found = session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).one()
    bot.submitted(Dialog(bot, NOW, user="UMENTEE1").actor, f"pair.book:{found.id}", BOOKED, NOW)
    bot.tick(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))  # held; pulses asked
    return found


def test_coordinators_are_told_a_month_before_then_the_personal_data_goes_and_the_figures_stay(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(datetime(2027, 6, 30, 10, 0, tzinfo=UTC))
    assert not [q for q in queued(bot) if q.key.startswith("retention:")]
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))  # a month before 1 August: five months after the end
    [notice] = [q for q in queued(bot) if q.key.startswith("retention:")]
    assert notice.to == (COORD,) and "will be erased on 1 August 2027" in notice.text and "`export`" in notice.text
    bot.tick(datetime(2027, 7, 2, 10, 0, tzinfo=UTC))
    assert len([q for q in queued(bot) if q.key.startswith("retention:")]) == 1  # told once
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))
    with Session(bot.engine) as session:
        assert session.exec(select(Pair)).all() == [] and session.exec(select(Enrollment)).all() == []
        assert session.exec(select(Meeting)).all() == [] and session.exec(select(Pulse)).all() == []
        assert [p.user_id for p in session.exec(select(Person)).all()] == [COORD]  # the coordinator stays
        rows = session.exec(select(Outbox)).all()
        programme = session.exec(select(Programme)).one()
    assert all(r.recipient == {"kind": "person", "id": r.recipient["id"]} for r in rows)  # nothing of the pair's
    assert programme.erased_at is not None
    assert programme.figures["mentors"] == 1 and programme.figures["pairs"] == 1
    assert programme.figures["sessions_held"] == 1 and programme.figures["rating"] is None  # fewer than 3 answers
    assert any(q.key.startswith(f"retention:{programme.id}:done") for q in queued(bot))


def test_a_programme_without_an_end_date_counts_its_length_from_its_last_pair(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    bot.tick(NOW + timedelta(days=31 * 17))  # 6 months of programme and 12 of retention: not yet erased
    with Session(bot.engine) as session:
        assert session.exec(select(Pair)).all() != []
    bot.tick(NOW + timedelta(days=31 * 18))
    with Session(bot.engine) as session:
        assert session.exec(select(Pair)).all() == []


def test_a_retention_of_one_month_is_told_as_one_month(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("program set end 2027-01-31")
    coordinator.command("program set retention 1")
    coordinator.command("match")
    coordinator.command("match confirm")
    bot.tick(datetime(2027, 2, 1, 10, 0, tzinfo=UTC))  # the end: erased on 1 March, so told a month before
    [notice] = [q for q in queued(bot) if q.key.startswith("retention:")]
    assert "will be erased on 1 March 2027, 1 month after its end" in notice.text
