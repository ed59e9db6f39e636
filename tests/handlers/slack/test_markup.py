"""People, channels and typed text across Slack's wire: its mentions in, the core's markup through, mrkdwn out."""

from sqlmodel import Session, select

from storage.models import Enrollment
from tests.bot.dialog import MENTEE_ANSWERS
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import COORDINATOR, SlackWorld
from tests.doubles.slack_api import Call
from tests.handlers.slack.test_commands import command, onboard, uploaded

ANA, MARC = "UANA0001", "UMARC001"


async def test_a_pair_typed_with_slacks_mentions_is_made_and_shown_with_slacks_mentions(slack: SlackWorld) -> None:
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
    a_volunteer(slack.bot, MARC, slack.clock(), MENTEE)
    shown = await command(slack, COORDINATOR, f"pair <@{ANA}|ana> <@{MARC}>")
    assert f"*1.* <@{ANA}> → <@{MARC}>" in shown and "pinned" in shown
    assert "⟦" not in shown  # the core's markup never reaches Slack
    refused = await command(slack, COORDINATOR, f"pair <@{ANA}|ana> <@UNOBODY01|nobody>")
    assert "<@UNOBODY01> is not a volunteer ready to be paired" in refused


async def test_an_announce_typed_with_slacks_channel_posts_there_and_names_it_back(slack: SlackWorld) -> None:
    confirmation = await command(slack, COORDINATOR, "announce <#C123|general>")
    assert "The call for volunteers is on its way to <#C123>." in confirmation
    await slack.fake.posted("Join our reverse-mentoring programme", channel="C123")
    assert "<#C123>" in await command(slack, COORDINATOR, "program set community <#C123|general>")


async def test_ids_typed_by_hand_are_understood_as_slack_mentions(slack: SlackWorld) -> None:
    assert f"<@{ANA}> is now a coordinator" in await command(slack, COORDINATOR, f"coordinators add @{ANA}")


async def test_what_people_type_is_stored_as_typed_and_shown_escaped(slack: SlackWorld) -> None:
    """Slack sends `&amp; &lt; &gt;`; the core keeps the characters; mrkdwn gets them escaped again."""
    hope = MENTEE_ANSWERS.index("Understand how my teams use AI.")
    await slack.send.message(MARC, "hello")
    await slack.fake.next("chat.postMessage")
    for answer in [*MENTEE_ANSWERS[:hope], "Learn R&amp;D tools &lt;b&gt;fast&lt;/b&gt; ⟦@U0BOSS01⟧"]:
        await slack.send.message(MARC, answer)
        await slack.fake.next("chat.postMessage")
    for answer in MENTEE_ANSWERS[hope + 1 :]:
        await slack.send.message(MARC, answer)
        summary = await slack.fake.next("chat.postMessage")
    assert "Learn R&amp;D tools &lt;b&gt;fast&lt;/b&gt; [@U0BOSS01]" in summary.text
    await slack.send.message(MARC, "confirm")
    assert "you are all set" in (await slack.fake.next("chat.postMessage")).text
    with Session(slack.bot.engine) as session:
        stored = session.exec(select(Enrollment)).one().answers["hope"]
    assert stored == "Learn R&D tools <b>fast</b> [@U0BOSS01]"  # typed brackets are never the core's markup


async def confirmed_pair(slack: SlackWorld) -> Call:
    """Ana and Marc paired and introduced; the introduction as Slack received it."""
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
    a_volunteer(slack.bot, MARC, slack.clock(), MENTEE)
    await command(slack, COORDINATOR, "match")
    await command(slack, COORDINATOR, "match confirm")
    intro = await slack.fake.posted("Our charter")
    assert f"<@{ANA}> (mentor) and <@{MARC}> (mentee)" in intro.text
    await slack.fake.settle()
    return intro


