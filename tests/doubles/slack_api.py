"""A local Slack Web API: answers the methods the bot calls, records each call, and checks it against Slack's spec."""

import asyncio
import hashlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.doubles.schemas import ADDED_BY_BOLT, block_problems, view_problems, web_api_problems

BOT_USER = "UPASSBOT"
# Methods newer than the 2020 OpenAPI spec, with the arguments Slack documents for them.
NEWER_THAN_SPEC: dict[str, set[str]] = {
    "apps.connections.open": set(),
    "files.getUploadURLExternal": {"filename", "length", "alt_txt", "snippet_type"},
    "files.completeUploadExternal": {"files", "channel_id", "channels", "initial_comment", "thread_ts"},
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.args.get("blocks") or []

    @property
    def text(self) -> str:
        """Every text of the call, blocks included, for assertions on what a person reads."""
        return " ".join(_texts(self.args.get("blocks") or self.args.get("view", {}).get("blocks") or [])) or str(
            self.args.get("text", "")
        )


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [
            t for key, value in node.items() if key != "text" or not isinstance(value, str) for t in _texts(value)
        ]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


# Arguments Slack added to methods after the 2020 spec (message metadata, 2022).
NEWER_ARGUMENTS: dict[str, set[str]] = {
    "chat.postMessage": {"metadata"},
    "conversations.history": {"include_all_metadata"},
}


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0  # seconds before answering: longer than the client's timeout is a hang
    # The call takes effect before the fault: Slack posted the message, then the answer was lost.
    accepted: bool = False
    only: str | None = None  # only for calls to this channel or user (`channel` or `users` argument)
    raw: str | None = None  # an answer that is not Slack's usual one: a proxy's HTML page, JSON missing its fields

    def applies(self, args: dict[str, Any]) -> bool:
        return self.only is None or self.only in (str(args.get("channel", "")), *str(args.get("users", "")).split(","))


@dataclass
class Grant:
    """An install Slack would grant for an OAuth code: which team (or Enterprise Grid org), who installs."""

    team_id: str | None
    installer: str = "UINSTAL1"
    enterprise_id: str | None = None
    org_wide: bool = False  # an org-wide install: no team, the enterprise is the workspace
    rotation: bool = False  # token rotation on: the token expires, with a refresh token that works once
    expires_in: int = 43200


@dataclass
class FakeSlack:
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    team_id: str = "T0PASSE"
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    _seen: int = 0
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0
    # Socket Mode: what the app acknowledged, and the open connection to push envelopes into.
    socket_acks: list[str] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id → the bytes uploaded
    _socket: web.WebSocketResponse | None = None
    slow: dict[str, float] = field(default_factory=dict)  # seconds every call of a method takes
    # What was posted in each conversation, oldest first, as updated, as conversations.history returns it.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # OAuth: the codes Slack would accept, the tokens issued (token → its grant), refresh tokens not yet used.
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    _issued: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/link", self._link)
        app.router.add_post("/upload/{file}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)  # 0: any free port
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def fail(self, method: str, fault: Fault, times: int = 1) -> None:
        self.faults.setdefault(method, []).extend([fault] * times)

    def of(self, method: str, since: int = 0) -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method]

    async def next(self, method: str, timeout: float = 10) -> Call:
        """The next call of `method` not returned before; waits for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for index in range(self._seen, len(self.calls)):
                if self.calls[index].method == method:
                    self._seen = index + 1
                    return self.calls[index]
            await asyncio.sleep(0.01)
        made = [c.method for c in self.calls[self._seen :]]
        raise AssertionError(f"no {method} call within {timeout}s; calls since: {made}")

    def held(self, contains: str) -> Counter[str]:
        """How many messages with `contains` Slack holds in each conversation: what people see, retries included."""
        return Counter(
            channel for channel, posted in self.history.items() for m in posted if contains in m.get("text", "")
        )

    async def posted(self, contains: str, channel: str | None = None, timeout: float = 10, since: int = 0) -> Call:
        """The first message posted whose text has `contains` (in `channel`, if given), whenever it came: before
        or after the calls `next` returned. `since`: only among calls from that index on (`len(calls)` earlier).

        A user id as `channel` means their DM, reached by their id or by the DM's own id.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for call in self.of("chat.postMessage", since):
                where = call.args.get("channel")
                if contains in call.text and (channel is None or _dm(channel) == _dm(str(where))):
                    return call
            await asyncio.sleep(0.01)
        texts = [c.text[:60] for c in self.of("chat.postMessage")]
        raise AssertionError(f"nothing posted with {contains!r} within {timeout}s; posted: {texts}")

    async def quiet(self, seconds: float = 0.3) -> None:
        """Wait until no call has come for `seconds`: the bot has finished with what it was given."""
        count = -1
        while count != len(self.calls):
            count = len(self.calls)
            await asyncio.sleep(seconds)

    async def settle(self) -> None:
        """Wait until quiet, then let `next` look only at calls made from now on."""
        await self.quiet()
        self._seen = len(self.calls)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        call = Call(method, args, dict(request.headers))
        self.calls.append(call)
        if method == "oauth.v2.access" and args.get("grant_type") == "refresh_token":
            # Token rotation (2021) made `code` optional when refreshing; Slack documents these arguments.
            known = {"client_id", "client_secret", "grant_type", "refresh_token"} | ADDED_BY_BOLT
            self.problems += [f"{method}: unknown argument {a}" for a in args if a not in known]
            self.problems += [] if args.get("refresh_token") else [f"{method}: no refresh_token"]
            self.problems += [] if _client_credentials(request, args) else [f"{method}: no client credentials"]
        elif method in NEWER_THAN_SPEC:
            known = NEWER_THAN_SPEC[method] | ADDED_BY_BOLT
            self.problems += [f"{method}: unknown argument {a}" for a in args if a not in known]
        else:
            newer = {name: value for name, value in args.items() if name in NEWER_ARGUMENTS.get(method, set())}
            older = {name: value for name, value in args.items() if name not in newer}
            self.problems += web_api_problems(method, older, request.headers.get("Authorization"))
            if method == "oauth.v2.access" and not _client_credentials(request, args):
                self.problems.append(f"{method}: no client credentials")
            self.problems += [f"{method}: {p}" for p in _metadata_problems(args.get("metadata"))]
        if "blocks" in args:
            self.problems += [f"{method}: {p}" for p in block_problems(args["blocks"])]
            self.problems += [f"{method}: {p}" for p in _message_problems(args["blocks"])]
        if "view" in args:
            self.problems += [f"{method}: {p}" for p in view_problems(args["view"])]
        if method in self.slow:
            await asyncio.sleep(self.slow[method])
        queued = self.faults.get(method, [])
        fault = next((f for f in queued if f.applies(args)), None)
        if fault is not None:
            queued.remove(fault)
            answer = self._answer(method, args, _bearer(request)) if fault.accepted else None
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.raw is not None:
                kind = "application/json" if fault.raw.startswith(("{", "[")) else "text/html"
                return web.Response(text=fault.raw, status=fault.status, content_type=kind)
            if fault.status == 200 and fault.error is None:
                if fault.delay and answer is None:  # a hang: nothing was done, and the answer is a gateway timeout
                    return web.json_response({"ok": False, "error": "request_timeout"}, status=504)
                return web.json_response(answer or self._answer(method, args, _bearer(request)))
            if fault.status != 200:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return web.json_response({"ok": False, "error": "ratelimited"}, status=fault.status, headers=headers)
            return web.json_response({"ok": False, "error": fault.error})
        return web.json_response(self._answer(method, args, _bearer(request)))

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("response_url", body, dict(request.headers)))
        self.problems += [f"response_url: {p}" for p in block_problems(body.get("blocks") or [])]
        self.problems += [f"response_url: {p}" for p in _message_problems(body.get("blocks") or [])]
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file"]] = await request.read()
        return web.Response(text="OK - " + str(len(self.uploads[request.match_info["file"]])))

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        """The Socket Mode connection: hello, then the envelopes a test pushes; the app acknowledges each."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "connection_info": {"app_id": "A0PASSE"},
                "debug_info": {"host": "local"},
            }
        )
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data).get("envelope_id", ""))
        return socket

    async def push(self, envelope: dict[str, Any], timeout: float = 30) -> None:
        """Send an envelope over the Socket Mode connection, once the app has connected."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._socket is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert self._socket is not None, "the app never opened a Socket Mode connection"
        await self._socket.send_json(envelope)

    def team_of(self, token: str | None) -> str:
        """The team a token acts in: its install's, or (any other token) the double's one team."""
        grant = self.tokens.get(token or "")
        if grant is None:
            return self.team_id
        return grant.team_id or grant.enterprise_id or ""

    def _answer(self, method: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        if method == "auth.test":
            grant = self.tokens.get(token or "")
            if grant is None:
                grant = Grant(self.team_id)
            return {
                "ok": True,
                "url": "https://passerelle-test.slack.com/",
                "team": "Passerelle test",
                "user": "passerelle",
                "team_id": grant.team_id or "",
                "user_id": BOT_USER,
                "bot_id": "BPASSBOT",
                "is_enterprise_install": grant.org_wide,
                **({"enterprise_id": grant.enterprise_id} if grant.enterprise_id else {}),
            }
        if method == "oauth.v2.access":
            return self._grant(args)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "chat.postMessage":
            channel = _dm(args["channel"])
            posted = {"type": "message", "text": args.get("text", ""), "user": BOT_USER, "ts": self._next_ts()}
            if args.get("blocks"):
                posted["blocks"] = args["blocks"]
            metadata = json.loads(args["metadata"]) if isinstance(args.get("metadata"), str) else args.get("metadata")
            if metadata:
                posted["metadata"] = metadata
            self.history.setdefault(channel, []).append(posted)
            return {"ok": True, "channel": channel, "ts": posted["ts"], "message": posted}
        if method == "conversations.history":
            found = list(reversed(self.history.get(str(args.get("channel")), [])))[: int(args.get("limit") or 100)]
            if str(args.get("include_all_metadata")).lower() not in ("1", "true"):
                found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
            return {"ok": True, "messages": found, "has_more": False}
        if method == "chat.update":
            for shown in self.history.get(str(args["channel"]), []):
                if shown["ts"] == args["ts"]:  # what the conversation shows now
                    shown.update(text=args.get("text", ""), blocks=args.get("blocks") or [])
            return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("views.publish", "views.open"):
            return {"ok": True, "view": {"id": "VPASSE01", **args["view"]}}
        if method == "conversations.open":
            users = [u for u in str(args.get("users", "")).split(",") if u]
            if len(users) > 1:  # a group DM of these people and the bot
                digest = hashlib.sha256(",".join(sorted(users)).encode()).hexdigest()[:10]
                return {"ok": True, "channel": {"id": "G" + digest.upper()}}
            return {"ok": True, "channel": {"id": _dm(users[0] if users else "")}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files", [])
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": args["user"],
                    "team_id": self.team_of(token),
                    "name": user["name"].lower(),
                    "real_name": user["name"],
                    "tz": user.get("tz", "Europe/Paris"),
                    "locale": user.get("locale", "en-US"),
                    "profile": {"display_name": user["name"], "real_name": user["name"]},
                },
            }
        self.problems.append(f"{method}: the double does not answer this method")
        return {"ok": False, "error": "unknown_method"}

    def _grant(self, args: dict[str, Any]) -> dict[str, Any]:
        """An install's tokens for a code, or fresh ones for a refresh token, which then stops working."""
        if args.get("grant_type") == "refresh_token":
            grant = self.refresh_tokens.pop(str(args.get("refresh_token")), None)
            if grant is None:
                return {"ok": False, "error": "invalid_refresh_token"}
        else:
            found = self.codes.pop(str(args.get("code")), None)
            if found is None:
                return {"ok": False, "error": "invalid_code"}
            grant = found
        token = f"xoxb-{grant.team_id or grant.enterprise_id}-{next(self._issued)}"
        self.tokens[token] = grant
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write,users:read",
            "bot_user_id": BOT_USER,
            "app_id": "A0PASSE",
            "team": {"id": grant.team_id, "name": f"Team {grant.team_id}"} if grant.team_id else None,
            "enterprise": {"id": grant.enterprise_id, "name": "Grid"} if grant.enterprise_id else None,
            "is_enterprise_install": grant.org_wide,
            "authed_user": {"id": grant.installer},
        }
        if grant.rotation:
            refresh = f"xoxe-1-{next(self._issued)}"
            self.refresh_tokens[refresh] = grant
            answer |= {"refresh_token": refresh, "expires_in": grant.expires_in}
        return answer

    def _next_ts(self) -> str:
        return f"1764000000.{next(self._ts):06d}"


