"""What the core answered, sent to Slack: replies where they belong, the answered question rewritten, Home, forms."""

import asyncio
import logging
from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor
from bot.ui import File, Message, Outcome, Reply
from handlers.slack.blocks import build_home, build_messages, build_modal
from handlers.slack.deps import Deps

logger = logging.getLogger(__name__)


@dataclass
class Origin:
    """Where an input came from, which decides where "the caller" is."""

    user_id: str
    channel: str | None = None  # the conversation of the message the input came from
    message_ts: str | None = None
    ephemeral: bool = False
    respond: AsyncRespond | None = None  # slash commands and message buttons carry a response_url
    trigger_id: str | None = None


async def deliver(client: AsyncWebClient, origin: Origin, outcome: Outcome, deps: Deps, actor: Actor) -> None:
    """Send what the core answered; the Home tab is rebuilt and conversations reported back only when needed."""
    if outcome.form and origin.trigger_id:
        await client.views_open(trigger_id=origin.trigger_id, view=build_modal(outcome.form))
    if outcome.replace is not None:
        await _replace(client, origin, outcome.replace)
    for reply in outcome.replies:
        if reply.to in ("person", "group"):
            # One person's closed account must not keep the others from hearing: log it and go on.
            try:
                await _send(client, origin, reply, deps, actor)
            except SlackApiError as error:
                logger.warning("a message to %s could not be delivered: %s", reply.to, error.response.get("error"))
            continue
        await _send(client, origin, reply, deps, actor)
    for document in outcome.files:
        await _upload(client, origin.user_id, document)
    if outcome.refresh_home:
        home = await asyncio.to_thread(deps.bot.home, actor, deps.clock())
        await publish_home(client, origin.user_id, home)


async def publish_home(client: AsyncWebClient, user_id: str, msg: Message) -> None:
    await client.views_publish(user_id=user_id, view=build_home(msg))


async def _send(client: AsyncWebClient, origin: Origin, reply: Reply, deps: Deps, actor: Actor) -> None:
    if reply.to == "person" and reply.people:
        await _post(client, reply.people[0], reply.message)
        return
    if reply.to == "group" and reply.people:
        # A group DM with the people and the bot; opening one is rate-limited, so the core keeps its id.
        answer = await client.conversations_open(users=",".join(reply.people))
        channel = str((answer.get("channel") or {}).get("id", ""))
        await _post(client, channel, reply.message)
        if reply.key:
            await asyncio.to_thread(deps.bot.opened, actor, reply.key, channel, deps.clock())
        return
    if reply.to == "channel" and reply.channel:
        try:
            await _post(client, reply.channel, reply.message)
        except SlackApiError as error:
            logger.warning("posting to a channel failed: %s", error.response.get("error"))
            if reply.failed:
                await _send(client, origin, Reply(reply.failed), deps, actor)
            return
        if reply.posted:
            await _send(client, origin, Reply(reply.posted), deps, actor)
        return
    if reply.to == "caller" and origin.channel and origin.channel.startswith("D") and not origin.ephemeral:
        await _post(client, origin.channel, reply.message)
    elif reply.to == "caller" and origin.respond is not None:
        for text, blocks in build_messages(reply.message):
            await origin.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    else:
        await _post(client, origin.user_id, reply.message)


async def _replace(client: AsyncWebClient, origin: Origin, msg: Message) -> None:
    # A message over Slack's 50 blocks: the first part replaces the original, the rest follows it.
    (text, blocks), *rest = build_messages(msg)
    if origin.ephemeral and origin.respond is not None:
        await origin.respond(text=text, blocks=blocks, replace_original=True)
        for text, blocks in rest:
            await origin.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    elif origin.channel and origin.message_ts:
        await client.chat_update(channel=origin.channel, ts=origin.message_ts, text=text, blocks=blocks)
        for text, blocks in rest:
            await client.chat_postMessage(channel=origin.channel, text=text, blocks=blocks)


async def _post(client: AsyncWebClient, channel: str, msg: Message) -> None:
    """The message, in as many Slack messages as its length needs, in order."""
    for text, blocks in build_messages(msg):
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks)


async def _upload(client: AsyncWebClient, user_id: str, document: File) -> None:
    """A file in the person's direct chat with the bot."""
    answer = await client.conversations_open(users=user_id)
    channel = str((answer.get("channel") or {}).get("id", ""))
    await client.files_upload_v2(
        channel=channel, filename=document.name, title=document.title, content=document.content
    )
