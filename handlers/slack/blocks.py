"""The neutral UI rendered as Block Kit, within Slack's limits (text lengths, fields and options per block)."""

from typing import Any

from bot.ui import (
    Block,
    Button,
    Buttons,
    ChatWith,
    Choice,
    DateInput,
    Fields,
    Form,
    Header,
    Links,
    Message,
    Option,
    PersonChoice,
    Text,
    TextInput,
    TimeInput,
)
from handlers.slack.mrkdwn import SECTION_TEXT, cut, split_text, to_mrkdwn, to_plain

FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
OPTION_TEXT = 75
CHECKBOXES_MAX = 10
BLOCKS_PER_MESSAGE = 50
SUMMARY_TEXT = 300  # the notification text: a glance, not the message


def build_messages(msg: Message) -> list[tuple[str, list[dict[str, Any]]]]:
    """The message as one or more Slack messages of at most 50 blocks, each with its notification text."""
    blocks = build_blocks(msg)
    chunks = [blocks[i : i + BLOCKS_PER_MESSAGE] for i in range(0, len(blocks), BLOCKS_PER_MESSAGE)] or [[]]
    return [(build_summary(chunk), chunk) for chunk in chunks]


def build_summary(blocks: list[dict[str, Any]]) -> str:
    """The first words the blocks say, as mrkdwn, for notifications and screen readers."""
    for block in blocks:
        text = (block.get("text") or {}).get("text", "") if block["type"] in ("header", "section") else ""
        if text.strip():
            return cut(to_mrkdwn(text) if block["type"] == "header" else text, SUMMARY_TEXT)
    return ""


def build_blocks(msg: Message | Form, in_modal: bool = False) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in msg.blocks:
        blocks += _block(block, in_modal)
    return blocks


def build_home(msg: Message) -> dict[str, Any]:
    return {"type": "home", "blocks": build_blocks(msg)}


def build_modal(form: Form) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": f"form:{form.action}",
        "title": _plain(form.title, 24),
        "submit": _plain(form.submit, 24),
        "close": _plain(form.close, 24),
        "blocks": build_blocks(form, in_modal=True),
    }


def _block(block: Block, in_modal: bool) -> list[dict[str, Any]]:
    if isinstance(block, Header):
        return [{"type": "header", "text": _plain(block.text, 150)}]
    if isinstance(block, Text):
        return [_section(piece) for piece in split_text(to_mrkdwn(block.text))]
    if isinstance(block, Fields):
        items = [_mrkdwn(to_mrkdwn(f"*{label}*\n{value}"), FIELD_TEXT) for label, value in block.items]
        return [
            {"type": "section", "fields": items[i : i + FIELDS_PER_SECTION]}
            for i in range(0, len(items), FIELDS_PER_SECTION)
        ]
    if isinstance(block, Buttons):
        return [{"type": "actions", "elements": [_button(b, i) for i, b in enumerate(block.buttons)]}]
    if isinstance(block, Choice):
        return [_choice(block, in_modal)]
    if isinstance(block, PersonChoice):
        element: dict[str, Any] = {
            "type": "users_select",
            "action_id": block.action,
            "placeholder": _plain(block.placeholder, 150),
        }
        return [{**_section(to_mrkdwn(block.label) or " "), "accessory": element}]
    if isinstance(block, TextInput):
        element = {"type": "plain_text_input", "action_id": block.action, "multiline": block.multiline}
        if block.placeholder:
            element["placeholder"] = _plain(block.placeholder, 150)
        if block.initial:
            element["initial_value"] = to_plain(block.initial)[:3000]
        return [_input(block.action, block.label, element, in_modal)]
    if isinstance(block, DateInput):
        element = {"type": "datepicker", "action_id": block.action}
        if block.initial:
            element["initial_date"] = block.initial.isoformat()
        return [_input(block.action, block.label, element, in_modal)]
    if isinstance(block, TimeInput):
        element = {"type": "timepicker", "action_id": block.action}
        if block.initial:
            element["initial_time"] = block.initial
        if block.placeholder:
            element["placeholder"] = _plain(block.placeholder, 150)
        return [_input(block.action, block.label, element, in_modal)]
    if isinstance(block, ChatWith):
        return []  # the pair's group DM is their chat
    if isinstance(block, Links):
        # One section each: together in one text, the last ones were cut at the section's limit and opened nothing.
        # The addresses are ours, URL-encoded: they hold no `|` or `>`. A label escapes what mrkdwn reads as markup.
        return [_section(f"<{link.url}|{_escaped(to_plain(link.label))}>") for link in block.links]
    raise TypeError(f"no Block Kit for {type(block).__name__}")


def _choice(block: Choice, in_modal: bool) -> dict[str, Any]:
    options = [_option(o) for o in block.options]
    chosen = [_option(o) for o in block.options if o.value in block.selected]
    element: dict[str, Any] = {"action_id": block.action, "options": options}
    if block.multiple and len(options) <= CHECKBOXES_MAX:
        element["type"] = "checkboxes"
    else:
        element["type"] = "multi_static_select" if block.multiple else "static_select"
        element["placeholder"] = _plain(block.placeholder or block.label or "…", 150)
    if chosen:
        element["initial_options" if block.multiple else "initial_option"] = chosen if block.multiple else chosen[0]
    if in_modal:
        return _input(block.action, block.label, element, in_modal)
    # In a message each change reaches us at once; the block id keeps one element per block.
    return {"type": "actions", "block_id": block.action[:255], "elements": [element]}


def _input(name: str, label: str, element: dict[str, Any], in_modal: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": name[:255], "label": _plain(label, 2000), "element": element}
    if in_modal:
        block["optional"] = True
    else:
        # An input in a message sends its value only with dispatch_action.
        block["dispatch_action"] = True
    return block


def _button(button: Button, index: int) -> dict[str, Any]:
    # Slack wants action ids unique within a block; `#index` keeps them so and is stripped on the way in.
    element: dict[str, Any] = {"type": "button", "text": _plain(button.label, 75)}
    element["action_id"] = f"{button.action}#{index}"
    if button.value:
        element["value"] = button.value[:2000]
    if button.style:
        element["style"] = button.style
    return element


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "¦")


def _option(option: Option) -> dict[str, Any]:
    return {"text": _plain(option.label, OPTION_TEXT), "value": option.value[:150]}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(mrkdwn, SECTION_TEXT)}


def _mrkdwn(mrkdwn: str, limit: int) -> dict[str, Any]:
    """Text already rendered by to_mrkdwn, cut to the limit if it must be."""
    return {"type": "mrkdwn", "text": cut(mrkdwn or " ", limit)}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(to_plain(text) or " ", limit), "emoji": True}
