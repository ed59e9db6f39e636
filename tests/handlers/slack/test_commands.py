"""`/mentoring` over HTTP: everyone's commands, the coordinators' ones, authorization and typos."""

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import Enrollment, Person, Programme
from tests.bot.dialog import MENTEE_ANSWERS
from tests.conftest import COORDINATOR, SlackWorld
from tests.doubles.slack_api import Call, Fault

ANA, MARC = "UANA0001", "UMARC001"


async def command(slack: SlackWorld, user: str, text: str) -> str:
    assert (await slack.send.command(user, text)).status == 200
    return (await slack.fake.next("response_url")).text


async def onboard(slack: SlackWorld, user: str) -> None:
    """A mentee onboarded by typing in the DM."""
    await slack.send.message(user, "hello")
    await slack.fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS:
        await slack.send.message(user, answer)
        await slack.fake.next("chat.postMessage")
    await slack.send.message(user, "confirm")
    assert "you are all set" in (await slack.fake.next("chat.postMessage")).text
    await slack.fake.next("views.publish")


async def test_a_typo_gets_the_usage_of_the_nearest_command(slack: SlackWorld) -> None:
    answer = await command(slack, ANA, "profil3")
    assert "Did you mean `profile`?" in answer and "Usage: `/mentoring profile`" in answer
    answer = await command(slack, ANA, "xyzzy")
    assert "I don't know “xyzzy”" in answer and "`join`" in answer


async def test_a_malformed_argument_gets_the_usage_and_a_reason(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    answer = await command(slack, ANA, "pause until someday")
    assert "could not read “someday”" in answer and "Usage: `/mentoring pause [until DATE]`" in answer
    assert "Usage: `/mentoring language en|fr`" in await command(slack, ANA, "language klingon")


async def test_volunteers_cannot_use_coordinator_commands(slack: SlackWorld) -> None:
    for text in ("volunteers", "program set name Hack", "announce <#C0NEWS|news>", "coordinators add <@UANA0001>"):
        assert "is for the programme's coordinators" in await command(slack, ANA, text)
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Programme)).one().name == "Reverse mentoring"
        assert not session.exec(select(Person).where(Person.user_id == ANA)).one().is_coordinator


async def test_a_coordinator_configures_the_programme_and_bad_values_change_nothing(slack: SlackWorld) -> None:
    assert "`volunteers`" in await command(slack, COORDINATOR, "help")
    shown = await command(slack, COORDINATOR, "program set topics AI, RSE, Excel avancé")
    assert "AI assistants (Copilot, ChatGPT…)" in shown and "Excel avancé" in shown
    await command(slack, COORDINATOR, "program set start 2027-01-11")
    refused = await command(slack, COORDINATOR, "program set end 2026-12-01")
    assert "The end must come after the start" in refused
    assert "Quiet hours go from one time to another" in await command(
        slack, COORDINATOR, "program set quiet-hours late"
    )
    assert "Unknown key “colour”" in await command(slack, COORDINATOR, "program set colour blue")
    await command(slack, COORDINATOR, "program set quiet-hours 19h-8h")
    await command(slack, COORDINATOR, "program set name Passerelle 2027")
    with Session(slack.bot.engine) as session:
        programme = session.exec(select(Programme)).one()
    assert programme.topics == ["ai_assistants", "csr_environment", "Excel avancé"]
    assert (str(programme.start_date), programme.end_date) == ("2027-01-11", None)
    assert (programme.quiet_start, programme.quiet_end, programme.name) == ("19:00", "08:00", "Passerelle 2027")
    asked = await command(slack, COORDINATOR, "program new Pilote RH")
    question = slack.fake.of("response_url")[-1]
    assert "Create *Pilote RH* and make it the current programme?" in asked
    assert "Pilote RH" not in await command(slack, COORDINATOR, "program")  # nothing changes before the button
    await slack.send.press(COORDINATOR, question, "Create Pilote RH")
    assert "Programme *Pilote RH* created" in (await slack.fake.next("response_url")).text
    assert "Pilote RH" in await command(slack, COORDINATOR, "program")


async def test_the_call_for_volunteers_is_posted_and_its_join_button_starts_onboarding(slack: SlackWorld) -> None:
    confirmation = await command(slack, COORDINATOR, "announce <#C0NEWS01|news>")
    assert "The call for volunteers is on its way to <#C0NEWS01>" in confirmation
    post = await slack.fake.posted("Join our reverse-mentoring programme", channel="C0NEWS01")
    await slack.fake.settle()
    await slack.send.press(MARC, post, "Join")
    consent = await slack.fake.next("chat.postMessage")
    assert consent.args["channel"] == MARC and "what I keep and who sees it" in consent.text


async def test_announcing_where_the_bot_is_not_invited_says_how_to_fix_it(slack: SlackWorld) -> None:
    slack.fake.fail("chat.postMessage", Fault(error="not_in_channel"))
    await command(slack, COORDINATOR, "announce <#C0PRIVATE|secret>")
    await slack.fake.quiet()
    slack.clock.travel(minutes=2)  # failures are gathered for a minute, then told together
    told = await slack.fake.posted("I could not deliver 1 message", channel=COORDINATOR)
    assert "<#C0PRIVATE>" in told.text and "invite me there, then try again" in told.text


