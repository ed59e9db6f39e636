"""What the core answered, sent to Slack: replies where they belong, the answered question rewritten, Home, forms."""

import asyncio
from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor
from bot.ui import File, Message, Outcome, answers
from handlers.slack.blocks import build_home, build_messages, build_modal
from handlers.slack.deps import Deps


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
    """Show the caller what the core answered; what it sends to others leaves through the outbox."""
    if outcome.form and origin.trigger_id:
        await client.views_open(trigger_id=origin.trigger_id, view=build_modal(outcome.form))
    if outcome.replace is not None:
        await _replace(client, origin, outcome.replace)
    for shown, direct in answers(outcome):
        await _answer(client, origin, shown, direct)
    for document in outcome.files:
        await _upload(client, origin.user_id, document)
    if outcome.refresh_home:
        home = await asyncio.to_thread(deps.bot.home, actor, deps.clock())
        await publish_home(client, origin.user_id, home)


async def publish_home(client: AsyncWebClient, user_id: str, msg: Message) -> None:
    await client.views_publish(user_id=user_id, view=build_home(msg))


async def _answer(client: AsyncWebClient, origin: Origin, msg: Message, direct: bool) -> None:
    """In the DM the input came from, else privately where it came from (response_url), else in the DM."""
    in_dm = origin.channel is not None and origin.channel.startswith("D") and not origin.ephemeral
    if in_dm and origin.channel and not direct:
        await _post(client, origin.channel, msg)
    elif not direct and origin.respond is not None:
        for text, blocks in build_messages(msg):
            await origin.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    else:
        await _post(client, origin.user_id, msg)


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
    # `content` is for text; bytes (a PNG) go as `file`, uploaded as they are.
    data = {"file": document.content} if isinstance(document.content, bytes) else {"content": document.content}
    await client.files_upload_v2(channel=channel, filename=document.name, title=document.title, **data)
