"""The Teams test doubles against the real botbuilder CloudAdapter: the Bot Connector double, Microsoft's token
services, and the checks built on the vendors' specifications, each shown to catch what it is there to catch."""

import asyncio
import json
import uuid
from types import SimpleNamespace
from typing import Any

import aiohttp
import jwt
import pytest
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, Attachment, ErrorResponseException

from tests.doubles.bot_connector import (
    BLOCKED,
    MESSAGE_WRITES_BLOCKED,
    NOT_FOUND,
    NOT_INSTALLED,
    FakeConnector,
    Fault,
    text_of,
    texts,
    throttled,
)
from tests.doubles.schemas import (
    ACTIVITY_MESSAGE,
    ADAPTIVE_CARD,
    activity_problems,
    card_problems,
    invoke_response_problems,
    load,
)
from tests.doubles.teams_identity import MALFORMED, TeamsIdentity

APP_ID = "6f1d2a4e-8b3c-4d5e-9f60-7a8b9c0d1e2f"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ANA = "29:1ana-teams-id"

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "msteams": {"width": "Full"},
    "body": [
        {"type": "TextBlock", "text": "Your mentor", "weight": "Bolder", "wrap": True},
        {"type": "Container", "style": "emphasis", "items": [{"type": "TextBlock", "text": "Jean", "wrap": True}]},
        {"type": "FactSet", "facts": [{"title": "Team", "value": "Finance"}]},
        {"type": "Input.ChoiceSet", "id": "slot", "label": "When?", "choices": [{"title": "Monday", "value": "mon"}]},
    ],
    "actions": [
        {"type": "Action.Submit", "title": "Accept", "data": {"msteams": {"type": "messageBack", "text": "accept"}}},
        {"type": "Action.OpenUrl", "title": "Guide", "url": "https://example.org/guide", "style": "default"},
    ],
}


def changed(path: str, value: Any) -> dict[str, Any]:
    """CARD with one value replaced, by a path like 'body.0.text' (value None removes it)."""
    card = json.loads(json.dumps(CARD))
    *parents, last = path.split(".")
    node = card
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is None:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return card


def test_a_teams_card_with_teams_own_extensions_passes() -> None:
    assert card_problems(CARD) == []


@pytest.mark.parametrize(
    ("card", "caught"),
    [
        (changed("body.0.type", "TextBlok"), "unknown type 'TextBlok'"),
        (changed("body.0.text", None), "'text' is a required property"),
        (changed("body.2.facts.0.value", None), "'value' is a required property"),
        (changed("body.0.colour", "red"), "'colour' was unexpected"),
        (changed("version", "1.6"), "above 1.5"),
        (changed("version", None), "not a version"),
        (
            changed(
                "body.1", {"type": "Media", "sources": [{"mimeType": "video/mp4", "url": "https://example.org/a.mp4"}]}
            ),
            "Media",
        ),
        (changed("actions.0.style", "positive"), "style 'positive'"),
        (changed("actions.1.style", "destructive"), "style 'destructive'"),
    ],
)
def test_each_defect_planted_in_a_card_is_caught(card: dict[str, Any], caught: str) -> None:
    problems = card_problems(card)
    assert len(problems) == 1 and caught in problems[0], problems


def message(**fields: Any) -> dict[str, Any]:
    """An activity as botbuilder serialises a reply in a Teams 1:1."""
    return {
        "type": "message",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "channelId": "msteams",
        "from": {"id": f"28:{APP_ID}", "name": "Passerelle"},
        "conversation": {"conversationType": "personal", "id": "a:1xyz", "tenantId": TENANT},
        "recipient": {"id": ANA, "name": "Ana"},
        "inputHint": "acceptingInput",
        "replyToId": "1",
        **fields,
    }


def test_an_activity_with_a_card_and_string_action_values_passes() -> None:
    suggested = {"actions": [{"type": "imBack", "title": "Help", "value": "help"}]}
    activity = message(attachments=[{"contentType": ADAPTIVE_CARD, "content": CARD}], suggestedActions=suggested)
    assert activity_problems(activity) == []


