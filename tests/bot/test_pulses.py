"""The pulse after a session, against the core: each member's own, private, answered once."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from bot.ui import Message, Outcome, mention
from storage.models import Meeting, MeetingStatus, Pair, PairStatus, Person, Pulse, RematchRequest
from tests.bot.dialog import Dialog, Queued, announced, flat, last_id, queued
from tests.conftest import Clock

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
BOOKED = {"day": "2026-12-08", "time": "14:30", "format": "video", "place": "", "odd_hour": None}
AFTER = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)  # the hour is over (14:30–15:30 in Paris is 13:30–14:30 UTC)


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    found = announced(bot, clock.now, COORD)
    actor = Dialog(bot, NOW, user="UMENTEE1").actor
    bot.submitted(actor, f"pair.book:{found.id}", BOOKED, NOW)
    return found


def pulses_queued(bot: Passerelle) -> list[Queued]:
    return [q for q in queued(bot) if q.key.startswith("pulse:")]


def _by_user(session: Session, user: str) -> Pulse:
    person = session.exec(select(Person).where(Person.user_id == user)).one()
    return session.exec(select(Pulse).where(Pulse.person_id == person.id)).one()


def answer(bot: Passerelle, user: str, values: dict[str, str | None], when: datetime = AFTER) -> Outcome:
    with Session(bot.engine) as session:
        pulse = _by_user(session, user)
    actor = Dialog(bot, when, user=user).actor
    opened = bot.pressed(actor, "pulse.open", [str(pulse.id)], when)
    assert opened.form is not None, opened
    return bot.submitted(actor, opened.form.action, values, when)


def test_after_the_session_each_member_gets_their_own_pulse_in_their_direct_messages(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(datetime(2026, 12, 8, 14, 29, tzinfo=UTC))
    assert pulses_queued(bot) == []
    bot.tick(AFTER)
    found = pulses_queued(bot)
    assert sorted(q.to for q in found) == [("UMENTEE1",), ("UMENTOR1",)]  # one each, never the pair's conversation
    assert all("partner never sees them" in q.text for q in found)
    bot.tick(AFTER.replace(minute=45))
    assert len(pulses_queued(bot)) == 2  # asked once
    with Session(bot.engine) as session:
        assert session.exec(select(Meeting)).one().status == MeetingStatus.HELD


def test_a_pulse_is_checked_in_its_form_and_kept_private(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    wrong = answer(bot, "UMENTEE1", {"rating": "7", "progress": None, "comment": "", "fit": None})
    assert set(wrong.form_errors) == {"rating", "progress"}
    before = len(queued(bot))
    done = answer(bot, "UMENTEE1", {"rating": "4", "progress": "3", "comment": "Great tips on Copilot", "fit": "good"})
    assert not done.form_errors
    assert len(queued(bot)) == before  # nothing is sent to anyone about it
    with Session(bot.engine) as session:
        mine = _by_user(session, "UMENTEE1")
    assert (mine.rating, mine.progress, mine.comment, mine.fit) == (4, 3, "Great tips on Copilot", "good")
    actor = Dialog(bot, AFTER, user="UMENTEE1").actor
    again = bot.pressed(actor, "pulse.open", [str(mine.id)], AFTER)
    assert again.form is None and "answered this pulse already" in str(again.replies[0].message)
    bot.submitted(actor, f"pulse:{mine.id}", {"rating": "1", "progress": "1", "comment": "", "fit": None}, AFTER)
    with Session(bot.engine) as session:
        assert _by_user(session, "UMENTEE1").rating == 4  # answered once


def test_someone_elses_pulse_cannot_be_opened(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    with Session(bot.engine) as session:
        theirs = _by_user(session, "UMENTEE1")
    for user in ("UMENTOR1", COORD):
        opened = bot.pressed(Dialog(bot, AFTER, user=user).actor, "pulse.open", [str(theirs.id)], AFTER)
        assert opened.form is None


def test_not_a_good_fit_in_the_first_pulse_is_a_rematch_request(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    answer(bot, "UMENTOR1", {"rating": "2", "progress": "1", "comment": "", "fit": "not_good"})
    with Session(bot.engine) as session:
        [request] = session.exec(select(RematchRequest)).all()
    assert request.pair_id == pair.id
    assert any(q.key.startswith("rematch:") and q.to == (COORD,) for q in queued(bot))


def test_the_pulse_says_plainly_that_not_a_good_fit_asks_the_coordinators_and_the_partner_is_never_told(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(AFTER)
    [asked] = [q for q in pulses_queued(bot) if q.to == ("UMENTOR1",)]
    assert "Only if you say the pairing is not a good fit are the coordinators asked, in your name" in asked.text
    with Session(bot.engine) as session:
        pulse = _by_user(session, "UMENTOR1")
    actor = Dialog(bot, AFTER, user="UMENTOR1").actor
    opened = bot.pressed(actor, "pulse.open", [str(pulse.id)], AFTER)
    assert opened.form is not None
    assert "they will know you asked; your partner is never told" in str(opened.form.blocks)
    before = last_id(bot)
    done = bot.submitted(
        actor, opened.form.action, {"rating": "2", "progress": "1", "comment": "", "fit": "not_good"}, AFTER
    )
    said = " ".join(flat(r.message) for r in done.replies if isinstance(r.message, Message))
    assert "but for your request for a new partner: that goes to the coordinators, in your name" in said
    assert "your partner will not be told who asked" in said
    assert [q.to for q in queued(bot, after=before)] == [(COORD,)]  # the partner hears nothing, nor the pair


def test_a_fit_sent_with_a_later_pulse_whose_form_did_not_ask_it_is_ignored(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    answer(bot, "UMENTOR1", {"rating": "4", "progress": "4", "comment": "", "fit": "good"})
    second = {"day": "2027-01-12", "time": "14:30", "format": "video", "place": "", "odd_hour": None}
    bot.submitted(Dialog(bot, AFTER, user="UMENTEE1").actor, f"pair.book:{pair.id}", second, AFTER)
    later = datetime(2027, 1, 12, 15, 30, tzinfo=UTC)
    bot.tick(later)
    with Session(bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == "UMENTOR1")).one()
        pulse = session.exec(select(Pulse).where(Pulse.person_id == person.id, Pulse.answered_at == None)).one()  # noqa: E711
    actor = Dialog(bot, later, user="UMENTOR1").actor
    opened = bot.pressed(actor, "pulse.open", [str(pulse.id)], later)
    assert opened.form is not None and "fit" not in str(opened.form.blocks)
    forged = {"rating": "3", "progress": "3", "comment": "", "fit": "not_good"}
    done = bot.submitted(actor, opened.form.action, forged, later)
    assert "Your answers stay private." in flat(done.replies[0].message) and len(done.replies) == 1
    with Session(bot.engine) as session:
        assert session.get(Pulse, pulse.id).fit is None  # type: ignore[union-attr]
        assert session.exec(select(RematchRequest)).all() == []


def said_it_did_not_happen(bot: Passerelle, user: str, how: str, when: datetime = AFTER) -> str:
    with Session(bot.engine) as session:
        pulse = _by_user(session, user)
    return Dialog(bot, when, user=user).pick(f"pulse.{how}", str(pulse.id))


def the_session(bot: Passerelle) -> Meeting:
    with Session(bot.engine) as session:
        return session.exec(select(Meeting)).one()


def test_once_both_say_it_did_not_happen_the_period_opens_again_and_reminders_follow(
    bot: Passerelle, pair: Pair
) -> None:
    bot.tick(AFTER)
    said = said_it_did_not_happen(bot, "UMENTOR1", "postponed")
    assert "Book another hour" in said and "[Book our hour]" in said
    assert the_session(bot).status == MeetingStatus.HELD  # the mentee has not said yet
    again = said_it_did_not_happen(bot, "UMENTEE1", "cancelled", AFTER + timedelta(hours=1))
    assert again == said  # the same words as the first: the second to answer learns nothing of the first's answer
    assert the_session(bot).status == MeetingStatus.MISSED  # postponed by one of them: to be booked again
    bot.tick(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    assert any(q.key.startswith(f"nudge:{pair.id}:0:") for q in queued(bot))  # nothing held: reminders again


@pytest.mark.parametrize("first", ["UMENTOR1", "UMENTEE1"])
@pytest.mark.parametrize("how", ["postponed", "cancelled"])
def test_one_members_no_never_overrides_the_partners_it_happened_nor_shows_to_them(
    bot: Passerelle, pair: Pair, first: str, how: str
) -> None:
    bot.tick(AFTER)
    session = the_session(bot)
    before = len(queued(bot))
    for n, user in enumerate((first, "UMENTEE1" if first == "UMENTOR1" else "UMENTOR1")):
        when = AFTER + timedelta(hours=n)
        if user == "UMENTOR1":
            answer(bot, user, {"rating": "5", "progress": "4", "comment": "", "fit": "good"}, when)
        else:
            said = said_it_did_not_happen(bot, user, how, when)
            assert "[Book our hour]" in said and "remind you both" not in said  # only this member is asked
    assert the_session(bot).status == MeetingStatus.HELD and the_session(bot).sequence == session.sequence
    assert len(queued(bot)) == before  # nobody is told anything about it
    [event] = Calendar.from_ical(bot.calendar_file(session.token) or b"").walk("VEVENT")
    assert str(event["STATUS"]) == "CONFIRMED" and event.decoded("SEQUENCE") == session.sequence
    later = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert "Sessions held: 1" in Dialog(bot, later, user="UMENTOR1").command("status")
    bot.tick(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    assert not any(q.key.startswith(f"nudge:{pair.id}:0:") for q in queued(bot))  # the period was held


def test_the_last_pulse_is_answered_after_the_pair_has_ended(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    coordinator = Dialog(bot, AFTER + timedelta(hours=1), user=COORD)
    coordinator.command(f"unpair {mention('UMENTEE1')}")
    with Session(bot.engine) as session:
        assert session.exec(select(Pair)).one().status == PairStatus.ENDED
    when = AFTER + timedelta(days=2)
    with Session(bot.engine) as session:
        pulse = _by_user(session, "UMENTEE1")
    actor = Dialog(bot, when, user="UMENTEE1").actor
    opened = bot.pressed(actor, "pulse.open", [str(pulse.id)], when)
    assert opened.form is not None and "fit" not in [getattr(b, "action", "") for b in opened.form.blocks]
    done = bot.submitted(actor, opened.form.action, {"rating": "4", "progress": "4", "comment": "Thanks!"}, when)
    assert not done.form_errors and "Thank you" in str(done.replies[0].message)
    assert "Noted, thank you" in said_it_did_not_happen(bot, "UMENTOR1", "postponed", when)
    with Session(bot.engine) as session:
        assert (_by_user(session, "UMENTEE1").rating, _by_user(session, "UMENTOR1").happened) == (4, "postponed")
    assert the_session(bot).status == MeetingStatus.HELD


def test_the_pulse_of_a_session_after_the_pair_ended_is_refused(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    with Session(bot.engine) as session:
        ended = session.exec(select(Pair)).one()
        ended.status, ended.ended_at = PairStatus.ENDED, datetime(2026, 12, 8, 12, 0, tzinfo=UTC)  # before it began
        session.add(ended)
        session.commit()
        pulse = _by_user(session, "UMENTEE1")
    said = Dialog(bot, AFTER, user="UMENTEE1").pick("pulse.open", str(pulse.id))
    assert "This pairing has ended" in said


def test_ones_own_pulse_is_in_ones_data_export_and_not_in_the_partners(bot: Passerelle, pair: Pair) -> None:
    bot.tick(AFTER)
    answer(bot, "UMENTEE1", {"rating": "4", "progress": "3", "comment": "Very useful", "fit": "good"})
    mine = bot.command(Dialog(bot, AFTER, user="UMENTEE1").actor, "export-my-data", AFTER)
    theirs = bot.command(Dialog(bot, AFTER, user="UMENTOR1").actor, "export-my-data", AFTER)
    assert "Very useful" in str(mine.files[0].content) and "Very useful" not in str(theirs.files[0].content)
    assert '"sessions"' in str(theirs.files[0].content)  # the pair's sessions are both members'


def test_a_pulse_names_the_sessions_day_on_the_readers_clock(bot: Passerelle, pair: Pair) -> None:
    actor = Dialog(bot, NOW, user="UMENTEE1").actor
    late = BOOKED | {"day": "2026-12-09", "time": "00:30", "odd_hour": "yes"}  # 23:30 on 8 December in UTC
    assert not bot.submitted(actor, f"pair.book:{pair.id}", late, NOW).form_errors
    bot.tick(datetime(2026, 12, 9, 0, 30, tzinfo=UTC))
    found = pulses_queued(bot)
    assert len(found) == 2 and all("on 9 December 2026?" in q.text for q in found)
