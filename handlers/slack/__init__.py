"""The Slack channel: a Bolt app whose listeners translate Slack payloads for the core and render its replies."""

import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.service import Passerelle
from handlers.slack import listeners
from handlers.slack.deps import Deps
from handlers.slack.profiles import COMMAND


def build_app(
    bot: Passerelle,
    *,
    token: str,
    signing_secret: str | None,
    api_url: str,
    clock: Callable[[], datetime],
    locale: str = "en",
) -> AsyncApp:
    client = AsyncWebClient(
        token=token,
        base_url=api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            # Opening a group DM per pair is Tier 3 (about 50 a minute): announcing hundreds of pairs waits
            # out Slack's Retry-After more than twice.
            AsyncRateLimitErrorRetryHandler(max_retry_count=20),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    # Socket Mode needs no signing secret; over HTTP every request is verified.
    app = AsyncApp(
        client=client, signing_secret=signing_secret or "", request_verification_enabled=bool(signing_secret)
    )
    deps = Deps(bot, clock, locale)

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    app.middleware(inject)
    listeners.keep_payloads_out_of_logs()
    register(app)
    return app


# Event subscriptions, named as in the manifest (`message.im` is the `message` event in a DM).
EVENTS = {"app_home_opened": listeners.handle_app_home_opened, "message.im": listeners.handle_message}


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(listeners.handle_command)
    for subscription, listener in EVENTS.items():
        app.event(subscription.split(".")[0])(listener)
    app.action(re.compile(r".+"))(listeners.handle_action)
    app.view(re.compile(r"^form:"))(listeners.handle_view_submission)
    app.error(listeners.handle_error)
