"""Onboarding answers as people give them, against the core: what is ticked is the answer, typed answers are
echoed and say whether they replace or add, more ways of saying things, a steady progress count, French from the
first word, and `stop` and `leave` that ask first."""

import re
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.parse import parse_choice, timezone_choices
from bot.service import Passerelle
from bot.ui import mention
from storage.models import Conversation, Enrollment, Pair
from tests.bot.dialog import MENTEE_ANSWERS, Dialog, buttons, last_id, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
AT = {answer: index for index, answer in enumerate(MENTEE_ANSWERS)}  # typing MENTEE_ANSWERS[:AT[x]] leads to x


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def dialog(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now)


def finish(dialog: Dialog, answers: list[str]) -> str:
    text = dialog.say("hello")
    for answer in answers:
        text = dialog.say(answer)
    return text


def draft(dialog: Dialog) -> dict[str, Any]:
    with Session(dialog.bot.engine) as session:
        found: dict[str, Any] = session.exec(select(Conversation)).one().draft
        return found


def enrollments(bot: Passerelle) -> list[Enrollment]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Enrollment)).all())


# What is ticked is the answer.


def test_continue_after_back_keeps_the_topics_shown_ticked_and_their_levels(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["5"]])  # both levels given, at the career stage
    dialog.say("back")
    dialog.say("back")
    assert "What would you like to learn?" in dialog.say("back")
    after = dialog.press("Continue")
    assert "Pick one or more options" not in after
    assert "How much does *AI assistants" in after
    assert draft(dialog)["topics"] == ["ai_assistants", "social_networks"]
    assert draft(dialog)["levels"] == {"ai_assistants": 3, "social_networks": 2}


def test_continue_on_the_languages_reopened_from_the_summary_keeps_them(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("edit")
    assert "Which languages" in dialog.say("languages")
    assert "Here is your profile" in dialog.press("Continue")
    assert draft(dialog)["languages"] == ["fr"]


def test_continue_typed_works_as_the_button(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("edit")
    dialog.say("topics")
    assert "Here is your profile" in dialog.say("continue")
    assert draft(dialog)["levels"] == {"ai_assistants": 3, "social_networks": 2}


# A typed answer to a multiple choice says whether it replaces or adds; levels of kept topics stay.


def test_a_typed_number_replaces_the_ticked_topics_and_says_so_keeping_the_kept_level(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("edit")
    assert "A typed answer replaces it" in dialog.say("topics")
    summary = dialog.say("2")  # the second topic offered
    assert "✓ AI assistants (Copilot, ChatGPT…) (A must) (instead of " in summary
    assert "Here is your profile" in summary
    assert draft(dialog)["levels"] == {"ai_assistants": 3}


def test_add_keeps_the_ticked_topics_and_their_levels_and_asks_only_the_new_level(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("edit")
    dialog.say("topics")
    added = dialog.say("add diversity")
    assert "✓ Added Diversity, equity and inclusion: " in added
    assert "How much does *Diversity, equity and inclusion* matter" in added
    assert "Here is your profile" in dialog.say("important")
    assert draft(dialog)["levels"] == {"ai_assistants": 3, "social_networks": 2, "dei": 2}


# Whole words, and echoes.


def test_a_stray_x_is_not_either(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["either"]])
    assert "Please pick one of the options" in dialog.say("x")
    assert "format" not in draft(dialog)
    options = [("in_person", ("In person",)), ("video", ("By video",)), ("either", ("Either", "les deux"))]
    assert parse_choice("x", options) is None
    assert parse_choice("deux", options) == "either"


def test_a_typed_answer_is_echoed_like_a_pressed_one(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    assert dialog.say("Finance").startswith("✓ Finance\n")
    assert dialog.say("skip").startswith("✓ —\n")
    assert dialog.say("French").startswith("✓ French\n")


# More ways of answering.


@pytest.mark.parametrize("agreed", ["yes please", "oui d'accord", "I agree, let's start", "Yes!"])
def test_consent_in_more_words_and_by_the_buttons_label(dialog: Dialog, agreed: str) -> None:
    dialog.say("hello")
    assert "Which role is yours?" in dialog.say(agreed)


@pytest.mark.parametrize(
    ("typed", "manager"), [(f"my manager is {mention('UPAUL001')}", "UPAUL001"), ("pas de manager", "")]
)
def test_the_manager_in_a_sentence(dialog: Dialog, typed: str, manager: str) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["skip"]])
    assert "Which languages" in dialog.say(typed)
    assert draft(dialog)["manager"] == manager


def test_all_topics(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["ai, social networks"]])
    dialog.say("all")
    with Session(dialog.bot.engine) as session:
        topics = session.exec(select(Conversation)).one().draft["topics"]
    assert len(topics) > 5 and "dei" in topics


def test_looks_good_at_the_summary_confirms(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    assert "you are all set" in dialog.say("looks good")


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("France", "Europe/Paris"), ("Londres", "Europe/London"), ("yes please", "Europe/Paris"), ("UTC+5:30", None)],
)
def test_a_time_zone_from_a_country_a_cldr_city_or_yes(dialog: Dialog, typed: str, zone: str | None) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Europe/Paris"]])
    shown = dialog.say(typed)
    if zone is None:  # India or Sri Lanka: asked which
        assert "may be several time zones" in shown and "Asia/Kolkata" in shown and "Asia/Colombo" in shown
        shown = dialog.pick("onb.timezone", "Asia/Kolkata")
        zone = "Asia/Kolkata"
    assert "When do you prefer to meet?" in shown
    assert draft(dialog)["timezone"] == zone