def _metadata_problems(metadata: Any) -> list[str]:
    """Message metadata as Slack documents it: an event type and a payload object."""
    if metadata is None:
        return []
    value = json.loads(metadata) if isinstance(metadata, str) else metadata
    if not isinstance(value, dict) or not isinstance(value.get("event_type"), str):
        return ["metadata needs an event_type"]
    if not isinstance(value.get("event_payload"), dict):
        return ["metadata needs an event_payload object"]
    return []


def _message_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """Slack refuses a message of more than 50 blocks (`invalid_blocks`); slack_sdk's models do not check it."""
    return [f"{len(blocks)} blocks in one message, over Slack's 50"] if len(blocks) > 50 else []


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


def _client_credentials(request: web.Request, args: dict[str, Any]) -> bool:
    """oauth.v2.access takes the app's id and secret as HTTP Basic auth or as arguments."""
    return request.headers.get("Authorization", "").startswith("Basic ") or bool(
        args.get("client_id") and args.get("client_secret")
    )


def _dm(channel: str) -> str:
    """Posting to a user id lands in the bot's DM with them."""
    return "D" + channel[1:] if channel.startswith("U") else channel


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(request.query_string))
    raw = await request.text()
    if request.content_type == "application/json" and raw:
        args.update(json.loads(raw))
    elif raw:
        args.update(dict(parse_qsl(raw)))
    for key in ("blocks", "view"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args
