"""Slack's side of the HTTP conversation: signed events, slash commands, button presses and form submissions.

Each payload has the shape Slack sends (checked against Slack's own samples and the Events API schema).
"""

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from jsonschema import Draft7Validator
from slack_sdk.signature import SignatureVerifier

from tests.doubles.schemas import load, unknown_keys
from tests.doubles.slack_api import BOT_USER, Call, FakeSlack

SAMPLES = "slack-json-logs-samples"
# Keys Slack documents for element types its union sample does not include.
DOCUMENTED = frozenset({"selected_options", "values"})


def trigger() -> str:
    """A trigger id as Slack makes them, unique to each interaction whichever sender sends it."""
    return f"{next(_TRIGGERS)}.{uuid.uuid4().int % 10**9}.{uuid.uuid4().hex[:16]}"


_TRIGGERS = itertools.count(1)


@dataclass
class Sent:
    status: int
    body: str


@dataclass
class SlackSender:
    app_url: str
    signing_secret: str
    fake: FakeSlack
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # Another workspace than the double's own: a team, and for Enterprise Grid its enterprise (an org-wide install
    # sends requests with the enterprise and, at times, no team).
    team_id: str | None = None
    enterprise_id: str | None = None
    org_wide: bool = False

    @property
    def team(self) -> str:
        return self.fake.team_id if self.team_id is None else self.team_id

    def as_team(self, team_id: str, enterprise_id: str | None = None, org_wide: bool = False) -> "SlackSender":
        """The same sender, for requests from another workspace."""
        return SlackSender(self.app_url, self.signing_secret, self.fake, self._ids, team_id, enterprise_id, org_wide)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signed = signature or SignatureVerifier(self.signing_secret).generate_signature(timestamp=stamp, body=body)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signed,
            **(headers or {}),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.app_url}/slack/events", data=body.encode(), headers=all_headers) as response,
        ):
            return Sent(response.status, await response.text())

    # -- slash commands -------------------------------------------------------------------------------------

    def command_body(self, user: str, text: str) -> str:
        fields = {
            "token": "legacy",
            "team_id": self.team,
            "team_domain": "passerelle-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentoring",
            "text": text,
            "api_app_id": "A0PASSE",
            "is_enterprise_install": str(self.org_wide).lower(),
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "response_url": self.fake.response_url(f"cmd{next(self._ids)}"),
            "trigger_id": trigger(),
        }
        _assert_known(fields, "app-backend/slash-commands/SlashCommandPayload.json")
        return urlencode(fields)

    async def command(self, user: str, text: str) -> Sent:
        return await self.post(self.command_body(user, text), "application/x-www-form-urlencoded")

    # -- events ---------------------------------------------------------------------------------------------

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        envelope = {
            "token": "legacy",
            "team_id": self.team,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            **({"is_enterprise_install": True} if self.org_wide else {}),
            "api_app_id": "A0PASSE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authed_users": [BOT_USER],
        }
        errors = list(
            Draft7Validator(load("slack-events-api/slack_common_event_wrapper_schema.json")).iter_errors(envelope)
        )
        assert not errors, errors
        return json.dumps(envelope)

    def message_event(self, user: str, text: str) -> dict[str, Any]:
        ts = f"{time.time():.6f}"
        event = {
            "client_msg_id": f"m{next(self._ids)}",
            "type": "message",
            "text": text,
            "user": user,
            "ts": ts,
            "team": self.team,
            "channel": "D" + user[1:],
            "event_ts": ts,
            "channel_type": "im",
        }
        _assert_known({"event": event}, "events/MessagePayload.json")
        return event

    async def message(self, user: str, text: str, *, event_id: str | None = None, retry: int | None = None) -> Sent:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        body = self.event_body(self.message_event(user, text), event_id)
        return await self.post(body, "application/json", headers=headers)

    async def home_opened(self, user: str) -> Sent:
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        _assert_known({"event": event}, "events/AppHomeOpenedPayload.json")
        return await self.post(self.event_body(event), "application/json")

    # -- interactivity --------------------------------------------------------------------------------------

    def _interaction(self, user: str) -> dict[str, Any]:
        """What every interaction payload carries: who, where, and a trigger for opening a form."""
        return {
            "team": {"id": self.team, "domain": "passerelle-test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team},
            "api_app_id": "A0PASSE",
            "token": "legacy",
            "trigger_id": trigger(),
        }

    async def press(
        self,
        user: str,
        call: Call,
        label: str | None = None,
        *,
        action_id: str | None = None,
        selected: list[str] | None = None,
        user_picked: str | None = None,
    ) -> Sent:
        """Press the button labelled `label` (or use the element `action_id`) of the message or view `call` made."""
        blocks = call.blocks or call.args.get("view", {}).get("blocks", [])
        block, element = _find(blocks, label, action_id)
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": block.get("block_id", "b1"),
            "type": element["type"],
            "action_ts": f"{time.time():.6f}",
        }
        if element["type"] == "button":
            action["text"] = element["text"]
            action["value"] = element.get("value", "")
        elif element["type"] in ("checkboxes", "multi_static_select"):
            options = {o["value"]: o for o in element["options"]}
            action["selected_options"] = [options[v] for v in selected or []]
        elif element["type"] == "static_select":
            options = {o["value"]: o for o in element["options"]}
            action["selected_option"] = options[(selected or [""])[0]]
        elif element["type"] == "users_select":
            action["selected_user"] = user_picked
        payload: dict[str, Any] = {
            "type": "block_actions",
            **self._interaction(user),
            "actions": [action],
            "is_enterprise_install": False,
        }
        if call.method == "views.publish":
            payload["container"] = {"type": "view", "view_id": "VPASSE01"}
            payload["view"] = {"id": "VPASSE01", "type": "home", "callback_id": "", "hash": "1.h"}
        elif call.method == "response_url":
            payload["container"] = {
                "type": "message",
                "message_ts": "1764000000.999999",
                "channel_id": "C0GENERAL",
                "is_ephemeral": True,
            }
            payload["channel"] = {"id": "C0GENERAL", "name": "general"}
            payload["response_url"] = self.fake.response_url(f"act{next(self._ids)}")
        else:
            channel = call.args["channel"]
            channel = "D" + channel[1:] if channel.startswith("U") else channel
            ts = call.args.get("ts") or "1764000000.000001"
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
            payload["channel"] = {"id": channel, "name": "directmessage"}
            payload["message"] = {"type": "message", "ts": ts, "text": call.args.get("text", ""), "blocks": blocks}
            payload["response_url"] = self.fake.response_url(f"act{next(self._ids)}")
        _assert_known(payload, "app-backend/interactive-components/BlockActionPayload.json")
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> Sent:
        """Submit the modal `view` with `values` as {block_id: {action_id: element state}}."""
        payload = {
            "type": "view_submission",
            **self._interaction(user),
            "view": {
                "id": "VMODAL01",
                "team_id": self.team,
                "type": "modal",
                "callback_id": view["callback_id"],
                "title": view["title"],
                "state": {"values": values},
                "private_metadata": "",
                "hash": "1.h",
                "app_id": "A0PASSE",
                "bot_id": "BPASSBOT",
            },
            "is_enterprise_install": False,
        }
        _assert_known(payload, "app-backend/views/ViewSubmissionPayload.json")
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def _find(
    blocks: list[dict[str, Any]], label: str | None, action_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        elements = list(block.get("elements") or [])
        if "accessory" in block:
            elements.append(block["accessory"])
        for element in elements:
            if not isinstance(element, dict) or "action_id" not in element:
                continue
            if label is not None and element.get("text", {}).get("text") == label:
                return block, element
            if action_id is not None and element["action_id"].split("#")[0] == action_id:
                return block, element
    raise AssertionError(f"no element {label or action_id} in {json.dumps(blocks)[:600]}")


def _assert_known(payload: dict[str, Any], sample: str) -> None:
    unknown = unknown_keys(payload, load(f"{SAMPLES}/{sample}"), allowed=DOCUMENTED)
    assert not unknown, f"keys Slack never sends in {sample}: {unknown}"
