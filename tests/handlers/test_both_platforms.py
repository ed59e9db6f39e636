"""The programme end to end, the same scenarios on Slack and on Teams, over HTTP through Bolt and botbuilder:
joining through the conversation, the commands, the matching, the announcement to both members, the charter on
both members' messages, booking through a form with its calendar invite, the pulse after the hour, the report
with its chart. Each platform shows things its own way (a group DM or each member's own card, a modal or a card
form, an upload or a download link); what a person reads is the same."""

import aiohttp
import pytest
from sqlmodel import Session, select

from storage.models import Enrollment, Pulse
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.handlers.platforms import Member, OnSlack, Platform

PNG = b"\x89PNG\r\n\x1a\n"
ONBOARDING = [
    ("yes", "Which role is yours?"),
    ("mentor", "Which topics could you share?"),
    ("ai, social networks", "How well do you know"),
    ("expert", "How well do you know"),
    ("confident", "Where are you in your career?"),
    ("1", "Which department or team are you in?"),
    ("Marketing", "Who is your manager?"),
    ("back", "Which department or team are you in?"),  # a change of mind, mid-way
    ("Digital marketing", "Who is your manager?"),
    ("skip", "Which languages could your sessions be in?"),
    ("fr, en", "Which site or city"),
    ("Paris", "How would you like to meet?"),
    ("video", "Which time zone are you in?"),
    ("Europe/Paris", "When do you prefer to meet?"),
    ("morning", "what do you hope to get from this programme?"),
    ("Learn from each other.", "Do you prefer sessions that are"),
    ("structured", "And do you prefer"),
    ("hands on", "How many mentees could you take on?"),
    ("1", "Here is your profile. Is everything right?"),
    ("confirm", "you are all set"),
]


async def a_pair(platform: Platform) -> tuple[Member, Member]:
    """Jean (mentor) and Marc (mentee), enrolled, each having written to the bot once, matched and announced."""
    jean, marc = platform.person("Jean Mentor"), platform.person("Marc Mentee")
    for who, answers in ((jean, MENTOR), (marc, MENTEE)):
        a_volunteer(platform.bot, who.user_id, platform.clock(), answers, workspace=platform.workspace)
        assert "no pair yet" in await platform.command(who, "status")
    assert "is running" in await platform.command(platform.coordinator, "match")
    await platform.deliver()  # the preview comes on its own, through the outbox
    preview = platform.showing(platform.coordinator, "Matching preview")
    assert f"{platform.mention(jean)} → {platform.mention(marc)}" in preview
    assert "1 pair confirmed" in await platform.command(platform.coordinator, "match confirm")
    await platform.deliver()
    return jean, marc


async def test_a_newcomer_joins_by_answering_in_their_chat(platform: Platform) -> None:
    ana = platform.person("Ana Martin")
    welcome = await platform.say(ana, "hello")
    assert "Before we start, what I keep and who sees it." in welcome and "export-my-data" in welcome
    for answer, asked in ONBOARDING:
        shown = await platform.say(ana, answer)
        assert asked in shown, f"after {answer!r}: {shown[:300]}"
    assert "You have no pair yet" in await platform.command(ana, "status")
    with Session(platform.bot.engine) as session:
        enrollment = session.exec(select(Enrollment)).one()
    assert enrollment.status == "ready" and enrollment.role == "mentor"
    assert enrollment.answers["department"] == "Digital marketing"  # the answer given after "back"
    assert enrollment.answers["topics"] == ["ai_assistants", "social_networks"]
    assert enrollment.answers["languages"] == ["fr", "en"]


async def test_someone_whose_client_speaks_french_is_answered_in_french_and_may_type_french_words(
    platform: Platform,
) -> None:
    lea = platform.person("Léa Dupont", locale="fr-FR")

    async def says(text: str) -> str:
        return (await platform.say(lea, text)).replace("\u202f", " ")  # French typography's thin spaces

    assert "Avant de commencer : ce que je conserve et qui le voit." in await says("bonjour")
    assert "Quel est votre rôle ?" in await says("oui")
    assert "Quels thèmes pourriez-vous partager ?" in await says("mentor")
    assert "Quel est votre rôle ?" in await says("retour")  # "back", in her words


