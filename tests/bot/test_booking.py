"""Booking the pair's hour against the core: the form's checks, the confirmation and invite, move and cancel."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.outbox.worker import Worker
from bot.service import Passerelle
from bot.ui import Links, Outcome, mention
from storage.models import Meeting, MeetingStatus, Outbox, OutboxState, Pair, PairStatus, Pulse
from tests.bot.dialog import Dialog, announced, flat, queued
from tests.bot.test_outbox import FakeSender
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer, named
from tests.conftest import Clock

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # Thursday; both members are in Paris
GOOD = {"day": "2026-12-08", "time": "14:30", "format": "video", "place": "https://meet.example/abc", "odd_hour": None}


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}), public_url="https://passerelle.example")


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    return announced(bot, clock.now, COORD)


def book(bot: Passerelle, pair: Pair, user: str = "UMENTEE1", when: datetime = NOW, **changes: str | None) -> Outcome:
    actor = Dialog(bot, when, user=user).actor
    opened = bot.pressed(actor, "pair.book", [str(pair.id)], when)
    assert opened.form is not None
    return bot.submitted(actor, opened.form.action, GOOD | changes, when)


def meetings(bot: Passerelle) -> list[Meeting]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Meeting)).all())


def test_book_opens_a_form_for_the_date_time_format_and_place_in_the_persons_zone(bot: Passerelle, pair: Pair) -> None:
    actor = Dialog(bot, NOW, user="UMENTEE1").actor
    opened = bot.pressed(actor, "pair.book", [str(pair.id)], NOW)
    assert opened.form is not None and opened.form.action == f"pair.book:{pair.id}"
    assert "Europe/Paris" in str(opened.form.blocks[0])
    names = [getattr(b, "action", "") for b in opened.form.blocks]
    assert names[1:] == ["day", "time", "format", "place", "odd_hour"]


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"day": "2026-11-20"}, "day", "passed"),
        ({"day": None}, "day", "Pick a date"),
        ({"day": "not a date"}, "day", "Pick a date"),
        ({"day": "2027-06-01"}, "day", "after the programme's end, on 25 May 2027"),
        ({"time": "late"}, "time", "14:30"),
        ({"time": "22:30"}, "time", "outside 07:00–21:00"),
        ({"day": "2026-11-26", "time": "09:00"}, "time", "passed"),
        ({"place": "x" * 301}, "place", "At most 300"),
    ],
)
def test_a_wrong_answer_is_shown_in_the_form_and_nothing_is_booked(
    bot: Passerelle, pair: Pair, changes: dict[str, str | None], field: str, says: str
) -> None:
    answered = book(bot, pair, **changes)
    assert says in answered.form_errors[field]
    assert meetings(bot) == []


def test_a_late_hour_is_booked_once_confirmed(bot: Passerelle, pair: Pair) -> None:
    assert not book(bot, pair, time="21:30", odd_hour="yes").form_errors
    [booked] = meetings(bot)
    assert booked.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 20, 30, tzinfo=UTC)  # 21:30 in Paris


def test_both_get_the_confirmation_with_the_invite_and_the_nudges_stop(bot: Passerelle, pair: Pair) -> None:
    answered = book(bot, pair)
    assert not answered.form_errors and "Booked!" in str(answered.replies[0].message)
    [booked] = meetings(bot)
    assert booked.status == MeetingStatus.BOOKED
    assert booked.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 13, 30, tzinfo=UTC)  # 14:30 in Paris
    assert booked.place == "https://meet.example/abc" and booked.timezone == "Europe/Paris"
    [told] = [q for q in queued(bot) if q.key.startswith("booking:")]
    assert told.to == ("UMENTOR1", "UMENTEE1")
    assert "booked your session: 8 December 2026 at 14:30" in told.text and "Video — https://meet.example" in told.text
    [links] = [b for b in told.message.blocks if isinstance(b, Links)]
    urls = {link.label: link.url for link in links.links}
    assert urls["Add to my calendar (.ics)"] == f"https://passerelle.example/calendar/{booked.token}.ics"
    assert urls["Add to Google Calendar"].startswith("https://calendar.google.com/")
    assert urls["Add to Outlook"].startswith("https://outlook.office.com/")
    bot.tick(datetime(2026, 12, 3, 14, 30, tzinfo=UTC))
    assert not any(q.key.startswith(f"nudge:{pair.id}:0:") for q in queued(bot))  # the period is booked


def test_the_calendar_file_is_served_for_its_token_and_follows_the_session(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    [booked] = meetings(bot)
    first = Calendar.from_ical(bot.calendar_file(booked.token) or b"")
    [event] = first.walk("VEVENT")
    uid = str(event["UID"])
    assert uid.endswith("@passerelle") and len(uid) > 40 and event.decoded("SEQUENCE") == 0
    assert booked.token not in uid and str(booked.id) != uid.split("@")[0]  # unique across instances, not the token
    assert event.decoded("DTSTART") == datetime(2026, 12, 8, 13, 30, tzinfo=UTC)
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert bot.calendar_file(booked.token[:-1] + ("A" if booked.token[-1] != "A" else "B")) is None
    assert bot.calendar_file("../../etc/passwd") is None
    book(bot, pair, when=NOW + timedelta(hours=1), day="2026-12-09", time="10:00")  # moved
    [event] = Calendar.from_ical(bot.calendar_file(booked.token) or b"").walk("VEVENT")
    assert event.decoded("SEQUENCE") == 1 and event.decoded("DTSTART") == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert str(event["UID"]) == uid  # the same event, moved
    Dialog(bot, NOW + timedelta(hours=2), user="UMENTOR1").pick("pair.cancel", str(pair.id))
    [event] = Calendar.from_ical(bot.calendar_file(booked.token) or b"").walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") == 2


def test_moving_a_session_keeps_one_session_tells_both_and_drops_its_reminders(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair, day="2026-11-30", time="10:00")
    bot.tick(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # 09:00 in Paris: the morning reminders are written
    book(bot, pair, when=datetime(2026, 11, 30, 8, 10, tzinfo=UTC), day="2026-12-02", time="10:00")  # not yet sent
    assert len(meetings(bot)) == 1 and meetings(bot)[0].sequence == 1
    moved = [q for q in queued(bot) if q.key.startswith("booking:")][-1]
    assert "moved your session from 30 November 2026 at 10:00 to 2 December 2026 at 10:00." in moved.text
    assert "booked" not in moved.text
    with Session(bot.engine) as session:
        states = {r.key: r.state for r in session.exec(select(Outbox)).all() if r.key.startswith("morning:")}
    assert states and set(states.values()) == {OutboxState.DROPPED}


def test_a_session_reminder_comes_on_its_morning_at_the_start_of_each_members_day(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    bot.tick(datetime(2026, 12, 8, 7, 59, tzinfo=UTC))
    bot.tick(datetime(2026, 12, 8, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    mornings = [q for q in queued(bot) if q.key.startswith("morning:")]
    assert sorted(q.to for q in mornings) == [("UMENTEE1",), ("UMENTOR1",)]
    assert all("Today at 14:30" in q.text and "https://meet.example/abc" in q.text for q in mornings)


def test_after_the_session_it_counts_as_held_and_the_next_period_asks_again(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    bot.tick(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    assert meetings(bot)[0].status == MeetingStatus.HELD
    bot.tick(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))
    assert any(q.key == f"nudge:{pair.id}:1:book" for q in queued(bot))


def test_two_cancellations_by_the_same_member_are_told_to_the_coordinators(bot: Passerelle, pair: Pair) -> None:
    for n, day in enumerate(("2026-12-08", "2026-12-10", "2026-12-14")):
        book(bot, pair, user="UMENTOR1", when=NOW + timedelta(hours=n), day=day)
        who = "UMENTEE1" if n == 1 else "UMENTOR1"
        assert "Cancelled" in Dialog(bot, NOW + timedelta(hours=n, minutes=5), user=who).pick(
            "pair.cancel", str(pair.id)
        )
    cancelled = [q for q in queued(bot) if q.key.startswith("booking:") and "cancelled your session" in q.text]
    assert len(cancelled) == 3 and all("[Book our hour]" in q.text for q in cancelled)  # the next one, from there
    told = [q for q in queued(bot) if q.key.startswith("cancellations:")]
    assert [q.to for q in told] == [(COORD,)]
    assert "has cancelled 2 sessions" in told[0].text
    assert "Nothing is booked" in Dialog(bot, NOW + timedelta(hours=4), user="UMENTEE1").pick(
        "pair.cancel", str(pair.id)
    )


def test_only_the_pairs_members_may_book(bot: Passerelle, pair: Pair) -> None:
    actor = Dialog(bot, NOW, user=COORD).actor
    answered = bot.submitted(actor, f"pair.book:{pair.id}", GOOD, NOW)
    assert meetings(bot) == [] and not answered.form_errors


def test_two_days_before_the_mentor_is_asked_for_talking_points_passed_on_to_the_mentee(
    bot: Passerelle, pair: Pair
) -> None:
    book(bot, pair)
    bot.tick(datetime(2026, 12, 6, 13, 30, tzinfo=UTC))  # 48 hours before
    [asked] = [q for q in queued(bot) if q.key.startswith("talking_points:")]
    assert asked.to == ("UMENTOR1",) and "[Share talking points]" in asked.text
    when = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    refused = Dialog(bot, when, user="UMENTEE1").pick("pair.points", str(pair.id))
    assert "The mentor shares" in refused
    actor = Dialog(bot, when, user="UMENTOR1").actor
    opened = bot.pressed(actor, "pair.points", [str(pair.id)], when)
    assert opened.form is not None
    assert bot.submitted(actor, opened.form.action, {"points": "  "}, when).form_errors
    bot.submitted(actor, opened.form.action, {"points": "Prompts for meeting notes\nCopilot in Excel"}, when)
    [passed] = [q for q in queued(bot) if q.key.startswith("points:")]
    assert passed.to == ("UMENTEE1",) and "Copilot in Excel" in passed.text


def test_the_book_command_opens_the_form_of_the_callers_pair(bot: Passerelle, pair: Pair) -> None:
    opened = bot.command(Dialog(bot, NOW, user="UMENTOR1").actor, "book", NOW)
    assert opened.form is not None and opened.form.action == f"pair.book:{pair.id}"
    assert "You are not enrolled" in Dialog(bot, NOW, user=COORD).command("book")  # no volunteer


def test_status_shows_the_partner_the_objectives_the_next_session_and_sessions_held(
    bot: Passerelle, pair: Pair
) -> None:
    shown = Dialog(bot, NOW, user="UMENTEE1").command("status")
    assert "Partner: " in shown and "(your mentor)" in shown and "Next session: none booked" in shown
    assert "[Book our hour]" in shown
    book(bot, pair)
    shown = Dialog(bot, NOW, user="UMENTOR1").command("status")
    assert "(your mentee)" in shown and "Next session: 8 December 2026 at 14:30" in shown
    assert "[Move our session]" in shown and "[Book our hour]" not in shown
    assert "Sessions held: 0" in shown
    bot.tick(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    assert "Sessions held: 1" in Dialog(bot, datetime(2026, 12, 9, tzinfo=UTC), user="UMENTOR1").command("status")


def test_a_concern_reaches_only_the_coordinators(bot: Passerelle, pair: Pair) -> None:
    said = Dialog(bot, NOW, user="UMENTOR1").command("concern My mentee keeps cancelling at the last minute")
    assert "only they read it" in said
    [sent] = [q for q in queued(bot) if q.key.startswith("concern:")]
    assert sent.to == (COORD,) and "keeps cancelling" in sent.text
    opened = bot.command(Dialog(bot, NOW, user="UMENTEE1").actor, "concern", NOW)
    assert opened.form is not None and opened.form.action == "concern"
    assert bot.submitted(Dialog(bot, NOW, user="UMENTEE1").actor, "concern", {"concern": " "}, NOW).form_errors


def test_pairs_shows_each_pairs_health_next_session_and_sessions_held(bot: Passerelle, pair: Pair) -> None:
    coordinator = Dialog(bot, NOW, user=COORD)
    assert "on track" in coordinator.command("pairs") and "0 sessions held" in coordinator.command("pairs")
    bot.tick(datetime(2026, 12, 3, 14, 30, tzinfo=UTC))  # the reminder: nothing booked
    assert "late" in Dialog(bot, datetime(2026, 12, 3, 15, 0, tzinfo=UTC), user=COORD).command("pairs")
    bot.tick(datetime(2026, 12, 10, 14, 31, tzinfo=UTC))
    assert "at risk" in Dialog(bot, datetime(2026, 12, 10, 15, 0, tzinfo=UTC), user=COORD).command("pairs")
    book(bot, pair, when=datetime(2026, 12, 10, 15, 0, tzinfo=UTC), day="2026-12-14")
    shown = Dialog(bot, datetime(2026, 12, 10, 16, 0, tzinfo=UTC), user=COORD).command("pairs")
    assert "on track" in shown and "next: 14 December 2026 at 14:30" in shown and "times on your clock (" in shown


def test_a_reminder_held_back_past_the_sessions_start_is_dropped_not_sent_late(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair, day="2026-12-07", time="08:30", place="Room 2")  # a Monday, before working hours in Paris
    bot.tick(datetime(2026, 12, 5, 7, 30, tzinfo=UTC))  # Saturday, 48 hours before: held until Monday 09:00
    with Session(bot.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.key.startswith("talking_points:"))).one()  # type: ignore[attr-defined]
        assert row.not_before.replace(tzinfo=UTC) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    clock = Clock(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    worker = Worker(bot.engine, {"slack": FakeSender()}, clock)
    for _ in range(3):  # what came before it to the mentor goes first, a second apart
        asyncio.run(worker.drain())
        clock.travel(seconds=2)
    with Session(bot.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.key.startswith("talking_points:"))).one()  # type: ignore[attr-defined]
    assert row.state == OutboxState.DROPPED and row.sent_at is None


def test_erasing_ones_data_takes_the_pairs_sessions_pulses_and_invite_with_it(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    bot.tick(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))  # held, and pulses asked
    [booked] = meetings(bot)
    mentee = Dialog(bot, datetime(2026, 12, 9, tzinfo=UTC), user="UMENTEE1")
    mentee.command("delete-my-data")
    assert "erased" in mentee.press("Yes, erase everything").lower()
    with Session(bot.engine) as session:
        assert session.exec(select(Meeting)).all() == [] and session.exec(select(Pulse)).all() == []
    assert bot.calendar_file(booked.token) is None


def test_the_home_tab_shows_a_member_the_next_session_and_the_button_to_book(bot: Passerelle, pair: Pair) -> None:
    actor = Dialog(bot, NOW, user="UMENTEE1").actor
    assert "Next session: none booked" in flat(bot.home(actor, NOW))
    book(bot, pair)
    shown = flat(bot.home(actor, NOW))
    assert "Next session: 8 December 2026 at 14:30" in shown and "[Book our hour]" in shown


def test_nudge_says_every_kind_of_thing_it_queued(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    said = Dialog(bot, datetime(2026, 12, 8, 15, 0, tzinfo=UTC), user=COORD).command("nudge")
    assert "pulses for 1 session" in said and "They go out in each person's working hours" in said


def a_pair_across_zones(bot: Passerelle, clock: Clock, mentor_zone: str) -> Pair:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR, timezone=mentor_zone)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)  # in Paris
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    with Session(bot.engine) as session:
        return session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).one()


def test_a_time_outside_07_to_21_for_the_partner_asks_to_confirm_and_says_whose_time_it_is(
    bot: Passerelle, clock: Clock
) -> None:
    pair = a_pair_across_zones(bot, clock, "America/New_York")
    refused = book(bot, pair, time="08:30")  # fine in Paris, 02:30 in New York
    assert refused.form_errors["time"].startswith(f"That is 02:30 for {named('UMENTOR1')} (America/New_York)")
    assert "outside 07:00–21:00" in refused.form_errors["time"] and meetings(bot) == []
    early = book(bot, pair, time="06:30")  # 00:30 in New York: odd for both
    assert "outside 07:00–21:00 for you, and 00:30 for" in early.form_errors["time"]
    assert not book(bot, pair, time="08:30", odd_hour="yes").form_errors
    assert len(meetings(bot)) == 1


def test_the_confirmation_gives_each_member_the_day_and_time_on_their_own_clock(bot: Passerelle, clock: Clock) -> None:
    pair = a_pair_across_zones(bot, clock, "America/Los_Angeles")
    assert not book(bot, pair, day="2026-12-09", time="07:30", odd_hour="yes").form_errors
    [told] = [q for q in queued(bot) if q.key.startswith("booking:")]
    assert told.to == ("UMENTOR1", "UMENTEE1")
    mentor, mentee = "⟦@UMENTOR1|Mentor1⟧", "⟦@UMENTEE1|Umentee1⟧"  # the mentee's name as their platform gave it
    assert (
        f"booked your session: 8 December 2026 at 22:30 for {mentor} (America/Los_Angeles); "
        f"9 December 2026 at 07:30 for {mentee} (Europe/Paris)."
    ) in told.text


def test_a_time_the_clocks_skip_is_refused_in_the_form_rather_than_moved(bot: Passerelle, pair: Pair) -> None:
    # 28 March 2027 in Paris: from 02:00 the clocks read 03:00.
    answered = book(bot, pair, day="2027-03-28", time="02:30", odd_hour="yes")
    assert answered.form_errors["time"] == (
        "02:30 does not exist on 28 March 2027 in Europe/Paris: the clocks go forward then. Pick another time."
    )
    assert meetings(bot) == []
    assert not book(bot, pair, day="2027-03-28", time="03:30", odd_hour="yes").form_errors
    assert meetings(bot)[0].starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_a_concern_with_mentions_reaches_the_coordinators_with_the_people_named(bot: Passerelle, pair: Pair) -> None:
    mentor = Dialog(bot, NOW, user="UMENTOR1", slack_style=True)
    mentor.command("concern <@UMENTEE1> keeps cancelling; <@UCOORD01> knows")
    [sent] = [q for q in queued(bot) if q.key.startswith("concern:")]
    assert "⟦@UMENTEE1⟧ keeps cancelling; ⟦@UCOORD01⟧ knows" in sent.text and "[@" not in sent.text
    forged = {"concern": "⟦@UCOORD01|Claire⟧ agrees"}  # typed in a form: only a channel writes the core's markup
    bot.submitted(Dialog(bot, NOW, user="UMENTEE1").actor, "concern", forged, NOW)
    assert "[@UCOORD01|Claire] agrees" in [q for q in queued(bot) if q.key.startswith("concern:")][-1].text


def test_a_pair_that_ends_calls_its_booked_session_off_and_never_sends_its_reminders(
    bot: Passerelle, pair: Pair, clock: Clock
) -> None:
    book(bot, pair)
    day_before = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    bot.tick(day_before)  # the mentor is asked for talking points: waiting in the outbox
    with Session(bot.engine) as session:
        waiting = [r.key for r in session.exec(select(Outbox).where(Outbox.state == OutboxState.PENDING)).all()]
    assert any(key.startswith("talking_points:") for key in waiting)
    Dialog(bot, day_before, user=COORD).command(f"unpair {mention('UMENTEE1')}")
    [booked] = meetings(bot)
    assert booked.status == MeetingStatus.CANCELLED and booked.cancelled_by is None
    [event] = Calendar.from_ical(bot.calendar_file(booked.token) or b"").walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 1
    with Session(bot.engine) as session:
        rows = {r.key: r.state for r in session.exec(select(Outbox)).all()}
    assert all(state == OutboxState.DROPPED for key, state in rows.items() if key.startswith("talking_points:"))
    told = [q for q in queued(bot) if q.key.startswith("ended:pair:") and q.to != (COORD,)]
    assert len(told) == 2 and all("The session you had booked is cancelled" in q.text for q in told)
    bot.tick(datetime(2026, 12, 8, 7, 0, tzinfo=UTC))
    assert not any(q.key.startswith("morning:") for q in queued(bot))


def test_the_booking_form_sent_again_as_it_was_changes_nothing_and_tells_nobody(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair)
    before = len(queued(bot))
    again = book(bot, pair)
    assert "booked already, as it is: nothing changed" in flat(again.replies[0].message)
    assert len(again.replies) == 1 and len(queued(bot)) == before
    [booked] = meetings(bot)
    assert booked.sequence == 0
    book(bot, pair, place="Room 4")  # the same time, another place: booked with its new details
    said = queued(bot)[-1].text
    assert "moved your session" not in said and "Room 4" in said
    assert meetings(bot)[0].sequence == 1


def test_a_session_booked_months_ahead_does_not_silence_the_periods_before_it(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair, day="2027-03-29")
    bot.tick(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    assert any(q.key == f"nudge:{pair.id}:0:reminder" for q in queued(bot))  # this month's hour is still to book
    bot.tick(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    assert any(q.key.startswith(f"nudge:{pair.id}:1:") for q in queued(bot))  # the next one has none


def test_a_session_booked_just_after_its_period_still_answers_its_nudges(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair, day="2027-01-05")  # the first period ends on 26 December
    bot.tick(datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    assert not any(q.key.startswith(f"nudge:{pair.id}:") for q in queued(bot))


def test_a_session_booked_on_a_day_off_is_reminded_that_morning(bot: Passerelle, pair: Pair) -> None:
    book(bot, pair, day="2026-12-12", time="10:30", place="Café")  # a Saturday, in Paris
    bot.tick(datetime(2026, 12, 12, 8, 0, tzinfo=UTC))  # 09:00 in Paris, on the day
    with Session(bot.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.key.startswith("morning:"))).all()  # type: ignore[attr-defined]
    assert len(rows) == 2  # one for each member
    assert all(r.not_before.replace(tzinfo=UTC) == datetime(2026, 12, 12, 8, 0, tzinfo=UTC) for r in rows)


def test_a_confirmation_not_yet_delivered_is_replaced_by_the_move_that_follows(bot: Passerelle, pair: Pair) -> None:
    evening = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Friday night: held for Monday morning
    book(bot, pair, when=evening)
    book(bot, pair, when=evening + timedelta(minutes=3), time="15:30")
    with Session(bot.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.key.startswith("booking:"))).all()  # type: ignore[attr-defined]
    assert sorted((r.key.rsplit(":", 1)[1], r.state) for r in rows) == [
        ("0", OutboxState.DROPPED),
        ("1", OutboxState.PENDING),
    ]


@pytest.mark.parametrize("typed", ["08/12/2026", "8 décembre", "December 8"])
def test_a_date_typed_where_there_is_no_calendar_is_read_as_people_write_it(
    bot: Passerelle, pair: Pair, typed: str
) -> None:
    answered = book(bot, pair, day=typed)
    assert not answered.form_errors
    [booked] = meetings(bot)
    assert booked.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 8, 13, 30, tzinfo=UTC)


def test_tomorrow_typed_in_the_booking_form_is_the_next_day_on_the_bookers_clock(bot: Passerelle, pair: Pair) -> None:
    assert not book(bot, pair, day="demain").form_errors
    [booked] = meetings(bot)
    assert booked.starts_at.replace(tzinfo=UTC) == datetime(2026, 11, 27, 13, 30, tzinfo=UTC)


def test_a_pair_ended_after_another_programme_became_current_is_told_its_own_programme(
    bot: Passerelle, pair: Pair
) -> None:
    coordinator = Dialog(bot, NOW, user=COORD)
    coordinator.command("program new Pilot 2027")
    coordinator.press("Create Pilot 2027")  # it asks first
    coordinator.command(f"unpair {mention('UMENTEE1')}")
    told = [q for q in queued(bot) if q.key.startswith("ended:pair:") and q.to != (COORD,)]
    assert len(told) == 2 and all("*Reverse mentoring*" in q.text and "Pilot" not in q.text for q in told)