@pytest.mark.parametrize(
    ("activity", "caught"),
    [
        (message(type="mesage"), "$.type: 'mesage' is not one of"),
        (message(attachments={"contentType": ADAPTIVE_CARD}), "$.attachments: {"),
        (message(conversation={"id": 42}), "$.conversation.id: 42 is not of type 'string'"),
        (message(attachments=[{"contentType": ADAPTIVE_CARD, "content": changed("version", "1.6")}]), "attachments[0]"),
    ],
)
def test_each_defect_planted_in_an_activity_is_caught(activity: dict[str, Any], caught: str) -> None:
    problems = activity_problems(activity)
    assert len(problems) == 1 and caught in problems[0], problems


@pytest.mark.parametrize(
    ("body", "fine"),
    [
        ({"statusCode": 200, "type": ADAPTIVE_CARD, "value": CARD}, True),
        ({"statusCode": 200, "type": ACTIVITY_MESSAGE, "value": "Saved."}, True),
        ({"statusCode": 200, "type": ADAPTIVE_CARD, "value": changed("version", "1.6")}, False),
        ({"statusCode": 200, "type": ACTIVITY_MESSAGE, "value": {"text": "Saved."}}, False),
        ({"statusCode": 200, "type": "application/vnd.microsoft.card.hero", "value": {}}, False),
        ({"type": ACTIVITY_MESSAGE, "value": "Saved."}, False),
    ],
)
def test_invoke_response_bodies_are_checked_as_teams_reads_them(body: dict[str, Any], fine: bool) -> None:
    assert (invoke_response_problems(body) == []) is fine


def test_what_a_person_reads_on_a_card() -> None:
    assert texts(CARD) == ["Your mentor", "Jean", "Team", "Finance", "When?", "Monday", "Accept", "Guide"]


async def test_every_route_the_connector_serves_is_in_the_swagger(connector: FakeConnector) -> None:
    paths = load("botframework-activity/botframework-channel.json")["paths"]
    served = connector.routes()
    assert len(served) == 7
    assert [(verb, path) for verb, path in served if verb.lower() not in paths.get(path, {})] == []


@pytest.mark.parametrize(
    ("fields", "caught"),
    [({"type": "mesage"}, "'mesage' is not one of"), ({"conversation": {"id": "a:1other"}}, "posted to")],
)
async def test_a_malformed_activity_is_refused_with_400_and_kept_as_a_problem(
    fields: dict[str, Any], caught: str
) -> None:
    async with FakeConnector() as double, aiohttp.ClientSession() as http:
        conversation = double.add_member(ANA, "Ana Lopez", "ana@contoso.com", str(uuid.uuid4()), TENANT)
        activity = message(conversation={"id": conversation, "conversationType": "personal"}) | fields
        async with http.post(f"{double.url}v3/conversations/{conversation}/activities", json=activity) as answer:
            assert answer.status == 400
            assert (await answer.json())["error"]["code"] == "BadArgument"
        assert double.activities(ANA) == []
        assert len(double.problems) == 1 and caught in double.problems[0]


async def test_each_user_has_one_stable_personal_conversation(connector: FakeConnector) -> None:
    connector.add_member(ANA, "Ana Lopez", "ana@contoso.com", str(uuid.uuid4()), TENANT)
    parameters = {"bot": {"id": f"28:{APP_ID}"}, "members": [{"id": ANA}], "tenantId": TENANT}
    async with aiohttp.ClientSession() as http:
        ids = []
        for _ in range(2):
            async with http.post(f"{connector.url}v3/conversations", json=parameters) as answer:
                ids.append((await answer.json())["id"])
        stranger = {**parameters, "members": [{"id": "29:someone-without-the-app"}]}
        async with http.post(f"{connector.url}v3/conversations", json=stranger) as answer:
            refusal = answer.status, (await answer.json())["error"]["code"]
    assert ids == [connector.personal(ANA)] * 2
    assert refusal == (403, "ForbiddenOperationException")