async def test_the_commands_are_the_same_words_a_typo_gets_a_suggestion_and_coordinators_have_their_own(
    platform: Platform,
) -> None:
    ana = platform.person("Ana Martin")
    a_volunteer(platform.bot, ana.user_id, platform.clock(), MENTOR, workspace=platform.workspace)
    shown = await platform.command(ana, "help")
    assert "export-my-data" in shown and "not-with" in shown and "match confirm" not in shown
    assert "Did you mean" in await platform.command(ana, "hlep")
    # In the chat too, where Teams types its commands; a word that is no near miss gets the help instead.
    assert "Did you mean" in await platform.say(ana, "stauts")
    thanks = await platform.say(ana, "thanks")
    assert "Did you mean" not in thanks and "export-my-data" in thanks
    refused = await platform.command(ana, "match")
    assert "Matching preview" not in refused and "coordinator" in refused
    coordinator = await platform.command(platform.coordinator, "help")
    assert "match confirm" in coordinator and "report" in coordinator


async def test_the_call_for_volunteers_reaches_colleagues_the_way_each_platform_can(platform: Platform) -> None:
    """Slack posts it in a channel with a Join button; a Teams personal app posts in no channel, so the
    coordinator is handed it to pass on, with how colleagues join."""
    coordinator = platform.coordinator
    if platform.name == "slack":
        # Slack writes the channel the coordinator picked as `<#id|name>`.
        assert "on its way to" in await platform.command(coordinator, "announce <#C0NEWS01|news>")
        await platform.deliver()
        assert isinstance(platform, OnSlack)
        posted = await platform.world.fake.posted("Join our reverse-mentoring programme!", channel="C0NEWS01")
        assert "Join" in posted.text
        return
    shown = await platform.command(coordinator, "announce")
    assert "I post in no channel here" in shown and "Join our reverse-mentoring programme!" in shown
    assert "among your apps and say hello" in shown
    assert "announce #channel" not in await platform.command(coordinator, "help")


async def test_a_pair_lives_from_its_matching_to_the_report(platform: Platform) -> None:
    jean, marc = await a_pair(platform)
    intro = "Your reverse-mentoring pair"
    for reader in (jean, marc):
        shown = platform.showing(reader, intro)
        assert f"{platform.mention(jean)} (mentor) and {platform.mention(marc)} (mentee)" in shown
        assert "Nobody has committed yet." in shown
    # The charter: one commits, both read it; the other commits, both read both.
    await platform.press(jean, "I commit", intro)
    await platform.deliver()
    for reader in (jean, marc):
        assert f"Committed: {platform.mention(jean)}" in platform.showing(reader, intro)
    await platform.press(marc, "I commit", intro)
    await platform.deliver()
    for reader in (jean, marc):
        shown = platform.showing(reader, intro)
        assert platform.mention(jean) in shown.split("Committed:")[1] and platform.mention(marc) in shown

    # Booking through the platform's form: problems said, then the hour booked for both, with its invite.
    assert "Pick a date and a time" in await platform.press(marc, "Book our first hour", intro)
    refused = await platform.fill(marc, {"day": "2026-11-01", "time": "25:00", "format": "video"})
    assert "That date has passed" in refused and "Write a time such as 14:30." in refused
    assert "Booked! You both have the invite." in await platform.fill(
        marc, {"day": "2026-12-08", "time": "10:00", "format": "video"}
    )
    await platform.deliver()
    booked = f"{platform.mention(marc)} booked your session: 8 December 2026 at 10:00."
    for reader in (jean, marc):
        assert booked in platform.showing(reader, "booked your session")
        invite = await fetched(platform.link(reader, "booked your session", "Add to my calendar (.ics)"))
        assert invite.startswith(b"BEGIN:VCALENDAR") and b"DTSTART" in invite

    # The hour has passed: each is asked, privately, how it went.
    platform.clock.travel(days=12, hours=2)
    platform.bot.tick(platform.clock())
    await platform.deliver()
    for reader, other in ((jean, marc), (marc, jean)):
        shown = platform.showing(reader, "How was your session")
        assert f"How was your session with {platform.mention(other)} on 8 December 2026?" in shown
    assert "How was it?" in await platform.press(jean, "It happened: answer (1 minute)", "How was your session")
    await platform.fill(jean, {"rating": "5", "progress": "4", "comment": "A great first hour.", "fit": "good"})
    with Session(platform.bot.engine) as session:
        answered = [p for p in session.exec(select(Pulse)).all() if p.answered_at is not None]
    assert [(p.rating, p.progress) for p in answered] == [(5, 4)]

    # The coordinator's figures, and the chart as a file.
    report = " ".join((await platform.command(platform.coordinator, "report")).split())
    assert "Sessions held 1 of 1 planned" in report.replace("*", "")
    assert "not enough answers yet" in report  # one answer is nobody's figure
    chart = await platform.download(platform.coordinator, "report-")
    assert chart.startswith(PNG)


