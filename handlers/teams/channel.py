"""The Teams channel put together: the bot's identity, the CloudAdapter, `POST /api/messages` and the sender."""

import ipaddress
import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from bot.i18n import normalize_locale, translator
from bot.service import Passerelle
from handlers.teams.handler import Deps, TeamsBot
from handlers.teams.outbox import TeamsOutbox
from handlers.teams.translate import tenant_of

logger = logging.getLogger(__name__)
ROUTE = "/api/messages"
# Served without authentication (the Emulator on this machine), an activity without a tenant is in this workspace.
EMULATOR_WORKSPACE = "emulator"
LONGEST_BODY = 256 * 1024  # Teams' activities are a few kB; a card's submission well under this


@dataclass(frozen=True)
class Identity:
    """The bot's Azure identity, as the Bot Framework's configuration names it; an empty app id: no
    authentication. `overrides` point token validation and the bot's own login elsewhere (a sovereign cloud)."""

    app_id: str = ""
    password: str = ""
    app_type: str | None = None
    tenant_id: str | None = None
    overrides: tuple[tuple[str, str], ...] = ()

    def configuration(self) -> Any:
        values = {
            "APP_ID": self.app_id,
            "APP_PASSWORD": self.password,
            "APP_TYPE": self.app_type or "MultiTenant",
            "APP_TENANTID": self.tenant_id or "",
            **dict(self.overrides),
        }
        return type("Configuration", (), values)()


@dataclass
class Teams:
    adapter: CloudAdapter
    bot: TeamsBot
    outbox: TeamsOutbox
    authenticated: bool
    tenant: str | None = None  # a single-tenant bot's own: no other tenant's activity is served

    async def messages(self, request: web.Request) -> web.Response:
        """`POST /api/messages`: an activity, authenticated unless the app id is empty, answered 200 (with an
        invoke's body) once handled; what is not an activity is refused with 400, a bad token with 401."""
        if request.content_type != "application/json":
            return web.Response(status=415, text="expected application/json")
        if not self.authenticated and not _from_this_machine(request):
            # Without authentication anyone could speak as anyone: only the Emulator on this machine is served.
            return web.Response(status=403, text="authentication is off: only this machine may post activities")
        if request.content_length is not None and request.content_length > LONGEST_BODY:
            return web.Response(status=413, text="too large")
        raw = await _body(request)
        if raw is None:
            return web.Response(status=413, text="too large")
        try:
            body = json.loads(raw)
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except ValueError:
            return web.Response(status=400, text="malformed body")
        except Exception:  # msrest's deserialiser fails on a field of the wrong type in its own ways
            return web.Response(status=400, text="malformed activity")
        if activity is None or not isinstance(activity.type, str) or not activity.type:
            return web.Response(status=400, text="not an activity")
        if not isinstance(activity.service_url, str) or not activity.service_url.startswith(("http://", "https://")):
            return web.Response(status=400, text="no service URL")
        if not isinstance(getattr(activity.conversation, "id", None), str):
            return web.Response(status=400, text="no conversation")  # botbuilder cannot even answer it
        header = request.headers.get("Authorization", "")
        try:
            # Authenticated apart from the turn, so that a failure inside the bot is never taken for a bad token.
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(activity, header)
        except Exception as error:
            # The SDK raises PermissionError, PyJWT's errors, and IndexError or AttributeError for a token it
            # cannot even read: each is a refusal.
            logger.info("a Teams request was refused: %s", type(error).__name__)
            return web.Response(status=401, text="unauthorized")
        if self.tenant and tenant_of(activity) not in (None, self.tenant):
            logger.info("a Teams activity from another tenant than the bot's own was refused")
            return web.Response(status=403, text="another tenant")
        try:
            response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception as error:  # outside the turn (the turn's own failures are its error handler's)
            logger.error("a Teams activity could not be handled: %s", type(error).__name__)
            return web.Response(status=500, text="internal error")
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body if response.body is not None else {}, status=response.status)


async def _body(request: web.Request) -> bytes | None:
    """The whole body, however many pieces it comes in; None past the longest an activity may be."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > LONGEST_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _from_this_machine(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:  # a Unix socket, or no peer address at all
        return False


def build_teams(
    bot: Passerelle, identity: Identity, clock: Callable[[], datetime], locale: str = "en", timeout: float = 10
) -> Teams:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(identity.configuration()))
    adapter.on_turn_error = _on_turn_error(locale)
    authenticated = bool(identity.app_id)
    outbox = TeamsOutbox(adapter, identity.app_id, clock, timeout)
    deps = Deps(bot, clock, locale, emulator_workspace=None if authenticated else EMULATOR_WORKSPACE, outbox=outbox)
    quiet_loggers()
    single = identity.app_type == "SingleTenant" and identity.tenant_id
    return Teams(adapter, TeamsBot(deps), outbox, authenticated, identity.tenant_id if single else None)


def add_routes(web_app: web.Application, teams: Teams) -> None:
    web_app.router.add_post(ROUTE, teams.messages)


def quiet_loggers() -> None:
    """msrest logs every request and answer at DEBUG, bodies included: what people wrote. Never below INFO."""
    for name in ("msrest", "botbuilder", "botframework", "msal"):
        library = logging.getLogger(name)
        library.setLevel(max(library.level, logging.INFO))


def _on_turn_error(locale: str) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        """Logged once, without the activity (what someone wrote); the person is told, so nothing fails in silence."""
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error("a Teams turn failed: %s\n%s", type(error).__name__, frames.rstrip())
        tr = translator(normalize_locale(turn_context.activity.locale) or locale)
        try:
            await turn_context.send_activity(
                tr("Sorry, something went wrong on my side. Nothing you gave me was lost; please try again.")
            )
        except Exception as failed:
            logger.error("telling the person about the failure failed too: %s", type(failed).__name__)

    return on_error
