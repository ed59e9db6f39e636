"""People typing freely in their direct chat with the bot, where Teams types its commands: a command word with a
sentence's punctuation, with French accents or mistyped is a command; a coordinator who is no volunteer is never
taken into the questions to join; `help` during the questions is a question about them; small misreadings."""

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import routes
from bot.parse import parse_number
from bot.service import Passerelle
from storage.models import Conversation, Enrollment
from tests.bot.dialog import MENTEE_ANSWERS, Dialog, announced
from tests.bot.volunteers import MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
WELCOME = "Before we start, what I keep and who sees it."
MENTOR_ANSWERS = [
    "yes",
    "mentor",
    "ai, social networks",
    "expert",
    "confident",
    "1",
    "Marketing",
    "skip",
    "fr, en",
    "Paris",
    "video",
    "Europe/Paris",
    "morning",
    "Learn from each other.",
    "structured",
    "hands on",
]  # then: how many mentees?


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD)


@pytest.fixture
def ana(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now)


def conversations(bot: Passerelle) -> list[Conversation]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Conversation)).all())


def draft(bot: Passerelle) -> dict[str, Any]:
    [conversation] = conversations(bot)
    return conversation.draft


def enrollments(bot: Passerelle) -> list[Enrollment]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Enrollment)).all())


def answered(dialog: Dialog, answers: list[str]) -> str:
    text = dialog.say("hello")
    for answer in answers:
        text = dialog.say(answer)
    return text


# 1. A coordinator who is no volunteer.


@pytest.mark.parametrize("typed", ["status?", "status.", "Status!", "état", "ÉTAT", "statut", "/status"])
def test_a_command_word_with_punctuation_accents_or_in_french_is_the_command(coordinator: Dialog, typed: str) -> None:
    shown = coordinator.say(typed)
    assert shown == "You are not enrolled in *Reverse mentoring*. Type `join` to take part."
    assert conversations(coordinator.bot) == []


def test_a_coordinator_who_is_no_volunteer_is_never_taken_into_the_questions(coordinator: Dialog) -> None:
    for typed in ("thanks!", "help me", "hello", "ok"):
        shown = coordinator.say(typed)
        assert "Type one of these" in shown and "`match" in shown and "`join`" in shown, typed
        assert WELCOME not in shown
    assert "Did you mean `status`?" in coordinator.say("stauts")
    assert "No pair yet. `match` prepares a proposal." in coordinator.say("binômes")
    assert "You are not enrolled" in coordinator.say("réserver")
    # The commands that were swallowed by the welcome: each is run.
    assert "Report: Reverse mentoring" in coordinator.say("report")
    assert "Matching preview · Reverse mentoring" in coordinator.say("match")
    assert "Language: fr" in coordinator.say("program set language fr")
    assert conversations(coordinator.bot) == [] and enrollments(coordinator.bot) == []
    # Joining stays hers to ask.
    assert WELCOME in coordinator.say("join")


def test_a_near_miss_of_a_command_gets_the_suggestion_rather_than_the_welcome(ana: Dialog) -> None:
    shown = ana.say("stauts")
    assert "I don't know “stauts”. Did you mean `status`?" in shown and WELCOME not in shown
    assert "Did you mean `help`?" in ana.say("hlep?")
    assert conversations(ana.bot) == []
    assert WELCOME in ana.say("hello")  # a volunteer-to-be's greeting still opens the questions


def test_at_the_welcome_a_command_typed_is_run_and_yes_still_starts(coordinator: Dialog, ana: Dialog) -> None:
    assert WELCOME in coordinator.say("join")
    report = coordinator.say("report")
    assert "Report: Reverse mentoring" in report and WELCOME not in report
    assert "Type one of these" in coordinator.say("help")
    assert "You are not enrolled" in coordinator.say("status")
    assert "Did you mean `status`?" in coordinator.say("stauts")
    assert "Please answer *yes*" in coordinator.say("perhaps")  # no command: the welcome's question again
    assert "Which role is yours?" in coordinator.say("yes")

    assert WELCOME in ana.say("hello")
    assert "You are not enrolled" in ana.say("status?")
    assert "Stopped." in ana.say("quitter")  # the questions' own word ("stop"), not the command `leave`
    assert [c.step for c in conversations(ana.bot)] == ["role"]  # the coordinator's, who said yes


# 2. Help during the questions.


def test_help_during_the_questions_says_what_can_be_typed_and_asks_again_storing_nothing(ana: Dialog) -> None:
    answered(ana, MENTEE_ANSWERS[:6])  # at the department, a free-text question
    for typed in ("help", "aide", "Help?", "?"):
        shown = ana.say(typed)
        assert "During the questions you can type:" in shown, typed
        for word in ("*back*", "*restart*", "*stop*", "*export-my-data*", "*delete-my-data*"):
            assert word in shown
        assert "Which department or team are you in?" in shown
        assert "✓" not in shown
    assert "department" not in draft(ana.bot)
    assert "✓ Help desk" in ana.say("Help desk")  # words after it make an answer, as before
    assert draft(ana.bot)["department"] == "Help desk"
    at_a_menu = ana.say("help")
    assert "During the questions you can type:" in at_a_menu and "Who is your manager?" in at_a_menu


