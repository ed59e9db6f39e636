"""The vendors' specifications copied into tests/specs, loaded once, and the checks built on them."""

import json
from functools import cache
from pathlib import Path
from typing import Any

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