class Echo(ActivityHandler):
    """Replies to each message with its text and the sender's UPN, read through TeamsInfo.get_member."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        member = await TeamsInfo.get_member(turn_context, turn_context.activity.from_property.id)
        await turn_context.send_activity(MessageFactory.text(f"echo {turn_context.activity.text} {member.email}"))


def from_teams(connector: FakeConnector, text: str = "hello") -> Activity:
    """A message from Ana in her 1:1 with the bot, as Teams posts it."""
    conversation = connector.add_member(
        ANA, "Ana Lopez", "ana@contoso.com", "0b7e4c7a-aad0-4e4e-9a65-4a1b2c3d4e5f", TENANT
    )
    return Activity().deserialize(
        {
            "type": "message",
            "id": "1700000000001",
            "timestamp": "2026-11-26T14:30:00.000Z",
            "channelId": "msteams",
            "serviceUrl": connector.url,
            "from": {"id": ANA, "name": "Ana Lopez", "aadObjectId": "0b7e4c7a-aad0-4e4e-9a65-4a1b2c3d4e5f"},
            "recipient": {"id": f"28:{APP_ID}", "name": "Passerelle"},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            "text": text,
        }
    )


def adapter(configuration: dict[str, str]) -> CloudAdapter:
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(**configuration)))


async def test_with_authentication_off_a_reply_reaches_the_connector(connector: FakeConnector) -> None:
    bot = adapter({"APP_ID": "", "APP_PASSWORD": ""})
    await bot.process_activity("", from_teams(connector), Echo().on_turn)
    assert connector.last(ANA)["text"] == "echo hello ana@contoso.com"
    assert connector.last(ANA)["replyToId"] == "1700000000001"
    assert [c.authorization for c in connector.calls] == [None, None]


@pytest.fixture
def authenticated(connector: FakeConnector, teams_identity: TeamsIdentity) -> CloudAdapter:
    """An adapter with a real app id, authenticating against the identity double; the connector then refuses any
    call without a token the double issued."""
    connector.authorize = teams_identity.authorized
    return adapter(teams_identity.configuration(APP_ID, "app-password"))


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_own_token(
    authenticated: CloudAdapter, connector: FakeConnector, teams_identity: TeamsIdentity
) -> None:
    activity = from_teams(connector)
    await authenticated.process_activity(
        f"Bearer {teams_identity.token(APP_ID, connector.url)}", activity, Echo().on_turn
    )
    assert connector.last(ANA)["text"] == "echo hello ana@contoso.com"
    assert all(teams_identity.authorized(c.authorization) for c in connector.calls)
    assert ("POST", "/adfs/oauth2/token") in teams_identity.requests


async def test_authentication_can_run_apart_from_the_turn(
    authenticated: CloudAdapter, connector: FakeConnector, teams_identity: TeamsIdentity
) -> None:
    """A route can authenticate first, so that only authentication's errors become 401, then run the turn."""
    activity = from_teams(connector)
    header = f"Bearer {teams_identity.token(APP_ID, connector.url)}"
    result = await authenticated.bot_framework_authentication.authenticate_request(activity, header)
    await authenticated.process_activity(result, activity, Echo().on_turn)
    assert connector.last(ANA)["text"] == "echo hello ana@contoso.com"


