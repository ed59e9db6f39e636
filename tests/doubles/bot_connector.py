"""A local Bot Connector as Teams serves it at a bot's serviceUrl: answers the routes the bot calls, records each
call, checks every activity against the connector's swagger and every card against Adaptive Cards 1.5, and can
refuse the way Teams does."""

import asyncio
import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.schemas import ADAPTIVE_CARD, activity_problems

CONVERSATIONS = "/v3/conversations"
ACTIVITIES = "/v3/conversations/{conversationId}/activities"
ACTIVITY = "/v3/conversations/{conversationId}/activities/{activityId}"
MEMBERS = "/v3/conversations/{conversationId}/members"
MEMBER = "/v3/conversations/{conversationId}/members/{memberId}"

# Teams' refusals as Microsoft documents them ("Status codes from bot conversational APIs",
# msteams-docs bots/build-conversational-capability.md): code → (status, message).
REFUSALS: dict[str, tuple[int, str]] = {
    "BadArgument": (400, "Invalid request payload."),
    "BotNotRegistered": (401, "No registration found for this bot."),
    "BotDisabledByAdmin": (403, "The tenant admin disabled this bot"),
    "BotNotInConversationRoster": (403, "The bot is not part of the conversation roster."),
    "ConversationBlockedByUser": (403, "User blocked the conversation with the bot."),
    "ForbiddenOperationException": (403, "Bot is not installed in user's personal scope"),
    "ActivityNotFoundInConversation": (404, "Conversation not found."),
    "ConversationNotFound": (404, "Conversation not found."),
    "PreconditionFailed": (412, "Precondition failed, please try again."),
    "MessageSizeTooBig": (413, "Message size too large."),
    "Throttled": (429, "Too many requests."),
    "ServiceError": (500, "Internal server error."),
}
DEFAULT_CODES = {403: "ForbiddenOperationException", 404: "ConversationNotFound", 412: "PreconditionFailed"}
DEFAULT_CODES |= {429: "Throttled", 500: "ServiceError", 502: "ServiceError"}
# A blocked or uninstalled bot posting proactively: the body Microsoft shows for 403 MessageWritesBlocked
# (msteams-docs bots/how-to/conversations/send-proactive-messages.md), not the usual {"error": …} envelope.
WRITES_BLOCKED = json.dumps(
    {
        "errorCode": 209,
        "message": '{\r\n  "subCode": "MessageWritesBlocked",\r\n  "details": "Thread is blocked from message writes.",'
        '\r\n  "errorCode": null,\r\n  "errorSubCode": null\r\n}',
    },
    separators=(",", ":"),
)


@dataclass(frozen=True)
class Fault:
    status: int = 200
    code: str | None = None  # Teams' error code; its documented body is sent (DEFAULT_CODES when not given)
    retry_after: int | None = None
    delay: float = 0  # seconds before answering: longer than the client's timeout is a hang
    # The call takes effect before the fault: Teams posted the message, then the answer was lost.
    accepted: bool = False


BLOCKED = Fault(403, "ConversationBlockedByUser")
NOT_IN_ROSTER = Fault(403, "BotNotInConversationRoster")  # the app was uninstalled, or the bot removed
NOT_INSTALLED = Fault(403, "ForbiddenOperationException")  # proactive message to someone without the app
MESSAGE_WRITES_BLOCKED = Fault(403, "MessageWritesBlocked")
NOT_FOUND = Fault(404, "ConversationNotFound")


def throttled(seconds: int) -> Fault:
    return Fault(429, "Throttled", retry_after=seconds)


@dataclass
class Call:
    method: str
    route: str  # the swagger path it matched, e.g. ACTIVITY
    conversation: str | None
    body: Any
    authorization: str | None
    # The caller's TCP port: which of several processes made the call (tests/processes.py's local_ports).
    peer: int | None = None

    @property
    def activity(self) -> dict[str, Any] | None:
        return self.body if self.route in (ACTIVITIES, ACTIVITY) and isinstance(self.body, dict) else None


