"""The console channel: a whole onboarding typed in a terminal, buttons by letter, and the coordinator's view."""

import pytest
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
    assert "on pause until 2027-03-01" in console.say("2027-03-01")


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


def paired(console: Console, bot: Passerelle, clock: Clock) -> str:
    """Ana and Jean volunteered; the coordinator at the keyboard confirms their pair."""
    console.say("/home")
    for name, answers in (("ana", MENTOR), ("jean", MENTEE)):
        a_volunteer(bot, console_id(name), clock.now, answers, workspace=("console", "local"))
    console.say("/mentoring match")
    return console.say("/mentoring match confirm")


def test_names_survive_a_restart(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    first = Console(bot, "léa", clock)
    first.say("hello")
    # A new process: the console's memory is gone, the names the core stored are not.
    console = Console(bot, "claire", clock)
    confirmed = paired(console, bot, clock)
    assert "(to @Ana and @Jean)" in confirmed and "@UANA" not in confirmed
    assert "You are now léa" in console.say("/as LÉA")  # the name she gave, whatever the case typed


def test_each_member_of_a_pair_presses_its_buttons_whenever_they_act_as_themselves(
    sqlite_engine: Engine, clock: Clock
) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as jean")
    console.say("hello")  # something else first: the pair's message is no longer the last one shown
    assert "a" not in console.shown.buttons or "I commit" not in console.shown.buttons["a"].label
    inbox = console.say("/inbox")
    assert "(to @Ana and @Jean)" in inbox and "[a] I commit" in inbox
    assert "Committed: @Jean" in console.say("a")
    console.say("/as ana")
    inbox = console.say("/inbox")
    assert "Committed: @Jean" in inbox  # the message as Jean's press rewrote it
    both = next(line for line in console.say(key_of(inbox, "I commit")).splitlines() if "Committed" in line)
    assert "@Ana" in both and "@Jean" in both


def key_of(shown: str, label: str) -> str:
    line = next(line for line in shown.splitlines() if label in line)
    return line.split(f"] {label}")[0].rsplit("[", 1)[1]


def test_the_channels_join_button_is_pressed_by_whoever_is_acting(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "claire", clock)
    console.say("/mentoring announce #news")
    console.say("/as léa")
    inbox = console.say("/inbox")
    assert "(in #news)" in inbox and "[a] Join" in inbox
    assert "what I keep and who sees it" in console.say("a")


def test_form_prompts_show_each_fields_label_in_the_persons_language(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as ana")
    form = console.say(key_of(console.say("/inbox"), "Set our objectives"))
    assert form.endswith("Objective 1:")
    assert console.say("Learn prompts") == "Objective 2:"
    console.say("cancel")
    console.say("/as jean")
    console.say("/mentoring language fr")
    form = console.say(key_of(console.say("/inbox"), "Set our objectives"))
    assert form.endswith("Objectif 1\u202f:") or form.endswith("Objectif 1:")
    assert console.say("Comprendre l'IA").startswith("Objectif 2")
    assert "objective" not in console.say("-")


@pytest.mark.parametrize("typed", ["léa", "Zoé", '"jean-paul"', "  Jean Paul  ", "Ève-Marie", "o'neil"])
def test_as_accepts_any_name_with_accents_trimmed_and_in_any_case(
    sqlite_engine: Engine, clock: Clock, typed: str
) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "claire", clock)
    name = " ".join(typed.strip().strip('"').split())
    assert f"You are now {name}." in console.say(f"/as {typed}")
    assert "what I keep and who sees it" in console.say("hello")
    console.say("/as claire")
    assert f"You are now {name}." in console.say(f"/as {name.upper()}")  # the same person


@pytest.mark.parametrize("typed", ["", "!!", "@@", "1abc", "a" * 41, "ana\x00", "⟦@UX⟧", "-"])
def test_an_unusable_name_gets_a_clear_message(sqlite_engine: Engine, clock: Clock, typed: str) -> None:
    console = Console(Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"})), "claire", clock)
    answer = console.say(f"/as {typed}")
    assert answer.startswith("Usage: /as NAME") and "jean-paul" in answer
    assert console.user == console_id("claire")


def test_the_consoles_own_words_follow_the_bots_language(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, locale="fr"), "claire", clock)
    assert console.say("/as léa") == "Vous êtes maintenant léa."
    assert console.say("/as !!").startswith("Usage\u202f: /as NOM.")