async def test_volunteers_counts_by_role_status_and_topic(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.message(MARC, "hello")
    await slack.fake.next("chat.postMessage")
    await slack.send.message(MARC, "yes")
    await slack.fake.next("chat.postMessage")
    answer = await command(slack, COORDINATOR, "volunteers")
    assert "*Mentees*\n1" in answer and "*Ready*\n1" in answer and "*Onboarding*\n1" in answer
    assert "AI assistants (Copilot, ChatGPT…): mentors 0, mentees 1" in answer


async def test_coordinators_are_named_and_removed_but_the_founders_stay(slack: SlackWorld) -> None:
    assert "is now a coordinator" in await command(slack, COORDINATOR, "coordinators add <@UANA0001|ana>")
    assert "Volunteers of" in await command(slack, ANA, "volunteers")
    assert "stays a coordinator" in await command(slack, ANA, "coordinators remove <@UCOORD01>")
    assert "no longer a coordinator" in await command(slack, COORDINATOR, "coordinators remove <@UANA0001>")
    assert "is for the programme's coordinators" in await command(slack, ANA, "volunteers")
    assert "Mention the person with @" in await command(slack, COORDINATOR, "coordinators add ana")


async def test_pause_resume_and_leave(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    assert "on pause until 15 January 2027" in await command(slack, ANA, "pause until 15/01/2027")
    assert "That date has passed" in await command(slack, ANA, "pause until 2020-01-01")
    assert "Welcome back" in await command(slack, ANA, "resume")
    assert "You are not on pause" in await command(slack, ANA, "resume")
    assert "You will not be matched any more" in await command(slack, ANA, "leave")
    await slack.send.press(ANA, slack.fake.of("response_url")[-1], "Yes, leave")
    assert "You have left" in (await slack.fake.next("response_url")).text
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Enrollment)).one().status == "left"


async def test_the_pause_ends_by_itself_on_its_date(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await command(slack, ANA, "pause until 2026-12-01")
    slack.clock.travel(days=5)
    slack.bot.tick(slack.clock())
    with Session(slack.bot.engine) as session:
        enrollment = session.exec(select(Enrollment)).one()
    assert (enrollment.status, enrollment.paused_until) == ("ready", None)


async def uploaded(slack: SlackWorld) -> tuple[Call, Call, dict[str, Any]]:
    """The two calls that hand a file over on Slack, and the JSON it held."""
    asked = await slack.fake.next("files.getUploadURLExternal")
    done = await slack.fake.next("files.completeUploadExternal")
    files = json.loads(done.args["files"]) if isinstance(done.args["files"], str) else done.args["files"]
    [file] = files
    document: dict[str, Any] = json.loads(slack.fake.uploads[file["id"]].decode())
    return asked, done, document


@pytest.mark.parametrize(
    ("language", "intro", "role", "title"),
    [
        ("en", "Here is everything Passerelle stores about you, on 26 November 2026.", "*Role*\nMentee", "Your data"),
        (
            "fr",
            "Voici tout ce que Passerelle conserve à votre sujet, au 26 novembre 2026.",
            "*Rôle*\nMentoré",
            "Vos données",
        ),
    ],
)
async def test_export_is_readable_in_the_persons_language_with_the_json_as_a_file_to_them_only(
    slack: SlackWorld, language: str, intro: str, role: str, title: str
) -> None:
    await onboard(slack, ANA)
    if language == "fr":
        await command(slack, ANA, "language fr")
    await slack.fake.settle()
    assert (await slack.send.command(ANA, "export-my-data")).status == 200
    answer = await slack.fake.next("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert intro in answer.text and role in answer.text
    assert "ai_assistants" not in answer.text and "{" not in answer.text  # labels, not codes nor JSON
    asked, done, document = await uploaded(slack)
    assert asked.args["filename"] == "passerelle-my-data-2026-11-26.json"
    assert done.args["channel_id"] == "DANA0001"  # her direct chat with the bot, nobody else's
    [file] = json.loads(done.args["files"]) if isinstance(done.args["files"], str) else done.args["files"]
    assert file["title"].startswith(title)
    assert document["person"]["user_id"] == ANA
    assert document["enrollments"][0]["answers"]["hope"] == "Understand how my teams use AI."
    # Every call, the file's two included, kept Slack's spec (checked when the world closes).


async def test_erasure_after_confirmation_removes_everything(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    assert (await slack.send.command(ANA, "delete-my-data")).status == 200
    question = await slack.fake.next("response_url")
    assert "cannot be undone" in question.text
    await slack.send.press(ANA, question, "Yes, erase everything")
    assert "is erased" in (await slack.fake.next("response_url")).text
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Person).where(Person.user_id == ANA)).all() == []
        assert session.exec(select(Enrollment)).all() == []


async def test_cancelling_erasure_keeps_everything(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.command(ANA, "delete-my-data")
    await slack.send.press(ANA, await slack.fake.next("response_url"), "Cancel")
    assert "Nothing was erased" in (await slack.fake.next("response_url")).text
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Enrollment)).one().status == "ready"


async def test_choosing_a_language_switches_every_later_answer(slack: SlackWorld) -> None:
    assert "Désormais, je vous écrirai en français" in await command(slack, ANA, "language fr")
    assert "ce que vous pouvez faire" in await command(slack, ANA, "help")
    assert "From now on I will write to you in English" in await command(slack, ANA, "langue en")
