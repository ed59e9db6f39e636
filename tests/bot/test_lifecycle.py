"""The pair lifecycle in travelled time, against the core: nudges, escalation, snooze, pause, ghosting."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.outbox.worker import Worker
from bot.service import Passerelle
from storage.models import Meeting, MeetingStatus, Nudge, Outbox, Pair, PairStatus, Programme
from tests.bot.dialog import Dialog, Queued, announced, queued
from tests.bot.test_outbox import FakeSender
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
ANNOUNCED = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # a Thursday; both members are in Paris


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    return announced(bot, clock.now, COORD)


def the_pair(bot: Passerelle) -> Pair:
    with Session(bot.engine) as session:
        return session.exec(select(Pair).where(Pair.status != PairStatus.PROPOSED)).one()


def at(when: datetime, bot: Passerelle) -> list[Queued]:
    """Tick at `when`; what it queued."""
    with Session(bot.engine) as session:
        last = max(session.exec(select(Outbox.id)).all(), default=0) or 0
    bot.tick(when)
    return queued(bot, after=last)


def press(bot: Passerelle, user: str, action: str, pair: Pair, when: datetime) -> str:
    return Dialog(bot, when, user=user).pick(action, str(pair.id))


def keys(found: list[Queued]) -> list[str]:
    return [q.key.split(":to:")[0] for q in found]


def test_nothing_booked_brings_a_reminder_after_five_working_days_then_a_last_one_and_the_pair_is_at_risk(
    bot: Passerelle, pair: Pair
) -> None:
    assert at(ANNOUNCED + timedelta(days=1), bot) == []  # the introduction asked to book already
    assert at(datetime(2026, 12, 3, 14, 29, tzinfo=UTC), bot) == []
    [reminder] = at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)  # five working days later
    assert reminder.key == f"nudge:{pair.id}:0:reminder" and reminder.to == ("UMENTOR1", "UMENTEE1")
    assert "nothing is booked yet" in reminder.text
    assert "[Book our hour]" in reminder.text and "[Snooze a week]" in reminder.text
    assert "[We already met]" in reminder.text and "[Pause until…]" in reminder.text
    assert at(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), bot) == []  # written once
    last = at(datetime(2026, 12, 10, 14, 31, tzinfo=UTC), bot)
    assert keys(last) == [f"nudge:{pair.id}:0:last", f"at_risk:{pair.id}:0"]
    assert last[1].to == (COORD,) and "at risk" in last[1].text
    assert the_pair(bot).status == PairStatus.AT_RISK


def test_a_snooze_holds_the_next_reminder_until_it_ends_and_the_partner_is_told(bot: Passerelle, pair: Pair) -> None:
    pressed = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert "I will ask again on 4 December 2026" in press(bot, "UMENTEE1", "pair.snooze.1w", pair, pressed)
    told = queued(bot)[-1]
    assert told.to == ("UMENTOR1", "UMENTEE1") and "snoozed the reminders until 4 December 2026" in told.text
    assert at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot) == []
    assert keys(at(datetime(2026, 12, 4, 10, 0, tzinfo=UTC), bot)) == [f"nudge:{pair.id}:0:reminder"]


def test_we_already_met_records_a_session_held_and_no_reminder_follows(bot: Passerelle, pair: Pair) -> None:
    pressed = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert "Noted" in press(bot, "UMENTOR1", "pair.met", pair, pressed)
    assert "Already noted" in press(bot, "UMENTEE1", "pair.met", pair, pressed)  # the other presses too: once
    with Session(bot.engine) as session:
        [held] = session.exec(select(Meeting)).all()
    assert held.status == MeetingStatus.HELD and held.pair_id == pair.id
    assert held.timezone == "Europe/Paris"  # on the clock of the member who said so, as the export shows it
    pulses = at(datetime(2026, 12, 1, 16, 1, tzinfo=UTC), bot)  # then each member's pulse, privately
    assert sorted(q.to for q in pulses) == [("UMENTEE1",), ("UMENTOR1",)] and all("pulse:" in q.key for q in pulses)
    assert at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot) == []
    assert at(datetime(2026, 12, 20, tzinfo=UTC), bot) == []
    # The next period opens a month after the announcement and asks again.
    assert keys(at(datetime(2026, 12, 28, 9, 0, tzinfo=UTC), bot)) == [f"nudge:{pair.id}:1:book"]


def test_a_pair_that_met_at_last_is_back_on_track(bot: Passerelle, pair: Pair) -> None:
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)
    at(datetime(2026, 12, 10, 14, 31, tzinfo=UTC), bot)
    assert the_pair(bot).status == PairStatus.AT_RISK
    press(bot, "UMENTEE1", "pair.met", pair, datetime(2026, 12, 11, 10, 0, tzinfo=UTC))
    assert the_pair(bot).status == PairStatus.ACTIVE


def test_pause_until_a_date_asks_nothing_until_then_and_the_reminders_resume_by_themselves(
    bot: Passerelle, pair: Pair
) -> None:
    pressed = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    form = bot.pressed(Dialog(bot, pressed, user="UMENTOR1").actor, "pair.pause", [str(pair.id)], pressed).form
    assert form is not None and form.action == f"pair.pause:{pair.id}"
    actor = Dialog(bot, pressed, user="UMENTOR1").actor
    past = bot.submitted(actor, form.action, {"until": "2026-11-01"}, pressed)
    assert "passed" in past.form_errors["until"]
    done = bot.submitted(actor, form.action, {"until": "2027-01-05"}, pressed)
    assert not done.form_errors
    assert "paused your reminders until 5 January 2027" in queued(bot)[-1].text
    for day in (datetime(2026, 12, 3, 15, tzinfo=UTC), datetime(2026, 12, 28, 9, tzinfo=UTC)):
        assert at(day, bot) == []
    # December's period was skipped; the one that opened on 26 December asks once the pause is over.
    assert keys(at(datetime(2027, 1, 5, 8, 0, tzinfo=UTC), bot)) == [f"nudge:{pair.id}:1:book"]


def test_a_members_own_pause_holds_the_pairs_reminders_and_resume_brings_them_back(bot: Passerelle, pair: Pair) -> None:
    mentee = Dialog(bot, datetime(2026, 11, 30, 10, 0, tzinfo=UTC), user="UMENTEE1")
    assert "on pause" in mentee.command("pause")
    [told] = [q for q in queued(bot) if q.key.startswith("member_paused:")]
    assert told.to == ("UMENTOR1",) and "is taking a break from the programme for now" in told.text  # privately
    assert at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot) == []
    back = Dialog(bot, datetime(2026, 12, 4, 10, 0, tzinfo=UTC), user="UMENTEE1")
    assert "Welcome back" in back.command("resume")
    assert keys(at(datetime(2026, 12, 4, 10, 0, tzinfo=UTC), bot)) == [f"nudge:{pair.id}:0:reminder"]


def test_a_tick_after_months_away_asks_once_for_the_period_it_is_in(bot: Passerelle, pair: Pair) -> None:
    found = at(datetime(2027, 2, 10, 10, 0, tzinfo=UTC), bot)  # the machine was off for ten weeks
    assert keys(found) == [f"nudge:{pair.id}:2:book"]
    assert at(datetime(2027, 2, 10, 10, 1, tzinfo=UTC), bot) == []


def deliver(bot: Passerelle, when: datetime) -> None:
    """The outbox worker sends what is due at `when`, a message a second to each conversation as it paces them."""
    clock = Clock(when)
    worker = Worker(bot.engine, {"slack": FakeSender()}, clock)
    for _ in range(4):
        asyncio.run(worker.drain())
        clock.travel(seconds=2)


def still_there(found: list[Queued]) -> list[Queued]:
    return [q for q in found if q.key.startswith("still_there")]


def test_someone_who_lets_three_nudges_pass_is_asked_privately_whether_to_stay(bot: Passerelle, pair: Pair) -> None:
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)  # reminder
    deliver(bot, datetime(2026, 12, 3, 14, 30, tzinfo=UTC))
    press(bot, "UMENTOR1", "pair.snooze.3d", pair, datetime(2026, 12, 3, 16, 0, tzinfo=UTC))  # the mentor answers
    at(datetime(2026, 12, 10, 16, 1, tzinfo=UTC), bot)  # last
    deliver(bot, datetime(2026, 12, 10, 16, 1, tzinfo=UTC))
    # The next period opens on a Saturday: its nudge, the third, waits for Monday morning to go out.
    assert still_there(at(datetime(2026, 12, 26, 14, 30, tzinfo=UTC), bot)) == []
    assert still_there(at(datetime(2026, 12, 28, 8, 30, tzinfo=UTC), bot)) == []  # written, not sent yet
    deliver(bot, datetime(2026, 12, 28, 9, 0, tzinfo=UTC))  # Monday, 10:00 in Paris
    assert still_there(at(datetime(2026, 12, 28, 16, 0, tzinfo=UTC), bot)) == []  # the day it reached them
    asked = still_there(at(datetime(2026, 12, 29, 8, 0, tzinfo=UTC), bot))  # their next working day, 09:00 in Paris
    assert [q.to for q in asked] == [("UMENTEE1",)]  # only the one who never answered, privately
    assert "not answered the last three messages" in asked[0].text and "[Leave]" in asked[0].text
    assert "goes on" in press(bot, "UMENTEE1", "pair.stay", pair, datetime(2026, 12, 29, 10, 0, tzinfo=UTC))


def test_three_nudges_let_pass_are_asked_about_on_the_members_own_next_working_day(
    bot: Passerelle, clock: Clock
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE, timezone="America/New_York")
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    pair = the_pair(bot)
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)  # reminder, at once: 09:30 in New York
    deliver(bot, datetime(2026, 12, 3, 14, 30, tzinfo=UTC))
    press(bot, "UMENTOR1", "pair.snooze.3d", pair, datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    at(datetime(2026, 12, 10, 16, 1, tzinfo=UTC), bot)  # last
    deliver(bot, datetime(2026, 12, 10, 16, 1, tzinfo=UTC))
    at(datetime(2026, 12, 26, 14, 30, tzinfo=UTC), bot)  # a Saturday: held until both are at work on Monday
    deliver(bot, datetime(2026, 12, 28, 14, 0, tzinfo=UTC))  # Monday, 09:00 in New York
    # Tuesday 09:00 in Paris is the middle of the night in New York: the mentee's Tuesday has not begun.
    assert still_there(at(datetime(2026, 12, 29, 8, 0, tzinfo=UTC), bot)) == []
    asked = still_there(at(datetime(2026, 12, 29, 14, 0, tzinfo=UTC), bot))  # 09:00 on Tuesday in New York
    assert [q.to for q in asked] == [("UMENTEE1",)]


def test_a_third_nudge_sent_on_a_friday_is_asked_about_on_monday(bot: Passerelle) -> None:
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # the pair's periods open on the 25th
    a_volunteer(bot, "UMENTOR1", wednesday, MENTOR)
    a_volunteer(bot, "UMENTEE1", wednesday, MENTEE)
    coordinator = Dialog(bot, wednesday, user=COORD)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    for day in (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), datetime(2026, 12, 9, 10, 0, tzinfo=UTC)):
        at(day, bot)  # reminder, then last
        deliver(bot, day)
    at(datetime(2026, 12, 25, 10, 0, tzinfo=UTC), bot)  # the next period opens on a Friday: the third nudge
    deliver(bot, datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
    assert still_there(at(datetime(2026, 12, 26, 9, 0, tzinfo=UTC), bot)) == []  # Saturday
    assert still_there(at(datetime(2026, 12, 27, 9, 0, tzinfo=UTC), bot)) == []  # Sunday
    asked = still_there(at(datetime(2026, 12, 28, 8, 0, tzinfo=UTC), bot))  # Monday, 09:00 in Paris
    assert sorted(q.to for q in asked) == [("UMENTEE1",), ("UMENTOR1",)]


def test_messages_due_at_the_weekend_wait_for_monday_morning_in_the_members_zone(bot: Passerelle, pair: Pair) -> None:
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)
    at(datetime(2026, 12, 10, 14, 31, tzinfo=UTC), bot)
    at(datetime(2026, 12, 26, 14, 30, tzinfo=UTC), bot)  # a Saturday: the next period opens
    with Session(bot.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.key == f"nudge:{pair.id}:1:book")).one()
    assert row.not_before.replace(tzinfo=UTC) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)  # 09:00 in Paris


def test_a_programme_with_a_later_start_opens_its_first_period_then(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("program set start 2027-01-04")
    coordinator.command("match")
    coordinator.command("match confirm")
    assert at(datetime(2026, 12, 20, tzinfo=UTC), bot) == []
    pair = the_pair(bot)
    assert keys(at(datetime(2027, 1, 4, 8, 0, tzinfo=UTC), bot)) == [f"nudge:{pair.id}:0:book"]


def test_the_nudge_command_runs_the_tick_now_and_says_what_it_queued(bot: Passerelle, pair: Pair, clock: Clock) -> None:
    later = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    assert "1 reminder" in Dialog(bot, later, user=COORD).command("nudge")
    assert "Nothing was due" in Dialog(bot, later, user=COORD).command("nudge")
    assert "for the programme's coordinators" in Dialog(bot, later, user="UMENTEE1").command("nudge")


def test_nudges_are_recorded_once_per_kind_and_period(bot: Passerelle, pair: Pair, engine: Engine) -> None:
    for day in range(0, 60):
        bot.tick(ANNOUNCED + timedelta(days=day, hours=day % 7))
    with Session(engine) as session:
        written = [(n.period, n.kind) for n in session.exec(select(Nudge)).all()]
        programme = session.exec(select(Programme)).one()
    assert len(written) == len(set(written))
    assert programme.monthly_sessions == 4
    assert {k for p, k in written if p == 0} == {"reminder", "last"} and (1, "book") in written


def test_a_coordinator_sets_the_cadence_working_hours_and_retention(bot: Passerelle, clock: Clock) -> None:
    coordinator = Dialog(bot, clock.now, user=COORD)
    for line in (
        "program set session-length 45",
        "program set monthly 3",
        "program set length 9",
        "program set target 3-5",
        "program set working-hours 08:30-17:00",
        "program set working-days lun-jeu",
        "program set retention 6",
    ):
        assert "Usage" not in coordinator.command(line), line
    shown = coordinator.command("program")
    assert "45-minute sessions, monthly for the first 3, then quarterly; over 9 months" in shown
    assert "target 3–5 sessions" in shown
    assert "08:30–17:00, Monday, Tuesday, Wednesday, Thursday" in shown
    assert "6 months after the programme's end" in shown
    for bad in ("session-length 5", "working-hours 18:00-09:00", "working-days someday", "target many"):
        assert "Usage" in coordinator.command(f"program set {bad}"), bad
    with Session(bot.engine) as session:
        programme = session.exec(select(Programme)).one()
    assert (programme.quiet_end, programme.quiet_start, programme.working_days) == ("08:30", "17:00", [0, 1, 2, 3])
    assert "all day" in coordinator.command("program set working-hours none")


def test_a_programme_with_a_shorter_week_holds_messages_for_its_next_working_day(bot: Passerelle, pair: Pair) -> None:
    Dialog(bot, ANNOUNCED, user=COORD).command("program set working-days mon-wed")
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)  # a Thursday: five of its working days had not passed
    with Session(bot.engine) as session:
        assert session.exec(select(Outbox).where(Outbox.key == f"nudge:{pair.id}:0:reminder")).first() is None
    at(datetime(2026, 12, 8, 14, 30, tzinfo=UTC), bot)  # Monday–Wednesday weeks: the fifth working day
    with Session(bot.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.key == f"nudge:{pair.id}:0:reminder")).one()
    assert row.not_before.replace(tzinfo=UTC) == datetime(2026, 12, 8, 14, 30, tzinfo=UTC)


def test_we_already_met_counts_once_a_period_however_many_days_it_is_pressed(bot: Passerelle, pair: Pair) -> None:
    # Held from 00:10 on 2 December in Paris, still 1 December in UTC: its day is told on the members' own clock.
    assert "Noted" in press(bot, "UMENTOR1", "pair.met", pair, datetime(2026, 12, 2, 0, 10, tzinfo=UTC))
    for day in (3, 10, 24):
        said = press(bot, "UMENTEE1", "pair.met", pair, datetime(2026, 12, day, 10, 0, tzinfo=UTC))
        assert "Already noted: your session of 2 December 2026 counts" in said
    with Session(bot.engine) as session:
        assert len(session.exec(select(Meeting)).all()) == 1
    # The next period, opened on 26 December, counts a session of its own.
    assert "That session counts" in press(bot, "UMENTEE1", "pair.met", pair, datetime(2026, 12, 28, 10, 0, tzinfo=UTC))
    with Session(bot.engine) as session:
        assert len(session.exec(select(Meeting)).all()) == 2


def test_a_snooze_says_its_day_on_the_members_own_clock(bot: Passerelle, pair: Pair) -> None:
    pressed = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 00:30 on 28 November in Paris
    assert "I will ask again on 5 December 2026" in press(bot, "UMENTEE1", "pair.snooze.1w", pair, pressed)
    assert "snoozed the reminders until 5 December 2026." in queued(bot)[-1].text


def test_a_snooze_told_to_members_in_different_zones_says_each_ones_day(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR, timezone="America/Los_Angeles")
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    pair = the_pair(bot)
    pressed = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 15:30 on the 27th in Los Angeles, 00:30 the 28th in Paris
    assert "I will ask again on 4 December 2026" in press(bot, "UMENTOR1", "pair.snooze.1w", pair, pressed)
    told = queued(bot)[-1].text
    assert "4 December 2026 (America/Los_Angeles) / 5 December 2026 (Europe/Paris)" in told


def test_a_pause_of_a_programme_without_an_end_date_stops_at_its_last_day(bot: Passerelle, pair: Pair) -> None:
    pressed = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    actor = Dialog(bot, pressed, user="UMENTOR1").actor
    with Session(bot.engine) as session:
        assert session.exec(select(Programme)).one().end_date is None  # six months from its start
    late = bot.submitted(actor, f"pair.pause:{pair.id}", {"until": "2027-05-26"}, pressed)
    assert "The programme ends on 25 May 2027" in late.form_errors["until"]
    assert the_pair(bot).paused_until is None
    assert not bot.submitted(actor, f"pair.pause:{pair.id}", {"until": "2027-05-25"}, pressed).form_errors


def test_a_snooze_notice_still_waiting_is_replaced_by_the_next_one_and_never_outlives_its_snooze(
    bot: Passerelle, pair: Pair
) -> None:
    friday_night = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # held for Monday's working hours
    press(bot, "UMENTEE1", "pair.snooze.3d", pair, friday_night)
    press(bot, "UMENTOR1", "pair.snooze.1w", pair, friday_night + timedelta(minutes=5))
    with Session(bot.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.key.startswith(f"snooze:{pair.id}:"))).all()  # type: ignore[attr-defined]
    waiting = [r for r in rows if r.state == "pending"]
    assert len(rows) == 2 and len(waiting) == 1  # only the latest snooze is told
    assert waiting[0].expires_at is not None
    assert waiting[0].expires_at.replace(tzinfo=UTC) == datetime(2026, 12, 4, 20, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settings", "said"),
    [((), "You will meet about one hour a month."), (("session-length 90", "monthly 0"), "about 90 minutes a quarter")],
)
def test_the_introduction_says_the_programmes_own_rhythm(
    bot: Passerelle, clock: Clock, settings: tuple[str, ...], said: str
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    for setting in settings:
        assert "Unknown" not in coordinator.command(f"program set {setting}")
    coordinator.command("match")
    coordinator.command("match confirm")
    [intro] = [q for q in queued(bot) if q.key.startswith("intro:")]
    assert said in intro.text


def end_surveys(pair: Pair) -> list[str]:
    return sorted(f"survey:end:{pair.id}:{member}" for member in (pair.mentor_id, pair.mentee_id))


def test_an_end_moved_earlier_is_acted_on_at_the_next_tick_not_at_the_look_the_pair_had_set(
    bot: Passerelle, pair: Pair
) -> None:
    assert at(ANNOUNCED + timedelta(hours=1), bot) == []  # the next look is set at the reminder, on 3 December
    Dialog(bot, datetime(2026, 11, 27, 10, 0, tzinfo=UTC), user=COORD).command("program set end 2026-12-01")
    found = at(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), bot)
    assert sorted(keys(found)) == end_surveys(pair)


def test_a_shorter_programme_is_acted_on_at_the_next_tick(bot: Passerelle, pair: Pair) -> None:
    at(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), bot)  # reminder
    at(datetime(2026, 12, 10, 14, 31, tzinfo=UTC), bot)  # last: the next look is the next period, on 26 December
    Dialog(bot, datetime(2026, 12, 11, 10, 0, tzinfo=UTC), user=COORD).command("program set length 1")
    found = at(datetime(2026, 12, 26, 9, 0, tzinfo=UTC), bot)  # the programme now ends as 26 December begins
    assert sorted(keys(found)) == end_surveys(pair)
