"""A booked session's invite, read back as a calendar reads it: the .ics file parsed again, the links split apart."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from icalendar import Calendar, Component

from bot.lifecycle.invite import LINK_LENGTH, Attendee, Invite, google_link, ics, outlook_link

PARIS = ZoneInfo("Europe/Paris")
TRICKY = "Bring: questions, ideas; notes.\nSecond line — café, naïve 🎉\\ done"


def invite(**changes: Any) -> Invite:
    # 29 March 2027, the day after France moved its clocks forward: 10:00 in Paris is 08:00 UTC, no longer 09:00.
    base = Invite(
        uid="session-42@passerelle",
        sequence=0,
        starts=datetime(2027, 3, 29, 10, 0, tzinfo=PARIS),
        timezone="Europe/Paris",
        title="Reverse mentoring: Ana and Jean",
        description="Talk about AI assistants",
        location="https://meet.example.com/abc-defg",
        attendees=(Attendee("Ana Löwe", "ana@example.com"), Attendee("Jean", None)),
        stamp=datetime(2027, 3, 1, 9, 30, tzinfo=UTC),
    )
    return replace(base, **changes)


def parsed(made: Invite) -> Calendar:
    return Calendar.from_ical(ics(made))


def the_event(made: Invite) -> Component:
    [event] = parsed(made).walk("VEVENT")
    return event


def attendees(event: Component) -> list[Any]:
    found = event.get("ATTENDEE", [])
    return found if isinstance(found, list) else [found]


def query(link: str) -> dict[str, str]:
    values = parse_qs(urlsplit(link).query, strict_parsing=True)
    assert all(len(value) == 1 for value in values.values())
    return {key: value[0] for key, value in values.items()}


def test_the_file_is_a_calendar_to_add_with_one_event_and_the_zone_it_uses() -> None:
    calendar = parsed(invite())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Passerelle//Reverse mentoring//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "METHOD" not in calendar  # a file to add to one's calendar, not an iTIP request
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT"]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_the_event_carries_its_uid_stamp_sequence_title_description_location_and_status() -> None:
    event = the_event(invite())
    assert str(event["UID"]) == "session-42@passerelle"
    assert event.decoded("DTSTAMP") == datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    assert event.decoded("SEQUENCE") == 0
    assert str(event["SUMMARY"]) == "Reverse mentoring: Ana and Jean"
    assert str(event["DESCRIPTION"]) == "Talk about AI assistants"
    assert str(event["LOCATION"]) == "https://meet.example.com/abc-defg"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_the_stamp_is_written_in_utc_whatever_zone_it_was_given_in() -> None:
    written = ics(invite(stamp=datetime(2027, 3, 1, 10, 30, tzinfo=PARIS)))
    assert b"DTSTAMP:20270301T093000Z\r\n" in written


def test_the_start_keeps_the_paris_zone_and_its_wall_time() -> None:
    event = the_event(invite())
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert b"DTSTART;TZID=Europe/Paris:20270329T100000\r\n" in ics(invite())
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 29, 10, 0)


def test_a_session_the_day_after_the_clocks_move_forward_is_at_the_summer_instant() -> None:
    start = the_event(invite()).decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)


def test_a_start_given_in_another_zone_is_written_in_the_sessions_own() -> None:
    made = invite(starts=datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    assert b"DTSTART;TZID=Europe/Paris:20270329T100000\r\n" in ics(made)


def test_the_length_is_the_sessions_minutes_after_a_start_in_its_zone() -> None:
    event = the_event(invite(minutes=45))
    assert "DTEND" not in event  # a length instead: an end's wall time can be one a change of offset repeats
    assert event.decoded("DURATION") == timedelta(minutes=45)
    assert b"DTSTART;TZID=Europe/Paris:20270329T100000\r\nDURATION:PT45M\r\n" in ics(invite(minutes=45))


def test_the_zone_written_in_the_file_has_the_french_winter_and_summer_offsets() -> None:
    [zone] = parsed(invite()).walk("VTIMEZONE")
    summer = {(sub.decoded("TZOFFSETFROM"), sub.decoded("TZOFFSETTO")) for sub in zone.walk("DAYLIGHT")}
    winter = {sub.decoded("TZOFFSETTO") for sub in zone.walk("STANDARD")}
    assert summer == {(timedelta(hours=1), timedelta(hours=2))}
    assert winter == {timedelta(hours=1)}


def test_the_zone_written_in_the_file_alone_places_the_session_at_the_right_instant() -> None:
    # As a calendar that does not know the IANA name would: only the VTIMEZONE of the file tells the offset.
    [zone] = parsed(invite()).timezones
    wall = datetime(2027, 3, 29, 10, 0, tzinfo=zone.to_tz())
    assert wall.astimezone(UTC) == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    winter = datetime(2027, 3, 27, 10, 0, tzinfo=zone.to_tz())
    assert winter.astimezone(UTC) == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)


def test_a_new_york_session_after_the_clocks_move_back_is_at_the_winter_instant() -> None:
    new_york = ZoneInfo("America/New_York")
    made = invite(starts=datetime(2027, 11, 8, 9, 0, tzinfo=new_york), timezone="America/New_York")
    event = the_event(made)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 11, 8, 14, 0, tzinfo=UTC)
    [zone] = parsed(made).walk("VTIMEZONE")
    assert {sub.decoded("TZOFFSETTO") for sub in zone.walk("DAYLIGHT")} == {timedelta(hours=-4)}
    assert {sub.decoded("TZOFFSETTO") for sub in zone.walk("STANDARD")} == {timedelta(hours=-5)}


def test_a_session_across_the_change_of_offset_ends_its_minutes_later_not_at_the_wall_clocks_sum() -> None:
    # 01:30 in New York on 14 March 2027, clocks jump from 02:00 to 03:00: an hour later is 03:30, not 02:30.
    new_york = ZoneInfo("America/New_York")
    made = invite(starts=datetime(2027, 3, 14, 1, 30, tzinfo=new_york), timezone="America/New_York")
    event = the_event(made)
    assert event.decoded("DURATION") == timedelta(hours=1)  # exact time (RFC 5545, 3.3.6): 06:30 UTC, 03:30 there
    assert (event.decoded("DTSTART") + event.decoded("DURATION")).astimezone(UTC) == datetime(
        2027, 3, 14, 7, 30, tzinfo=UTC
    )


def test_a_session_that_ends_in_the_hour_the_clocks_repeat_lasts_its_minutes_not_zero() -> None:
    # 25 October 2026 in Paris: 03:00 summer time becomes 02:00 winter time. From 02:00 (summer), an hour later is
    # 02:00 again (winter): written as a wall time, the end would be the start.
    made = invite(starts=datetime(2026, 10, 25, 0, 0, tzinfo=UTC), stamp=datetime(2026, 10, 1, tzinfo=UTC))
    raw = ics(made)
    assert b"DTSTART;TZID=Europe/Paris:20261025T020000\r\n" in raw and b"DURATION:PT1H\r\n" in raw
    event = the_event(made)
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert event.decoded("DURATION") == timedelta(hours=1)
    assert made.end.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert query(outlook_link(made))["enddt"] == "2026-10-25T02:00:00+01:00"  # the offset tells the two apart


def test_a_start_in_the_second_pass_of_a_repeated_hour_is_written_in_utc() -> None:
    made = invite(starts=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), stamp=datetime(2026, 10, 1, tzinfo=UTC))
    assert b"DTSTART:20261025T013000Z\r\n" in ics(made)  # 02:30 with TZID would read as the first 02:30
    assert the_event(made).decoded("DTSTART") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_kolkata_session_has_one_offset_and_no_summer_time() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    made = invite(starts=datetime(2027, 6, 1, 10, 0, tzinfo=kolkata), timezone="Asia/Kolkata")
    event = the_event(made)
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 6, 1, 4, 30, tzinfo=UTC)
    [zone] = parsed(made).walk("VTIMEZONE")
    assert zone.walk("DAYLIGHT") == []
    assert {sub.decoded("TZOFFSETTO") for sub in zone.walk("STANDARD")} == {timedelta(hours=5, minutes=30)}


def test_text_with_commas_semicolons_newlines_backslashes_accents_and_emoji_comes_back_as_written() -> None:
    made = invite(title="Café; ideas, 🎉", description=TRICKY, location="Salle 3, étage 2; bâtiment B")
    event = the_event(made)
    assert str(event["SUMMARY"]) == "Café; ideas, 🎉"
    assert str(event["DESCRIPTION"]) == TRICKY
    assert str(event["LOCATION"]) == "Salle 3, étage 2; bâtiment B"
    unfolded = ics(made).replace(b"\r\n ", b"")
    escaped = "DESCRIPTION:Bring: questions\\, ideas\\; notes.\\nSecond line — café\\, naïve 🎉\\\\ done\r\n"
    assert escaped.encode() in unfolded


def test_every_member_is_an_attendee_by_name_with_their_address_when_known() -> None:
    event = the_event(invite())
    listed = [(a.params["CN"], str(a)) for a in attendees(event)]
    assert listed[0] == ("Ana Löwe", "mailto:ana@example.com")
    assert listed[1][0] == "Jean"
    assert listed[1][1].startswith("urn:uuid:")


def test_an_attendee_without_an_address_keeps_the_same_uri_across_reschedules_and_differs_from_another() -> None:
    def unreached(made: Invite) -> list[str]:
        return [str(a) for a in attendees(the_event(made)) if not str(a).startswith("mailto:")]

    first = unreached(invite(attendees=(Attendee("Jean", None), Attendee("Lina", None))))
    moved = unreached(
        invite(
            attendees=(Attendee("Jean", None), Attendee("Lina", None)),
            sequence=1,
            starts=datetime(2027, 4, 2, 15, 0, tzinfo=PARIS),
        )
    )
    assert first == moved
    assert len(set(first)) == 2
    assert unreached(invite(uid="session-43@passerelle", attendees=(Attendee("Jean", None),)))[0] not in first


def test_a_session_with_no_location_writes_none() -> None:
    assert "LOCATION" not in the_event(invite(location=""))
    assert "location" not in query(google_link(invite(location="")))
    assert "location" not in query(outlook_link(invite(location="")))


def test_a_confirmed_session_reminds_fifteen_minutes_before() -> None:
    [alarm] = the_event(invite()).walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert str(alarm["DESCRIPTION"]) == "Reverse mentoring: Ana and Jean"


def test_a_cancelled_session_keeps_its_uid_with_a_higher_sequence_a_cancelled_status_and_no_reminder() -> None:
    made = invite(sequence=2, cancelled=True, stamp=datetime(2027, 3, 20, 8, 0, tzinfo=UTC))
    calendar = parsed(made)
    [event] = calendar.walk("VEVENT")
    assert "METHOD" not in calendar
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "session-42@passerelle"
    assert event.decoded("SEQUENCE") == 2
    assert event.walk("VALARM") == []


def test_a_rescheduled_session_keeps_its_uid_and_carries_its_new_sequence_and_time() -> None:
    event = the_event(invite(sequence=1, starts=datetime(2027, 4, 2, 15, 0, tzinfo=PARIS)))
    assert str(event["UID"]) == "session-42@passerelle"
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 4, 2, 13, 0, tzinfo=UTC)


def test_the_file_ends_its_lines_with_crlf_and_folds_them_at_75_octets() -> None:
    made = invite(description="Une très longue description, avec des accents é et des emoji 🎉. " * 6)
    written = ics(made)
    assert written.endswith(b"\r\n")
    assert b"\n" not in written.replace(b"\r\n", b"")
    lines = written.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    for line in lines:
        line.decode()  # a fold never splits a character's octets
    assert str(the_event(made)["DESCRIPTION"]) == made.description


def test_an_unknown_time_zone_is_refused_before_any_file_is_written() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        invite(timezone="Europe/Atlantis")


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        invite(starts=datetime(2027, 3, 29, 10, 0))
    with pytest.raises(ValueError):
        invite(stamp=datetime(2027, 3, 1, 9, 30))


def test_the_google_link_carries_the_utc_times_the_zone_and_the_text() -> None:
    link = google_link(invite(description=TRICKY))
    assert link.startswith("https://calendar.google.com/calendar/render?")
    assert query(link) == {
        "action": "TEMPLATE",
        "text": "Reverse mentoring: Ana and Jean",
        "dates": "20270329T080000Z/20270329T090000Z",
        "details": TRICKY,
        "location": "https://meet.example.com/abc-defg",
        "ctz": "Europe/Paris",
    }


def test_the_outlook_link_carries_iso_times_with_their_offset_and_the_text() -> None:
    link = outlook_link(invite(description=TRICKY, minutes=90))
    assert link.startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    found = query(link)
    assert found["path"] == "/calendar/action/compose"
    assert found["rru"] == "addevent"
    assert found["subject"] == "Reverse mentoring: Ana and Jean"
    assert found["startdt"] == "2027-03-29T10:00:00+02:00"
    assert datetime.fromisoformat(found["startdt"]) == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert datetime.fromisoformat(found["enddt"]) == datetime(2027, 3, 29, 9, 30, tzinfo=UTC)
    assert found["body"] == TRICKY
    assert found["location"] == "https://meet.example.com/abc-defg"


def test_the_links_encode_spaces_and_plus_signs_so_neither_is_read_as_the_other() -> None:
    made = invite(title="Ana + Jean", description="1 + 1")
    for link in (google_link(made), outlook_link(made)):
        raw = urlsplit(link).query
        assert " " not in raw
        assert "+" not in raw
    assert query(google_link(made))["text"] == "Ana + Jean"
    assert query(outlook_link(made))["startdt"].endswith("+02:00")


def test_the_links_of_a_kolkata_session_carry_its_half_hour_offset() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    made = invite(starts=datetime(2027, 6, 1, 10, 0, tzinfo=kolkata), timezone="Asia/Kolkata")
    assert query(google_link(made))["dates"] == "20270601T043000Z/20270601T053000Z"
    assert query(google_link(made))["ctz"] == "Asia/Kolkata"
    assert query(outlook_link(made))["startdt"] == "2027-06-01T10:00:00+05:30"


def test_a_long_description_is_shortened_in_the_links_so_that_each_stays_whole_and_opens() -> None:
    long = "Nos objectifs :\n" + "\n".join(f"- Comprendre l’IA générative, étape {i} — café" for i in range(60))
    made = invite(description=long)
    for made_link in (google_link(made), outlook_link(made)):
        assert len(made_link) <= LINK_LENGTH
        shown = query(made_link)
        text = shown.get("details") or shown["body"]
        assert text.endswith("…") and long.startswith(text[:-1])
        assert shown.get("text", shown.get("subject")) == "Reverse mentoring: Ana and Jean"
    assert long.encode() in Calendar.from_ical(ics(made)).walk("VEVENT")[0]["DESCRIPTION"].encode()