@dataclass
class Member:
    id: str
    name: str
    upn: str
    aad_id: str
    tenant: str

    def account(self) -> dict[str, str]:
        """The member as Teams' members routes return it (TeamsChannelAccount)."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_id,
            "email": self.upn,
            "userPrincipalName": self.upn,
            "tenantId": self.tenant,
            "givenName": given,
            "surname": surname,
            "userRole": "user",
        }


@dataclass
class FakeConnector:
    # When set, every call must carry an Authorization header it accepts (TeamsIdentity.authorized).
    authorize: Callable[[str | None], bool] | None = None
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    # What each conversation shows now, oldest first: posts, as updated, less the deleted ones.
    held: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Seconds every post of an activity takes to be answered, once held: a slow Teams, so that a process killed
    # while it delivers is killed in the middle of its posts.
    pace: float = 0
    _faults: list[tuple[Fault, str | None, str | None]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The serviceUrl the bot is given; botbuilder joins routes to it, so it ends with a slash."""
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(CONVERSATIONS, self._create_conversation)
        app.router.add_post(ACTIVITIES, self._post_activity)
        app.router.add_post(ACTIVITY, self._post_activity)
        app.router.add_put(ACTIVITY, self._update_activity)
        app.router.add_delete(ACTIVITY, self._delete_activity)
        app.router.add_get(MEMBERS, self._get_members)
        app.router.add_get(MEMBER, self._get_member)
        # A hung call is not waited for when the test ends.
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeConnector":
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def routes(self) -> set[tuple[str, str]]:
        """(method, path) of every route served, to compare with the swagger's paths."""
        assert self._runner is not None
        return {
            (route.method, resource.canonical)
            for resource in self._runner.app.router.resources()
            for route in resource
            if route.method != "HEAD"
        }

    def add_member(self, user_id: str, name: str, upn: str, aad_id: str, tenant: str) -> str:
        """Someone who has the app; returns the id of their 1:1 conversation with the bot."""
        self.members[user_id] = Member(user_id, name, upn, aad_id, tenant)
        return self.personal(user_id)

    @staticmethod
    def personal(user_id: str) -> str:
        """The id of the bot's 1:1 conversation with a user: Teams keeps one per user and bot."""
        return "a:1" + hashlib.sha256(user_id.encode()).hexdigest()[:40]

    def fail(self, fault: Fault, to: str | None = None, times: int = 1, method: str | None = None) -> None:
        """The next `times` calls (to conversation `to`, or a user's 1:1; of HTTP `method`, if given) get `fault`."""
        self._faults += [(fault, to, method)] * times

    @property
    def faults_left(self) -> int:
        """How many of the faults asked for no call has taken yet."""
        return len(self._faults)

    def activities(self, to: str) -> list[dict[str, Any]]:
        """What a conversation (or a user's 1:1) shows now."""
        return self.held.get(to) or self.held.get(self.personal(to), [])

    def cards(self, to: str) -> list[dict[str, Any]]:
        return [card for activity in self.activities(to) for card in cards_of(activity)]

    def last(self, user_id: str) -> dict[str, Any]:
        shown = self.activities(user_id)
        assert shown, f"nothing in {user_id}'s 1:1 with the bot"
        return shown[-1]

    async def posted(self, contains: str, to: str | None = None, timeout: float = 10) -> dict[str, Any]:
        """The first activity shown whose text (cards' included) has `contains`, in `to` if given; waits for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            where = [self.activities(to)] if to else list(self.held.values())
            found = [a for shown in where for a in shown if contains in text_of(a)]
            if found:
                return found[0]
            await asyncio.sleep(0.01)
        texts = [text_of(a)[:60] for shown in self.held.values() for a in shown]
        raise AssertionError(f"nothing posted with {contains!r} within {timeout}s; shown: {texts}")

    async def quiet(self, seconds: float = 0.3) -> None:
        """Wait until no call has come for `seconds`."""
        count = -1
        while count != len(self.calls):
            count = len(self.calls)
            await asyncio.sleep(seconds)

    async def _create_conversation(self, request: web.Request) -> web.StreamResponse:
        parameters = await _json(request)
        members = parameters.get("members") if isinstance(parameters, dict) else None
        user = members[0].get("id") if isinstance(members, list) and members and isinstance(members[0], dict) else None
        conversation = self.personal(user) if user in self.members else None
        refused = await self._refused(request, CONVERSATIONS, conversation, parameters)
        if refused:
            return refused
        fault = self._take(conversation, request.method)
        if fault:
            return await _faulty(fault)
        if not isinstance(members, list) or len(members) != 1 or parameters.get("isGroup"):
            self.problems.append("create conversation: Teams bots create 1:1 conversations with one member")
            return _refusal("BadArgument")
        if conversation is None:  # someone the double does not know has not installed the app
            return _refusal("ForbiddenOperationException")
        if not (parameters.get("tenantId") or (parameters.get("channelData") or {}).get("tenant", {}).get("id")):
            self.problems.append("create conversation: Teams needs the tenant id")
        self.held.setdefault(conversation, [])
        return web.json_response({"id": conversation})

    async def _post_activity(self, request: web.Request) -> web.StreamResponse:
        conversation = request.match_info["conversationId"]
        route = ACTIVITY if "activityId" in request.match_info else ACTIVITIES
        activity = await _json(request)
        refused = await self._refused(request, route, conversation, activity)
        if refused:
            return refused
        fault = self._take(conversation, request.method)
        if fault and not fault.accepted:
            return await _faulty(fault)
        posted = {**activity, "id": f"1{next(self._ids):012d}"}
        self.held.setdefault(conversation, []).append(posted)
        if self.pace:
            await asyncio.sleep(self.pace)
        return await _faulty(fault, web.json_response({"id": posted["id"]}))

    async def _update_activity(self, request: web.Request) -> web.StreamResponse:
        conversation, activity_id = request.match_info["conversationId"], request.match_info["activityId"]
        activity = await _json(request)
        refused = await self._refused(request, ACTIVITY, conversation, activity)
        if refused:
            return refused
        shown = self.held.get(conversation, [])
        index = next((i for i, a in enumerate(shown) if a["id"] == activity_id), None)
        if index is None:
            return _refusal("ActivityNotFoundInConversation")
        fault = self._take(conversation, request.method)
        if fault and not fault.accepted:
            return await _faulty(fault)
        shown[index] = {**activity, "id": activity_id}
        return await _faulty(fault, web.json_response({"id": activity_id}))

    async def _delete_activity(self, request: web.Request) -> web.StreamResponse:
        conversation, activity_id = request.match_info["conversationId"], request.match_info["activityId"]
        refused = await self._refused(request, ACTIVITY, conversation, None)
        if refused:
            return refused
        fault = self._take(conversation, request.method)
        if fault and not fault.accepted:
            return await _faulty(fault)
        self.held[conversation] = [a for a in self.held.get(conversation, []) if a["id"] != activity_id]
        return await _faulty(fault, web.Response(status=200))

    async def _get_members(self, request: web.Request) -> web.StreamResponse:
        conversation = request.match_info["conversationId"]
        refused = await self._refused(request, MEMBERS, conversation, None)
        if refused:
            return refused
        fault = self._take(conversation, request.method)
        if fault:
            return await _faulty(fault)
        found = [m.account() for m in self.members.values() if self.personal(m.id) == conversation]
        return web.json_response(found) if found else _refusal("ConversationNotFound")

    async def _get_member(self, request: web.Request) -> web.StreamResponse:
        conversation, member_id = request.match_info["conversationId"], request.match_info["memberId"]
        refused = await self._refused(request, MEMBER, conversation, None)
        if refused:
            return refused
        fault = self._take(conversation, request.method)
        if fault:
            return await _faulty(fault)
        member = self.members.get(member_id)
        if member is None or self.personal(member_id) != conversation:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": ""}}, status=404)
        return web.json_response(member.account())

    async def _refused(
        self, request: web.Request, route: str, conversation: str | None, body: Any
    ) -> web.StreamResponse | None:
        """Record the call; refuse it as the Bot Connector would if it is unauthorized or malformed."""
        authorization = request.headers.get("Authorization")
        peer = request.transport.get_extra_info("peername") if request.transport else None
        port = peer[1] if isinstance(peer, tuple) and len(peer) >= 2 else None
        self.calls.append(Call(request.method, route, conversation, body, authorization, port))
        if self.authorize is not None and not self.authorize(authorization):
            self.problems.append(f"{request.method} {route}: no valid bearer token")
            return web.json_response({"message": "Authorization has been denied for this request."}, status=401)
        if route in (ACTIVITIES, ACTIVITY) and request.method in ("POST", "PUT"):
            problems = activity_problems(body) if isinstance(body, dict) else ["activity: not a JSON object"]
            stated = (body.get("conversation") or {}).get("id") if isinstance(body, dict) else None
            if stated and stated != conversation:
                problems.append(f"activity: conversation {stated} posted to {conversation}")
            if problems:
                self.problems += [f"{request.method} {route}: {p}" for p in problems]
                return _refusal("BadArgument", "; ".join(problems)[:300])
        return None

    def _take(self, conversation: str | None, method: str) -> Fault | None:
        for entry in self._faults:
            fault, only, verb = entry
            aimed = only is None or conversation in (only, self.personal(only))
            if aimed and (verb is None or verb == method):
                self._faults.remove(entry)
                return fault
        return None


def cards_of(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in activity.get("attachments") or [] if a.get("contentType") == ADAPTIVE_CARD]


def texts(node: Any) -> list[str]:
    """What a person reads on a card: text blocks and runs, facts, input labels and choices, action titles."""
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    if not isinstance(node, dict):
        return []
    kind = str(node.get("type", ""))
    if kind == "FactSet":
        return [str(fact.get(part, "")) for fact in node.get("facts", []) for part in ("title", "value")]
    own = []
    if kind in ("TextBlock", "TextRun") and isinstance(node.get("text"), str):
        own.append(node["text"])
    if kind.startswith("Action.") and isinstance(node.get("title"), str):
        own.append(node["title"])
    if kind.startswith("Input.") and isinstance(node.get("label"), str):
        own.append(node["label"])
    if kind == "Input.ChoiceSet":
        own += [str(choice.get("title", "")) for choice in node.get("choices", [])]
    # Submit data and Teams' extensions are for the bot; a choice's value is what the bot gets back.
    hidden = ("data", "msteams", "choices", "text", "title", "label")
    return own + [t for key, value in node.items() if key not in hidden for t in texts(value)]


def text_of(activity: dict[str, Any]) -> str:
    """An activity's text and its cards' texts, for assertions on what a person reads."""
    return " ".join([str(activity.get("text") or ""), *[t for card in cards_of(activity) for t in texts(card)]])


async def _json(request: web.Request) -> Any:
    raw = await request.text()
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return raw


def _refusal(code: str, message: str | None = None) -> web.Response:
    status, documented = REFUSALS[code]
    return web.json_response({"error": {"code": code, "message": message or documented}}, status=status)


async def _faulty(fault: Fault | None, answer: web.Response | None = None) -> web.Response:
    """The answer a fault gives; `answer` is the one the call earned, for faults that only delay it."""
    if fault is None:
        assert answer is not None
        return answer
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.status == 200:
        # A hang that did nothing ends as a gateway timeout, if the client is still waiting.
        return answer if answer is not None and fault.accepted else web.Response(status=504)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    code = fault.code or DEFAULT_CODES.get(fault.status)
    if code == "MessageWritesBlocked":
        return web.Response(text=WRITES_BLOCKED, status=403, content_type="application/json", headers=headers)
    if code is None:  # 504 and the like: a gateway's answer, no Teams body
        return web.Response(status=fault.status, headers=headers)
    message = REFUSALS[code][1] if code in REFUSALS else code
    return web.json_response({"error": {"code": code, "message": message}}, status=fault.status, headers=headers)
