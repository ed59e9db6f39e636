"""Which Slack workspaces are served, and with which bot token: one token's own team, or every installation.

Single-token mode (`SLACK_BOT_TOKEN`): `auth.test` is called once, and only the token's team (or, for an org-wide
token, its enterprise) is served. OAuth mode (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`): installations live in our
database, in slack_sdk's SQLAlchemy tables; only installed workspaces are served, and an expiring rotated token is
refreshed once, by one process, whoever needs it first (a listener or the outbox).
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncSuccessArgs
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, and_, desc, select, text

from bot.service import Passerelle
from handlers.slack.deps import Deps

logger = logging.getLogger(__name__)

# A rotated token lives 12 hours; it is refreshed when less than this is left, as Bolt does by default.
REFRESH_BEFORE = timedelta(minutes=120)
# How long the OAuth state of an install started in a browser stays valid.
STATE_SECONDS = 600


def workspace_of(context: AsyncBoltContext) -> str:
    """Our workspace id of a request: the team, or the enterprise for an org-wide install.

    Taken from the authorization (the installation or the token that serves the request), so that every team of an
    org-wide install, and its requests that carry no team id, land in the one workspace of the enterprise.
    """
    if context.is_enterprise_install and context.enterprise_id:
        return context.enterprise_id
    served = context.authorize_result
    if served is not None and (served.team_id or served.enterprise_id):
        return str(served.team_id or served.enterprise_id)
    return context.team_id or context.enterprise_id or ""


def installation_keys(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    """(enterprise id, team id) as the installation store keys an install: no team for an org-wide one."""
    if context.is_enterprise_install:
        return context.enterprise_id, None
    return context.enterprise_id, context.team_id


# -- single-token mode -------------------------------------------------------------------------------------------


class OneTeam:
    """The token's own team, learnt from one `auth.test` and reused for every request.

    Bolt's single-team authorization calls `auth.test` for each request until one succeeds: a cold start under a
    burst made hundreds of calls, and a rate-limited `auth.test` delayed the acknowledgements past Slack's 3 s.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.result: AuthorizeResult | None = None
        self.org_wide = False
        self._lock = asyncio.Lock()

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
        return self.result

    def serves(self, own: AuthorizeResult, enterprise_id: str | None, team_id: str | None) -> bool:
        if self.org_wide:
            return bool(own.enterprise_id) and enterprise_id == own.enterprise_id
        if team_id:
            return team_id == own.team_id
        return bool(own.enterprise_id) and enterprise_id == own.enterprise_id

    def authorize(self) -> Callable[..., Awaitable[AuthorizeResult | None]]:
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
            own = await self.load()
            if self.serves(own, enterprise_id, team_id):
                return own
            logger.warning("a request from a workspace this token does not serve was refused")
            return None

        return authorize


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
        if bot is not None and self._expiring(bot.bot_refresh_token, bot.bot_token_expires_at):
            await self.refresh(bot.enterprise_id, bot.team_id)
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
            await self.refresh(found.enterprise_id, None if found.is_enterprise_install else found.team_id)
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
        """slack_sdk's models give the expiry in epoch seconds; its tables hold it as a naive UTC time."""
        if not refresh_token or expires_at is None:
            return False  # token rotation is off for this installation
        if isinstance(expires_at, datetime):
            ends = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        else:
            ends = datetime.fromtimestamp(expires_at, UTC)
        return ends - self.clock() < REFRESH_BEFORE

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
            try:
                answer = WebClient(base_url=self.client.api_url, timeout=10).oauth_v2_access(
                    client_id=self.client.client_id,
                    client_secret=self.client.client_secret,
                    grant_type="refresh_token",
                    refresh_token=row.bot_refresh_token,
                )
            except SlackApiError as error:
                logger.error("refreshing a bot token failed: %s", error.response.get("error"))
                raise
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


def _lock_key(enterprise_id: str | None, team_id: str | None) -> int:
    """A signed 64-bit number for PostgreSQL's advisory lock, the same in every process."""
    digest = hashlib.sha256(f"slack-token:{enterprise_id}:{team_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class FromInstallations(AsyncAuthorize):
    """Bolt's authorization from our installations: no `auth.test` per request, and the one guarded refresh."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

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
        except (SlackApiError, OSError) as error:  # Slack refused the refresh, or could not be reached
            logger.error("the installation's token could not be refreshed (%s): request refused", type(error).__name__)
            return None
        if bot is None:
            logger.warning("a request from a workspace where the app is not installed was refused")
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


# -- installing and uninstalling ---------------------------------------------------------------------------------


def on_installed(
    bot: Passerelle, clock: Callable[[], datetime]
) -> Callable[[AsyncSuccessArgs], Awaitable[BoltResponse]]:
    """After the OAuth redirect stored the installation: the workspace exists, and its installer coordinates it."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        done = args.installation
        workspace = done.enterprise_id if done.is_enterprise_install else done.team_id
        if workspace:
            await asyncio.to_thread(bot.installed, "slack", workspace, done.user_id, clock())
        return await args.default.success(args)

    return success


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
    tokens = event.get("tokens") or {}
    enterprise_id, team_id = installation_keys(context)
    if deps.installations is not None:
        for user_id in tokens.get("oauth") or []:
            await deps.installations.async_delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        if tokens.get("bot"):
            await deps.installations.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
    if tokens.get("bot"):
        await asyncio.to_thread(deps.bot.uninstalled, "slack", workspace_of(context), deps.clock())
