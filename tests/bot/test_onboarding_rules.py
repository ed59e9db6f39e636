"""The onboarding conversation's rules, table-driven against the core: answers, hints, back, restart, stop, edit."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from bot.ui import mention
from storage.models import Conversation, Enrollment
from tests.bot.dialog import MENTEE_ANSWERS, Dialog
from tests.conftest import Clock


@pytest.fixture
def dialog(engine: Engine, clock: Clock) -> Dialog:
    return Dialog(Passerelle(engine, coordinators=frozenset({"UCOORD01"})), clock.now)


def finish(dialog: Dialog, answers: list[str]) -> str:
    text = dialog.say("hello")
    for answer in answers:
        text = dialog.say(answer)
    return text


def stored(dialog: Dialog) -> list[Enrollment]:
    with Session(dialog.bot.engine) as session:
        return list(session.exec(select(Enrollment)).all())


def test_a_mentee_onboarding_typed_from_start_to_summary(dialog: Dialog) -> None:
    summary = finish(dialog, MENTEE_ANSWERS)
    assert "Here is your profile" in summary
    assert "AI assistants (Copilot, ChatGPT…) (A must), Social networks and personal brand (Important)" in summary
    assert "Mentees you can take" not in summary  # mentors only
    assert "you are all set" in dialog.say("confirm")
    [enrollment] = stored(dialog)
    assert enrollment.status == "ready" and enrollment.answers["career_stage"] == 5


@pytest.mark.parametrize(
    ("step_answers", "bad", "hint"),
    [
        (2, "banana", "Please pick one of the options"),
        (3, "quantum basket weaving", "Pick one or more options"),
        (7, "x", "That is too short: please answer in a few words"),
        (8, "my boss", "Pick your manager in the menu"),
        (9, "Klingon and Elvish", "Pick the languages"),
        (12, "Atlantis/Nowhere", "I don't know that time zone"),
        (1, "perhaps", "Please answer *yes* to start"),
    ],
)
def test_an_answer_not_understood_brings_the_question_back_with_a_hint(
    dialog: Dialog, step_answers: int, bad: str, hint: str
) -> None:
    before = finish(dialog, MENTEE_ANSWERS[: step_answers - 1])
    again = dialog.say(bad)
    assert hint in again
    assert before.splitlines()[-1] in again  # the same question, asked again
    with Session(dialog.bot.engine) as session:
        conversation = session.exec(select(Conversation)).one()
        assert bad not in str(conversation.draft)


def test_back_returns_to_the_previous_question_and_keeps_the_later_flow(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[:7])  # department answered
    assert "Who is your manager?" in dialog.text
    assert "Which department" in dialog.say("back")
    assert "Where are you in your career?" in dialog.say("retour")
    assert "Which department" in dialog.say("4")
    assert "Who is your manager?" in dialog.say("Sales")


def test_restart_clears_the_answers_but_keeps_consent(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[:5])
    assert "Which role is yours?" in dialog.say("restart")
    with Session(dialog.bot.engine) as session:
        assert session.exec(select(Conversation)).one().draft == {"consent": True}


def test_stop_during_onboarding_keeps_nothing(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[:6])
    dialog.say("stop")
    assert "Nothing you answered was kept" in dialog.press("Yes, stop")
    assert stored(dialog) == []
    with Session(dialog.bot.engine) as session:
        assert session.exec(select(Conversation)).all() == []


def test_declining_consent_stores_nothing(dialog: Dialog) -> None:
    dialog.say("hi")
    assert "nothing was stored" in dialog.say("non")
    assert stored(dialog) == []


def test_edit_from_the_summary_changes_one_answer_and_comes_back(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    assert "Which answer do you want to change?" in dialog.press("Edit")
    assert "Which site or city" in dialog.pick("onb.edit", "site")
    summary = dialog.say("Lyon")
    assert "Here is your profile" in summary and "Site: Lyon" in summary


def test_changing_the_role_asks_the_levels_again_in_the_new_meaning(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("edit")
    assert "Which role is yours?" in dialog.say("role")
    assert "How well do you know *AI assistants" in dialog.say("mentor")
    dialog.say("expert")
    dialog.say("comfortable")
    assert "How many mentees" in dialog.text
    assert "Mentees you can take: One" in dialog.say("1")


def test_a_stale_button_from_an_earlier_question_changes_nothing(dialog: Dialog) -> None:
    dialog.say("hello")
    dialog.press("I agree, let's start")
    role_question = dialog.last
    dialog.press("Mentee")
    dialog.last = role_question
    again = dialog.press("Mentor")
    assert "answered already" in again and "What would you like to learn?" in again


def test_a_confirmed_profile_is_edited_without_losing_it_when_stopped(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("confirm")
    dialog.command("profile")
    dialog.press("Edit my profile")
    dialog.say("edit")
    dialog.say("site")
    assert "Your profile stays as it was" in dialog.say("stop")
    assert "Your profile is unchanged" in dialog.press("Yes, stop")
    [enrollment] = stored(dialog)
    assert enrollment.status == "ready" and enrollment.answers["site"] == "Paris"


def test_french_speakers_are_asked_in_french(dialog: Dialog) -> None:
    dialog.locale = "fr-FR"
    assert "Avant de commencer" in dialog.say("bonjour")
    assert "Quel est votre rôle\u202f?" in dialog.say("oui")
    assert "Qu'aimeriez-vous apprendre\u202f?" in dialog.say("mentoré")
    assert "Quelle importance a *Assistants IA" in dialog.say("IA")


def test_leaving_in_the_middle_of_onboarding_keeps_nothing(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS[:4])
    assert "The answers you gave so far will be discarded" in dialog.command("leave")
    assert "Nothing you answered was kept" in dialog.press("Yes, leave")
    assert stored(dialog) == []
    assert "You are not enrolled" in dialog.command("pause")


def test_someone_who_left_can_neither_pause_nor_resume_but_can_join_again(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("confirm")
    dialog.command("leave")
    dialog.press("Yes, leave")
    assert "You are not enrolled" in dialog.command("pause")
    assert "You are not enrolled" in dialog.command("resume")
    assert "what I keep and who sees it" in dialog.command("join")


def test_editing_a_confirmed_profile_goes_from_one_changed_answer_back_to_the_summary(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("confirm")
    dialog.command("profile")
    assert "Here is your profile" in dialog.press("Edit my profile")
    dialog.say("edit")
    assert "Which site or city" in dialog.say("site")
    assert "Here is your profile" in dialog.say("Bordeaux")
    assert "Your profile is updated" in dialog.say("confirm")
    [enrollment] = stored(dialog)
    assert enrollment.answers["site"] == "Bordeaux" and "_reviewed" not in enrollment.answers


def test_the_not_with_list_survives_editing_the_profile(dialog: Dialog) -> None:
    finish(dialog, MENTEE_ANSWERS)
    dialog.say("confirm")
    dialog.command(f"not-with {mention('UMARC001')}")
    dialog.command("profile")
    dialog.press("Edit my profile")
    dialog.say("edit")
    dialog.say("site")
    dialog.say("Nantes")
    dialog.say("confirm")
    [enrollment] = stored(dialog)
    assert enrollment.answers["not_with"] == ["UMARC001"] and enrollment.answers["site"] == "Nantes"
