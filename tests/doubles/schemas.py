"""The vendors' specifications copied into tests/specs, loaded once, and the checks built on them."""

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft6Validator, ValidationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# Inside the project, so that a fresh clone with nothing beside it runs every test.
SCHEMAS = Path(__file__).resolve().parents[1] / "specs"
# Bolt adds team_id to every call; the 2020 spec predates it.
ADDED_BY_BOLT = {"team_id"}


@cache
def load(relative: str) -> Any:
    return json.loads((SCHEMAS / relative).read_text())


def web_api_problems(method: str, args: dict[str, Any], authorization: str | None) -> list[str]:
    """What is wrong with a Web API call according to Slack's OpenAPI spec: the method, names, required ones."""
    paths = load("slack-web-api/slack_web_openapi_v2.json")["paths"]
    operation = paths.get(f"/{method}")
    if operation is None:
        return [f"{method}: no such Web API method"]
    parameters = {p["name"]: p for verb in operation.values() for p in verb.get("parameters", [])}
    problems = [
        f"{method}: unknown argument {name}" for name in args if name not in parameters and name not in ADDED_BY_BOLT
    ]
    for name, parameter in parameters.items():
        if not parameter.get("required"):
            continue
        if name == "token":
            if not (authorization or "").startswith("Bearer xox") and "token" not in args:
                problems.append(f"{method}: no token")
        elif name not in args:
            problems.append(f"{method}: missing required argument {name}")
    return problems


def block_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """Every block must parse with slack_sdk.models and keep every key it was given."""
    problems = []
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            problems.append(f"unknown block {block.get('type')}")
            continue
        try:
            problems += [f"block lost {key}" for key in _lost(block, parsed.to_dict())]
        except Exception as error:  # SlackObjectFormationError and friends
            problems.append(f"invalid block {block.get('type')}: {error}")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    try:
        rendered = View(**view).to_dict()
    except Exception as error:
        return [f"invalid view: {error}"]
    return [f"view lost {key}" for key in _lost(view, rendered)] + block_problems(view.get("blocks", []))


def _lost(given: Any, kept: Any, path: str = "") -> list[str]:
    if isinstance(given, dict):
        if not isinstance(kept, dict):
            return [path or "."]
        return [
            lost
            for key, value in given.items()
            for lost in (_lost(value, kept[key], f"{path}.{key}") if key in kept else [f"{path}.{key}"])
        ]
    if isinstance(given, list) and isinstance(kept, list):
        return [lost for i, (a, b) in enumerate(zip(given, kept, strict=False)) for lost in _lost(a, b, f"{path}[{i}]")]
    return []


def unknown_keys(payload: Any, sample: Any, path: str = "", allowed: frozenset[str] = frozenset()) -> list[str]:
    """Keys of a hand-written payload that Slack's own sample of that payload never sends."""
    if isinstance(payload, dict) and isinstance(sample, dict):
        found = []
        for key, value in payload.items():
            if key not in sample:
                if key not in allowed:
                    found.append(f"{path}.{key}")
                continue
            # Our own blocks echoed back (checked by block_problems), and maps keyed by our block ids.
            if key not in ("blocks", "values"):
                found += unknown_keys(value, sample[key], f"{path}.{key}", allowed)
        return found
    if isinstance(payload, list) and isinstance(sample, list) and sample:
        return [k for item in payload for k in unknown_keys(item, sample[0], f"{path}[]", allowed)]
    return []


ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ACTIVITY_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
# Teams renders Adaptive Cards up to 1.5 in bot messages; it ignores positive/destructive action styles and does not
# play Media elements (Microsoft's cards reference, msteams-docs cards-reference.md).
TEAMS_CARD_VERSION = (1, 5)


@cache
def _activity_validator() -> Draft4Validator:
    definitions = copy.deepcopy(load("botframework-activity/botframework-channel.json")["definitions"])
    # The swagger types CardAction.value as an object; imBack and messageBack actions carry strings.
    definitions["CardAction"]["properties"]["value"] = {"description": "any JSON value"}
    return Draft4Validator({"$ref": "#/definitions/Activity", "definitions": definitions})


