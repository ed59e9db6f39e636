"""The neutral UI vocabulary the core speaks; each channel renders it (Block Kit, console text, …)."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# The core's own markup for a person or a channel inside a text; each channel renders it its own way.
# The brackets are characters nobody types in a chat, so a text never holds one by accident.
MARKUP = re.compile(r"⟦([@#])([^⟦⟧|]+)(?:\|([^⟦⟧]*))?⟧")


def mention(user_id: str, name: str = "") -> str:
    """A person in a text: `⟦@id|name⟧`; the id is opaque, the name what a channel without mentions shows."""
    return _ref("@", user_id, name)


def channel_ref(channel_id: str, name: str = "") -> str:
    """A channel in a text: `⟦#id|name⟧`."""
    return _ref("#", channel_id, name)


def _ref(kind: str, ref_id: str, name: str) -> str:
    name = " ".join(re.sub(r"[|⟦⟧]", "", name).split())
    return f"⟦{kind}{ref_id}|{name}⟧" if name else f"⟦{kind}{ref_id}⟧"


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph; `*bold*` and `_italic_` are understood by every channel."""

    text: str


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, such as a profile summary."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Choice:
    """Pick one option (`multiple=False`) or several; `label` says what is chosen."""

    action: str
    options: tuple[Option, ...]
    multiple: bool = False
    selected: tuple[str, ...] = ()
    label: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class PersonChoice:
    """Pick one person of the workspace."""

    action: str
    label: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class TextInput:
    action: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    initial: str = ""


@dataclass(frozen=True)
class DateInput:
    action: str
    label: str
    initial: date | None = None


Block = Header | Text | Fields | Buttons | Choice | PersonChoice | TextInput | DateInput


@dataclass(frozen=True)
class Message:
    blocks: tuple[Block, ...]

    @property
    def summary(self) -> str:
        """Plain text for notifications and screen readers: the first words the message says."""
        for block in self.blocks:
            if isinstance(block, Header | Text):
                return block.text[:300]
        return ""


def message(*blocks: Block) -> Message:
    return Message(tuple(blocks))


@dataclass(frozen=True)
class Form:
    """A small form shown on its own (a modal on Slack); its submission comes back as `action`."""

    action: str
    title: str
    blocks: tuple[Block, ...]
    submit: str
    close: str


@dataclass(frozen=True)
class File:
    """A document handed to the caller, such as the full matching proposal as CSV."""

    name: str
    title: str
    content: str


@dataclass(frozen=True)
class Reply:
    """A message and where it goes.

    `caller`: whoever acted, privately; `dm`: their direct chat; `channel`: a channel by id; `person`: the direct
    chat of `people[0]`; `group`: one conversation with all `people` and the bot, opened if needed, reported back
    to the core with `key` (a pair's conversation is stored that way).
    """

    message: Message
    to: Literal["caller", "dm", "channel", "person", "group"] = "caller"
    channel: str | None = None
    people: tuple[str, ...] = ()
    key: str | None = None
    # For a channel post: what the caller is told once it is posted, or if it could not be.
    posted: Message | None = None
    failed: Message | None = None


@dataclass
class Outcome:
    """What the core answers to one input."""

    replies: list[Reply] = field(default_factory=list)
    # The message the input came from, rewritten (a question shown as answered, its buttons gone).
    replace: Message | None = None
    refresh_home: bool = False
    form: Form | None = None
    # Per-field problems of a submitted form: the form stays open and shows them.
    form_errors: dict[str, str] = field(default_factory=dict)
    files: list[File] = field(default_factory=list)
