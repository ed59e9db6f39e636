"""A pair on Teams: matched and announced by a coordinator typing in the 1:1 chat, each member's own card (a bot
cannot create a group chat) with a link to a chat with the other, the charter rewritten on both cards when either
commits, and what the bot cannot deliver reported to the coordinators."""

from sqlmodel import Session, select

from storage.models import Outbox, OutboxState, Pair
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.doubles.bot_connector import MESSAGE_WRITES_BLOCKED, NOT_INSTALLED, cards_of, text_of, throttled
from tests.handlers.teams.conftest import COORDINATOR
from tests.handlers.teams.world import TENANT, Someone, TeamsWorld, find_action, someone

TEAMS = ("teams", TENANT)


async def enrolled(
    teams: TeamsWorld, opened: bool = True, zones: tuple[str, str] = ("Europe/Paris", "Europe/Paris")
) -> tuple[Someone, Someone]:
    """Jean (mentor) and Marc (mentee) in the programme, each having opened the app once if `opened`."""
    jean, marc = someone("Jean Mentor"), someone("Marc Mentee")
    for person, answers, zone in ((jean, MENTOR, zones[0]), (marc, MENTEE, zones[1])):
        teams.join(person)
        a_volunteer(teams.bot, person.aad_id, teams.clock(), answers, workspace=TEAMS, timezone=zone)
        if opened:
            await teams.say(person, "status")  # their chat is known
    return jean, marc


async def a_pair(teams: TeamsWorld) -> tuple[Someone, Someone]:
    """Jean (mentor) and Marc (mentee), each having opened the app once, matched and announced."""
    jean, marc = await enrolled(teams)
    await teams.say(COORDINATOR, "match")
    assert "1 pair confirmed" in await teams.say(COORDINATOR, "match confirm")
    await teams.deliver()
    return jean, marc


async def test_each_member_gets_the_introduction_in_their_own_chat_with_a_link_to_chat_with_the_other(
    teams: TeamsWorld,
) -> None:
    jean, marc = await a_pair(teams)
    for reader, other in ((jean, marc), (marc, jean)):
        _, card = teams.last_card(reader, "Your reverse-mentoring pair")
        link = find_action(card, f"Chat with {other.name}")
        assert link["type"] == "Action.OpenUrl" and link["url"].endswith(other.upn.replace("@", "%40"))
        assert f"Chat with {reader.name}" not in str(card)
        assert find_action(card, "I commit")["type"] == "Action.Execute"


async def test_the_charter_is_rewritten_on_both_cards_when_either_commits(teams: TeamsWorld) -> None:
    jean, marc = await a_pair(teams)
    marc_card, _ = teams.last_card(marc, "Your reverse-mentoring pair")
    status, answer = await teams.press(jean, "I commit", having="Your reverse-mentoring pair")
    assert status == 200 and "Committed: Jean Mentor" in str(answer["value"])
    # Jean's card is rewritten by the invoke's answer; Marc's, in his own chat, by an update of his copy.
    assert "Committed: Jean Mentor" in text_of(teams.connector.activities(marc.teams_id)[-1]) or any(
        "Committed: Jean Mentor" in text_of(a) and a["id"] == marc_card["id"]
        for a in teams.connector.activities(marc.teams_id)
    )
    updated = [c for c in teams.connector.calls if c.method == "PUT" and c.conversation == teams.chat(marc)]
    assert updated and updated[-1].body["id"] == marc_card["id"]
    # His copy still links to a chat with Jean, and still answers: his commitment completes the charter.
    assert find_action(cards_of(updated[-1].body)[0], "Chat with Jean Mentor")
    status, answer = await teams.press(marc, "I commit", having="Your reverse-mentoring pair")
    assert status == 200 and "Marc Mentee" in str(answer["value"]) and "Jean Mentor" in str(answer["value"])


async def test_a_forged_outbox_key_rewrites_nobody_elses_card(teams: TeamsWorld) -> None:
    jean, _ = await a_pair(teams)
    _, card = teams.last_card(jean, "Your reverse-mentoring pair")
    marc_key = f"{find_action(card, 'I commit')['data']['passerelle']['o'].rsplit(':to:', 1)[0]}:to:999"
    action = find_action(card, "I commit")
    action["data"]["passerelle"]["o"] = marc_key
    puts = len([c for c in teams.connector.calls if c.method == "PUT"])
    await teams.press(jean, "I commit", having="Your reverse-mentoring pair")
    assert len([c for c in teams.connector.calls if c.method == "PUT"]) == puts


