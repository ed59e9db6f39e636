"""`POST /api/messages` as an attacker or a broken client would use it: with an app id, every request without a
valid token is refused with 401 and changes nothing; what is not an activity is refused with 4xx, never a 500."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from unittest import mock
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.service import Passerelle
from handlers.teams.channel import Identity
from storage.models import Person
from tests.conftest import Clock
from tests.doubles.bot_connector import FakeConnector, text_of
from tests.doubles.teams_identity import MALFORMED, TeamsIdentity
from tests.handlers.teams.world import TENANT, TeamsWorld, serve, someone

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


async def test_an_activity_whose_body_comes_in_pieces_is_read_whole(teams: TeamsWorld) -> None:
    """A body split on the way (a long message, a form, a proxy) is one activity, not a malformed one."""
    ana = someone("Ana Martin")
    teams.join(ana)
    body = json.dumps(teams.activity(ana, text="hello " + "x" * 3000)).encode()
    address = urlsplit(teams.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    head = (
        f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body[: len(body) // 3])
    await writer.drain()
    for piece in (body[len(body) // 3 : 2 * len(body) // 3], body[2 * len(body) // 3 :]):
        await asyncio.sleep(0.05)
        writer.write(piece)
        await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert "Before we start" in teams.shown_since(ana, 0)


async def test_without_authentication_only_this_machine_may_post_activities(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    body = json.dumps(teams.activity(ana, text="hello")).encode()
    for remote, expected in (("10.1.2.3", 403), ("2001:db8::1", 403), ("127.0.0.1", 200), ("::1", 200)):
        request = make_mocked_request(
            "POST", "/api/messages", headers={"Content-Type": "application/json"}, payload=_payload(body)
        ).clone(remote=remote)
        response = await teams.teams.messages(request)
        assert response.status == expected, remote
    assert people(teams) == 1 and len(teams.connector.activities(ana.teams_id)) == 1  # once, from this machine


def _payload(body: bytes) -> StreamReader:
    stream = StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop())
    stream.feed_data(body)
    stream.feed_eof()
    return stream


async def test_a_broken_mention_or_tenant_is_read_as_missing_and_the_person_answered(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    for odd in (
        {"text": "<at>Passerelle</at> help", "entities": [{"type": "mention", "mentioned": None}]},
        {"text": "<at>Passerelle</at> help", "entities": [{"type": "mention"}]},
        {
            "text": "<at>Passerelle</at> help",
            "entities": [{"type": "mention", "text": "<at>x</at>"}],
            "recipient": None,
        },
        {"text": "<at>Passerelle</at> help"},  # the bot mentioned without its entity
    ):
        ana = someone("Ana Martin")  # someone new each time: what the one before began does not weigh
        teams.join(ana)
        status, _ = await teams.post({**teams.activity(ana), **odd})
        assert status == 200, odd
        if odd.get("recipient", True) is not None:
            assert "runs the reverse-mentoring programme" in teams.shown_since(ana, 0), odd  # the help
    broken = {**teams.activity(ana, text="hello"), "channelData": {"tenant": ["x"]}}
    broken["conversation"] = {"id": teams.chat(ana), "conversationType": "personal"}
    status, _ = await teams.post(broken)
    assert status == 200
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize(
    "odd",
    [
        {"locale": "en-GB-x-aaaaaaaaaaaa"},
        {"locale": "<script>"},
        {"localTimezone": "Europe/" + "x" * 70},
        {"localTimezone": "Mars/Olympus_Mons"},
    ],
)
async def test_a_locale_or_time_zone_no_client_would_send_is_ignored(
    teams: TeamsWorld, odd: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    assert "Before we start" in await teams.say(ana, "hello")
    status, _ = await teams.post({**teams.activity(ana, text="yes"), **odd})
    assert status == 200 and "Which role is yours?" in text_of(teams.connector.last(ana.teams_id))
    with Session(teams.bot.engine) as session:
        person = session.exec(select(Person)).one()
    assert (person.platform_locale, person.timezone) == ("en-GB", "Europe/Paris")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_an_id_longer_than_any_teams_sends_is_turned_away_at_the_door(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    status, _ = await teams.post({**teams.activity(ana, text="hello"), "from": {"id": "29:" + "a" * 70}})
    assert status == 200 and people(teams) == 0


async def test_a_single_tenant_bot_serves_its_own_tenant_only(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    teams.teams.tenant = "0b0f1a2c-0000-4000-8000-000000000001"  # as build_teams sets it for a SingleTenant bot
    status, _ = await teams.post(teams.activity(ana, text="hello"))
    assert status == 403 and people(teams) == 0 and teams.connector.calls == []
    teams.teams.tenant = TENANT
    status, _ = await teams.post(teams.activity(ana, text="hello"))
    assert status == 200 and people(teams) == 1


async def test_a_file_is_served_under_the_name_it_was_handed_over_with_only(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    await teams.say(ana, "hello")
    await teams.say(ana, "export-my-data")
    _, card = teams.last_card(ana, "Your data in Passerelle")
    url = next(a["url"] for a in card["body"][-1]["actions"] if a["type"] == "Action.OpenUrl")
    for other in ("evil.html", "..%2f..%2fetc%2fpasswd"):
        async with teams.session.get(url.rsplit("/", 1)[0] + "/" + other) as response:
            assert response.status == 404
    async with teams.session.get(url) as response:
        assert response.status == 200
