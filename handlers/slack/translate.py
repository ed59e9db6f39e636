"""Slack payloads turned into the core's neutral inputs."""

from typing import Any


def to_action(action: dict[str, Any]) -> tuple[str, list[str]]:
    """The neutral action name (without the `#index` the renderer added) and the values it carries."""
    name = action.get("action_id", "").split("#", 1)[0]
    kind = action.get("type")
    if kind == "button":
        return name, [action.get("value", "")]
    if kind == "static_select":
        return name, [(action.get("selected_option") or {}).get("value", "")]
    if kind in ("checkboxes", "multi_static_select"):
        return name, [o.get("value", "") for o in action.get("selected_options") or []]
    if kind == "users_select":
        return name, [action.get("selected_user") or ""]
    if kind == "datepicker":
        return name, [action.get("selected_date") or ""]
    if kind == "plain_text_input":
        return name, [action.get("value") or ""]
    return name, []


def to_form_values(state: dict[str, Any]) -> dict[str, str | None]:
    """A modal's `state.values` by field name; an empty field is None."""
    values: dict[str, str | None] = {}
    for block_id, elements in (state.get("values") or {}).items():
        for element in elements.values():
            _, chosen = to_action(element)
            values[block_id] = chosen[0] if chosen and chosen[0] else None
    return values


def is_person_message(event: dict[str, Any]) -> bool:
    """A message a person wrote to the bot in its DM; not the bot's own, not an edit or a join notice."""
    return (
        event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id") and "user" in event
    )
