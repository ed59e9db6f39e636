"""The neutral UI rendered as Adaptive Cards 1.5, the version Teams takes from bots.

Every press carries `{"passerelle": {...}}` in its data: the action and its value, the form it sends, or the input
whose value it takes. Inputs are named by their action (a form's by its field), so a card's inputs come back as the
other keys of the same data, as Adaptive Cards merges them.
"""

import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import quote

from bot.ui import (
    MARKUP,
    Block,
    Button,
    Buttons,
    ChatWith,
    Choice,
    DateInput,
    Fields,
    Form,
    Header,
    Link,
    Links,
    Message,
    PersonChoice,
    Text,
    TextInput,
    TimeInput,
)

CARD = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
DATA = "passerelle"  # the key of our part of an action's data; an input is never named so
SUMMARY_TEXT = 200  # the notification's first words
# Teams refuses a message over about 28 KB; a card is cut into several below that, block by block.
CARD_BYTES = 20_000
FENCE = "```"
CHAT_LINK = "https://teams.microsoft.com/l/chat/0/0?users="
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")


def file_card(title: str, url: str, label: str, image: bool) -> dict[str, Any]:
    """A file handed over as a link to download it; a picture (the report's chart) shown in the card too, fetched by
    Teams from the same address."""
    body: list[dict[str, Any]] = [{**_text(to_markdown(f"*{title}*")), "size": "Medium"}]
    if image:
        body.append({"type": "Image", "url": url, "altText": to_plain(title), "size": "Stretch"})
    body.append({"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": to_plain(label), "url": url}]})
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}


def build_card(msg: Message | Form, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """One card for the message, or for the form with its fields' problems shown under each."""
    body: list[dict[str, Any]] = []
    if isinstance(msg, Form):
        body.append(_heading(msg.title))
    inputs: list[str] = []
    for block in msg.blocks:
        body += _elements(block, isinstance(msg, Form), inputs, (errors or {}).get(_name(block) or ""))
    if isinstance(msg, Form):
        submit = _execute(msg.submit, f"form:{msg.action}", {"f": msg.action})
        close = _execute(msg.close, f"close:{msg.action}", {"close": msg.action})
        body.append({"type": "ActionSet", "actions": [submit, close]})
    elif inputs:
        # Every button of a card with ticked choices sends them with it: each choice is taken, then the button.
        for element in body:
            for action in element.get("actions", []):
                for press in (action, action.get("fallback") or {}):
                    if "data" in press and "a" in press["data"][DATA]:
                        press["data"][DATA]["picked"] = list(inputs)
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body or [_text(" ")]}


def build_cards(msg: Message) -> list[dict[str, Any]]:
    """The message as one card, or as several when one would be longer than Teams takes."""
    card = build_card(msg)
    if len(str(card)) <= CARD_BYTES:
        return [card]
    cards: list[dict[str, Any]] = []
    current: list[Block] = []
    for block in msg.blocks:
        if current and len(str(build_card(Message((*current, block))))) > CARD_BYTES:
            cards.append(build_card(Message(tuple(current))))
            current = []
        current.append(block)
    return [*cards, build_card(Message(tuple(current)))]


def with_chats(msg: Message, viewer: str, upns: dict[str, str]) -> Message:
    """The message with a link to a chat with each other person it offers one with, whose user principal name is
    known: Teams opens a chat from it (a bot cannot create one)."""
    blocks: list[Block] = []
    for block in msg.blocks:
        if isinstance(block, ChatWith):
            links = tuple(
                Link(label, CHAT_LINK + quote(upns[user_id]))
                for user_id, label in block.people
                if user_id != viewer and upns.get(user_id)
            )
            if links:
                blocks.append(Links(links))
        else:
            blocks.append(block)
    return Message(tuple(blocks))


def filled(form: Form, values: dict[str, str | None]) -> Form:
    """The form with what was sent back in its fields, to be shown again."""

    def refill(block: Block) -> Block:
        value = values.get(_name(block) or "")
        if value is None:
            return block
        if isinstance(block, TextInput | TimeInput):
            return replace(block, initial=value)
        if isinstance(block, DateInput):
            try:
                return replace(block, initial=date.fromisoformat(value))
            except ValueError:  # what the client sent is no date: the field starts empty again
                return replace(block, initial=None)
        if isinstance(block, Choice):
            return replace(block, selected=tuple(v for v in value.split(",") if v))
        return block

    return replace(form, blocks=tuple(refill(block) for block in form.blocks))


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD, "content": card}


def summary(msg: Message | Form) -> str:
    """The first words the message says, for notifications and screen readers."""
    if isinstance(msg, Form):
        return msg.title[:SUMMARY_TEXT]
    for block in msg.blocks:
        if isinstance(block, Header | Text) and block.text.strip():
            plain = to_plain(block.text).replace(FENCE, "").replace("*", "").replace("`", "").strip()
            return plain[:SUMMARY_TEXT]
    return ""