def test_an_offset_shared_by_many_zones_offers_them(dialog: Dialog, clock: Clock) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Europe/Paris"]])
    shown = dialog.say("UTC+1")
    assert "“UTC+1” may be several time zones" in shown
    assert "(Europe/Paris)" in shown and "(Africa/Lagos)" in shown
    assert "timezone" not in draft(dialog)
    assert "When do you prefer" in dialog.pick("onb.timezone", "Africa/Lagos")
    assert draft(dialog)["timezone"] == "Africa/Lagos"
    # GMT-5 is five hours behind, although the tz database's Etc/GMT-5 is five hours ahead.
    assert "America/New_York" in timezone_choices("GMT-5", clock.now)
    assert "Asia/Karachi" not in timezone_choices("GMT-5", clock.now)


def test_an_unknown_place_says_what_to_type(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Europe/Paris"]])
    assert "your country, such as “France”" in dialog.say("Lyon")  # neither a zone's city nor in CLDR


def test_a_hope_of_a_dot_is_too_short_not_too_long(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Understand how my teams use AI."]])
    refused = dialog.say(".")
    assert "That is too short" in refused and "at most" not in refused
    assert "That is too long: please answer in at most 300 characters" in dialog.say("a" * 301)


# The progress count.


def counts(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"\*([0-9]+)/([0-9]+)\*", text)]


@pytest.mark.parametrize(("role", "total"), [("mentee", 14), ("mentor", 15)])
def test_the_progress_total_is_said_at_consent_and_never_moves_once_the_role_is_known(
    dialog: Dialog, role: str, total: int
) -> None:
    assert "I will ask 14 questions (15 for a mentor)" in dialog.say("hello")
    assert counts(dialog.say("yes")) == [(1, 15)]  # the role not known yet: the longer path
    seen = counts(dialog.say(role))
    answers = [*MENTEE_ANSWERS[2:]] + (["1"] if role == "mentor" else [])
    levels = ["must", "important"] if role == "mentee" else ["expert", "comfortable"]
    answers[1:3] = levels
    for answer in answers[:-1]:
        seen += counts(dialog.say(answer))
    assert {t for _, t in seen} == {total}
    assert [n for n, _ in seen] == [2, 3, 3, *range(4, total + 1)]


# French from the first word.


@pytest.mark.parametrize("first", ["Bonjour\u202f!", "salut", "coucou", "je veux participer"])
def test_a_first_message_in_french_gets_french(dialog: Dialog, first: str) -> None:
    shown = dialog.say(first)
    assert "Avant de commencer" in shown and "Prefer English? Type *language en*." in shown
    assert "Quel est votre rôle\u202f?" in dialog.say("oui")


def test_an_english_first_message_gets_english_with_an_offer_of_french(dialog: Dialog) -> None:
    shown = dialog.say("hello")
    assert "Before we start" in shown and "Vous préférez le français\u202f? Tapez *language fr*." in shown


def test_language_fr_during_onboarding_shows_the_question_again_in_french(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    shown = dialog.say("language fr")
    assert "Dans quel service" in shown and "français" in shown
    assert "Dans quel service" in dialog.command("language fr")
    assert "Which department" in dialog.command("language en")
    assert "✓ Language services" in dialog.say("Language services")  # an answer, not a language


# Stop asks first.


def test_stop_asks_and_no_goes_on_with_every_answer_kept(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    before = draft(dialog)
    asked = dialog.say("stop")
    assert "Stop and discard your 5 answers?" in asked and "[Yes, stop]" in asked and "[No, go on]" in asked
    assert "Which department" in dialog.press("No, go on")
    assert {k: v for k, v in draft(dialog).items() if k != "_stopping"} == before
    assert len(enrollments(dialog.bot)) == 1


def test_stop_then_yes_typed_discards(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    dialog.say("stop")
    assert "Nothing you answered was kept" in dialog.say("yes")
    assert enrollments(dialog.bot) == []


def test_an_answer_after_the_stop_question_goes_on_and_the_old_yes_does_nothing(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    dialog.say("stop")
    question = dialog.last
    assert "Who is your manager?" in dialog.say("Finance")  # read as the answer it is
    dialog.last = question
    assert "answered already" in dialog.press("Yes, stop")
    assert draft(dialog)["department"] == "Finance" and len(enrollments(dialog.bot)) == 1


def test_a_yes_stop_from_an_earlier_conversation_does_not_stop_a_new_one(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    dialog.say("stop")
    old = dialog.last
    dialog.press("Yes, stop")
    finish(dialog, MENTEE_ANSWERS[: AT["Finance"]])
    dialog.say("stop")  # the new conversation asks too; the old button is not its own
    dialog.last = old
    assert "answered already" in dialog.press("Yes, stop")
    assert len(enrollments(dialog.bot)) == 1


# Leave asks first, naming the partner.


def paired(bot: Passerelle, clock: Clock) -> tuple[Dialog, Dialog]:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    return Dialog(bot, clock.now, user="UTOM0001"), Dialog(bot, clock.now, user="USOPHIE1")


def pair_statuses(bot: Passerelle) -> list[str]:
    with Session(bot.engine) as session:
        return sorted(p.status for p in session.exec(select(Pair)).all())


def test_leave_names_the_partner_and_ends_nothing_until_yes(bot: Passerelle, clock: Clock) -> None:
    tom, _ = paired(bot, clock)
    before = last_id(bot)
    asked = tom.command("leave")
    assert "Your pair with ⟦@USOPHIE1|Sophie1⟧ ends now" in asked and "[Yes, leave]" in asked
    assert pair_statuses(bot) == ["active"] and queued(bot, before) == []
    assert "You stay in" in tom.press("No, stay")
    assert pair_statuses(bot) == ["active"]
    tom.command("leave")
    assert "You have left" in tom.press("Yes, leave")
    assert pair_statuses(bot) == ["ended"]
    assert any("USOPHIE1" in q.to for q in queued(bot, before))


def test_a_stale_leave_confirmation_asks_again_once_a_pair_was_made(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    tom = Dialog(bot, clock.now, user="UTOM0001")
    assert "You will not be matched any more" in tom.command("leave")
    old = tom.last
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    tom.last = old
    again = tom.press("Yes, leave")
    assert "Things have changed since you were asked" in again and "Your pair with" in again
    assert pair_statuses(bot) == ["active"]
    assert [e.status for e in enrollments(bot)] == ["matched", "matched"]
    assert "You have left" in tom.press("Yes, leave")  # the fresh confirmation


def test_a_leave_confirmation_pressed_after_leaving_does_nothing(bot: Passerelle, clock: Clock) -> None:
    tom, _ = paired(bot, clock)
    tom.command("leave")
    yes = buttons(tom.last)["Yes, leave"]
    tom.press("Yes, leave")
    again = bot.pressed(tom.actor, yes.action, [yes.value], clock.now)
    assert "You are not enrolled" in "".join(str(r.message) for r in again.replies)
