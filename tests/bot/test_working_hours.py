"""Working hours: a message due at night goes out in the morning, in the recipient's own zone, across DST."""

from datetime import UTC, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from bot.working_hours import WorkingHours, next_open_for_all

HOURS = WorkingHours()
ZONES = ("Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC", "Pacific/Chatham")


def test_a_message_due_within_working_hours_goes_at_once() -> None:
    thursday = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 11:00 in Paris
    assert HOURS.next_open(thursday, "Europe/Paris") == thursday


def test_a_message_due_at_night_waits_for_the_morning_in_the_recipients_zone() -> None:
    night = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)  # 23:00 in Paris, 17:00 in New York
    assert HOURS.next_open(night, "Europe/Paris") == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert HOURS.next_open(night, "America/New_York") == night


def test_a_message_due_on_friday_evening_waits_for_monday() -> None:
    friday = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    assert HOURS.next_open(friday, "Europe/London") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_nine_in_paris_is_eight_utc_in_summer_and_nine_in_winter() -> None:
    before = datetime(2027, 3, 27, 20, 0, tzinfo=UTC)  # Saturday; the clocks go forward that night
    assert HOURS.next_open(before, "Europe/Paris") == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    autumn = datetime(2027, 10, 30, 20, 0, tzinfo=UTC)  # Saturday; the clocks go back that night
    assert HOURS.next_open(autumn, "Europe/Paris") == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)


def test_new_york_changes_its_clocks_on_other_days_than_paris() -> None:
    # 2027-03-14: New York is on summer time, Paris not yet; 09:00 in New York is 13:00 UTC.
    monday = datetime(2027, 3, 15, 3, 0, tzinfo=UTC)
    assert HOURS.next_open(monday, "America/New_York") == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert HOURS.next_open(monday, "Europe/Paris") == datetime(2027, 3, 15, 8, 0, tzinfo=UTC)


def test_a_programme_may_choose_its_hours_and_days() -> None:
    hours = WorkingHours(time(8), time(12), frozenset({2}))  # Wednesday mornings only
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert hours.next_open(friday, "UTC") == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_an_unknown_zone_reads_as_utc() -> None:
    night = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    assert HOURS.next_open(night, "Mars/Olympus_Mons") == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_pairs_message_waits_until_both_are_at_work() -> None:
    early = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Paris, 04:00 in New York
    both = next_open_for_all(HOURS, early, ["Europe/Paris", "America/New_York"])
    assert both == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 09:00 in New York, 15:00 in Paris


def test_a_pair_whose_hours_never_meet_gets_it_when_the_first_opens() -> None:
    night = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    zones = ["Europe/Paris", "America/Los_Angeles"]  # 09:00–18:00 in Paris is 00:00–09:00 in Los Angeles
    assert next_open_for_all(HOURS, night, zones) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.sampled_from(ZONES),
)
def test_the_time_chosen_is_never_earlier_and_always_within_working_hours(moment: datetime, zone: str) -> None:
    chosen = HOURS.next_open(moment, zone)
    assert chosen >= moment
    assert HOURS.open_at(chosen, zone)
    assert (chosen - moment).days <= 4  # a weekend and a night at most


def test_the_next_working_day_begins_in_the_persons_own_zone_after_their_own_day() -> None:
    friday_evening = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # still Friday in New York, Saturday in Kolkata
    assert HOURS.next_day(friday_evening, "America/New_York") == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert HOURS.next_day(friday_evening, "Asia/Kolkata") == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Paris: the next day is Tuesday, not today
    assert HOURS.next_day(monday, "Europe/Paris") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    short_week = WorkingHours(days=frozenset({0, 2}))  # Monday and Wednesday
    assert short_week.next_day(monday, "Europe/Paris") == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    all_day = WorkingHours(time(0), time(0), frozenset(range(7)))
    assert all_day.next_day(friday_evening, "Europe/Paris") == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # midnight
