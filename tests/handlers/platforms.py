"""One way to use Passerelle whichever the platform, for the scenarios run on both: a person types in their chat
with the bot, presses a button on what they see, fills in the form they were shown, and reads what the bot shows
them now. Each side drives the real stack over HTTP (Bolt against the Slack double, botbuilder against the Bot
Connector double) exactly as that platform's people do; only the words a scenario checks are shared."""

import asyncio
import hashlib
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urljoin

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.service import Passerelle
from tests.conftest import COORDINATOR, Clock, SlackWorld, slack_world
from tests.doubles.bot_connector import FakeConnector, cards_of, text_of
from tests.doubles.slack_api import Call
from tests.handlers.slack.test_outbox import delivered, unsettled
from tests.handlers.teams.world import TENANT, Someone, TeamsWorld, actions, find_action, serve, someone

_numbers = itertools.count(1)
SHOWN = ("response_url", "chat.postMessage", "chat.update", "views.open", "files.completeUploadExternal")


@dataclass(frozen=True)
class Member:
    """Someone on either platform: the core's user id, their name, and the platform's own handle for them."""

    user_id: str
    name: str
    handle: Any = None


class Platform(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def bot(self) -> Passerelle: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def workspace(self) -> tuple[str, str]:
        """The platform and workspace (Slack team, Teams tenant) its volunteers enrol in."""

    @property
    def coordinator(self) -> Member: ...

    def person(self, name: str, locale: str = "en-GB") -> Member: ...

    async def say(self, who: Member, text: str) -> str:
        """Typed in their 1:1 chat with the bot; what the bot showed them in answer."""

    async def command(self, who: Member, text: str) -> str:
        """A command (`/mentoring …` on Slack, typed in the chat on Teams); what the bot showed them."""

    async def press(self, who: Member, title: str, having: str) -> str:
        """The button `title` on the latest message they see with `having`; what they were shown after."""

    async def fill(self, who: Member, values: dict[str, str]) -> str:
        """The form they were shown last, filled in with `values` by field and sent; what they were shown after."""

    async def deliver(self) -> None:
        """What the bot sends on its own, delivered."""

    def showing(self, who: Member, having: str) -> str:
        """The latest message they see with `having`, as it reads now (after any update)."""

    def link(self, who: Member, having: str, label: str) -> str:
        """The address of the link `label` on the latest message they see with `having`."""

    async def download(self, who: Member, name: str) -> bytes:
        """The file whose name starts with `name` the bot handed them last."""

    def mention(self, who: Member) -> str:
        """How a message they read names `who`."""


@dataclass
class OnSlack:
    world: SlackWorld
    name: str = "slack"
    coordinator: Member = Member(COORDINATOR, "Claire", COORDINATOR)
    _forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # each person's open modal
    _private: dict[str, list[Call]] = field(default_factory=dict)  # ephemeral answers, by person

    @property
    def bot(self) -> Passerelle:
        return self.world.bot

    @property
    def clock(self) -> Clock:
        return self.world.clock

    @property
    def workspace(self) -> tuple[str, str]:
        return ("slack", self.world.fake.team_id)

    def person(self, name: str, locale: str = "en-GB") -> Member:
        user_id = f"U{re.sub('[^A-Z]', '', name.split()[0].upper())[:4]}{next(_numbers):04d}"  # as Slack's ids
        self.world.fake.users[user_id] = {"name": name, "locale": locale, "tz": "Europe/Paris"}
        return Member(user_id, name, user_id)

    async def _answered(self, who: Member, since: int, expect: bool = True) -> str:
        """What the calls since `since` showed `who`: posts to their conversations, private answers, a form.
        Bolt answers Slack first and works after: with `expect`, the first of them is waited for."""
        fake = self.world.fake
        for _ in range(200):
            if not expect or any(c.method in SHOWN for c in fake.calls[since:]):
                break
            await asyncio.sleep(0.05)
        await fake.quiet(0.1)
        shown: list[str] = []
        channels = self._channels(who)
        for call in self.world.fake.calls[since:]:
            if call.method == "response_url":
                self._private.setdefault(who.user_id, []).append(call)
                shown.append(call.text)
            elif call.method in ("chat.postMessage", "chat.update") and _dm(str(call.args.get("channel"))) in channels:
                shown.append(call.text)
            elif call.method == "views.open":
                self._forms[who.user_id] = call.args["view"]
                shown.append(f"{call.args['view']['title']['text']} {call.text}")  # the modal's title, then it
        return "\n".join(shown)

    def _channels(self, who: Member) -> set[str]:
        """Their DM with the bot, and the group DMs the bot opened with them in."""
        opened = [str(call.args.get("users", "")) for call in self.world.fake.of("conversations.open")]
        return {_dm(who.user_id)} | {_group(users) for users in opened if who.user_id in users.split(",")}

    async def say(self, who: Member, text: str) -> str:
        since = len(self.world.fake.calls)
        sent = await self.world.send.message(who.user_id, text)
        assert sent.status == 200
        return await self._answered(who, since)

    async def command(self, who: Member, text: str) -> str:
        since = len(self.world.fake.calls)
        sent = await self.world.send.command(who.user_id, text)
        assert sent.status == 200
        return await self._answered(who, since)

    async def press(self, who: Member, title: str, having: str) -> str:
        since = len(self.world.fake.calls)
        sent = await self.world.send.press(who.user_id, self._latest(who, having), title)
        assert sent.status == 200
        return await self._answered(who, since)

    def _latest(self, who: Member, having: str) -> Call:
        """The latest message they see with `having`, as a call `SlackSender.press` can press a button of."""
        for call in reversed(self._private.get(who.user_id, [])):
            if having in call.text:
                return call
        for channel in sorted(self._channels(who)):
            for shown in reversed(self.world.fake.history.get(channel, [])):
                call = Call("chat.postMessage", {"channel": channel, **shown}, {})
                if having in call.text:
                    return call
        raise AssertionError(f"{who.name} sees nothing with {having!r}")

    async def fill(self, who: Member, values: dict[str, str]) -> str:
        view = self._forms.pop(who.user_id)
        state: dict[str, dict[str, Any]] = {}
        for block in view["blocks"]:
            element = block.get("element")
            if block.get("type") != "input" or not element:
                continue
            state[block["block_id"]] = {element["action_id"]: _state(element, values.get(block["block_id"], ""))}
        since = len(self.world.fake.calls)
        sent = await self.world.send.submit(who.user_id, view, state)
        assert sent.status == 200
        errors = json.loads(sent.body).get("errors", {}) if sent.body.strip() else {}
        answered = await self._answered(who, since, expect=not errors)
        if errors:
            self._forms[who.user_id] = view  # the modal stays open, each problem under its field
        return "\n".join([*errors.values(), answered])

    async def deliver(self) -> None:
        await delivered(self.world)

    def showing(self, who: Member, having: str) -> str:
        return self._latest(who, having).text

    def link(self, who: Member, having: str, label: str) -> str:
        found = re.search(rf"<([^|<>]+)\|{re.escape(label)}>", self.showing(who, having))
        assert found, f"no link {label!r}"
        # Without a public address configured, the bot's own links are relative to where it is served.
        return urljoin(self.world.send.app_url, found[1])

    async def download(self, who: Member, name: str) -> bytes:
        # The double numbers the files it is asked to take in the order it is asked.
        asked = self.world.fake.of("files.getUploadURLExternal")
        for number, call in reversed(list(enumerate(asked, 1))):
            if str(call.args.get("filename", "")).startswith(name):
                return self.world.fake.uploads[f"F{number:08d}"]
        raise AssertionError(f"no file {name}… uploaded for {who.name}")

    def mention(self, who: Member) -> str:
        return f"<@{who.user_id}>"


def _state(element: dict[str, Any], value: str) -> dict[str, Any]:
    """A form element's state as Slack reports it on submission."""
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": value or None}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value or None}
    if kind == "static_select":
        options = {o["value"]: o for o in element["options"]}
        return {"type": kind, "selected_option": options.get(value)}
    if kind == "radio_buttons":
        options = {o["value"]: o for o in element["options"]}
        return {"type": kind, "selected_option": options.get(value)}
    if kind == "checkboxes":
        options = {o["value"]: o for o in element["options"]}
        return {"type": kind, "selected_options": [options[v] for v in value.split(",") if v in options]}
    return {"type": kind, "value": value}


def _dm(channel: str) -> str:
    return "D" + channel[1:] if channel.startswith("U") else channel


def _group(users: str) -> str:
    """The group DM Slack (the double) opens for these people."""
    return "G" + hashlib.sha256(",".join(sorted(users.split(","))).encode()).hexdigest()[:10].upper()


@dataclass
class OnTeams:
    world: TeamsWorld
    coordinator: Member
    name: str = "teams"
    workspace: tuple[str, str] = ("teams", TENANT)

    @property
    def bot(self) -> Passerelle:
        return self.world.bot

    @property
    def clock(self) -> Clock:
        clock = self.world.clock
        assert isinstance(clock, Clock)
        return clock

    def person(self, name: str, locale: str = "en-GB") -> Member:
        found = someone(name, locale)
        self.world.join(found)
        return Member(found.aad_id, name, found)

    def _of(self, who: Member) -> Someone:
        assert isinstance(who.handle, Someone)
        return who.handle

    async def say(self, who: Member, text: str) -> str:
        return await self.world.say(self._of(who), text)

    async def command(self, who: Member, text: str) -> str:
        return await self.world.say(self._of(who), text)

    async def press(self, who: Member, title: str, having: str) -> str:
        status, answer = await self.world.press(self._of(who), title, having=having)
        assert status == 200
        return "\n".join([_invoke_text(answer), self.world.pressed_shown])

    async def fill(self, who: Member, values: dict[str, str]) -> str:
        person = self._of(who)
        for activity in reversed(self.world.connector.activities(person.teams_id)):
            for card in cards_of(activity):
                submit = _form_submit(card)
                if submit:
                    status, answer = await self.world.press(person, submit, values, having=text_of(activity))
                    assert status == 200
                    return "\n".join([_invoke_text(answer), self.world.pressed_shown])
        raise AssertionError(f"no form in {who.name}'s chat")

    async def deliver(self) -> None:
        """As a running worker would: the outbox drained, the clock moved a minute at a time, until nothing waits
        (what waits for the morning waits for it)."""
        worker = Worker(self.bot.engine, {"teams": self.world.teams.outbox}, self.clock, Policy(spacing=timedelta(0)))
        for _ in range(6 * 60):
            await worker.drain()
            if not unsettled(self.bot.engine):
                return
            self.clock.travel(minutes=1)
        pytest.fail(f"{unsettled(self.bot.engine)} messages still waiting after 6 hours")

    def showing(self, who: Member, having: str) -> str:
        return text_of(self.world.last_card(self._of(who), having)[0])

    def link(self, who: Member, having: str, label: str) -> str:
        _, card = self.world.last_card(self._of(who), having)
        return str(find_action(card, label)["url"])

    async def download(self, who: Member, name: str) -> bytes:
        for card in reversed(self.world.connector.cards(self._of(who).teams_id)):
            links = [a for a in actions(card) if str(a.get("title", "")).startswith(f"Download {name}")]
            if links:
                async with self.world.session.get(links[0]["url"]) as response:
                    assert response.status == 200
                    return await response.read()
        raise AssertionError(f"no file {name}… handed to {who.name}")

    def mention(self, who: Member) -> str:
        return who.name


def _form_submit(card: dict[str, Any]) -> str | None:
    """The title of a form card's send button (its verb names the form), if the card is a form."""
    for element in card.get("body", []):
        for action in element.get("actions", []) if element.get("type") == "ActionSet" else []:
            if str(action.get("verb", "")).startswith("form:"):
                return str(action["title"])
    return None


def _invoke_text(answer: Any) -> str:
    """What an `Action.Execute` answer shows: a card in place of the pressed one, or a short message."""
    if not isinstance(answer, dict):
        return ""
    value = answer.get("value")
    if answer.get("type") == "application/vnd.microsoft.card.adaptive" and isinstance(value, dict):
        return text_of({"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": value}]})
    return str(value or "")


@asynccontextmanager
async def on_platform(name: str, engine: Engine, clock: Clock, connector: FakeConnector) -> AsyncIterator[Platform]:
    """The whole stack of one platform over HTTP, with a coordinator."""
    if name == "slack":
        async with slack_world(engine, clock) as slack:
            yield OnSlack(slack)
        return
    claire = someone("Claire Coordinator")
    bot = Passerelle(engine, coordinators=frozenset({claire.aad_id}), locale="en", public_url="http://127.0.0.1")
    runner, channel, url = await serve(bot, connector, clock)
    try:
        async with aiohttp.ClientSession() as session:
            world = TeamsWorld(bot, connector, channel, url, clock, session)
            world.join(claire)
            yield OnTeams(world, Member(claire.aad_id, claire.name, claire))
    finally:
        await runner.cleanup()
