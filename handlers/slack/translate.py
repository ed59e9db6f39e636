"""Slack payloads turned into the core's neutral inputs."""

import re
from typing import Any

from bot.ui import channel_ref, mention, typed


def to_action(action: object) -> tuple[str, list[str]]:
    """The neutral action name (without the `#index` the renderer added) and the values it carries.

    A signed payload can still carry junk (`"value": 5`, a list where an object goes): whatever is not the
    shape Slack documents reads as empty, and the core answers it like a retired button."""
    if not isinstance(action, dict):
        return "", []
    name = _text(action.get("action_id")).split("#", 1)[0]
    kind = action.get("type")
    if kind == "button":
        return name, [_text(action.get("value"))]
    if kind == "static_select":
        return name, [_text(_object(action.get("selected_option")).get("value"))]
    if kind in ("checkboxes", "multi_static_select"):
        chosen = action.get("selected_options")
        return name, [_text(_object(o).get("value")) for o in chosen] if isinstance(chosen, list) else []
    if kind == "users_select":
        return name, [_text(action.get("selected_user"))]
    if kind == "datepicker":
        return name, [_text(action.get("selected_date"))]
    if kind == "timepicker":
        return name, [_text(action.get("selected_time"))]
    if kind == "plain_text_input":
        return name, [_text(action.get("value"))]
    return name, []


def first_action(actions: object) -> dict[str, Any]:
    """The action of a `block_actions` payload; an empty object when it carries none (`actions: []`)."""
    return _object(actions[0]) if isinstance(actions, list) and actions else {}


def to_form_values(state: object) -> dict[str, str | None]:
    """A modal's `state.values` by field name; an empty field is None, and so is one of the wrong type."""
    values: dict[str, str | None] = {}
    for block_id, elements in _object(_object(state).get("values")).items():
        for element in _object(elements).values():
            _, chosen = to_action(element)
            values[block_id] = typed(chosen[0]) if chosen and chosen[0] else None
    return values


def text_of(event: dict[str, Any]) -> str:
    """A message's text; a forged one that is not a string reads as an empty message."""
    return _text(event.get("text"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def is_person_message(event: dict[str, Any]) -> bool:
    """A message a person wrote to the bot in its DM; not the bot's own, not an edit or a join notice."""
    return (
        event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id") and "user" in event
    )


# Everything Slack writes between < and >: people, channels, links, special mentions (`<!here>`), dates.
SLACK_TOKEN = re.compile(r"<([^<>]*)>")
# Ids typed by hand rather than picked in Slack's autocomplete: `@U123ABC`, `#C123ABC`. Slack's ids hold a
# digit; requiring one keeps "@UNICEF" a word.
TYPED_ID = re.compile(r"(?<!\S)(?:@([UW](?=[A-Z]*[0-9])[A-Z0-9]{5,})|#([CG](?=[A-Z]*[0-9])[A-Z0-9]{5,}))(?!\S)")


def to_neutral_text(text: str) -> str:
    """Slack's text (slash-command arguments, DM messages) in the core's markup, unescaped.

    `<@U123|ana>` → `⟦@U123|ana⟧`, `<#C123|general>` → `⟦#C123|general⟧`; a link or `<!here>` becomes the
    words it shows, so the bot never pings a channel by repeating what someone typed.
    """
    # The core's brackets typed by a person must not become markup: only the channel writes it.
    text = typed(text)
    parts = SLACK_TOKEN.split(text)
    # re.split with a group alternates: text, token, text, token, …
    return "".join(_token(part) if i % 2 else _typed_ids(_unescape(part)) for i, part in enumerate(parts))


def _token(inside: str) -> str:
    target, _, label = inside.partition("|")
    label = _unescape(label)
    if target[:1] in ("@", "#") and re.fullmatch(r"[A-Z0-9]+", target[1:]):
        return mention(target[1:], label) if target[0] == "@" else channel_ref(target[1:], label)
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    return label or _unescape(target)


def _typed_ids(text: str) -> str:
    return TYPED_ID.sub(lambda m: mention(m.group(1)) if m.group(1) else channel_ref(m.group(2)), text)


def _unescape(text: str) -> str:
    """Slack escapes these three in every text it sends; `&amp;` last, so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# Slack's trigger_id: digits and dots, then hex (`13345224609.738474920.8088930838d88f008e0`).
TRIGGER = re.compile(r"[0-9A-Za-z.]{1,60}")


def interaction_id(body: dict[str, Any]) -> str | None:
    """The id of one press, command or submission: Slack gives each its own trigger_id, so the same request sent
    again (replayed by someone who caught it) is recognised. None when the request carries none that fits."""
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if isinstance(trigger, str) and TRIGGER.fullmatch(trigger) else None
