"""Teams as its people use it, over HTTP: the real server's `/api/messages` with botbuilder's CloudAdapter behind
it, activities shaped as Teams sends them, and the local Bot Connector where the bot's answers land."""

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

import server
from bot.outbox.worker import Worker
from bot.service import Passerelle
from handlers.teams.channel import Identity, Teams, build_teams
from tests.doubles.bot_connector import FakeConnector, cards_of, text_of
from tests.doubles.schemas import ADAPTIVE_CARD
from tests.processes import free_port

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:passerelle-bot"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Someone:
    """A Teams user: their id in the bot's chats, their Entra object id (the core's user id), name and address."""

    teams_id: str
    aad_id: str
    name: str
    upn: str
    locale: str = "en-GB"
    timezone: str = "Europe/Paris"


def someone(name: str, locale: str = "en-GB") -> Someone:
    n = next(_ids)
    first = name.split()[0].lower()
    return Someone(f"29:1{first}-{n}", str(uuid.UUID(int=n)), name, f"{first}.{n}@contoso.example", locale)


@dataclass
class TeamsWorld:
    bot: Passerelle
    connector: FakeConnector
    teams: Teams
    url: str
    clock: Callable[[], datetime]
    session: aiohttp.ClientSession
    answers: list[Any] = field(default_factory=list)  # the invoke responses, in order

    def join(self, person: Someone) -> None:
        """The app is installed for them: the connector knows them."""
        self.connector.add_member(person.teams_id, person.name, person.upn, person.aad_id, TENANT)

    def chat(self, person: Someone) -> str:
        return self.connector.personal(person.teams_id)

    def activity(self, person: Someone, **fields: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "id": f"1:{uuid.uuid4().hex}",
            "timestamp": "2026-11-26T14:30:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad_id},
            "recipient": {"id": BOT_ID, "name": "Passerelle"},
            "conversation": {"id": self.chat(person), "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": person.locale,
            "localTimezone": person.timezone,
            **fields,
        }

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(self.url, json=body, headers=headers or {}) as response:
            text = await response.text()
            return response.status, json.loads(text) if text and response.content_type == "application/json" else text

    async def say(self, person: Someone, text: str) -> str:
        """A message typed in the 1:1 chat; returns what the bot showed in answer, as text."""
        before = len(self.connector.activities(person.teams_id))
        status, _ = await self.post(self.activity(person, text=text))
        assert status == 200
        return self.shown_since(person, before)

    def shown_since(self, person: Someone, before: int) -> str:
        return "\n".join(text_of(a) for a in self.connector.activities(person.teams_id)[before:])

    def last_card(self, person: Someone, having: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """The latest card in their chat (with `having` in its text), and the activity carrying it."""
        for activity in reversed(self.connector.activities(person.teams_id)):
            if having in text_of(activity):
                for card in cards_of(activity):
                    return activity, card
        raise AssertionError(f"no card with {having!r} in {person.name}'s chat")

    async def press(
        self, person: Someone, title: str, inputs: dict[str, str] | None = None, having: str = "", submit: bool = False
    ) -> tuple[int, Any]:
        """The button titled `title` on their latest card (with `having`), as Teams sends it: an `Action.Execute`
        invoke, or with `submit` the `Action.Submit` fallback of an older client, with the card's inputs."""
        activity, card = self.last_card(person, having)
        action = find_action(card, title)
        data = {**(action.get("data") or {}), **(inputs or {})}
        before = len(self.connector.activities(person.teams_id))
        if submit:
            sent = self.activity(person, value=data, replyToId=activity["id"])
        else:
            value = {
                "action": {"type": "Action.Execute", "verb": action.get("verb"), "data": data},
                "trigger": "manual",
            }
            sent = self.activity(person, type="invoke", name="adaptiveCard/action", value=value)
            sent["replyToId"] = activity["id"]
        status, answer = await self.post(sent)
        self.answers.append(answer)
        if isinstance(answer, dict) and answer.get("type") == ADAPTIVE_CARD:
            # Teams shows the card answered in place of the one pressed.
            shown = self.connector.activities(person.teams_id)
            shown[shown.index(activity)] = {
                **activity,
                "attachments": [{"contentType": ADAPTIVE_CARD, "content": answer["value"]}],
            }
        self.pressed_shown = self.shown_since(person, before)
        return status, answer

    async def deliver(self) -> None:
        """What the bot sends on its own: the outbox, delivered now through the Teams sender."""
        await Worker(self.bot.engine, {"teams": self.teams.outbox}, self.clock).drain()


def find_action(card: Any, title: str) -> dict[str, Any]:
    found = actions(card)
    for action in found:
        if action.get("title") == title:
            return action
    raise AssertionError(f"no button {title!r}; the card has {[a.get('title') for a in found]}")


def actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [a for item in node for a in actions(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if str(node.get("type", "")).startswith("Action.") and node.get("type") != "Action.Submit" else []
    return own + [a for key, value in node.items() if key not in ("data", "fallback") for a in actions(value)]


async def serve(
    bot: Passerelle, connector: FakeConnector, clock: Callable[[], datetime], identity: Identity | None = None
) -> tuple[web.AppRunner, Teams, str]:
    teams = build_teams(bot, identity or Identity(), clock)
    runner = web.AppRunner(server.build_web(None, bot=bot, teams=teams, clock=clock))
    await runner.setup()
    port = free_port()
    bot.public_url = f"http://127.0.0.1:{port}"  # the files it hands over are served here
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, teams, f"http://127.0.0.1:{port}/api/messages"
