"""The outbox's way out on Slack: a DM, a pair's group DM or a channel post, each carrying its key in metadata."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.outbox.parcel import Parcel, Reason, Retry, Sent, Undeliverable
from handlers.slack.blocks import build_messages
from handlers.slack.errors import error_code, http_status
from handlers.slack.install import Installations, TokenExpired

METADATA = "passerelle_outbox"
# How far back to look for a message that may have been posted: a conversation's latest messages.
HISTORY = 50
TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# Errors of the token rather than of the message; waited out, as an uninstall is, rather than given up.
TOKEN = {"invalid_auth", "not_authed", "token_revoked", "token_expired"}
TOKEN_WAIT = 300.0
CLIENT_KEPT = timedelta(minutes=1)
PERMANENT: dict[str, Reason] = {
    "account_inactive": "inactive",
    "user_disabled": "inactive",
    "user_not_found": "unknown_person",
    "users_not_found": "unknown_person",
    "channel_not_found": "no_channel",
    "not_in_channel": "not_member",
    "is_archived": "archived",
}


def worker_client(token: str, api_url: str, timeout: float = 10) -> AsyncWebClient:
    """No retries of its own: the outbox retries, honours Retry-After, and looks before it sends again."""
    return AsyncWebClient(token=token, base_url=api_url, timeout=int(timeout), retry_handlers=[])


ClientFor = Callable[[str], Awaitable[AsyncWebClient]]


def one_client(client: AsyncWebClient) -> ClientFor:
    """Single-token mode: the one workspace's client."""

    async def client_for(_workspace: str) -> AsyncWebClient:
        return client

    return client_for