def to_markdown(text: str) -> str:
    """The core's text as Adaptive Cards' markdown: `*bold*` → `**bold**`, a command in `code` in bold (cards show
    no code), a person by name."""
    text = _CODE.sub(lambda m: f"**{m.group(1)}**", _BOLD.sub(r"**\1**", text))
    return to_plain(text)


def to_plain(text: str) -> str:
    """A person or a channel by the name the text gives, else as someone: an id means nothing to a reader; a
    command without the backticks of `code`, which a card would show as they are."""
    named = MARKUP.sub(lambda m: (m.group(1) if m.group(1) == "#" else "") + (m.group(3) or "…"), text)
    return _CODE.sub(lambda m: m.group(1), named)


def _name(block: Block) -> str | None:
    return getattr(block, "action", None)


def _elements(block: Block, in_form: bool, inputs: list[str], error: str | None) -> list[dict[str, Any]]:
    if isinstance(block, Header):
        return [_heading(block.text)]
    if isinstance(block, Text):
        return _paragraphs(block.text)
    if isinstance(block, Fields):
        facts = [{"title": to_plain(label), "value": to_markdown(value) or " "} for label, value in block.items]
        return [{"type": "FactSet", "facts": facts}]
    if isinstance(block, Buttons):
        return [{"type": "ActionSet", "actions": [_button(b) for b in block.buttons]}]
    found: list[dict[str, Any]] = []
    if isinstance(block, Choice):
        found.append(_choice(block))
        if not in_form and block.multiple:
            inputs.append(block.action)
    elif isinstance(block, PersonChoice):
        # No people picker in a bot's card: an address or a name is typed, and the channel looks it up.
        found.append(_input(block.action, "Input.Text", block.label, placeholder=block.placeholder))
    elif isinstance(block, TextInput):
        extra: dict[str, Any] = {"isMultiline": True} if block.multiline else {}
        found.append(_input(block.action, "Input.Text", block.label, block.initial, block.placeholder, **extra))
    elif isinstance(block, DateInput):
        found.append(
            _input(block.action, "Input.Date", block.label, block.initial.isoformat() if block.initial else "")
        )
    elif isinstance(block, TimeInput):
        found.append(_input(block.action, "Input.Time", block.label, block.initial or "", block.placeholder))
    elif isinstance(block, ChatWith):
        return []  # nobody to chat with that Teams can name (see `with_chats`)
    elif isinstance(block, Links):
        actions = [{"type": "Action.OpenUrl", "title": to_plain(link.label), "url": link.url} for link in block.links]
        return [{"type": "ActionSet", "actions": actions}]
    else:
        raise TypeError(f"no Adaptive Card for {type(block).__name__}")
    if error:
        found.append({"type": "TextBlock", "text": to_plain(error), "color": "Attention", "wrap": True})
    if not in_form and not (isinstance(block, Choice) and block.multiple):
        # Outside a form an input answers on its own: its button sends its value as the press (a person's typed
        # address is looked up before the core is given it).
        person = {"who": 1} if isinstance(block, PersonChoice) else {}
        ok = _execute("OK", block.action, {"a": block.action, "from": block.action, **person})
        found.append({"type": "ActionSet", "actions": [ok]})
    return found


def _heading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": to_plain(text) or " ", "size": "Large", "weight": "Bolder", "wrap": True}


def _text(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}


def _paragraphs(text: str) -> list[dict[str, Any]]:
    """A text as TextBlocks; what is between ``` fences is shown in a monospace font, as typed."""
    found = []
    for i, part in enumerate(text.split(FENCE)):
        if not part.strip():
            continue
        if i % 2:
            found.append({**_text(to_plain(part.strip("\n"))), "fontType": "Monospace"})
        else:
            found.append(_text(to_markdown(part.strip("\n"))))
    return found or [_text(" ")]


def _button(button: Button) -> dict[str, Any]:
    return _execute(button.label, button.action, {"a": button.action, "v": button.value})


def _execute(title: str, verb: str, ours: dict[str, Any]) -> dict[str, Any]:
    """A Universal Action, with a plain submit for clients that do not know it; both carry the same data."""
    title = to_plain(title) or "…"
    data = {DATA: ours}
    fallback = {"type": "Action.Submit", "title": title, "data": {DATA: dict(ours)}}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data, "fallback": fallback}


def _choice(block: Choice) -> dict[str, Any]:
    choices = [{"title": to_plain(o.label) or o.value, "value": o.value} for o in block.options]
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": block.action,
        "choices": choices,
        "isMultiSelect": block.multiple,
        # A short list is shown whole; a long one (time zones, topics of a big catalogue) as a menu.
        "style": "expanded" if len(choices) <= 6 else "compact",
        "wrap": True,
    }
    if block.label:
        element["label"] = to_plain(block.label)
    if block.placeholder:
        element["placeholder"] = to_plain(block.placeholder)
    if block.selected:
        element["value"] = ",".join(block.selected)
    return element


def _input(name: str, kind: str, label: str, value: str = "", placeholder: str = "", **extra: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "id": name, **extra}
    if label:
        element["label"] = to_plain(label)
    if value:
        element["value"] = to_plain(value)
    if placeholder:
        element["placeholder"] = to_plain(placeholder)
    return element
