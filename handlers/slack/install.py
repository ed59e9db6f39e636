"""Which Slack workspaces are served, and with which bot token: one token's own team, or every installation.

Single-token mode (`SLACK_BOT_TOKEN`): `auth.test` is called once, and only the token's team (or, for an org-wide
token, its enterprise) is served. OAuth mode (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`): installations live in our
database, in slack_sdk's SQLAlchemy tables; only installed workspaces are served, and an expiring rotated token is
refreshed once, by one process, whoever needs it first (a listener or the outbox).
"""

import asyncio
import hashlib
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.authorization.async_internals import _is_no_auth_required
from slack_bolt.middleware.authorization.async_multi_teams_authorization import AsyncMultiTeamsAuthorization
from slack_bolt.middleware.authorization.internals import _is_no_auth_test_call_required
from slack_bolt.oauth.async_callback_options import AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, and_, delete, desc, select, text

from bot.i18n import normalize_locale, translator
from bot.service import Passerelle
from handlers.slack.deps import Deps
from handlers.slack.errors import error_code, http_status
from storage import slack_tables

logger = logging.getLogger(__name__)

# A rotated token lives 12 hours; it is refreshed when less than this is left, as Bolt does by default.
REFRESH_BEFORE = timedelta(minutes=120)
# How long the OAuth state of an install started in a browser stays valid.
STATE_SECONDS = 600
# A refresh that failed is tried again after this; meanwhile the token in hand is used while it lasts.
RETRY_REFRESH = timedelta(minutes=1)
# Anyone who can sign a request can send many from a workspace not served: one log line per workspace and hour.
REFUSALS_LOGGED_EVERY = timedelta(hours=1)
# What the authorization leaves in the context when it refuses a request, for the refusal a person reads.
REFUSED = "passerelle_refused"
NOT_INSTALLED, REINSTALL, UNREACHABLE = "not_installed", "reinstall", "unreachable"
# What Slack or the network raise when a call cannot be made or is refused (the refresh uses the sync client).
CALL_FAILED = (SlackApiError, aiohttp.ClientError, OSError, TimeoutError)


class Throttle:
    """Whether a line about `key` may be logged now: at most once every `every`."""

    def __init__(self, every: timedelta) -> None:
        self.every = every
        self._last: dict[object, datetime] = {}

    def allows(self, key: object, now: datetime) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            return False
        self._last[key] = now
        return True


class TokenExpired(Exception):
    """The installation's bot token has expired and could not be refreshed: the app must be installed again."""


def refusals(locale: str) -> dict[str, str]:
    """What a person reads when their request is refused, by why."""
    tr = translator(locale)
    return {
        NOT_INSTALLED: tr("Passerelle is not installed in this workspace."),
        REINSTALL: tr(
            "Passerelle's access to this workspace has expired and could not be renewed: "
            "someone allowed to install apps must install Passerelle again."
        ),
        UNREACHABLE: tr("Passerelle cannot reach Slack just now. Please try again in a moment."),
    }


def workspace_of(context: AsyncBoltContext) -> str:
    """Our workspace id of a request: the team, or the enterprise for an org-wide install.

    Taken from the authorization (the installation or the token that serves the request), never from what the
    request claims: a signed request may say it comes from another enterprise. Every team of an org-wide install,
    and its requests that carry no team id, land in the one workspace of the enterprise.
    """
    served = context.authorize_result
    # Ours carry a token; Bolt's own, for the events it lets through without one (app_uninstalled,
    # tokens_revoked), only repeat the request's ids.
    if served is not None and served.bot_token and (served.team_id or served.enterprise_id):
        return str(served.team_id or served.enterprise_id)
    if context.is_enterprise_install and context.enterprise_id:
        return context.enterprise_id
    return context.team_id or context.enterprise_id or ""