async def test_objectives_a_concern_the_checkpoint_an_export_and_a_rematch_request(platform: Platform) -> None:
    jean, marc = await a_pair(platform)
    intro, coordinator = "Your reverse-mentoring pair", platform.coordinator
    assert "One to three objectives" in await platform.press(jean, "Set our objectives", intro)
    await platform.fill(jean, {"objective1": "Use Copilot for e-mails", "objective2": "Post on LinkedIn"})
    await platform.deliver()
    for reader in (jean, marc):
        shown = platform.showing(reader, "wrote down your objectives")
        assert "1. Use Copilot for e-mails" in shown and "2. Post on LinkedIn" in shown

    # A concern goes to the coordinators only, in the member's words.
    assert "only they read it" in await platform.command(marc, "concern he cancels at the last minute")
    await platform.deliver()
    told = platform.showing(coordinator, "A private concern")
    assert platform.mention(marc) in told and "he cancels at the last minute" in told
    with pytest.raises(AssertionError):
        platform.showing(jean, "A private concern")

    # The coordinator's export, as a file of the platform's kind.
    assert "1 pair and its sessions are in the file" in await platform.command(coordinator, "export")
    rows = (await platform.download(coordinator, "pairs-and-sessions")).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("pair,mentor,mentor_name,mentee,mentee_name") and "Jean Mentor" in rows[1]

    # Halfway through (a Thursday, in working hours), each is asked how the objectives are going.
    platform.clock.travel(days=98)
    platform.bot.tick(platform.clock())
    await platform.deliver()
    for reader in (jean, marc):
        assert "Halfway through" in platform.showing(reader, "Halfway through")
        # Nothing was booked all this time: the pair was nudged to book its hour, with what it may answer.
        nudge = platform.showing(reader, "Snooze a week")
        assert "Book our hour" in nudge and "We already met" in nudge
    assert "Halfway checkpoint" in await platform.press(jean, "Answer", "Halfway through")
    assert "Thank you! Your answers stay private." in await platform.fill(jean, {"progress": "4"})

    # "Not a good fit", confirmed: the coordinators decide; ending tells both, without who asked.
    assert "ask the coordinators for a new partner" in await platform.press(marc, "Not a good fit", intro)
    assert "Your request is with the coordinators" in await platform.press(
        marc, "Yes, ask for a new partner", "ask the coordinators for a new partner"
    )
    await platform.deliver()
    request = platform.showing(coordinator, "Rematch request")
    assert f"{platform.mention(marc)} says the pair {platform.mention(jean)} → {platform.mention(marc)}" in request
    await platform.press(coordinator, "End the pair", "Rematch request")
    await platform.deliver()
    for reader, other in ((jean, marc), (marc, jean)):
        ended = platform.showing(reader, "has ended")
        assert f"Your pairing with {platform.mention(other)}" in ended and "not a good fit" not in ended


async def fetched(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, url
        return await response.read()
