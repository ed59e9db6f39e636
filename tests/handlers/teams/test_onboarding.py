"""Onboarding on Teams, over HTTP: the bot's questions as Adaptive Cards, answered with their buttons (Universal
Actions and the older clients' submit), with typed words, in English and in French."""

from sqlmodel import Session, select

from storage.models import Address, Conversation, Enrollment, Person
from tests.bot.dialog import MENTEE_ANSWERS
from tests.doubles.bot_connector import cards_of
from tests.handlers.teams.world import TeamsWorld, find_action, someone


def enrollment_of(world: TeamsWorld, aad_id: str) -> Enrollment | None:
    with Session(world.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == aad_id)).one()
        return session.exec(select(Enrollment).where(Enrollment.person_id == person.id)).first()


async def test_a_mentee_onboards_by_typing_each_answer_in_the_chat(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    shown = await teams.say(ana, "hello")
    assert "what I keep and who sees it" in shown
    for answer in MENTEE_ANSWERS:
        shown = await teams.say(ana, answer)
    assert "Understand how my teams use AI." in shown
    _, summary = teams.last_card(ana, "Confirm")
    assert find_action(summary, "Confirm")["type"] == "Action.Execute"
    status, answer = await teams.press(ana, "Confirm", having="Confirm")
    assert status == 200 and answer["statusCode"] == 200
    assert "you are all set" in teams.pressed_shown
    enrollment = enrollment_of(teams, ana.aad_id)
    assert enrollment is not None and enrollment.status == "ready" and enrollment.role == "mentee"
    with Session(teams.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == ana.aad_id)).one()
        assert (person.display_name, person.timezone, person.platform_locale) == ("Ana Martin", "Europe/Paris", "en-GB")
        address = session.exec(select(Address).where(Address.owner_id == person.id)).one()
        # Kept to write to her later: her chat and the service that carries it, and her address for chat links.
        assert address.ref["conversation"]["id"] == teams.chat(ana) and address.ref["serviceUrl"] == teams.connector.url
        assert address.ref["upn"] == ana.upn and "activityId" not in address.ref


async def test_a_mentor_answers_with_buttons_and_ticks_and_each_answered_card_is_rewritten_in_place(
    teams: TeamsWorld,
) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    await teams.say(ana, "hello")
    status, _ = await teams.press(ana, "I agree, let's start")
    assert status == 200
    status, answer = await teams.press(ana, "Mentor", having="Which role is yours?")
    # The question is shown answered in its own card, through the invoke's answer; the next one follows in the chat.
    assert status == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert "✓ Mentor" in str(answer["value"]) and "Which topics could you share?" in teams.pressed_shown

    _, topics = teams.last_card(ana, "Which topics could you share?")
    ticks = next(e for e in topics["body"] if e["type"] == "Input.ChoiceSet")
    assert ticks["isMultiSelect"] and ticks["id"] == "onb.topics.pick"
    # Teams sends the ticked boxes with the button, joined by commas.
    await teams.press(ana, "Continue", inputs={"onb.topics.pick": "ai_assistants,social_networks"})
    assert "How well do you know **AI assistants" in teams.pressed_shown
    await teams.press(ana, "Expert")
    await teams.say(ana, "2")
    enrollment = enrollment_of(teams, ana.aad_id)
    assert enrollment is None or enrollment.status == "onboarding"

    # An older client sends the same button as an Action.Submit: the card is updated with a PUT instead.
    activity, _ = teams.last_card(ana, "career")
    status, _ = await teams.press(ana, "1 · Early career", submit=True)
    assert status == 200
    updated = [c for c in teams.connector.calls if c.method == "PUT"]
    assert updated and updated[-1].body["id"] == activity["id"]
    assert "✓ 1 · Early career" in str(cards_of(updated[-1].body))
    assert "department" in teams.pressed_shown


async def test_a_french_volunteer_is_answered_in_french_from_her_teams_locale(teams: TeamsWorld) -> None:
    marie = someone("Marie Dupont", locale="fr-FR")
    teams.join(marie)
    shown = await teams.say(marie, "bonjour")
    assert "ce que je conserve et qui le voit" in shown
    _, card = teams.last_card(marie)
    assert find_action(card, "J'accepte, commençons")["fallback"]["type"] == "Action.Submit"


async def test_a_manager_is_named_by_their_address_and_an_unknown_one_is_asked_again(teams: TeamsWorld) -> None:
    """Teams has no people picker in a card: the manager is typed as an address and looked up, so that the
    reporting line keeps them apart at the matching as a Slack picker would."""
    bob, ana = someone("Bob Boss"), someone("Ana Martin")
    for person in (bob, ana):
        teams.join(person)
        await teams.say(person, "hello")  # both have opened Passerelle: their addresses are kept
    for answer in ("yes", "mentee", "ai", "a must", "5", "Finance"):
        await teams.say(ana, answer)
    _, card = teams.last_card(ana, "Who is your manager?")
    field = find_action(card, "OK")["data"]["passerelle"]["from"]
    await teams.press(ana, "OK", {field: "nobody@elsewhere.example"}, having="Who is your manager?")
    assert "Type the e-mail address of someone who has opened Passerelle" in teams.pressed_shown
    await teams.press(ana, "OK", {field: bob.upn.upper()}, having="Who is your manager?")
    assert "Which languages could your sessions be in?" in teams.pressed_shown
    with Session(teams.bot.engine) as session:
        asking = session.exec(select(Conversation)).all()
    assert [c.draft["manager"] for c in asking if "manager" in c.draft] == [bob.aad_id]
