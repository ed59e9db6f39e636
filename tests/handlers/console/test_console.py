"""The console channel: a whole onboarding typed in a terminal, buttons by letter, and the coordinator's view."""

import re

from sqlalchemy import Engine

from bot.service import Passerelle
from handlers.console import Console, console_id
from tests.bot.dialog import MENTEE_ANSWERS
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock


def test_a_newcomer_onboards_and_a_coordinator_sees_them(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "ana", clock)
    assert "what I keep and who sees it" in console.say("hello")
    assert "[a] Mentor" in console.say("a")  # the first button: I agree
    for answer in MENTEE_ANSWERS[1:-1]:
        console.say(answer)
    assert "Here is your profile" in console.say(MENTEE_ANSWERS[-1])
    assert "a few questions are left" in console.say("/mentoring profile")  # not confirmed yet
    assert "you are all set" in console.say("confirm")
    assert "status: *ready for matching*" in console.say("/mentoring profile")

    assert "You are now claire" in console.say("/as claire")
    assert "Mentees: 1" in console.say("/mentoring volunteers")
    home = console.say("/home")
    assert "== Enrolment ==" in home and "Mentees taking part: 1" in home


def test_mentions_and_buttons_in_the_console(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "claire", clock)
    assert "@ana is now a coordinator" in console.say("/mentoring coordinators add @ana")
    answer = console.say("/mentoring announce #news")
    assert "(in #news)" in answer and "[a] Join" in answer  # a channel's post is whoever's at the keyboard
    assert "The call for volunteers is on its way to #news" in answer
    assert "Usage: /as NAME" in console.say("/as !!")
    console.say("/as marc")
    console.say("/mentoring delete-my-data")
    assert "Nothing was erased" in console.say("b")


def test_the_pause_form_is_asked_field_by_field_and_a_bad_date_is_refused(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine), "ana", clock)
    console.say("hello")
    for answer in ["yes", *MENTEE_ANSWERS[1:], "confirm"]:
        console.say(answer)
    home = console.say("/home")
    assert "[b] Pause" in home
    assert "== Take a break ==" in console.say("b")
    assert "Pick a date in the calendar" in console.say("next tuesday")
    console.say("/home")
    console.say("b")
    assert "on pause until 1 March 2027" in console.say("2027-03-01")


def test_a_coordinator_matches_and_confirms_in_the_console(
    sqlite_engine: Engine, clock: Clock, tmp_path: object, monkeypatch: object
) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    console.say("/home")  # the console's workspace exists
    for name, answers in (("ana", MENTOR), ("jean", MENTEE)):
        a_volunteer(bot, console_id(name), clock.now, answers, workspace=("console", "local"))
        console.names[console_id(name)] = name
    assert "*1.* @ana → @jean" in console.say("/mentoring match")
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    assert "(file saved:" in console.say("/mentoring match csv")
    confirmed = console.say("/mentoring match confirm")
    assert "(to @ana and @jean)" in confirmed and "Our charter" in confirmed
    assert "[I commit]" in confirmed  # claire sees the pair's buttons, without keys to press them
    back = console.say("/as ana")
    assert "(while you were away)" in back and "Our charter" in back
    key = next(line for line in back.splitlines() if "I commit" in line).split("]")[0].lstrip("[")
    assert "Committed: @ana" in console.say(key)  # her own keys, to press her pair's buttons
    assert "(while you were away)" not in console.say("/as ana")  # shown once


def test_a_rewritten_message_keeps_its_buttons_pressable(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    for name, answers in (("ana", MENTOR), ("jean", MENTEE)):
        a_volunteer(bot, console_id(name), clock.now, answers, workspace=("console", "local"))
    console.say("/mentoring match")
    assert "[a] Unpin" in console.say("a")  # Pin rewrote the preview; its buttons still work
    assert "1 pair confirmed" in console.say("e")


def test_console_commands_follow_mentoring_and_people_are_written_by_name(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "claire", clock)
    assert "Type `/mentoring` followed by" in console.say("/mentoring help")
    assert "Usage: `/mentoring coordinators add|remove @person`" in console.say("/mentoring coordinators add ana")
    assert "Coordinators: @claire" in console.say("/mentoring coordinators")
    console.say("/mentoring program set community #mentors")
    assert "Community channel: #mentors" in console.say("/mentoring program")
    # Brackets typed by a person are not the core's markup: shown as typed, they name nobody.
    assert "I don't know “[@UBOSS|boss]”" in console.say("/mentoring ⟦@UBOSS|boss⟧")


def key(shown: str, label: str) -> str:
    """The letter the console gives the button labelled `label`."""
    found = re.search(rf"\[([a-z])\] {re.escape(label)}", shown)
    assert found, (label, shown)
    return found.group(1)


def test_continue_on_topics_shown_ticked_keeps_them_in_the_console(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine), "ana", clock)
    console.say("hello")
    for answer in MENTEE_ANSWERS[:5]:  # both levels given
        console.say(answer)
    console.say("back")
    console.say("back")
    topics = console.say("back")
    assert "[x] AI assistants" in topics and "[x] Social networks" in topics
    after = console.say(key(topics, "Continue"))
    assert "Pick one or more options" not in after and "How much does *AI assistants" in after


def test_stop_asks_first_in_the_console(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine), "ana", clock)
    console.say("hello")
    for answer in MENTEE_ANSWERS[:7]:
        console.say(answer)
    asked = console.say("stop")
    assert "Stop and discard your 6 answers?" in asked
    assert "Who is your manager?" in console.say(key(asked, "No, go on"))
    asked = console.say("stop")
    assert "Nothing you answered was kept" in console.say(key(asked, "Yes, stop"))
    assert "what I keep and who sees it" in console.say("hello")  # nothing left: a new start


def test_leave_names_the_partner_and_asks_first_in_the_console(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    console.say("/home")
    for name, answers in (("ana", MENTOR), ("jean", MENTEE)):
        a_volunteer(bot, console_id(name), clock.now, answers, workspace=("console", "local"))
        console.names[console_id(name)] = name
    console.say("/mentoring match")
    console.say("/mentoring match confirm")
    console.say("/as jean")
    asked = console.say("/mentoring leave")
    assert "Your pair with @ana ends now" in asked
    assert "You stay in" in console.say(key(asked, "No, stay"))
    asked = console.say("/mentoring leave")
    assert "You have left" in console.say(key(asked, "Yes, leave"))
    assert "You have left the programme" in console.say("/home")