class Authorization(AsyncMultiTeamsAuthorization):
    """Bolt's authorization middleware, with our refusals: the reason a person reads (not installed, to be
    reinstalled, Slack unreachable), and the log line of our authorize (throttled), not Bolt's ERROR per request."""

    def __init__(self, authorize: AsyncAuthorize, locale: str) -> None:
        self.texts = refusals(locale)
        super().__init__(authorize=authorize, user_facing_authorize_error_message=self.texts[NOT_INSTALLED])

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        if _is_no_auth_required(req) or _is_no_auth_test_call_required(req):
            return await super().async_process(req=req, resp=resp, next=next)
        context = req.context
        found = await self.authorize(
            context=context, enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=context.user_id
        )
        if found:
            context.set_authorize_result(found)
            context["token"] = context.client.token = found.bot_token
            return await next()
        message = self.texts[context.get(REFUSED) or NOT_INSTALLED]
        if context.response_url is not None:
            await context.respond(message)  # type: ignore[misc]
            return BoltResponse(status=200, body="")
        return BoltResponse(status=200, body=message)


def use_our_authorization(app: Any, locale: str) -> None:
    """Put `Authorization` in the place of the one Bolt built from `authorize`: Bolt has no setting for it."""
    chain = app._async_middleware_list
    for n, middleware in enumerate(chain):
        if isinstance(middleware, AsyncMultiTeamsAuthorization):
            chain[n] = Authorization(middleware.authorize, locale)
            return
    raise AssertionError("Bolt built no multi-team authorization")


