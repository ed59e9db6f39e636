"""The whole onboarding over HTTP, through the real Bolt app and the Slack double, in English and in French."""

import asyncio

from sqlmodel import Session, select

from bot.service import Passerelle
from storage.models import Conversation, Enrollment, Pair, Person
from tests.bot.dialog import MENTEE_ANSWERS
from tests.bot.volunteers import MENTOR, a_volunteer
from tests.conftest import COORDINATOR, SlackWorld, serve_slack
from tests.doubles.slack_api import Fault

ANA, JEAN, MARC = "UANA0001", "UJEAN001", "UMARC001"


def enrollment_of(world: SlackWorld, user: str) -> Enrollment | None:
    with Session(world.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == user)).one()
        return session.exec(select(Enrollment).where(Enrollment.person_id == person.id)).first()


async def test_a_mentor_onboards_in_english_with_buttons_menus_and_typed_answers(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    assert (await send.message(ANA, "hello")).status == 200
    consent = await fake.next("chat.postMessage")
    assert "what I keep and who sees it" in consent.text
    assert consent.args["channel"] == ANA

    await send.press(ANA, consent, "I agree, let's start")
    role = await fake.next("chat.postMessage")
    assert "Which role is yours?" in role.text
    await send.press(ANA, role, "Mentor")
    answered = await fake.next("chat.update")
    assert "✓ Mentor" in answered.text and answered.args["ts"] == role.args.get("ts", answered.args["ts"])

    topics = await fake.next("chat.postMessage")
    assert "Which topics could you share?" in topics.text
    await send.press(ANA, topics, action_id="onb.topics.pick", selected=["ai_assistants", "social_networks"])
    await send.press(ANA, topics, "Continue")
    level = await fake.next("chat.postMessage")
    assert "How well do you know *AI assistants" in level.text
    await send.press(ANA, level, "Expert")
    level = await fake.next("chat.postMessage")
    assert "Social networks" in level.text
    await send.message(ANA, "2")  # typed: "Confident"

    stage = await fake.next("chat.postMessage")
    await send.press(ANA, stage, "1 · Early career")
    department = await fake.next("chat.postMessage")
    assert "department" in department.text
    await send.message(ANA, "Marketing")
    manager = await fake.next("chat.postMessage")
    await send.press(ANA, manager, action_id="onb.manager", user_picked="UMARC001")
    assert "Which languages" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "French and English")
    assert "Which site or city" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "Lyon")
    meeting = await fake.next("chat.postMessage")
    await send.press(ANA, meeting, "By video")
    zone = await fake.next("chat.postMessage")
    assert "Europe/London" in zone.text  # from users.info
    await send.press(ANA, zone, "Yes, that's right")
    assert "When do you prefer to meet?" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "morning and lunch")
    assert "In one sentence" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "Help a senior leader feel at home with AI assistants.")
    plan = await fake.next("chat.postMessage")
    await send.press(ANA, plan, "Free-flowing")
    assert "And do you prefer" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "hands on")
    capacity = await fake.next("chat.postMessage")
    assert "How many mentees" in capacity.text
    await send.message(ANA, "2 mentees")

    summary = await fake.next("chat.postMessage")
    for shown in (
        "Mentor",
        "AI assistants (Copilot, ChatGPT…) (Expert)",
        "Social networks and personal brand (Confident)",
        "1 · Early career",
        "Marketing",
        "<@UMARC001>",
        "French, English",
        "Lyon",
        "By video",
        "Europe/London",
        "Morning, Lunchtime",
        "Free-flowing",
        "Hands-on",
        "Two",
    ):
        assert shown in summary.text, shown
    assert enrollment_of(slack, ANA).status == "onboarding"  # type: ignore[union-attr]
    await send.press(ANA, summary, "Confirm")
    done = await fake.next("chat.postMessage")
    assert "you are all set" in done.text
    home = await fake.next("views.publish")
    assert "Mentor" in home.text

    enrollment = enrollment_of(slack, ANA)
    assert enrollment is not None and enrollment.status == "ready" and enrollment.role == "mentor"
    assert enrollment.answers == {
        "role": "mentor",
        "topics": ["ai_assistants", "social_networks"],
        "levels": {"ai_assistants": 3, "social_networks": 2},
        "career_stage": 1,
        "department": "Marketing",
        "manager": "UMARC001",
        "languages": ["fr", "en"],
        "site": "Lyon",
        "format": "video",
        "timezone": "Europe/London",
        "windows": ["morning", "lunch"],
        "hope": "Help a senior leader feel at home with AI assistants.",
        "style_plan": "free",
        "style_learning": "hands_on",
        "capacity": 2,
    }
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Conversation)).all() == []


