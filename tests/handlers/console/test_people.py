"""The console as good as Slack: names after a restart, a pair's buttons for each member, the channel's Join,
form prompts by label, and any name for `/as`."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.i18n import translator
from bot.service import Passerelle
from bot.ui import Option
from handlers.console import Console, _chosen, console_id
from handlers.console.render import labelled
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


def test_a_pairs_buttons_and_a_rematch_request_are_there_again_after_a_restart(engine: Engine, clock: Clock) -> None:
    bot = Passerelle(engine, coordinators=frozenset({"UCLAIRE"}))
    paired(Console(bot, "claire", clock), bot, clock)
    # A new process on the same database: the console's memory is gone, what the outbox delivered is not.
    jean = Console(bot, "jean", clock)
    inbox = jean.say("/inbox")
    assert "(to @Ana and @Jean)" in inbox and "Nothing is waiting" not in inbox
    assert "Committed: @Jean" in jean.say(key_of(inbox, "I commit"))
    assert "== Our objectives ==" in jean.say(key_of(jean.say("/inbox"), "Set our objectives"))
    jean.say("cancel")
    asked = jean.say(key_of(jean.say("/inbox"), "Not a good fit"))
    assert "Your request is with the coordinators" in jean.say(key_of(asked, "Yes, ask for a new partner"))

    claire = Console(bot, "claire", clock)
    inbox = claire.say("/inbox")
    assert "*Rematch request*" in inbox and "End the pair" in inbox
    assert "You kept this pair" in claire.say(key_of(inbox, "Keep the pair"))


def test_the_consoles_own_words_are_in_the_readers_language(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))  # the bot speaks English by default
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/mentoring language fr")
    # The matching's preview came to her through the outbox and waits with its buttons: the console says so in French.
    assert console.say("/inbox").startswith("(à @claire) == Matching preview")
    assert "  Canal de la communauté\u202f: " in console.say("/mentoring program")  # `label : value` in French
    assert console.say("/as jean").startswith("You are now Jean.\n\n(while you were away)")  # Jean reads English
    console.say("/mentoring language fr")
    inbox = console.say("/inbox")
    assert "(à @Ana et @Jean)" in inbox and "(to " not in inbox
    form = console.say(key_of(inbox, "Set our objectives"))
    assert "Objectif 1\u202f: à taper" in form and "une ligne vide garde celle affichée" in form
    assert "type it" not in form
    assert console.say("annuler") == "Annulé."


def test_a_french_newcomers_questions_say_how_to_answer_in_french(sqlite_engine: Engine, clock: Clock) -> None:
    console = Console(Passerelle(sqlite_engine, locale="fr"), "léa", clock)
    console.say("bonjour")
    console.say("oui")
    topics = console.say("mentee")
    assert "Vos réponses\u202f:" in topics and "(tapez les numéros ou les noms, par exemple 1 3)" in topics
    for answer in ["ai, social networks", "a must", "2", "5"]:
        console.say(answer)
    manager = console.say("Finance")
    assert "Votre manager\u202f: tapez @nom" in manager and "type" not in manager


def test_the_objectives_form_shows_and_keeps_the_current_objectives(sqlite_engine: Engine, clock: Clock) -> None:
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as ana")
    console.say(key_of(console.say("/inbox"), "Set our objectives"))
    console.say("Learn prompts")
    console.say("Read the news")
    assert "1. Learn prompts\n2. Read the news" in console.say("")  # an empty third objective

    form = console.say(key_of(console.say("/inbox"), "Set our objectives"))
    assert "Objective 1: Learn prompts\nObjective 2: Read the news\nObjective 3: type it" in form
    assert "an empty line keeps the one shown, `-` empties it" in form
    assert form.endswith("Objective 1 (now: Learn prompts):")
    assert console.say("") == "Objective 2 (now: Read the news):"  # kept
    assert console.say("Write a prompt") == "Objective 3:"
    assert "1. Learn prompts\n2. Write a prompt" in console.say("")

    console.say(key_of(console.say("/inbox"), "Set our objectives"))
    console.say("-")  # emptied
    console.say("")
    written = console.say("")
    assert "1. Write a prompt" in written and "Learn prompts" not in written


def test_a_pair_books_its_hour_in_the_console_and_the_pulse_is_answered_there(sqlite_engine: Engine) -> None:
    clock = Clock(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as jean")
    inbox = console.say("/inbox")
    form = console.say(key_of(inbox, "Book our first hour"))
    assert "== Book our hour ==" in form
    console.say("2026-12-08")  # the date
    assert "[1 Video, 2 In person]" in console.say("14:30")  # the time, in Jean's zone; then the format
    console.say("2")  # in person
    console.say("Room 4.2")
    booked = console.say("")  # the odd hour: nothing to confirm
    assert "Booked!" in booked and "booked your session: 8 December 2026 at 14:30" in booked
    assert "/calendar/" in booked and ".ics" in booked
    clock.travel(days=12, hours=1)  # the session is over
    bot.tick(clock.now)
    pulse = console.say("/inbox")
    assert "How was your session" in pulse
    jeans = pulse.split("(to @Jean)", 1)[1]  # Ana's own pulse is shown too, without keys: it is not Jean's to press
    assert "[1, 2, 3, 4, 5]" in console.say(key_of(jeans, "It happened: answer (1 minute)"))
    for typed in ("5", "4", ""):
        console.say(typed)  # how it was, the progress, no comment
    assert "Thank you! Your answers stay private." in console.say("1")  # a good fit


def test_a_typed_number_on_a_scale_of_numbers_is_that_number_not_the_option_in_that_place() -> None:
    scale = tuple(Option(str(n), str(n)) for n in range(11))  # would you recommend it, 0–10
    assert _chosen("10", scale) == "10" and _chosen("0", scale) == "0" and _chosen("1", scale) == "1"
    formats = (Option("in_person", "In person"), Option("video", "Video"))
    assert _chosen("2", formats) == "video" and _chosen("in person", formats) == "in_person"
    assert _chosen("3", formats) == "3"  # no such option: the core refuses it in its own words


def test_a_question_is_not_followed_by_a_colon_in_the_console() -> None:
    french = translator("fr")
    assert labelled(french, "Que souhaitez-vous leur dire ?", "à taper") == "Que souhaitez-vous leur dire ? (à taper)"
    assert labelled(french, "Lieu", "Salle 4") == "Lieu\u202f: Salle 4"


def test_a_form_left_open_is_not_sent_in_the_name_of_the_next_person_acted_as(sqlite_engine: Engine) -> None:
    clock = Clock(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as jean")
    assert "== A private concern ==" in console.say("/mentoring concern")
    console.say("/as ana")
    said = console.say("help")
    assert "coordinators" not in said.split("\n")[0] and "A private concern from" not in said


def test_a_booking_form_the_core_refuses_says_why_with_names_not_ids(sqlite_engine: Engine) -> None:
    clock = Clock(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    bot = Passerelle(sqlite_engine, coordinators=frozenset({"UCLAIRE"}))
    console = Console(bot, "claire", clock)
    paired(console, bot, clock)
    console.say("/as jean")
    console.say(key_of(console.say("/inbox"), "Book our first hour"))
    for typed in ("next tuesday", "14:00", "1", "", ""):
        answered = console.say(typed)
    assert "Pick a date" in answered
    console.say(key_of(console.say("/inbox"), "Book our first hour"))
    for typed in ("2026-12-08", "05:00", "1", "", ""):
        answered = console.say(typed)
    assert "outside 07:00–21:00" in answered and "⟦" not in answered and "<@" not in answered
