"""Retention in travelled time: a month's notice, then the programme's personal data erased, its figures kept."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from storage.models import Enrollment, Meeting, Outbox, Pair, Person, Programme, Pulse
from tests.bot.dialog import Dialog, Queued, announced, flat, queued
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
    found = announced(bot, clock.now, COORD, "end 2027-01-31", "retention 6")
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


def notices(bot: Passerelle) -> list[Queued]:
    return [q for q in queued(bot) if q.key.startswith("retention:") and ":notice:" in q.key]


def erased(bot: Passerelle) -> bool:
    with Session(bot.engine) as session:
        return session.exec(select(Programme)).one().erased_at is not None


def test_a_retention_shortened_after_the_end_still_gives_a_months_notice(bot: Passerelle, pair: Pair) -> None:
    when = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)
    Dialog(bot, when, user=COORD).command("program set retention 1")  # its day, 1 March, has passed
    bot.tick(when)
    assert not erased(bot)
    [notice] = notices(bot)
    assert "will be erased on 10 April 2027" in notice.text and "a month's notice" in notice.text
    assert "its retention, 1 month after its end" in notice.text and "1 months" not in notice.text
    bot.tick(datetime(2027, 4, 9, 23, 59, tzinfo=UTC))
    assert not erased(bot) and len(notices(bot)) == 1
    bot.tick(datetime(2027, 4, 10, 0, 1, tzinfo=UTC))
    assert erased(bot)


def test_an_end_moved_after_the_notice_tells_the_new_day_and_notices_it_a_month_before(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))
    [first] = notices(bot)
    Dialog(bot, datetime(2027, 7, 2, 9, 0, tzinfo=UTC), user=COORD).command("program set end 2027-09-30")
    bot.tick(datetime(2027, 7, 2, 10, 0, tzinfo=UTC))
    [postponed] = [q for q in queued(bot) if ":postponed:" in q.key]
    assert "postponed to 1 April 2028" in postponed.text
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))
    assert not erased(bot) and notices(bot) == [first]
    bot.tick(datetime(2028, 3, 1, 10, 0, tzinfo=UTC))
    [_, second] = notices(bot)
    assert first.key != second.key and "will be erased on 1 April 2028, 6 months after its end" in second.text
    bot.tick(datetime(2028, 4, 1, 0, 1, tzinfo=UTC))
    assert erased(bot)


def test_an_end_moved_later_after_the_notice_within_its_month_gives_the_new_day_at_once(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))
    with Session(bot.engine) as session:  # the end four days later, as `program set end` would not allow now
        programme = session.exec(select(Programme)).one()
        programme.end_date = date(2027, 2, 4)
        session.add(programme)
        session.commit()
    bot.tick(datetime(2027, 7, 10, 10, 0, tzinfo=UTC))  # 5 August by the retention: too soon to be told now
    [first, second] = notices(bot)
    assert first.key != second.key and "will be erased on 10 August 2027" in second.text
    assert "a month's notice" in second.text and "This replaces the day I gave you before" in second.text
    bot.tick(datetime(2027, 8, 9, 0, 1, tzinfo=UTC))
    assert not erased(bot)
    bot.tick(datetime(2027, 8, 10, 0, 1, tzinfo=UTC))
    assert erased(bot)


def test_a_retention_shortened_after_the_notice_keeps_the_day_told_rather_than_come_sooner(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))
    Dialog(bot, datetime(2027, 7, 10, 9, 0, tzinfo=UTC), user=COORD).command("program set retention 5")
    bot.tick(datetime(2027, 7, 10, 10, 0, tzinfo=UTC))  # 5 months: 1 July, already past
    assert not erased(bot) and len(notices(bot)) == 1
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))
    assert erased(bot)


def test_the_retention_shown_and_told_says_1_month_not_1_months(bot: Passerelle, pair: Pair) -> None:
    coordinator = Dialog(bot, NOW, user=COORD)
    coordinator.command("program set retention 1")
    shown = coordinator.command("program")
    assert "1 month after the programme's end" in shown and "1 months" not in shown
    bot.tick(datetime(2027, 2, 1, 10, 0, tzinfo=UTC))  # the end: a month before 1 March
    [notice] = notices(bot)
    assert "will be erased on 1 March 2027, 1 month after its end" in notice.text


def test_the_figures_kept_count_people_not_answers(bot: Passerelle, pair: Pair) -> None:
    with Session(bot.engine) as session:
        held = session.exec(select(Meeting).where(Meeting.pair_id == pair.id)).one()
        for days in (1, 2):  # the mentee's pulses of three sessions: three answers, one person
            again = Meeting(
                workspace_id=pair.workspace_id,
                pair_id=pair.id,
                starts_at=held.starts_at + timedelta(days=days),
                status=held.status,
                token=f"token-{days}",
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(again)
            session.flush()
            session.add(
                Pulse(
                    workspace_id=pair.workspace_id,
                    pair_id=pair.id,
                    meeting_id=again.id,
                    person_id=pair.mentee_id,
                    rating=5,
                    progress=5,
                )
            )
        for pulse in session.exec(select(Pulse).where(Pulse.person_id == pair.mentee_id)).all():
            pulse.rating, pulse.progress = 5, 5
            session.add(pulse)
        session.commit()
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))
    with Session(bot.engine) as session:
        figures = session.exec(select(Programme)).one().figures
    assert figures["sessions_held"] == 3 and figures["rating"] is None and figures["progress"] is None


def test_the_report_and_home_after_the_erasure_show_the_figures_kept_not_zeros(bot: Passerelle, pair: Pair) -> None:
    bot.tick(datetime(2027, 2, 1, 10, 0, tzinfo=UTC))  # the programme's end: the survey
    bot.tick(datetime(2027, 2, 9, 10, 0, tzinfo=UTC))  # a week on: the pair's close
    coordinator = Dialog(bot, datetime(2027, 7, 30, 10, 0, tzinfo=UTC), user=COORD)
    before = coordinator.command("report")
    assert "Sessions held" in before
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))  # the erasure
    after = Dialog(bot, datetime(2027, 8, 2, 10, 0, tzinfo=UTC), user=COORD).command("report")
    assert after == before.replace("2027-07-30", "2027-08-02")  # the same figures, from what was kept
    later = datetime(2027, 8, 2, 10, 0, tzinfo=UTC)
    assert "Sessions held: 1 of" in flat(bot.home(Dialog(bot, later, user=COORD).actor, later))


def test_a_programme_that_has_ended_takes_no_new_volunteer(bot: Passerelle, pair: Pair) -> None:
    after_the_end = datetime(2027, 2, 3, 10, 0, tzinfo=UTC)
    said = Dialog(bot, after_the_end, user="UNEWCOME").say("hello")
    assert "has ended: there is no programme to join right now" in said
    with Session(bot.engine) as session:
        assert not [
            e for e in session.exec(select(Enrollment)).all() if e.person_id not in (pair.mentor_id, pair.mentee_id)
        ]
    Dialog(bot, after_the_end, user=COORD).command("program set end 2027-06-30")  # the coordinators extend it
    assert "has ended" not in Dialog(bot, after_the_end, user="UNEWCOME").say("hello")


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
