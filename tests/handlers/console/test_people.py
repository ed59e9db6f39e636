"""The console as good as Slack: names after a restart, a pair's buttons for each member, the channel's Join,
form prompts by label, and any name for `/as`."""

import pytest
from sqlalchemy import Engine

from bot.service import Passerelle
from handlers.console import Console, console_id
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock


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