@cache
def _card_validator() -> Draft6Validator:
    return Draft6Validator(load("adaptive-cards/1.5.0/adaptive-card.json"))


def activity_problems(activity: dict[str, Any]) -> list[str]:
    """What breaks the Bot Connector's Activity model, and what breaks Teams' cards among its attachments."""
    problems = [f"activity: {_explained(e)}" for e in _activity_validator().iter_errors(activity)]
    attachments = activity.get("attachments")
    for index, attachment in enumerate(attachments if isinstance(attachments, list) else []):
        if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
            problems += [f"attachments[{index}]: {p}" for p in card_problems(attachment.get("content"))]
    return problems


def card_problems(card: Any) -> list[str]:
    """What Teams would refuse or not render in an Adaptive Card: the 1.5 schema (less Teams' own `msteams` keys),
    a version above 1.5, Media elements, positive or destructive action styles."""
    if not isinstance(card, dict):
        return ["card: not an object"]
    problems = [f"card: {_explained(e)}" for e in _card_validator().iter_errors(_without_msteams(card))]
    version = card.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+", version):
        problems.append(f"card: version {version!r} is not a version Teams reads")
    elif tuple(int(part) for part in version.split(".")) > TEAMS_CARD_VERSION:
        problems.append(f"card: version {version} is above 1.5, the last Teams supports")
    for node in _nodes(card):
        kind = node.get("type")
        if kind == "Media":
            problems.append("card: Media elements do not play in Teams")
        if isinstance(kind, str) and kind.startswith("Action.") and node.get("style", "default") != "default":
            problems.append(f"card: {kind} style {node['style']!r} is ignored by Teams")
    return problems


def invoke_response_problems(body: Any) -> list[str]:
    """An invoke response body as Teams reads it: a card, a message, or an error, each in Teams' envelope."""
    if not isinstance(body, dict) or not isinstance(body.get("statusCode"), int):
        return ["invoke response: no statusCode"]
    kind, value = body.get("type"), body.get("value")
    if kind == ADAPTIVE_CARD:
        return [f"invoke response: {p}" for p in card_problems(value)]
    if kind == ACTIVITY_MESSAGE:
        return [] if isinstance(value, str) else ["invoke response: a message's value must be its text"]
    if kind == INVOKE_ERROR:
        fine = isinstance(value, dict) and isinstance(value.get("code"), str) and isinstance(value.get("message"), str)
        return [] if fine else ["invoke response: an error's value needs a code and a message"]
    return [f"invoke response: unknown type {kind!r}"]


def _without_msteams(node: Any) -> Any:
    """The card without Teams' own extensions (`msteams` width, mentions, messageBack data), which the
    strict 1.5 schema refuses."""
    if isinstance(node, dict):
        return {key: _without_msteams(value) for key, value in node.items() if key != "msteams"}
    if isinstance(node, list):
        return [_without_msteams(item) for item in node]
    return node


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node] + [found for value in node.values() for found in _nodes(value)]
    if isinstance(node, list):
        return [found for item in node for found in _nodes(item)]
    return []


def _explained(error: ValidationError) -> str:
    """The innermost reason of a schema error. The 1.5 schema offers every element as an anyOf of all element
    types, whose own message only repeats the element: follow the branch for the element's own `type`."""
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for reason in error.context:
            branches.setdefault(reason.relative_schema_path[0], []).append(reason)
        fitting = [reasons for reasons in branches.values() if all(list(r.relative_path) != ["type"] for r in reasons)]
        if not fitting and isinstance(error.instance, dict):
            return f"{error.json_path}: unknown type {error.instance.get('type')!r}"
        if len(fitting) != 1:
            break
        error = fitting[0][0]
    return f"{error.json_path}: {error.message[:200]}"
