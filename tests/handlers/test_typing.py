"""Typing freely in the 1:1 chat with the bot, on Slack and on Teams over HTTP: a coordinator who is no volunteer
types commands as sentences end them, in French with accents, and is never taken into the questions to join;
`join` typed in the chat goes on there; `help` during the questions says what can be typed then."""

from tests.bot.volunteers import MENTOR, a_volunteer
from tests.handlers.platforms import Platform

WELCOME = "Before we start, what I keep and who sees it."
NOT_ENROLLED = "You are not enrolled in"  # then the programme, and how to join, in each platform's markup


async def test_a_coordinator_who_is_no_volunteer_types_commands_and_is_answered(platform: Platform) -> None:
    claire = platform.coordinator
    for typed in ("status?", "état", "réserver"):
        shown = await platform.say(claire, typed)
        assert NOT_ENROLLED in shown and WELCOME not in shown, typed
    assert NOT_ENROLLED in await platform.command(claire, "status")  # the same as a command
    thanks = await platform.say(claire, "thanks!")
    assert "match confirm" in thanks and WELCOME not in thanks
    assert "Did you mean" in await platform.say(claire, "stauts")
    assert "Report: Reverse mentoring" in await platform.say(claire, "report")
    assert "No pair yet." in await platform.say(claire, "binômes")


async def test_join_typed_in_the_chat_goes_on_there_and_help_explains_the_questions(platform: Platform) -> None:
    claire = platform.coordinator
    joined = await platform.say(claire, "join")
    assert WELCOME in joined and "direct messages" not in joined
    # At the welcome, before consent, a command is run rather than the welcome repeated.
    report = await platform.say(claire, "report")
    assert "Report: Reverse mentoring" in report and WELCOME not in report
    assert "Which role is yours?" in await platform.say(claire, "yes")
    helped = await platform.say(claire, "help")
    assert "During the questions you can type:" in helped and "Which role is yours?" in helped
    # A command typed on Slack may come from any channel: it says where the questions are.
    marc = platform.person("Marc Martin")
    by_command = await platform.command(marc, "join")
    assert WELCOME in by_command
    assert ("Let's continue in our direct messages." in by_command) == (platform.name == "slack")


async def test_french_commands_with_their_accents_and_a_no_typed_after_leave(platform: Platform) -> None:
    ana = platform.person("Ana Martin")
    a_volunteer(platform.bot, ana.user_id, platform.clock(), MENTOR, workspace=platform.workspace)
    assert "You have no pair yet" in await platform.say(ana, "état")
    assert "You will not be matched any more" in await platform.command(ana, "leave")
    assert "All right: nothing changes." in await platform.say(ana, "non")
    assert "ready for matching" in await platform.command(ana, "profile")