async def test_an_objective_typed_with_markup_shows_as_typed_in_the_block_kit_sent(slack: SlackWorld) -> None:
    intro = await confirmed_pair(slack)
    await slack.send.press(ANA, intro, "Set our objectives")
    form = (await slack.fake.next("views.open")).args["view"]
    typed = {"objective1": {"objective1": {"type": "plain_text_input", "value": "<b>Use & share</b> <@UBOSS001>"}}}
    assert (await slack.send.submit(ANA, form, typed)).status == 200
    shared = await slack.fake.posted("wrote down your objectives")
    [section] = [b["text"]["text"] for b in shared.blocks if b["type"] == "section"]
    assert section == f"<@{ANA}> wrote down your objectives:\n1. &lt;b&gt;Use &amp; share&lt;/b&gt; &lt;@UBOSS001&gt;"


async def test_an_export_longer_than_a_section_is_split_into_whole_sections(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    listed = [f"U{n:09d}" for n in range(400)]  # a long confidential list: the export runs past 3,000
    with Session(slack.bot.engine) as session:
        enrollment = session.exec(select(Enrollment)).one()
        enrollment.answers = {**enrollment.answers, "not_with": listed}
        session.add(enrollment)
        session.commit()
    assert (await slack.send.command(ANA, "export-my-data")).status == 200
    answer = await slack.fake.next("response_url")
    sections = [b["text"]["text"] for b in answer.blocks if b["type"] == "section" and "text" in b]
    assert all(len(s) <= 3000 for s in sections)
    shown = " ".join(sections)
    # Every person of the list arrives as a whole mention, none cut between two sections.
    assert all(f"<@{user}>" in shown for user in listed)
    assert [n["user_id"] for n in (await uploaded(slack))[2]["enrollments"][0]["not_with"]] == listed


async def test_a_message_over_fifty_blocks_arrives_as_several_messages_in_order(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    listed = [f"U{n:09d}" for n in range(12_000)]  # about 60 sections of mentions
    with Session(slack.bot.engine) as session:
        enrollment = session.exec(select(Enrollment)).one()
        enrollment.answers = {**enrollment.answers, "not_with": listed}
        session.add(enrollment)
        session.commit()
    assert (await slack.send.command(ANA, "export-my-data")).status == 200
    first = await slack.fake.next("response_url")
    second = await slack.fake.next("response_url")
    assert len(first.blocks) == 50 and 0 < len(second.blocks) <= 50
    assert all(call.args["response_type"] == "ephemeral" and call.args["text"] for call in (first, second))
    shown = " ".join(b["text"]["text"] for b in first.blocks + second.blocks if "text" in b)
    assert shown.index(f"<@{listed[0]}>") < shown.index(f"<@{listed[-1]}>")  # in order
    assert len((await uploaded(slack))[2]["enrollments"][0]["answers"]["not_with"]) == len(listed)


async def test_the_cores_brackets_in_a_slack_name_or_a_form_never_become_a_mention(slack: SlackWorld) -> None:
    slack.fake.users[ANA] = {"name": "⟦@UCOORD01|Claire⟧", "locale": "en-GB", "tz": "Europe/London"}
    await command(slack, ANA, "help")  # the bot learns her Slack name
    intro = await confirmed_pair(slack)
    fields = " ".join(f["text"] for b in intro.blocks for f in b.get("fields", []))
    assert "*[@UCOORD01|Claire] hopes*" in fields and "<@UCOORD01>" not in fields
    await slack.send.press(MARC, intro, "Set our objectives")
    form = (await slack.fake.next("views.open")).args["view"]
    typed = {"objective1": {"objective1": {"type": "plain_text_input", "value": "⟦@UCOORD01⟧ ⟦#C0GENERAL⟧"}}}
    assert (await slack.send.submit(MARC, form, typed)).status == 200
    shared = await slack.fake.posted("wrote down your objectives")
    assert "<@UCOORD01>" not in shared.text and "<#C0GENERAL>" not in shared.text
    assert "[@UCOORD01] [#C0GENERAL]" in shared.text