def test_help_during_the_questions_in_french(bot: Passerelle, clock: Clock) -> None:
    lea = Dialog(bot, clock.now, user="ULEA0001", locale="fr-FR")
    answered(lea, ["oui"])
    shown = lea.say("aide").replace("\u202f", " ")
    assert "Pendant les questions, vous pouvez taper :" in shown and "*retour*" in shown
    assert "Quel est votre rôle ?" in shown
    assert "Quel est votre rôle ?" in lea.say("retour").replace("\u202f", " ")


def test_export_my_data_still_works_alone_during_the_questions(ana: Dialog) -> None:
    answered(ana, MENTEE_ANSWERS[:6])
    assert "Your data in Passerelle" in ana.say("export-my-data") and ana.last.files
    assert "Which department or team are you in?" in ana.say("help")


# 3. French aliases with their accents.


def test_french_commands_match_with_or_without_their_accents(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    ana = Dialog(bot, clock.now)
    for plain, accented in (("etat", "état"), ("reserver", "réserver"), ("Etat", "État")):
        assert ana.say(accented) == ana.say(plain) == ana.command(accented)
        assert "You have no pair yet" in ana.text
    assert routes.command("Réserver!") is routes.command("book")
    assert routes.command("binômes") is routes.command("pairs")
    assert routes.command("?") is routes.command("help")


# 4. Small misreadings.


def test_a_negative_number_of_mentees_is_refused_with_the_range(ana: Dialog) -> None:
    assert "How many mentees could you take on?" in answered(ana, MENTOR_ANSWERS)
    for typed in ("-1", "0", "4", "les deux"):
        shown = ana.say(typed)
        assert "Please pick one of the options, or type its name or a number from 1 to 3." in shown, typed
        assert "capacity" not in draft(ana.bot)
    assert "✓ Two" in ana.say("2 mentees")
    assert draft(ana.bot)["capacity"] == 2


def test_les_deux_is_no_answer_to_how_much_a_topic_matters(ana: Dialog) -> None:
    assert "How much does *AI assistants" in answered(ana, MENTEE_ANSWERS[:3])
    for typed in ("les deux", "both", "the two", "all 3"):
        assert "a number from 1 to 3" in ana.say(typed), typed
        assert "levels" not in draft(ana.bot) or not draft(ana.bot)["levels"]
    assert "✓ Important" in ana.say("deux")


def test_numbers_as_people_type_them() -> None:
    assert parse_number("-1", 1, 3) is None
    assert parse_number("1-2", 1, 3) is None  # two numbers
    assert parse_number("les deux", 1, 3) is None and parse_number("tous les trois", 1, 3) is None
    assert parse_number("2 mentees", 1, 3) == 2 and parse_number("deux", 1, 3) == 2
    assert parse_number("the second", 1, 3) == 2  # an ordinal is one of them


def test_no_typed_at_the_leave_confirmation_keeps_things_as_they_are(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    ana = Dialog(bot, clock.now)
    for typed in ("non", "no", "No thanks"):
        assert "Leave *Reverse mentoring*?" in ana.command("leave")
        shown = ana.say(typed)
        assert shown == "All right: nothing changes.", typed
    [enrollment] = enrollments(bot)
    assert enrollment.status == "ready"
    french = Dialog(bot, clock.now, locale="fr-FR")
    assert french.say("non").replace("\u202f", " ") == "Entendu : rien ne change."


def test_status_and_book_say_why_there_is_no_pair(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    for command in ("status", "book"):
        assert coordinator.command(command) == (
            "You are not enrolled in *Reverse mentoring*. Type `join` to take part."
        )
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    ana = Dialog(bot, clock.now)
    assert ana.command("status") == "You have no pair yet: you will hear from me once you are matched."
    marc = Dialog(bot, clock.now, user="UMARC001")
    answered(marc, ["yes"])  # consent given: joining, not finished
    assert "a few questions are left" in marc.command("status")


def test_the_export_says_none_in_words_and_counts_in_the_readers_language(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    assert coordinator.command("export").startswith("No pair yet: the file pairs-and-sessions-")
    french = Dialog(bot, clock.now, user=COORD, locale="fr-FR")
    shown = french.say("exporter").replace("\u202f", " ")
    assert shown.startswith("Aucun binôme pour l'instant : le fichier pairs-and-sessions-")
    assert "0 binôme" not in shown and french.last.files
    announced(bot, clock.now, COORD)
    assert "1 pair and its sessions are in the file" in coordinator.command("export")


# 5. `join` typed where the questions go on.


def test_join_typed_in_the_direct_chat_goes_on_there(bot: Passerelle, clock: Clock, ana: Dialog) -> None:
    shown = ana.say("join")
    assert WELCOME in shown and "direct messages" not in shown
    assert "direct messages" not in ana.say("join")  # picked up where it was, still here
    # A command may be typed anywhere (a Slack channel): the questions are in the direct chat.
    marc = Dialog(bot, clock.now, user="UMARC001")
    assert "Let's continue in our direct messages." in marc.command("join")