@pytest.mark.parametrize(
    ("header", "refused_with"),
    [
        (lambda i, url: "", AttributeError),  # no header: botbuilder fails on a None identity
        (lambda i, url: "Bearer", AttributeError),
        (lambda i, url: "Basic YWxhZGRpbjpvcGVuc2VzYW1l", PermissionError),
        (lambda i, url: f"Bearer {i.token(APP_ID, url, expired=True)}", jwt.ExpiredSignatureError),
        (lambda i, url: f"Bearer {i.token('another-app', url)}", PermissionError),
        (lambda i, url: f"Bearer {i.token(APP_ID, url, unknown_key=True)}", IndexError),  # kid not in the JWKS
        (lambda i, url: f"Bearer {i.token(APP_ID, url, unknown_key=True, kid=i.kid)}", jwt.InvalidSignatureError),
        (lambda i, url: f"Bearer {i.token(APP_ID, url, issuer='https://sts.example.org/')}", PermissionError),
        (lambda i, url: f"Bearer {i.token(APP_ID, 'https://smba.trafficmanager.net/emea/')}", PermissionError),
        (lambda i, url: f"Bearer {MALFORMED}", jwt.DecodeError),
    ],
    ids=[
        "missing",
        "no-token",
        "basic",
        "expired",
        "audience",
        "unknown-key",
        "forged",
        "issuer",
        "serviceurl",
        "junk",
    ],
)
async def test_a_request_without_a_valid_token_raises_and_nothing_is_sent(
    authenticated: CloudAdapter,
    connector: FakeConnector,
    teams_identity: TeamsIdentity,
    header: Any,
    refused_with: type,
) -> None:
    activity = from_teams(connector)
    with pytest.raises(refused_with):
        await authenticated.process_activity(header(teams_identity, connector.url), activity, Echo().on_turn)
    assert connector.calls == []


def reference(connector: FakeConnector) -> Any:
    """What the bot stores of a conversation to write in it later."""
    return TurnContext.get_conversation_reference(from_teams(connector))


async def say(bot: CloudAdapter, connector: FakeConnector, text: str) -> None:
    async def send(turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(text))

    await bot.continue_conversation(reference(connector), send, APP_ID)


async def test_a_proactive_message_reaches_the_connector_with_the_bots_token(
    authenticated: CloudAdapter, connector: FakeConnector, teams_identity: TeamsIdentity
) -> None:
    await say(authenticated, connector, "Your session starts in 10 minutes.")
    assert (await connector.posted("starts in 10", to=ANA))["type"] == "message"
    assert teams_identity.authorized(connector.calls[-1].authorization)


async def test_the_members_of_a_personal_conversation_in_teams_shape(
    authenticated: CloudAdapter, connector: FakeConnector, teams_identity: TeamsIdentity
) -> None:
    """TeamsInfo reads Teams' channelData, so it works in a turn Teams started, not in continue_conversation."""
    found: list[Any] = []

    async def look(turn_context: TurnContext) -> None:
        found.extend(await TeamsInfo.get_members(turn_context))

    header = f"Bearer {teams_identity.token(APP_ID, connector.url)}"
    await authenticated.process_activity(header, from_teams(connector), look)
    [ana] = found
    assert (ana.id, ana.user_principal_name, ana.tenant_id, ana.given_name) == (ANA, "ana@contoso.com", TENANT, "Ana")
    assert ana.aad_object_id == "0b7e4c7a-aad0-4e4e-9a65-4a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (BLOCKED, 403, "ConversationBlockedByUser"),
        (NOT_INSTALLED, 403, "ForbiddenOperationException"),
        (NOT_FOUND, 404, "ConversationNotFound"),
        (Fault(412), 412, "PreconditionFailed"),
        (Fault(500), 500, "ServiceError"),
        (Fault(502), 502, "ServiceError"),
        (Fault(504), 504, None),
    ],
)
async def test_a_refusal_surfaces_as_an_error_response_with_its_status_and_code(
    authenticated: CloudAdapter, connector: FakeConnector, fault: Fault, status: int, code: str | None
) -> None:
    connector.fail(fault, to=ANA)
    with pytest.raises(ErrorResponseException) as raised:
        await say(authenticated, connector, "Hello")
    assert raised.value.response.status_code == status
    assert (raised.value.error.error.code if raised.value.error.error else None) == code
    assert connector.activities(ANA) == []
    await say(authenticated, connector, "Hello again")  # the fault was for one call
    assert connector.last(ANA)["text"] == "Hello again"


