"""The Slack channel: a Bolt app whose listeners translate Slack payloads for the core and render its replies."""

import asyncio
import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.service import Passerelle
from handlers.slack import install, listeners
from handlers.slack.deps import Deps
from handlers.slack.install import Installations, OneTeam, States
from handlers.slack.profiles import COMMAND

logger = logging.getLogger(__name__)
# The bot scopes asked for at install, as manifest.yml lists them (tests/test_manifest.py keeps them equal).
SCOPES = (
    "commands",
    "chat:write",
    "files:write",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "mpim:history",
    "mpim:write",
    "users:read",
)
_TOKEN_WARNINGS, _HIDE_CODE = install.TokenWarnings(), install.HideOAuthCode()
# What each app does once the server is up (single-token mode: learn the token's team).
_STARTS: "weakref.WeakKeyDictionary[AsyncApp, Callable[[], Awaitable[None]]]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class OAuth:
    """Installing in any number of workspaces: the app's credentials and where installations are kept."""

    client_id: str
    client_secret: str
    installations: Installations
    states: States
    redirect_uri: str | None = None


def build_app(
    bot: Passerelle,
    *,
    token: str | None,
    signing_secret: str | None,
    api_url: str,
    clock: Callable[[], datetime],
    locale: str = "en",
    oauth: OAuth | None = None,
) -> AsyncApp:
    """The Bolt app, serving the token's own workspace, or (with `oauth`) every workspace that installed it."""

    def client_of(token: str | None) -> AsyncWebClient:
        return AsyncWebClient(
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

    logging.getLogger("slack_bolt.AsyncApp").addFilter(_TOKEN_WARNINGS)
    # Bolt's client has no token of its own: each request gets the one of its authorization (a client with a token
    # beside `authorize` makes Bolt warn at every start that the token is ignored).
    client = client_of(None)
    # Socket Mode needs no signing secret; over HTTP every request is verified.
    secret, verify = signing_secret or "", bool(signing_secret)
    if oauth is None:
        assert token, "a bot token, or OAuth settings"

        async def learnt(workspace: str) -> None:
            await asyncio.to_thread(bot.installed, "slack", workspace, None, clock())

        team = OneTeam(client_of(token), clock, learnt)
        app = AsyncApp(
            client=client,
            # An AsyncAuthorize, which Bolt accepts (its annotation says callables).
            authorize=team.authorize(),  # type: ignore[arg-type]
            signing_secret=secret,
            request_verification_enabled=verify,
        )
        _STARTS[app] = _learn_team(team)
    else:
        settings = AsyncOAuthSettings(
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            scopes=list(SCOPES),
            redirect_uri=oauth.redirect_uri,
            authorization_url=install.authorization_url(api_url),
            installation_store=oauth.installations,
            state_store=oauth.states,
            callback_options=AsyncCallbackOptions(
                success=install.on_installed(bot, clock, locale), failure=install.on_failed(locale)
            ),
        )
        app = AsyncApp(
            client=client,
            oauth_settings=settings,
            # An AsyncAuthorize, which Bolt accepts beside an installation store (its annotation says callables).
            authorize=install.FromInstallations(oauth.installations),  # type: ignore[arg-type]
            signing_secret=secret,
            request_verification_enabled=verify,
        )
        # The code and state of a refused install stay out of Bolt's warning: the code is a credential.
        assert app.oauth_flow is not None
        app.oauth_flow.logger.addFilter(_HIDE_CODE)
    # Why a request is refused, in the person's terms, and one log line per workspace and hour, not Bolt's ERROR.
    install.use_our_authorization(app, locale)
    deps = Deps(bot, clock, locale, installations=oauth.installations if oauth else None)

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    app.middleware(inject)
    listeners.keep_payloads_out_of_logs()
    register(app)
    return app


async def started(app: AsyncApp) -> None:
    """Once the server is up: with a single bot token, its one `auth.test`, before the first request needs it."""
    start = _STARTS.get(app)
    if start is not None:
        await start()


def _learn_team(team: OneTeam) -> Callable[[], Awaitable[None]]:
    async def learn() -> None:
        try:
            await team.load()  # on success, the token's workspace is served, again if it had been uninstalled
        except install.CALL_FAILED as error:  # Slack away or the token refused: the first request tries again
            logger.warning("auth.test failed at start (%s); trying again with the first request", install._why(error))

    return learn


# Event subscriptions, named as in the manifest (`message.im` is the `message` event in a DM).
EVENTS = {
    "app_home_opened": listeners.handle_app_home_opened,
    "message.im": listeners.handle_message,
    "app_uninstalled": install.handle_app_uninstalled,
    "tokens_revoked": install.handle_tokens_revoked,
}


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(listeners.handle_command)
    for subscription, listener in EVENTS.items():
        app.event(subscription.split(".")[0])(listener)
    app.action(re.compile(r".+"))(listeners.handle_action)
    app.view(re.compile(r"^form:"))(listeners.handle_view_submission)
    app.error(listeners.handle_error)
