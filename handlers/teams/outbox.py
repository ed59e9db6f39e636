"""The outbox's way out on Teams: each person's 1:1 chat, reached again through the conversation reference kept
when they installed the app or last wrote, with `continue_conversation`."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.outbox.parcel import Parcel, Reason, Retry, Sent, Undeliverable
from bot.ui import Message
from handlers.teams import cards

# Teams' limits per tenant (about 30 to 50 messages a second); a conversation's (about 7 a second) is held by the
# outbox's own pace of one a second per conversation.
PER_TENANT = 30
KEY = "key"  # a copy's outbox key, written again in its card when it is rewritten
UPN = "upn"  # kept in a person's address beside the conversation reference: a chat with them is opened by it
TRANSIENT = {408, 412, 429, 500, 502, 503, 504}
# Teams' error codes for someone the bot cannot write to, and what the coordinators can do about each.
REFUSALS: dict[str, Reason] = {
    "ForbiddenOperationException": "not_installed",
    "ConversationBlockedByUser": "blocked",
    "MessageWritesBlocked": "blocked",
    "BotNotInConversationRoster": "not_installed",
    "ConversationNotFound": "not_installed",
    "UserNotFound": "unknown_person",
    "BotDisabledByAdmin": "refused",
}


class TeamsOutbox:
    # Teams keeps no history a bot can read: a message it took is recorded as sent at once, not with the worker's
    # next round, or a process killed in between would send it again (bot/outbox/worker.py).
    looks_before_resending = False

    def __init__(self, adapter: CloudAdapter, app_id: str, clock: Callable[[], datetime], timeout: float = 10) -> None:
        self.adapter, self.app_id, self.clock, self.timeout = adapter, app_id, clock, timeout
        self._sent: dict[str, list[float]] = {}  # per tenant, the monotonic times of the last second's sends
        # Per tenant, until when Teams asked to wait, on the worker's clock: the wait passes with it.
        self._waiting: dict[str, float] = {}

    async def send(self, parcel: Parcel) -> Sent:
        """The message, as one card or several, in the person's chat; a card carries its outbox key, so that an
        answer to it can update the other member's copy of a pair's message."""
        if not parcel.address or not parcel.people:
            # Nobody installed the app for them and they never opened it: there is no chat to write to.
            raise Undeliverable("not_installed", "no conversation reference")
        try:
            reference = ConversationReference().deserialize(parcel.address)
        except Exception:
            raise Undeliverable("not_installed", "unreadable conversation reference") from None
        self._pace(parcel.workspace)
        upns = {user_id: str(address.get(UPN, "")) for user_id, address in parcel.shared_with if address}
        shown = cards.with_chats(parcel.message, parcel.people[0], upns)
        activities = [
            Activity(type=ActivityTypes.message, attachments=[cards.attachment(keyed(card, parcel.key))])
            for card in cards.build_cards(shown)
        ]
        if activities:
            activities[0].summary = cards.summary(parcel.message) or None
        ids: list[str] = []

        async def post(turn_context: TurnContext) -> None:
            for answer in await turn_context.send_activities(activities):
                ids.append(str(getattr(answer, "id", "") or ""))

        try:
            await self._continue(reference, post)
        except HttpOperationError as error:
            raise self._failure(parcel, error, maybe_sent=bool(ids)) from None
        except (TimeoutError, ClientRequestError, OSError) as error:
            # The request may have reached Teams; Teams keeps no history a bot can read to look for it, so it is
            # sent again: a rare duplicate rather than a lost message.
            raise Retry(type(error).__name__, maybe_sent=True) from None
        conversation = getattr(reference.conversation, "id", None)
        receipt = {"conversation": conversation, "activity": ids[0] if ids else "", "parts": ids, KEY: parcel.key}
        return Sent(receipt)

    async def rewrite(self, copy: dict[str, Any], msg: Message, viewer: str, upns: dict[str, str]) -> None:
        """A card sent before, rewritten in place: `copy` is its receipt, with `address`, where its reader was
        reached (the other member's copy of a pair's message)."""
        reference = ConversationReference().deserialize(copy["address"])
        card = _keyed_to(cards.build_card(cards.with_chats(msg, viewer, upns)), copy.get(KEY))
        updated = Activity(type=ActivityTypes.message, id=str(copy["activity"]), attachments=[cards.attachment(card)])

        async def update(turn_context: TurnContext) -> None:
            await turn_context.update_activity(updated)

        await self._continue(reference, update)

    async def _continue(self, reference: ConversationReference, work: Callable[[TurnContext], Awaitable[None]]) -> None:
        """`work` in the conversation, its failure raised here: the adapter would hand it to the turn's error
        handler, which tells the person something went wrong, instead of to the outbox, which tries again."""
        failed: list[BaseException] = []

        async def guarded(turn_context: TurnContext) -> None:
            try:
                await work(turn_context)
            except Exception as error:
                failed.append(error)

        await asyncio.wait_for(self.adapter.continue_conversation(reference, guarded, self.app_id), self.timeout)
        if failed:
            raise failed[0]

    def _pace(self, tenant: str) -> None:
        asked = self._waiting.get(tenant, 0.0) - self.clock().timestamp()
        if asked > 0:
            raise Retry("ratelimited", after=asked)
        now = time.monotonic()
        recent = [t for t in self._sent.get(tenant, []) if t > now - 1.0]
        if len(recent) >= PER_TENANT:
            raise Retry("ratelimited", after=1.0 - (now - recent[0]))
        self._sent[tenant] = [*recent, now]

    def _failure(self, parcel: Parcel, error: HttpOperationError, maybe_sent: bool) -> Retry | Undeliverable:
        status = _status(error.response)
        code = _code(error)
        if status in TRANSIENT or status is None:
            after = _retry_after(error.response)
            if status == 429:
                self._waiting[parcel.workspace] = self.clock().timestamp() + (after or 1.0)
            return Retry(f"HTTP {status}" + (f" {code}" if code else ""), after=after, maybe_sent=maybe_sent)
        if status == 401:  # the bot's own credentials: held until they work again, not given up
            return Retry("HTTP 401", after=300.0, maybe_sent=maybe_sent)
        reason = REFUSALS.get(code or "") or ("not_installed" if status in (403, 404) else "refused")
        return Undeliverable(reason, f"HTTP {status} {code or ''}".strip())


def _keyed_to(card: dict[str, Any], key: object) -> dict[str, Any]:
    return keyed(card, key) if isinstance(key, str) and key else card


def keyed(card: dict[str, Any], key: str) -> dict[str, Any]:
    """Every press of the card names the outbox row it came with."""
    for action in _actions(card):
        ours = (action.get("data") or {}).get(cards.DATA)
        if isinstance(ours, dict):
            ours["o"] = key
    return card


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [a for item in node for a in _actions(item)]
    if not isinstance(node, dict):
        return []
    found = [node] if str(node.get("type", "")).startswith("Action.") else []
    return found + [a for key, value in node.items() if key != "data" for a in _actions(value)]


def _status(response: object) -> int | None:
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def _code(error: HttpOperationError) -> str | None:
    """Teams' error code: in the usual `{"error": {"code": …}}`, or for a bot the person blocked or removed, as the
    `subCode` of a JSON text in `message` (`{"errorCode": 209, "message": "{\"subCode\": …}"}`)."""
    inner = getattr(getattr(error, "error", None), "error", None)
    code = getattr(inner, "code", None)
    if isinstance(code, str):
        return code
    try:
        body = error.response.json()
        code = json.loads(body["message"]).get("subCode") if isinstance(body, dict) else None
    except (AttributeError, ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _retry_after(response: object) -> float | None:
    headers = getattr(response, "headers", None) or {}
    wait = next((str(v) for k, v in dict(headers).items() if str(k).lower() == "retry-after"), "")
    return min(float(wait), 3600.0) if wait.isascii() and wait.isdecimal() and len(wait) <= 6 else None