async def test_throttling_says_when_to_retry(authenticated: CloudAdapter, connector: FakeConnector) -> None:
    connector.fail(throttled(7), to=ANA)
    with pytest.raises(ErrorResponseException) as raised:
        await say(authenticated, connector, "Hello")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.error.error.code == "Throttled"


async def test_message_writes_blocked_comes_without_teams_usual_error_envelope(
    authenticated: CloudAdapter, connector: FakeConnector
) -> None:
    """Microsoft's documented body for a bot the user blocked or uninstalled: botbuilder's ErrorResponse model finds
    no error in it; the sub-code is only in the raw body's text."""
    connector.fail(MESSAGE_WRITES_BLOCKED, to=ANA)
    with pytest.raises(ErrorResponseException) as raised:
        await say(authenticated, connector, "Hello")
    assert raised.value.response.status_code == 403
    assert raised.value.error.error is None
    body = raised.value.response.json()
    assert body["errorCode"] == 209 and json.loads(body["message"])["subCode"] == "MessageWritesBlocked"


async def test_a_hang_is_cut_by_the_callers_timeout(authenticated: CloudAdapter, connector: FakeConnector) -> None:
    connector.fail(Fault(delay=5), to=ANA)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(say(authenticated, connector, "Hello"), 0.5)
    assert connector.activities(ANA) == []


async def test_an_accepted_message_whose_answer_is_lost_is_shown_all_the_same(
    authenticated: CloudAdapter, connector: FakeConnector
) -> None:
    connector.fail(Fault(502, accepted=True), to=ANA)
    with pytest.raises(ErrorResponseException):
        await say(authenticated, connector, "Hello")
    assert [text_of(a) for a in connector.activities(ANA)] == ["Hello"]


async def test_updates_and_deletes_change_what_the_conversation_shows(
    authenticated: CloudAdapter, connector: FakeConnector
) -> None:
    shown: list[str] = []
    cards: list[dict[str, Any]] = []

    async def post_then_edit(turn_context: TurnContext) -> None:
        first = await turn_context.send_activity(
            MessageFactory.attachment(Attachment(content_type=ADAPTIVE_CARD, content=CARD))
        )
        cards.extend(connector.cards(ANA))
        second = await turn_context.send_activity(MessageFactory.text("temporary"))
        edited = MessageFactory.text("Accepted: Monday")
        edited.id = first.id
        await turn_context.update_activity(edited)
        await turn_context.delete_activity(second.id)
        shown.extend(text_of(a) for a in connector.activities(ANA))

    await authenticated.continue_conversation(reference(connector), post_then_edit, APP_ID)
    assert cards == [CARD]
    assert shown == ["Accepted: Monday"]
    assert [c.method for c in connector.calls] == ["POST", "POST", "PUT", "DELETE"]


async def test_with_authentication_on_a_call_without_the_bots_token_is_refused_with_401(
    teams_identity: TeamsIdentity,
) -> None:
    async with FakeConnector(authorize=teams_identity.authorized) as double, aiohttp.ClientSession() as http:
        conversation = double.add_member(ANA, "Ana Lopez", "ana@contoso.com", str(uuid.uuid4()), TENANT)
        activity = message(conversation={"id": conversation, "conversationType": "personal"})
        url = f"{double.url}v3/conversations/{conversation}/activities"
        async with http.post(url, json=activity, headers={"Authorization": "Bearer forged"}) as answer:
            assert answer.status == 401
        assert double.activities(ANA) == []
        assert double.problems == ["POST /v3/conversations/{conversationId}/activities: no valid bearer token"]


async def test_a_wrong_app_password_fails_before_anything_is_sent(
    connector: FakeConnector, teams_identity: TeamsIdentity
) -> None:
    configuration = teams_identity.configuration(APP_ID, "the-right-password") | {"APP_PASSWORD": "a-wrong-one"}
    with pytest.raises(PermissionError, match="invalid_client"):
        await say(adapter(configuration), connector, "Hello")
    assert connector.calls == []
