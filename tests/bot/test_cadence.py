"""The cadence in travelled time: which period a pair is in, what is due and when, as a pure function."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.lifecycle.cadence import (
    Held,
    History,
    Plan,
    add_months,
    add_working_days,
    agenda,
    period_at,
    periods,
    window,
)
from storage.models import MeetingStatus

PLAN = Plan()
ANNOUNCED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday


def history(**changes: object) -> History:
    opens, ends = window(ANNOUNCED, None, None, PLAN.months)
    return replace(History(opens=opens, ends=ends, zones=("Europe/Paris", "Europe/London")), **changes)


def kinds(h: History, now: datetime) -> list[str]:
    due, _ = agenda(h, PLAN, now)
    return [d.kind for d in due]


def test_months_keep_their_day_or_take_the_last_one() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_a_six_month_programme_is_four_monthly_periods_then_a_quarter() -> None:
    h = history()
    found = periods(h.opens, h.ends, PLAN.monthly)
    assert [p.start.date().month for p in found] == [12, 1, 2, 3, 4]  # four a month long, then the rest
    assert found[-1].end == datetime(2027, 6, 1, tzinfo=UTC)  # the last, cut short, ends with the programme
    longer = periods(h.opens, datetime(2027, 12, 1, tzinfo=UTC), PLAN.monthly)
    assert [p.start.date().month for p in longer] == [12, 1, 2, 3, 4, 7, 10]  # then a quarter each
    assert [p.start.date().month for p in periods(h.opens, h.ends, 1)] == [12, 1, 4]  # monthly for the first one
    assert [p.start.date().month for p in periods(h.opens, h.ends, 0)] == [12, 3]  # quarterly from the start


def test_the_first_period_opens_at_the_announcement_or_at_the_programmes_start_if_later() -> None:
    assert window(ANNOUNCED, date(2026, 11, 1), None, 6)[0] == ANNOUNCED
    opens, ends = window(ANNOUNCED, date(2027, 1, 4), date(2027, 6, 30), 6)
    assert opens == datetime(2027, 1, 4, tzinfo=UTC)
    assert ends == datetime(2027, 7, 1, tzinfo=UTC)  # the end date is the programme's last day


def test_a_period_opening_with_nothing_booked_asks_the_pair_to_book() -> None:
    due, upcoming = agenda(history(), PLAN, ANNOUNCED)
    assert [(d.kind, d.period) for d in due] == [("book", 0)]
    assert upcoming is not None and upcoming > ANNOUNCED


def test_a_reminder_five_working_days_later_then_a_last_one_five_more() -> None:
    sent = {(0, "book"): ANNOUNCED}
    assert add_working_days(ANNOUNCED, 5, PLAN.working_days) == datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    due, upcoming = agenda(history(nudged=sent), PLAN, ANNOUNCED + timedelta(hours=1))
    assert due == [] and upcoming == datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert kinds(history(nudged=sent), datetime(2026, 12, 8, 10, 0, tzinfo=UTC)) == ["reminder"]
    both = {**sent, (0, "reminder"): datetime(2026, 12, 8, 10, 1, tzinfo=UTC)}
    assert kinds(history(nudged=both), datetime(2026, 12, 15, 10, 0, tzinfo=UTC)) == []
    assert kinds(history(nudged=both), datetime(2026, 12, 15, 10, 1, tzinfo=UTC)) == ["last"]
    every = {**both, (0, "last"): datetime(2026, 12, 15, 10, 1, tzinfo=UTC)}
    assert kinds(history(nudged=every), datetime(2026, 12, 30, tzinfo=UTC)) == []


def test_a_booked_session_stops_the_nudges_of_its_period() -> None:
    booked = Held(1, datetime(2026, 12, 10, 14, 0, tzinfo=UTC), 60, MeetingStatus.BOOKED, ANNOUNCED)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[booked])
    assert "reminder" not in kinds(h, datetime(2026, 12, 8, 11, 0, tzinfo=UTC))


def test_a_session_held_covers_its_period_and_the_next_period_asks_again() -> None:
    held = Held(1, datetime(2026, 12, 10, 14, 0, tzinfo=UTC), 60, MeetingStatus.HELD, ANNOUNCED, pulsed=True)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[held])
    assert kinds(h, datetime(2026, 12, 20, tzinfo=UTC)) == []
    assert kinds(h, datetime(2027, 1, 1, 10, 0, tzinfo=UTC)) == ["book"]
    assert agenda(h, PLAN, datetime(2027, 1, 1, 10, 0, tzinfo=UTC))[0][0].period == 1


def test_a_cancelled_session_leaves_the_period_to_book() -> None:
    cancelled = Held(1, datetime(2026, 12, 10, 14, 0, tzinfo=UTC), 60, MeetingStatus.CANCELLED, ANNOUNCED)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[cancelled])
    assert kinds(h, datetime(2026, 12, 8, 11, 0, tzinfo=UTC)) == ["reminder"]


def test_a_snooze_moves_the_next_nudge_to_its_end() -> None:
    snoozed = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    h = history(nudged={(0, "book"): ANNOUNCED}, snoozed_until=datetime(2026, 12, 11, 10, 0, tzinfo=UTC))
    due, upcoming = agenda(h, PLAN, snoozed)
    assert due == [] and upcoming == datetime(2026, 12, 11, 10, 0, tzinfo=UTC)


def test_a_pause_asks_nothing_until_its_day_then_the_period_goes_on() -> None:
    h = history(paused_until=date(2027, 1, 10))
    assert kinds(h, datetime(2026, 12, 15, tzinfo=UTC)) == []
    assert kinds(h, datetime(2027, 1, 9, tzinfo=UTC)) == []
    due, _ = agenda(h, PLAN, datetime(2027, 1, 10, 0, 1, tzinfo=UTC))
    assert [(d.kind, d.period) for d in due] == [("book", 1)]  # December was skipped; January is asked


def test_nudges_of_a_period_that_ended_are_dropped_not_sent_late() -> None:
    sent = {(0, "book"): ANNOUNCED}
    months_later = datetime(2027, 2, 3, tzinfo=UTC)  # the tick did not run for two months
    due, _ = agenda(history(nudged=sent), PLAN, months_later)
    assert [(d.kind, d.period) for d in due] == [("book", 2)]  # once, for the period we are in


def test_a_last_nudge_past_the_periods_end_waits_for_the_next_period() -> None:
    late = {(0, "book"): datetime(2026, 12, 21, tzinfo=UTC), (0, "reminder"): datetime(2026, 12, 28, tzinfo=UTC)}
    assert kinds(history(nudged=late), datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == []  # it would be 4 January
    assert kinds(history(nudged=late), datetime(2027, 1, 4, tzinfo=UTC)) == ["book"]  # January asks afresh


def test_a_sessions_morning_reminder_comes_at_the_start_of_each_members_day() -> None:
    starts = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    booked = Held(7, starts, 60, MeetingStatus.BOOKED, ANNOUNCED)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[booked])
    due, _ = agenda(h, PLAN, datetime(2026, 12, 10, 9, 30, tzinfo=UTC))
    mornings = {(d.member, d.at) for d in due if d.kind == "morning"}
    assert mornings == {
        (0, datetime(2026, 12, 10, 8, 0, tzinfo=UTC)),  # 09:00 in Paris
        (1, datetime(2026, 12, 10, 9, 0, tzinfo=UTC)),  # 09:00 in London
    }
    assert kinds(h, starts + timedelta(minutes=1)) == []  # once it has begun, no reminder is due


def test_the_mentor_is_asked_for_talking_points_48_hours_before() -> None:
    starts = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    booked = Held(7, starts, 60, MeetingStatus.BOOKED, ANNOUNCED)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[booked])
    assert kinds(h, starts - timedelta(hours=49)) == []
    assert kinds(h, starts - timedelta(hours=48)) == ["talking_points"]
    late = replace(booked, changed=starts - timedelta(hours=24))  # booked the day before: nothing to ask
    assert "talking_points" not in kinds(replace(h, meetings=[late]), starts - timedelta(hours=2))


def test_a_pulse_follows_the_end_of_a_session_and_is_dropped_two_weeks_later() -> None:
    starts = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    booked = Held(7, starts, 60, MeetingStatus.BOOKED, ANNOUNCED)
    h = history(nudged={(0, "book"): ANNOUNCED}, meetings=[booked])
    assert kinds(h, starts + timedelta(minutes=59)) == []
    assert kinds(h, starts + timedelta(minutes=60)) == ["pulse"]
    assert kinds(h, starts + timedelta(days=15)) == []
    asked = replace(booked, status=MeetingStatus.HELD, pulsed=True)
    assert kinds(replace(h, meetings=[asked]), starts + timedelta(hours=2)) == []


def test_a_checkpoint_at_mid_programme_and_a_survey_at_its_end_then_the_pair_closes() -> None:
    h = history(meetings=[], nudged={(i, k): ANNOUNCED for i in range(4) for k in ("book", "reminder", "last")})
    middle = h.opens + (h.ends - h.opens) / 2
    assert kinds(h, middle - timedelta(minutes=1)) == []
    assert kinds(h, middle) == ["checkpoint"]
    assert kinds(replace(h, checkpoint_sent=True), h.ends) == ["survey"]
    surveyed = replace(h, checkpoint_sent=True, survey_sent=h.ends)
    assert kinds(surveyed, h.ends + timedelta(days=6)) == []
    assert kinds(surveyed, h.ends + timedelta(days=7)) == ["close"]
    assert kinds(replace(surveyed, surveys_answered=2), h.ends + timedelta(days=1)) == ["close"]


def test_the_next_look_is_the_earliest_thing_to_come() -> None:
    h = history(nudged={(0, "book"): ANNOUNCED, (0, "reminder"): ANNOUNCED, (0, "last"): ANNOUNCED})
    _, upcoming = agenda(h, PLAN, datetime(2026, 12, 20, tzinfo=UTC))
    assert upcoming == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)  # the next period


def test_the_period_a_pair_is_in() -> None:
    h = history()
    assert period_at(h, PLAN, ANNOUNCED - timedelta(seconds=1)) is None
    found = period_at(h, PLAN, datetime(2027, 4, 15, tzinfo=UTC))
    assert found is not None and found.index == 4  # the fifth period: four monthly ones came first
    assert period_at(h, PLAN, h.ends) is None


def test_working_days_are_counted_on_each_members_clock_and_the_latest_wins() -> None:
    friday_late = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Paris, Friday 18:30 in New York
    days = PLAN.working_days
    # A day on: Monday 00:30 in Paris two days later, but still Sunday in New York, whose Monday is a day after.
    assert add_working_days(friday_late, 1, days, ("Europe/Paris",)) == friday_late + timedelta(days=2)
    assert add_working_days(friday_late, 1, days, ("America/New_York",)) == friday_late + timedelta(days=3)
    assert add_working_days(friday_late, 1, days, ("Europe/Paris", "America/New_York")) == friday_late + timedelta(
        days=3
    )


def test_an_end_survey_a_month_late_is_not_sent_and_the_pair_closes_instead() -> None:
    h = history(checkpoint_sent=True)
    assert "survey" in kinds(h, h.ends + timedelta(days=10))  # a bot away ten days: still asked
    late = kinds(h, h.ends + timedelta(days=400))  # away for a year: not asked about a programme long over
    assert "survey" not in late and late == ["close"]
