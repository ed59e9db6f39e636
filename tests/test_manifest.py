"""manifest.yml is a valid Slack app manifest and asks for exactly what the code listens to."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from handlers.slack import COMMAND, EVENTS
from tests.doubles.schemas import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
VERSIONED = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{}.0.0.json"


def validator() -> Draft7Validator:
    folder = SCHEMAS / "slack-app-manifest"
    resources = [
        (
            VERSIONED.format(v),
            Resource.from_contents(json.loads((folder / f"manifest.schema.{v}.0.0.json").read_text())),
        )
        for v in (1, 2)
    ]
    return Draft7Validator(
        json.loads((folder / "manifest.schema.json").read_text()), registry=Registry().with_resources(resources)
    )


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return loaded


@pytest.mark.parametrize(("example", "errors"), [("manifest.valid.json", 0), ("manifest.invalid.json", 1)])
def test_the_validator_agrees_with_slacks_own_examples(example: str, errors: int) -> None:
    document = json.loads((SCHEMAS / "slack-app-manifest" / "examples" / "v1" / example).read_text())
    assert len(list(validator().iter_errors(document))) == errors


def test_the_manifest_is_valid() -> None:
    assert [e.message for e in validator().iter_errors(manifest())] == []


def test_the_manifest_subscribes_to_what_the_app_listens_to_and_no_more() -> None:
    found = manifest()
    assert sorted(found["settings"]["event_subscriptions"]["bot_events"]) == sorted(EVENTS)
    assert [c["command"] for c in found["features"]["slash_commands"]] == [COMMAND]
    assert found["settings"]["interactivity"]["is_enabled"] is True
    assert found["features"]["app_home"]["home_tab_enabled"] is True
    assert sorted(found["oauth_config"]["scopes"]["bot"]) == [
        "channels:history",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "im:history",
        "im:write",
        "mpim:history",
        "mpim:write",
        "users:read",
    ]