FRENCH_ANSWERS = [
    ("Quel est votre rôle\u202f?", "mentoré"),
    ("Qu'aimeriez-vous apprendre\u202f?", "IA et réseaux sociaux"),
    ("Quelle importance a *Assistants IA", "indispensable"),
    ("Quelle importance a *Réseaux sociaux", "2"),
    ("Où en êtes-vous dans votre carrière\u202f?", "cadre dirigeant"),
    ("Dans quel service", "Direction financière"),
    ("Qui est votre manager\u202f?", "passer"),
    ("Dans quelles langues", "français et anglais"),
    ("Depuis quel site", "Lyon"),
    ("Comment souhaitez-vous vous rencontrer\u202f?", "visio"),
    ("Votre profil indique *Europe/Paris*", "Europe/Paris"),
    ("Quand préférez-vous vous rencontrer\u202f?", "le matin"),
    ("En une phrase", "Comprendre comment mes équipes utilisent l'IA."),
    ("Préférez-vous des séances", "structurées"),
    ("Et préférez-vous", "la discussion"),
]


async def test_a_mentee_onboards_in_french_by_typing_and_survives_a_restart_of_the_process(
    slack: SlackWorld,
) -> None:
    send, fake = slack.send, slack.fake
    await send.message(JEAN, "Bonjour")
    assert "Avant de commencer" in (await fake.next("chat.postMessage")).text
    await send.message(JEAN, "oui")
    for index, (question, answer) in enumerate(FRENCH_ANSWERS):
        asked = await fake.next("chat.postMessage")
        assert question in asked.text, (question, asked.text)
        if index == 7:
            # The process dies mid-conversation; a new one on the same database carries on.
            await slack.runner.cleanup()
            bot = Passerelle(slack.bot.engine, coordinators=slack.bot.founders, locale="en")
            slack.runner, send.app_url = await serve_slack(bot, slack.clock, fake)
        await send.message(JEAN, answer)
    summary = await fake.next("chat.postMessage")
    for shown in (
        "Mentoré",
        "Assistants IA (Copilot, ChatGPT…) (Indispensable)",
        "4 · Cadre dirigeant",
        "Direction financière",
        "Français, Anglais",
        "En visio",
        "Le matin",
        "Structurées",
    ):
        assert shown.lower() in summary.text.lower(), shown
    await send.message(JEAN, "confirmer")
    assert "Merci, tout est prêt" in (await fake.next("chat.postMessage")).text
    enrollment = enrollment_of(slack, JEAN)
    assert enrollment is not None and enrollment.status == "ready" and enrollment.role == "mentee"
    assert enrollment.answers["languages"] == ["fr", "en"] and enrollment.answers["manager"] == ""


