"""The neutral UI vocabulary the core speaks; each channel renders it (Block Kit, console text, …)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from bot.i18n import Tr
from bot.recipients import CALLER, Recipient, ToCaller

# The core's own markup for a person or a channel inside a text; each channel renders it its own way.
# The brackets are characters nobody types in a chat, so a text never holds one by accident.
MARKUP = re.compile(r"⟦([@#])([^⟦⟧|]+)(?:\|([^⟦⟧]*))?⟧")


# Control characters but tab and newline: no keyboard types them, PostgreSQL refuses NUL in text, and a terminal
# showing a stored one could be driven by it.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def typed(text: str) -> str:
    """What a person typed, or a name their platform gave, with the core's brackets made plain: only a channel
    writes the core's markup, so nobody can mention or impersonate someone by typing it."""
    return CONTROL.sub("", text).replace("⟦", "[").replace("⟧", "]")


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


@dataclass(frozen=True)
class TimeInput:
    """A time of day, `HH:MM` on the reader's clock."""

    action: str
    label: str
    initial: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Links:
    """Web addresses to open, each with its label: a calendar file, a page of a calendar service."""

    links: tuple[Link, ...]


@dataclass(frozen=True)
class ChatWith:
    """A way to open a direct chat with each of these people (user id, label), for a channel where the pair has no
    conversation of its own; the reader is not offered one with themselves, and a channel where the pair's
    conversation is the chat shows nothing."""

    people: tuple[tuple[str, str], ...]


Block = Header | Text | Fields | Buttons | Choice | PersonChoice | TextInput | DateInput | TimeInput | Links | ChatWith


@dataclass(frozen=True)
class Message:
    """Blocks, in order; each channel writes its own notification text from them (Slack: `build_summary`)."""

    blocks: tuple[Block, ...]


def message(*blocks: Block) -> Message:
    return Message(tuple(blocks))


FORM_ID = ":"  # between a form's route and the id it acts on: `pair.objectives:42`


def form_action(route: str, row_id: int | None = None) -> str:
    """A form's action: the name of the route that takes it, then the id it acts on if it acts on one."""
    return route if row_id is None else f"{route}{FORM_ID}{row_id}"


@dataclass(frozen=True)
class Form:
    """A small form shown on its own (a modal on Slack); its submission comes back as `action` (`form_action`)."""

    action: str
    title: str
    blocks: tuple[Block, ...]
    submit: str
    close: str


@dataclass(frozen=True)
class File:
    """A document handed to the caller: text (the matching proposal as CSV), or bytes (the report's PNG chart)."""

    name: str
    title: str
    content: str | bytes


Compose = Callable[[Tr], Message]  # a message written in the language it is given


@dataclass(frozen=True)
class Reply:
    """A message and who it is for.

    To anyone but the caller it goes through the outbox under `key`, which is sent once whatever happens; it may
    then be composed for each recipient, in their own language.
    """

    message: Message | Compose
    to: Recipient = CALLER
    key: str | None = None
    expires: datetime | None = None  # past it the message has lost its point and is dropped, not sent late
    # People whose words or data it holds beyond those it mentions (the outbox finds mentions by itself): erasing
    # one of them erases the message.
    about: tuple[int, ...] = ()
    # Asked for by its recipient, who waits for it (a matching's preview): it goes as soon as it is written, at
    # whatever hour, rather than in their working hours as what the bot sends on its own.
    awaited: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.to, ToCaller) and not self.key:
            raise ValueError("a message the bot sends on its own needs an outbox key")
        if isinstance(self.to, ToCaller) and not isinstance(self.message, Message):
            raise ValueError("the caller's answer is written in their language already")


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


def answers(outcome: Outcome) -> list[tuple[Message, bool]]:
    """What a channel shows the caller: each message, and whether it goes to their direct chat."""
    shown = []
    for reply in outcome.replies:
        if isinstance(reply.to, ToCaller) and isinstance(reply.message, Message):
            shown.append((reply.message, reply.to.direct))
    return shown
