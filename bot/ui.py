"""The neutral UI vocabulary the core speaks; each channel renders it (Block Kit, console text, …)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal


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
class Reply:
    """A message and where it goes: to the caller only, to their direct chat, or to a channel."""

    message: Message
    to: Literal["caller", "dm", "channel"] = "caller"
    channel: str | None = None
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