async def test_back_and_the_edit_menu_work_with_slacks_buttons_and_menus(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    await send.message(ANA, "hello")
    await fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS[:3]:  # consent, role, topics
        await send.message(ANA, answer)
        await fake.next("chat.postMessage")
    level = fake.of("chat.postMessage")[-1]
    await send.press(ANA, level, "Back")
    topics = await fake.next("chat.postMessage")
    checkboxes = next(b for b in topics.blocks if b["type"] == "actions")["elements"][0]
    assert [o["value"] for o in checkboxes["initial_options"]] == ["ai_assistants", "social_networks"]
    await send.press(ANA, topics, action_id="onb.topics.pick", selected=["dei"])
    await send.press(ANA, topics, "Continue")
    assert "Diversity, equity and inclusion" in (await fake.next("chat.postMessage")).text
    for answer in ["must", *MENTEE_ANSWERS[5:]]:
        await send.message(ANA, answer)
        await fake.next("chat.postMessage")
    summary = fake.of("chat.postMessage")[-1]
    assert "Diversity, equity and inclusion (A must)" in summary.text
    await send.press(ANA, summary, "Edit")
    menu = await fake.next("chat.postMessage")
    await send.press(ANA, menu, action_id="onb.edit", selected=["department"])
    assert "Which department" in (await fake.next("chat.postMessage")).text
    await send.message(ANA, "Strategy")
    summary = await fake.next("chat.postMessage")
    assert "*Department*\nStrategy" in summary.text
    await send.press(ANA, summary, "Confirm")
    assert "you are all set" in (await fake.next("chat.postMessage")).text
    enrollment = enrollment_of(slack, ANA)
    assert enrollment is not None and enrollment.answers["topics"] == ["dei"]


async def test_two_answers_typed_a_moment_apart_are_read_in_the_order_they_were_sent(slack: SlackWorld) -> None:
    site = MENTEE_ANSWERS.index("Paris")
    await slack.send.message(JEAN, "hello")
    await slack.fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS[:site]:
        await slack.send.message(JEAN, answer)
        await slack.fake.next("chat.postMessage")

    async def later(answer: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await slack.send.message(JEAN, answer)

    await asyncio.gather(later("Lyon", 0), later("video", 0.02), later("Europe/Paris", 0.04))
    await slack.fake.quiet()
    with Session(slack.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == JEAN)).one()
        draft = session.exec(select(Conversation).where(Conversation.person_id == person.id)).one().draft
    assert (draft["site"], draft["format"], draft["timezone"]) == ("Lyon", "video", "Europe/Paris")


async def test_a_first_message_slow_to_look_up_is_still_read_before_the_next_one(slack: SlackWorld) -> None:
    slack.fake.fail(
        "users.info", Fault(delay=0.3, accepted=True)
    )  # looking up who wrote the first message takes a while

    async def later(answer: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await slack.send.message(MARC, answer)

    await asyncio.gather(later("hello", 0), later("oui", 0.05))
    await slack.fake.quiet(1)
    with Session(slack.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == MARC)).one()
        conversation = session.exec(select(Conversation).where(Conversation.person_id == person.id)).one()
    assert conversation.step == "role"  # "hello" opened the conversation, then "oui" consented


async def to_the_summary(slack: SlackWorld, user: str) -> None:
    await slack.send.message(user, "hello")
    await slack.fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS:
        await slack.send.message(user, answer)
        await slack.fake.next("chat.postMessage")


async def test_continue_on_languages_shown_ticked_keeps_them(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    await to_the_summary(slack, ANA)
    await send.press(ANA, fake.of("chat.postMessage")[-1], "Edit")
    menu = await fake.next("chat.postMessage")
    await send.press(ANA, menu, action_id="onb.edit", selected=["languages"])
    languages = await fake.next("chat.postMessage")
    checkboxes = next(b for b in languages.blocks if b["type"] == "actions")["elements"][0]
    assert [o["value"] for o in checkboxes["initial_options"]] == ["fr"]
    await send.press(ANA, languages, "Continue")  # no box changed: what is ticked is the answer
    summary = await fake.next("chat.postMessage")
    assert "Here is your profile" in summary.text and "Pick the languages" not in summary.text
    await send.press(ANA, summary, "Confirm")
    assert "you are all set" in (await fake.next("chat.postMessage")).text
    enrollment = enrollment_of(slack, ANA)
    assert enrollment is not None and enrollment.answers["languages"] == ["fr"]


async def test_stop_asks_first_and_its_buttons_go_on_or_discard(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    await send.message(ANA, "hello")
    await fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS[:7]:  # up to the department
        await send.message(ANA, answer)
        await fake.next("chat.postMessage")
    await send.message(ANA, "stop")
    asked = await fake.next("chat.postMessage")
    assert "Stop and discard your 6 answers?" in asked.text
    await send.press(ANA, asked, "No, go on")
    assert "Who is your manager?" in (await fake.next("chat.postMessage")).text
    assert enrollment_of(slack, ANA) is not None
    await send.message(ANA, "stop")
    asked = await fake.next("chat.postMessage")
    await send.press(ANA, asked, "Yes, stop")
    assert "Nothing you answered was kept" in (await fake.next("chat.postMessage")).text
    assert enrollment_of(slack, ANA) is None
    await send.press(ANA, asked, "Yes, stop")  # pressed again later: nothing left to stop
    assert "This conversation has ended" in (await fake.next("chat.postMessage")).text


async def test_leave_from_the_home_tab_names_the_partner_and_asks_first(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    a_volunteer(slack.bot, MARC, slack.clock.now, MENTOR)
    await to_the_summary(slack, ANA)
    await send.message(ANA, "confirm")
    await fake.next("chat.postMessage")
    await fake.next("views.publish")
    assert (await send.command(COORDINATOR, "match")).status == 200
    await fake.next("response_url")
    await send.command(COORDINATOR, "match confirm")
    await fake.next("response_url")
    await send.home_opened(ANA)
    home = await fake.next("views.publish")
    await send.press(ANA, home, "Leave")
    asked = await fake.posted("Your pair with <@UMARC001> ends now", channel=ANA)
    with Session(slack.bot.engine) as session:
        assert [p.status for p in session.exec(select(Pair)).all()] == ["active"]
    await send.press(ANA, asked, "No, stay")
    await fake.posted("You stay in", channel=ANA)
    await send.press(ANA, asked, "Yes, leave")
    await fake.posted("You have left", channel=ANA)
    with Session(slack.bot.engine) as session:
        assert [p.status for p in session.exec(select(Pair)).all()] == ["ended"]
    assert enrollment_of(slack, ANA).status == "left"  # type: ignore[union-attr]