async def test_someone_the_bot_cannot_write_to_is_reported_to_the_coordinators_with_what_to_do(
    teams: TeamsWorld,
) -> None:
    jean, _ = await enrolled(teams, opened=False)
    await teams.say(jean, "status")  # Marc never opened the app: there is no chat to write to
    teams.connector.fail(MESSAGE_WRITES_BLOCKED, to=teams.chat(jean))
    await teams.say(COORDINATOR, "match")
    await teams.say(COORDINATOR, "match confirm")
    await teams.deliver()
    teams.clock.travel(minutes=11)
    await teams.deliver()  # the failures are gathered into one notice to the coordinators
    await teams.deliver()
    with Session(teams.bot.engine) as session:
        states = {row.key: (row.state, row.error) for row in session.exec(select(Outbox)).all()}
    intro = {k: v for k, v in states.items() if k.startswith("intro:")}
    assert sorted(state for state, _ in intro.values()) == [OutboxState.UNDELIVERABLE] * 2
    told = text_of(teams.connector.last(COORDINATOR.teams_id))
    assert "install it for them" in told and "blocked the app" in told
    assert "Jean Mentor: they blocked the app" in told and "2 messages" in told


async def test_throttling_is_waited_out_and_a_refusal_for_good_is_not_retried(teams: TeamsWorld) -> None:
    jean, marc = await enrolled(teams)
    teams.connector.fail(throttled(30), to=teams.chat(jean))
    teams.connector.fail(NOT_INSTALLED, to=teams.chat(marc))
    await teams.say(COORDINATOR, "match")
    await teams.say(COORDINATOR, "match confirm")
    await teams.deliver()
    with Session(teams.bot.engine) as session:
        rows = {row.key.rsplit(":to:", 1)[-1]: row for row in session.exec(select(Outbox)).all() if "intro" in row.key}
    assert {row.state for row in rows.values()} == {OutboxState.PENDING, OutboxState.UNDELIVERABLE}
    waiting = next(row for row in rows.values() if row.state == OutboxState.PENDING)
    assert waiting.not_before.replace(tzinfo=None) >= (teams.clock().replace(tzinfo=None))
    teams.clock.travel(seconds=40)
    await teams.deliver()
    assert "Your reverse-mentoring pair" in text_of(teams.connector.last(jean.teams_id))


async def test_an_answer_to_another_card_under_a_pair_cards_key_rewrites_nobody_elses(teams: TeamsWorld) -> None:
    jean, marc = await a_pair(teams)
    _, card = teams.last_card(jean, "Your reverse-mentoring pair")
    key = find_action(card, "I commit")["data"]["passerelle"]["o"]
    await teams.say(jean, "profile")
    forged = {"passerelle": {"a": "onb.summary.confirm", "v": "", "o": key}}
    status, _ = await teams.post(teams.activity(jean, value=forged))
    assert status == 200
    assert not [c for c in teams.connector.calls if c.method == "PUT" and c.conversation == teams.chat(marc)]
    assert "Nobody has committed yet." in text_of(teams.last_card(marc, "Your reverse-mentoring pair")[0])


async def test_a_coordinator_names_people_by_their_address_in_a_command(teams: TeamsWorld) -> None:
    jean, marc = await enrolled(teams)
    shown = await teams.say(COORDINATOR, f"pair {jean.upn} {marc.upn.upper()}")
    assert "Jean Mentor" in shown and "Marc Mentee" in shown and "Usage" not in shown
    with Session(teams.bot.engine) as session:
        assert len(session.exec(select(Pair)).all()) == 1
    unknown = await teams.say(COORDINATOR, "pair someone@elsewhere.example marc@elsewhere.example")
    assert "someone@elsewhere.example" in unknown or "Usage" in unknown


async def test_a_copy_still_waiting_for_its_readers_morning_goes_out_with_the_commitments_made_since(
    teams: TeamsWorld,
) -> None:
    # 14:30 UTC: afternoon in Paris, the middle of the night in Tokyo.
    jean, marc = await enrolled(teams, zones=("Europe/Paris", "Asia/Tokyo"))
    await teams.say(COORDINATOR, "match")
    await teams.say(COORDINATOR, "match confirm")
    await teams.deliver()
    assert "Your reverse-mentoring pair" not in str(teams.connector.activities(marc.teams_id))
    await teams.press(jean, "I commit", having="Your reverse-mentoring pair")
    teams.clock.travel(hours=10)  # Tokyo's morning
    await teams.deliver()
    shown = text_of(teams.last_card(marc, "Your reverse-mentoring pair")[0])
    assert "Committed: Jean Mentor" in shown and "Nobody has committed yet." not in shown