def installation_keys(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    """(enterprise id, team id) as the installation store keys an install: no team for an org-wide one."""
    if context.is_enterprise_install:
        return context.enterprise_id, None
    return context.enterprise_id, context.team_id


class HideOAuthCode(logging.Filter):
    """Bolt logs a refused OAuth code in full ("…result with code: XYZ - error: …"): the value is cut out."""

    CODE = re.compile(r"(with code: )\S+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "with code: " in record.msg:
            record.msg = self.CODE.sub(r"\1(hidden)", record.msg)
        return True


class TokenWarnings(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself, beside the client we give it, and warns that the
    token is not used: it is, by our authorization (OneTeam)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("As you gave `client` as well") or "will be ignored" in message)


# -- single-token mode -------------------------------------------------------------------------------------------


class OneTeam:
    """The token's own team, learnt from one `auth.test` and reused for every request.

    Bolt's single-team authorization calls `auth.test` for each request until one succeeds: a cold start under a
    burst made hundreds of calls, and a rate-limited `auth.test` delayed the acknowledgements past Slack's 3 s.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Callable[[], datetime],
        learnt: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.client, self.clock = client, clock  # the client carries the token; Bolt's own does not
        self.learnt = learnt  # told the workspace each time auth.test succeeds
        self.result: AuthorizeResult | None = None
        self.org_wide = False
        self._lock = asyncio.Lock()
        self._refusals = Throttle(REFUSALS_LOGGED_EVERY)

    @property
    def workspace(self) -> str | None:
        if self.result is None:
            return None
        return self.result.enterprise_id if self.org_wide else self.result.team_id

    async def load(self) -> AuthorizeResult:
        """The token's identity; requests that come meanwhile wait for the one call in progress."""
        if self.result is not None:
            return self.result
        async with self._lock:
            if self.result is None:
                answer = await self.client.auth_test()
                self.org_wide = bool(answer.get("is_enterprise_install"))
                result = AuthorizeResult.from_auth_test_response(
                    auth_test_response=answer, bot_token=self.client.token, user_token=None
                )
                if self.org_wide:
                    result.team_id = result["team_id"] = None  # the enterprise is the workspace
                self.result = result
                # Whether at start or with a later request: the token works, so its workspace is served again
                # (after an uninstall, and a start when Slack could not be reached).
                if self.learnt is not None and self.workspace:
                    await self.learnt(self.workspace)
        return self.result

    def serves(self, own: AuthorizeResult, enterprise_id: str | None, team_id: str | None) -> bool:
        if self.org_wide:
            return bool(own.enterprise_id) and enterprise_id == own.enterprise_id
        if team_id:
            return team_id == own.team_id
        return bool(own.enterprise_id) and enterprise_id == own.enterprise_id

    def authorize(self) -> "OneTeamAuthorize":
        return OneTeamAuthorize(self)


class OneTeamAuthorize(AsyncAuthorize):
    """The token's own workspace, or a refusal, named in the context, and logged once an hour per workspace."""

    def __init__(self, team: OneTeam) -> None:
        self.team = team

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        team = self.team
        try:
            own = await team.load()
        except CALL_FAILED as error:  # Slack away or the token refused: the next request tries again
            context[REFUSED] = UNREACHABLE
            if team._refusals.allows("auth.test", team.clock()):
                logger.warning("auth.test failed (%s): requests are refused until it succeeds", _why(error))
            return None
        if team.serves(own, enterprise_id, team_id):
            return own
        context[REFUSED] = NOT_INSTALLED
        if team._refusals.allows((enterprise_id, team_id), team.clock()):
            logger.warning(
                "requests from workspace %s, which this token does not serve, are refused (logged once an hour)",
                team_id or enterprise_id,
            )
        return None


def _why(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return error_code(error) or f"HTTP {http_status(error)}"
    return type(error).__name__


# -- OAuth mode --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """The app's credentials, to refresh rotated tokens."""

    client_id: str
    client_secret: str
    api_url: str


class Installations(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store on our engine, made async, with guarded token refreshes.

    The sync store runs in worker threads: it shares our engine (SQLite's busy timeout, PostgreSQL's pool) and needs
    no async driver. Every token it hands out is fresh: an expiring one is refreshed first, once per installation in
    this process (an asyncio lock) and across processes (a database lock, then a second look), because a refresh
    token works once: two processes refreshing together would leave one of them with a dead token.
    """

    def __init__(self, engine: Engine, client: Client, clock: Callable[[], datetime]) -> None:
        self.engine, self.client, self.clock = engine, client, clock
        self.store = SQLAlchemyInstallationStore(client_id=client.client_id, engine=engine, logger=logger)
        self._locks: dict[tuple[str | None, str | None], asyncio.Lock] = {}
        # When a refresh of each installation last failed; one log line a minute each, however many requests.
        self._failed: dict[tuple[str | None, str | None], datetime] = {}
        self._logged = Throttle(RETRY_REFRESH)

    @property
    def logger(self) -> logging.Logger:
        return logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        def find() -> Bot | None:
            return self.store.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )

        bot = await asyncio.to_thread(find)
        expiring = bot is not None and self._expiring(bot.bot_refresh_token, bot.bot_token_expires_at)
        if (
            bot is not None
            and expiring
            and await self._refreshed(bot.enterprise_id, bot.team_id, bot.bot_token_expires_at)
        ):
            bot = await asyncio.to_thread(find)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        def find() -> Installation | None:
            return self.store.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )

        found = await asyncio.to_thread(find)
        if found is not None and self._expiring(found.bot_refresh_token, found.bot_token_expires_at):
            team = None if found.is_enterprise_install else found.team_id
            if await self._refreshed(found.enterprise_id, team, found.bot_token_expires_at):
                found = await asyncio.to_thread(find)
        return found

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            lambda: self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        )

    async def bot_of(self, workspace: str) -> Bot | None:
        """The bot of one of our workspaces (a team id, or an enterprise id for an org-wide install), fresh."""
        c = self.store.bots.c

        def keys() -> tuple[str | None, str | None, bool] | None:
            query = (
                select(c.enterprise_id, c.team_id, c.is_enterprise_install)
                .where(
                    c.client_id == self.client.client_id,
                    c.bot_token.is_not(None),
                    ((c.team_id == workspace) & c.is_enterprise_install.is_(False))
                    | ((c.enterprise_id == workspace) & c.is_enterprise_install.is_(True)),
                )
                .order_by(desc(c.installed_at))
                .limit(1)
            )
            with self.engine.connect() as connection:
                row = connection.execute(query).first()
            return None if row is None else (row[0], row[1], bool(row[2]))

        found = await asyncio.to_thread(keys)
        if found is None:
            return None
        enterprise_id, team_id, org_wide = found
        return await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide)

    def _expiring(self, refresh_token: str | None, expires_at: datetime | int | None) -> bool:
        if not refresh_token or expires_at is None:
            return False  # token rotation is off for this installation
        return _ends(expires_at) - self.clock() < REFRESH_BEFORE

    async def _refreshed(
        self, enterprise_id: str | None, team_id: str | None, expires_at: datetime | int | None
    ) -> bool:
        """Refresh an expiring token: True when done. When it fails (Slack refused the one-use refresh token,
        perhaps spent by a process killed mid-refresh, or could not be reached), the token in hand is used while it
        lasts, and the refresh is tried again a minute later; past its expiry, TokenExpired."""
        key, now = (enterprise_id, team_id), self.clock()
        failed = self._failed.get(key)
        if failed is None or now - failed >= RETRY_REFRESH:
            try:
                await self.refresh(enterprise_id, team_id)
                self._failed.pop(key, None)
                return True
            except CALL_FAILED as error:
                self._failed[key] = now
                if self._logged.allows(key, now):
                    left = "expired" if expires_at is None or _ends(expires_at) <= now else "still valid"
                    logger.error(
                        "refreshing the bot token of workspace %s failed (%s); the token is %s; tried again in 1 min",
                        team_id or enterprise_id,
                        _why(error),
                        left,
                    )
        if expires_at is not None and _ends(expires_at) > now:
            return False
        raise TokenExpired(team_id or enterprise_id)

    async def refresh(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Refresh the bot token of one installation; one refresh at a time in this process."""
        key = (enterprise_id, team_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            await asyncio.to_thread(self._refresh, enterprise_id, team_id)

    def _refresh(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Under a database lock, look again (another process may have refreshed), then refresh and store."""
        bots, installations = self.store.bots, self.store.installations
        same = and_(
            bots.c.client_id == self.client.client_id,
            bots.c.enterprise_id == enterprise_id,
            bots.c.team_id == team_id,
        )
        with self.engine.begin() as connection:
            # SQLite: the transaction began with BEGIN IMMEDIATE (storage/db.py), which holds the write lock.
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(enterprise_id, team_id)}
                )
            row = connection.execute(
                bots.select().where(same, bots.c.bot_token.is_not(None)).order_by(desc(bots.c.installed_at)).limit(1)
            ).first()
            if row is None or not self._expiring(row.bot_refresh_token, row.bot_token_expires_at):
                return  # gone, or refreshed meanwhile by another process
            answer = WebClient(base_url=self.client.api_url, timeout=10).oauth_v2_access(
                client_id=self.client.client_id,
                client_secret=self.client.client_secret,
                grant_type="refresh_token",
                refresh_token=row.bot_refresh_token,
            )
            fresh: dict[str, Any] = {
                "bot_token": answer["access_token"],
                "bot_refresh_token": answer["refresh_token"],
                # slack_sdk's columns hold naive UTC times.
                "bot_token_expires_at": (self.clock() + timedelta(seconds=int(answer["expires_in"])))
                .astimezone(UTC)
                .replace(tzinfo=None),
            }
            connection.execute(bots.update().where(same, bots.c.bot_refresh_token == row.bot_refresh_token), fresh)
            connection.execute(
                installations.update().where(
                    installations.c.client_id == self.client.client_id,
                    installations.c.enterprise_id == enterprise_id,
                    installations.c.team_id == team_id,
                    installations.c.bot_refresh_token == row.bot_refresh_token,
                ),
                fresh,
            )


def _ends(expires_at: datetime | int) -> datetime:
    """slack_sdk's models give the expiry in epoch seconds; its tables hold it as a naive UTC time."""
    if isinstance(expires_at, datetime):
        return expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    return datetime.fromtimestamp(expires_at, UTC)


def _lock_key(enterprise_id: str | None, team_id: str | None) -> int:
    """A signed 64-bit number for PostgreSQL's advisory lock, the same in every process."""
    digest = hashlib.sha256(f"slack-token:{enterprise_id}:{team_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class FromInstallations(AsyncAuthorize):
    """Bolt's authorization from our installations: no `auth.test` per request, and the one guarded refresh."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations
        self._refusals = Throttle(REFUSALS_LOGGED_EVERY)

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        try:
            bot = await self.installations.async_find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
            )
        except TokenExpired:  # logged where the refresh failed, once a minute
            context[REFUSED] = REINSTALL
            return None
        if bot is None:
            context[REFUSED] = NOT_INSTALLED
            if self._refusals.allows((enterprise_id, team_id), self.installations.clock()):
                logger.warning(
                    "requests from workspace %s, where the app is not installed, are refused (logged once an hour)",
                    team_id or enterprise_id,
                )
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=None if bot.is_enterprise_install else bot.team_id,
            team=bot.team_name,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class States(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store on our engine: an install started here may end on another instance."""

    def __init__(self, engine: Engine) -> None:
        self.store = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=logger)

    @property
    def logger(self) -> logging.Logger:
        return logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def purge_states(engine: Engine, now: datetime) -> int:
    """Forget the OAuth states past their expiry: an install page opened and never finished leaves one behind, and
    anyone can open that page. How many were forgotten."""
    states = slack_tables.oauth_states
    # slack_sdk's columns hold naive UTC times.
    expired = states.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        return connection.execute(delete(states).where(expired)).rowcount


# -- installing and uninstalling ---------------------------------------------------------------------------------


def on_installed(
    bot: Passerelle, clock: Callable[[], datetime], locale: str = "en"
) -> Callable[[AsyncSuccessArgs], Awaitable[BoltResponse]]:
    """After the OAuth redirect stored the installation: the workspace exists, and its installer coordinates it."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        done = args.installation
        workspace = done.enterprise_id if done.is_enterprise_install else done.team_id
        if workspace:
            await asyncio.to_thread(bot.installed, "slack", workspace, done.user_id, clock())
        tr = translator(browser_locale(args.request, locale))
        return _page(
            200,
            tr.locale,
            tr("Passerelle is installed"),
            tr("Passerelle is now installed in this workspace. You can close this page and write to it in Slack."),
        )

    return success


def on_failed(locale: str = "en") -> Callable[[AsyncFailureArgs], Awaitable[BoltResponse]]:
    """An install that did not end well: the person cancelled it, or its state or code was refused."""

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        logger.warning("a Slack install failed: %s", args.reason)
        tr = translator(browser_locale(args.request, locale))
        if args.reason == "access_denied":
            status, text = 403, tr("The installation was cancelled: Passerelle was not installed.")
        else:
            # Bolt suggests 200 for an error Slack sent back; a failure is never a success to the browser.
            status = args.suggested_status_code if args.suggested_status_code >= 400 else 400
            text = tr(
                "The installation could not be completed (it may have been started too long ago, or twice). "
                "Please start it again from the install page."
            )
        return _page(status, tr.locale, tr("Passerelle was not installed"), text)

    return failure


def browser_locale(request: AsyncBoltRequest, fallback: str) -> str:
    """The first language of the browser's Accept-Language that we speak (`fr-CA,fr;q=0.9,en;q=0.8` → fr)."""
    header = ",".join(request.headers.get("accept-language") or [])
    weighted = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = normalize_locale(tag.strip())
        if language and quality > 0:
            weighted.append((-quality, n, language))
    return min(weighted)[2] if weighted else fallback


def _page(status: int, locale: str, title: str, text: str) -> BoltResponse:
    title, text = html.escape(title, quote=False), html.escape(text, quote=False)
    body = (
        f'<!DOCTYPE html><html lang="{locale}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def authorization_url(api_url: str) -> str:
    """Slack's "Add to Slack" address beside its Web API: GovSlack's `https://slack-gov.com/api/` →
    `https://slack-gov.com/oauth/v2/authorize`."""
    base = api_url.rstrip("/")
    return base.removesuffix("/api") + "/oauth/v2/authorize"


async def handle_app_uninstalled(context: AsyncBoltContext) -> None:
    """Nothing more goes there; the installation's tokens are dead, and are forgotten; the data stays."""
    deps: Deps = context["deps"]
    if deps.installations is not None:
        enterprise_id, team_id = installation_keys(context)
        await deps.installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
    await asyncio.to_thread(deps.bot.uninstalled, "slack", workspace_of(context), deps.clock())


async def handle_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A revoked bot token is an uninstall for the outbox; revoked user tokens only forget those users."""
    deps: Deps = context["deps"]
    tokens = event.get("tokens")
    tokens = tokens if isinstance(tokens, dict) else {}  # a forged event of another shape revokes nothing
    users = tokens.get("oauth")
    enterprise_id, team_id = installation_keys(context)
    if deps.installations is not None:
        for user_id in users if isinstance(users, list) else []:
            await deps.installations.async_delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        if tokens.get("bot"):
            await deps.installations.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
    if tokens.get("bot"):
        await asyncio.to_thread(deps.bot.uninstalled, "slack", workspace_of(context), deps.clock())
