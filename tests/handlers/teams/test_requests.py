"""`POST /api/messages` as an attacker or a broken client would use it: with an app id, every request without a
valid token is refused with 401 and changes nothing; what is not an activity is refused with 4xx, never a 500."""

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.service import Passerelle
from handlers.teams.channel import Identity
from storage.models import Person
from tests.conftest import Clock
from tests.doubles.bot_connector import FakeConnector
from tests.doubles.teams_identity import MALFORMED, TeamsIdentity
from tests.handlers.teams.world import TeamsWorld, serve, someone

APP_ID = "6f1d2a4e-8b3c-4d5e-9f60-7a8b9c0d1e2f"


@pytest.fixture
async def guarded(engine: Engine, clock: Clock, teams_identity: TeamsIdentity) -> AsyncIterator[TeamsWorld]:
    """Teams with an app id: tokens checked against the local stand-in for Microsoft's token services, and the
    bot's own calls to the connector carrying a token the stand-in issued."""
    connector = FakeConnector(authorize=teams_identity.authorized)
    await connector.start()
    bot = Passerelle(engine, locale="en")
    overrides = teams_identity.configuration(APP_ID, "the-app-password")
    identity = Identity(APP_ID, "the-app-password", overrides=tuple(overrides.items()))
    runner, channel, url = await serve(bot, connector, clock, identity)
    async with aiohttp.ClientSession() as session:
        yield TeamsWorld(bot, connector, channel, url, clock, session)
    await runner.cleanup()
    await connector.stop()
    assert connector.problems == []


def people(world: TeamsWorld) -> int:
    with Session(world.bot.engine) as session:
        return session.exec(select(func.count()).select_from(Person)).one()


async def test_with_an_app_id_a_valid_token_is_served_and_the_answer_carries_the_bots_token(
    guarded: TeamsWorld, teams_identity: TeamsIdentity
) -> None:
    ana = someone("Ana Martin")
    guarded.join(ana)
    token = teams_identity.token(APP_ID, guarded.connector.url)
    status, _ = await guarded.post(guarded.activity(ana, text="hello"), {"Authorization": f"Bearer {token}"})
    assert status == 200
    shown = guarded.connector.calls[-1]
    assert "what I keep and who sees it" in str(shown.body)
    assert teams_identity.authorized(shown.authorization)


@pytest.mark.parametrize(
    "header",
    [
        lambda i, url: "",
        lambda i, url: "Bearer",
        lambda i, url: "Basic dXNlcjpwYXNz",
        lambda i, url: f"Bearer {MALFORMED}",
        lambda i, url: f"Bearer {i.token(APP_ID, url, expired=True)}",
        lambda i, url: f"Bearer {i.token('another-app', url)}",
        lambda i, url: f"Bearer {i.token(APP_ID, url, unknown_key=True)}",
        lambda i, url: f"Bearer {i.token(APP_ID, url, unknown_key=True, kid=i.kid)}",
        lambda i, url: f"Bearer {i.token(APP_ID, url, issuer='https://sts.example.org/')}",
        lambda i, url: f"Bearer {i.token(APP_ID, 'https://smba.trafficmanager.net/emea/')}",
    ],
    ids=[
        "missing",
        "empty bearer",
        "basic",
        "malformed",
        "expired",
        "wrong audience",
        "unknown signing key",
        "forged signature",
        "wrong issuer",
        "another service url",
    ],
)
async def test_with_an_app_id_a_request_without_a_valid_token_is_refused_with_401_and_changes_nothing(
    guarded: TeamsWorld, teams_identity: TeamsIdentity, header: Callable[[TeamsIdentity, str], str]
) -> None:
    ana = someone("Ana Martin")
    guarded.join(ana)
    given = header(teams_identity, guarded.connector.url)
    status, _ = await guarded.post(guarded.activity(ana, text="hello"), {"Authorization": given} if given else {})
    assert status == 401
    assert people(guarded) == 0 and guarded.connector.calls == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b'{"type": "message", "from": "ana", "serviceUrl": 5}', "application/json", 400),
        (b'{"type": "message"}', "application/json", 400),
        (b'{"type": "message", "serviceUrl": "file:///etc/passwd"}', "application/json", 400),
        (b'{"type": "message", "serviceUrl": "http://127.0.0.1:9/", "conversation": null}', "application/json", 400),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_what_is_not_an_activity_is_refused_cleanly(
    teams: TeamsWorld, body: bytes, content_type: str, expected: int
) -> None:
    async with teams.session.post(teams.url, data=body, headers={"Content-Type": content_type}) as response:
        assert response.status == expected
        assert "Traceback" not in await response.text()
    assert people(teams) == 0 and teams.connector.calls == []


async def test_fields_of_the_wrong_type_are_read_as_missing_not_as_a_failure(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    for odd in (
        {"from": {"id": ["x"], "aadObjectId": 5}},
        {"conversation": {"id": teams.chat(ana), "tenantId": 7}, "channelData": {"tenant": "x"}},
        {"text": {"not": "text"}},
        {"value": ["not", "data"], "text": None},
        {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": "nonsense"}},
        {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": {"type": "Action.Execute", "data": 3}}},
        {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": {"type": "Action.Execute"}}},
        {"type": "invoke", "name": "composeExtension/query", "value": {}},
    ):
        status, _ = await teams.post({**teams.activity(ana), **odd})
        assert status in (200, 400), odd


async def test_an_activity_sent_again_with_the_same_id_is_handled_once(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    activity = teams.activity(ana, text="hello")
    for _ in range(3):
        status, _ = await teams.post(activity)
        assert status == 200
    assert len(teams.connector.activities(ana.teams_id)) == 1


async def test_a_message_in_a_group_chat_is_asked_to_come_to_the_one_to_one_chat(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    activity = teams.activity(ana, text="help")
    activity["conversation"] = {
        "id": "19:group@thread.v2",
        "conversationType": "groupChat",
        "tenantId": activity["conversation"]["tenantId"],
    }
    status, _ = await teams.post(activity)
    assert status == 200
    assert "one-to-one chat" in str(teams.connector.activities("19:group@thread.v2"))
    assert people(teams) == 0
