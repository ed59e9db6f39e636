"""Bolt listeners: translate the payload, call the core in a worker thread, acknowledge once it is stored, deliver."""

import asyncio
import logging
import sys
import traceback
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor
from bot.i18n import normalize_locale, translator
from handlers.slack.deliver import Origin, deliver, publish_home
from handlers.slack.deps import Deps
from handlers.slack.errors import error_code
from handlers.slack.install import workspace_of
from handlers.slack.mrkdwn import to_plain
from handlers.slack.profiles import COMMAND
from handlers.slack.translate import (
    interaction_id,
    is_person_message,
    text_of,
    to_action,
    to_form_values,
    to_neutral_text,
)

logger = logging.getLogger(__name__)
# A form's answer is its acknowledgement, due within Slack's 3 seconds: the profile may take 1 of them.
PROFILE_WAIT = 1.0
# A press is acknowledged once stored, or after this long: Slack's 3 seconds, less a margin for the answer's way back.
STORED_WITHIN = 2.0


async def handle_command(
    ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: AsyncRespond
) -> None:
    await _acknowledged_once_stored(ack, lambda stored: _commanded(command, context, client, respond, stored))


async def _commanded(
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    stored: asyncio.Event,
) -> None:
    async with _turn(context):
        deps, actor = await _who(context, client, within=PROFILE_WAIT)
        text = to_neutral_text(command.get("text") or "")
        outcome = await asyncio.to_thread(deps.bot.command, actor, text, deps.clock(), interaction_id(command))
        stored.set()  # committed: the command may be acknowledged
        # A command may open a form (`book`): Slack gives a trigger for it, valid a few seconds.
        trigger = command.get("trigger_id")
        origin = Origin(actor.user_id, respond=respond, trigger_id=trigger if isinstance(trigger, str) else None)
        await deliver(client, origin, outcome, deps, actor)


async def handle_message(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    if not is_person_message(event):
        return
    async with _turn(context):
        deps, actor = await _who(context, client)
        text = to_neutral_text(text_of(event))
        outcome = await asyncio.to_thread(deps.bot.said, actor, text, deps.clock(), body.get("event_id"))
        await deliver(client, Origin(actor.user_id, channel=event.get("channel")), outcome, deps, actor)


async def handle_app_home_opened(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
    if event.get("tab") != "home":
        return
    async with _turn(context):
        deps, actor = await _who(context, client)
        await publish_home(client, actor.user_id, await asyncio.to_thread(deps.bot.home, actor, deps.clock()))


async def handle_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    await _acknowledged_once_stored(ack, lambda stored: _pressed(body, action, context, client, respond, stored))


async def _acknowledged_once_stored(ack: AsyncAck, work: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
    """What a press or a command changes is stored before it is acknowledged: acknowledged first, a cancellation
    was lost when the process died before the core had run. Past STORED_WITHIN it is acknowledged all the same, as
    Slack requires; a failure is acknowledged at once (the error handler answers the person)."""
    stored = asyncio.Event()
    working = asyncio.create_task(work(stored))
    waiting = asyncio.create_task(stored.wait())
    await asyncio.wait({working, waiting}, timeout=STORED_WITHIN, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    await ack()
    await working


async def _pressed(
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    stored: asyncio.Event,
) -> None:
    async with _turn(context):
        deps, actor = await _who(context, client, within=PROFILE_WAIT)
        name, values = to_action(action)
        outcome = await asyncio.to_thread(deps.bot.pressed, actor, name, values, deps.clock(), interaction_id(body))
        stored.set()  # committed: the press may be acknowledged
        container = body.get("container") or {}
        origin = Origin(
            actor.user_id,
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            message_ts=container.get("message_ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            respond=respond if body.get("response_url") else None,
            trigger_id=body.get("trigger_id"),
        )
        await deliver(client, origin, outcome, deps, actor)


async def handle_view_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    deps, actor = await _who(context, client, within=PROFILE_WAIT)
    form = str(view.get("callback_id") or "").removeprefix("form:")
    values = to_form_values(view.get("state") or {})
    try:
        outcome = await asyncio.to_thread(deps.bot.submitted, actor, form, values, deps.clock(), interaction_id(body))
    except Exception:
        # Slack waits for this answer: the form stays open and says what happened, rather than a connection error.
        _log_failure("a form submission failed", sys.exc_info()[1])
        text = translator(normalize_locale(actor.locale) or deps.locale)(
            "Sorry, something went wrong on my side. Nothing you gave me was lost; please try again."
        )
        field = next(iter(values), None)
        await (ack(response_action="errors", errors={field: text}) if field else ack())
        return
    if outcome.form_errors:
        # The answer to a submission is the only way to show errors inside the form.
        errors = {field: to_plain(text) for field, text in outcome.form_errors.items()}
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await deliver(client, Origin(actor.user_id), outcome, deps, actor)


async def handle_error(
    error: Exception, context: AsyncBoltContext, client: AsyncWebClient, respond: AsyncRespond | None
) -> None:
    """Logged once, with no payload; the person is told, so nothing fails in silence."""
    _log_failure("a Slack listener failed", error)
    deps: Deps | None = context.get("deps")
    tr = translator(deps.locale if deps else "en")
    text = tr("Sorry, something went wrong on my side. Nothing you gave me was lost; please try again.")
    try:
        if respond is not None and context.response_url:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id:
            await client.chat_postMessage(channel=context.user_id, text=text)
    except Exception:
        _log_failure("telling the person about the failure failed too", sys.exc_info()[1])


def keep_payloads_out_of_logs() -> None:
    """slack_sdk logs every request it sends and Bolt every answer it gives at DEBUG, bodies included: what
    people wrote, and the bot's replies that repeat it. Those loggers never go below INFO, whatever the root's
    level is now or becomes (their own level, once set, wins over the root's)."""
    for name in ("slack_sdk", "slack_bolt"):
        library = logging.getLogger(name)
        library.setLevel(max(library.level, logging.INFO))
    app_logger = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _UnhandledInShort) for f in app_logger.filters):
        app_logger.addFilter(_UnhandledInShort())


class _UnhandledInShort(logging.Filter):
    """Bolt's warning about a request no listener takes quotes the request (a command's text, an event's fields)
    and a suggested listener: one short line instead, with no word of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Unhandled request"):
            record.msg, record.args = "a request no listener handles was acknowledged", ()
        return True


def _log_failure(what: str, error: BaseException | None) -> None:
    """One record: the kind of error, Slack's error code if any, and where it happened. Not the exception's
    message: it can quote what it failed on (`invalid literal for int(): '…'`), which a person wrote."""
    if error is None:
        logger.error(what)
        return
    code = error_code(error) if isinstance(error, SlackApiError) else None
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("%s: %s%s\n%s", what, type(error).__name__, f" ({code})" if code else "", frames.rstrip())


def _turn(context: AsyncBoltContext) -> AbstractAsyncContextManager[None]:
    deps: Deps = context["deps"]
    return deps.turn(f"{workspace_of(context)}:{context.user_id}")


async def _who(context: AsyncBoltContext, client: AsyncWebClient, within: float | None = None) -> tuple[Deps, Actor]:
    """The person, with their name and language from Slack; `within` bounds the wait for a form, which is answered
    in the acknowledgement itself: past it, the person is served without their profile rather than too late."""
    deps: Deps = context["deps"]
    workspace = workspace_of(context)
    user_id = context.user_id or ""
    try:
        return deps, await asyncio.wait_for(deps.profiles.actor(client, workspace, user_id), within)
    except TimeoutError:
        return deps, Actor("slack", workspace, user_id, command_prefix=COMMAND + " ")