def installed_clients(installations: Installations, api_url: str, timeout: float = 10) -> ClientFor:
    """OAuth mode: each workspace's bot token from the installation store, refreshed first when it expires soon.

    A delivery has no incoming request whose authorization would have refreshed the token: it does so itself.
    """

    async def client_for(workspace: str) -> AsyncWebClient:
        try:
            bot = await installations.bot_of(workspace)
        except TokenExpired:  # logged by the failed refresh, once a minute; the app must be installed again
            raise Retry("token expired and could not be refreshed") from None
        except SlackApiError as error:
            raise Retry(f"token refresh failed: {error_code(error) or http_status(error)}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise Retry(f"token refresh failed: {type(error).__name__}") from None
        if bot is None or not bot.bot_token:
            # Not installed (any more): the row waits; an uninstalled workspace's rows are not even claimed.
            raise Retry("no installation")
        return worker_client(bot.bot_token, api_url, timeout)

    return client_for


class SlackOutbox:
    def __init__(self, client_for: ClientFor, clock: Callable[[], datetime]) -> None:
        self.client_for = client_for  # the client of a workspace, by its id (a team, or an org-wide enterprise)
        self.clock = clock  # the worker's, so that a wait Slack asked for passes with it
        # Slack limits each method per workspace (posting: per conversation). Once it has said to wait, the other
        # messages wait too, without asking Slack again in the meantime.
        self._waiting: dict[tuple[str, ...], float] = {}
        # Calls share a session, and its connections to Slack, kept open between messages: slack_sdk would open a
        # session and a connection for each call and close them after, which costs more than the call itself.
        # One per event loop (a session cannot leave its loop) and per timeout (a session's is all its calls').
        self._sessions: dict[tuple[asyncio.AbstractEventLoop, int], aiohttp.ClientSession] = {}
        # Each workspace's client, kept a little while: finding its installation costs database reads, and would
        # cost them for every message. Well within the time before a token is refreshed (install.REFRESH_BEFORE);
        # dropped when Slack refuses its token.
        self._clients: dict[str, tuple[AsyncWebClient, datetime]] = {}

    async def _client(self, workspace: str) -> tuple[AsyncWebClient, bool]:
        """The workspace's client, and whether it was kept from an earlier message."""
        now = self.clock()
        kept = self._clients.get(workspace)
        if kept is not None and now < kept[1] and now >= kept[1] - CLIENT_KEPT:  # a clock moved back: look again
            return self._kept_open(kept[0]), True
        client = self._kept_open(await self.client_for(workspace))
        self._clients[workspace] = (client, now + CLIENT_KEPT)
        return client, False

    def _kept_open(self, client: AsyncWebClient) -> AsyncWebClient:
        loop = asyncio.get_running_loop()
        key = (loop, client.timeout)
        session = self._sessions.get(key)
        if session is None or session.closed:
            self._sessions = {k: s for k, s in self._sessions.items() if not k[0].is_closed()}
            session = self._sessions[key] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
        client.session = session
        return client

    async def close(self) -> None:
        """Close the connections kept open in this event loop."""
        loop = asyncio.get_running_loop()
        for key in [k for k in self._sessions if k[0] is loop]:
            await self._sessions.pop(key).close()

    async def _call(
        self, limit: tuple[str, ...], call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        now = self.clock().timestamp()
        if self._waiting.get(limit, 0) > now:
            raise Retry("ratelimited", after=self._waiting[limit] - now)
        try:
            return await call()
        except SlackApiError as error:
            if http_status(error) == 429:
                self._waiting[limit] = now + (_retry_after(error) or 1.0)
            raise

    async def send(self, parcel: Parcel) -> Sent:
        client, kept = await self._client(parcel.workspace)
        # A message longer than Slack takes goes out in parts, each with its own key (`key`, `key#2`, …).
        parts = [
            (parcel.key if n == 0 else f"{parcel.key}#{n + 1}", part)
            for n, part in enumerate(build_messages(parcel.message))
        ]
        posting, receipts = False, list[str]()
        try:
            channel, address = await self._conversation(client, parcel)
            found = (
                await self._find(client, parcel.workspace, channel, parcel.key) if parcel.maybe_sent and channel else {}
            )
            for key, (text, blocks) in parts:
                if key in found:
                    receipts.append(found[key])
                    continue
                posting = True
                where = channel or parcel.people[0]
                post = functools.partial(
                    client.chat_postMessage,
                    channel=where,
                    text=text,
                    blocks=blocks,
                    metadata={"event_type": METADATA, "event_payload": {"key": key}},
                )
                answer = await self._call((parcel.workspace, "chat.postMessage", where), post)
                posting = False
                channel = str(answer.get("channel") or channel)
                receipts.append(str(answer.get("ts", "")))
        except SlackApiError as error:
            if error_code(error) in TOKEN:
                self._clients.pop(parcel.workspace, None)  # the next message finds the installation afresh
                if kept:  # the app may have been installed again since: with the new token, it goes at once
                    raise Retry(error_code(error), after=0.0, maybe_sent=bool(receipts)) from None
            raise _failure(error, maybe_sent=bool(receipts)) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            # The request may have reached Slack: the next attempt looks for the key first.
            raise Retry(type(error).__name__, maybe_sent=posting or bool(receipts)) from None
        if address is None and parcel.people and channel:
            address = {"channel": channel}
        return Sent({"channel": channel, "ts": receipts[0], "parts": receipts}, address)

    async def _conversation(self, client: AsyncWebClient, parcel: Parcel) -> tuple[str | None, dict[str, Any] | None]:
        """Where to post: a channel, the conversation kept from last time, or one opened now.

        A person's DM is reached by posting to their user id, without opening it first (opening is rate-limited);
        it is opened only to look for a message that may already be there.
        """
        if parcel.channel:
            return parcel.channel, None
        if parcel.address and parcel.address.get("channel"):
            return str(parcel.address["channel"]), parcel.address
        if len(parcel.people) == 1 and not parcel.maybe_sent:
            return None, None
        users = ",".join(parcel.people)
        opened = await self._call(
            (parcel.workspace, "conversations.open"), lambda: client.conversations_open(users=users)
        )
        found = opened.get("channel")
        channel = found.get("id") if isinstance(found, dict) else None
        if not isinstance(channel, str) or not channel:
            # Without the conversation, a pair's message would go to one member alone: try again later.
            raise Retry("conversations.open named no conversation")
        return channel, {"channel": channel}

    async def _find(self, client: AsyncWebClient, workspace: str, channel: str, key: str) -> dict[str, str]:
        """The parts of this message already in the conversation, by key, with their timestamps."""
        history = await self._call(
            (workspace, "conversations.history"),
            lambda: client.conversations_history(channel=channel, limit=HISTORY, include_all_metadata=True),
        )
        found = {}
        for posted in history.get("messages") or []:
            metadata = posted.get("metadata") or {}
            posted_key = str((metadata.get("event_payload") or {}).get("key", ""))
            if metadata.get("event_type") == METADATA and posted_key.split("#")[0] == key:
                found[posted_key] = str(posted.get("ts"))
        return found


def _failure(error: SlackApiError, maybe_sent: bool) -> Retry | Undeliverable:
    code, status = error_code(error), http_status(error)
    after = _retry_after(error)
    if not code:
        # Not Slack's answer (a proxy's page, a cut body): the message may have been posted; look before resending.
        return Retry(f"HTTP {status}", after=after, maybe_sent=True)
    if status == 429 or status >= 500 or code in TRANSIENT:
        return Retry(code, after=after, maybe_sent=maybe_sent)
    if code in TOKEN:
        # The bot's token, not the message: held until the workspace's token works again (a reinstall).
        return Retry(code, after=TOKEN_WAIT, maybe_sent=maybe_sent)
    return Undeliverable(PERMANENT.get(code, "refused"), detail=code)


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    wait = next((str(v) for k, v in headers.items() if k.lower() == "retry-after"), "")
    # Slack asks for seconds; a wait longer than an hour is not Slack's (and would hold the message for ever).
    return min(float(wait), 3600.0) if wait.isascii() and wait.isdecimal() and len(wait) <= 6 else None
