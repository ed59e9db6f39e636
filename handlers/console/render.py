"""The neutral UI as plain text for a terminal: buttons get letters, options get numbers."""

import string
from dataclasses import dataclass, field

from bot.i18n import Tr
from bot.ui import (
    MARKUP,
    Button,
    Buttons,
    Choice,
    DateInput,
    Fields,
    Form,
    Header,
    Links,
    Message,
    PersonChoice,
    Text,
    TextInput,
    TimeInput,
)


@dataclass
class Shown:
    """What the last message offered, so that typing `a` presses its first button."""

    buttons: dict[str, Button] = field(default_factory=dict)
    options: dict[str, tuple[str, str]] = field(default_factory=dict)  # number → (action, value)


def render(msg: Message | Form, names: dict[str, str], shown: Shown | None, tr: Tr) -> str:
    """The message as text; with `shown`, its buttons and options get the keys that press them. The console's own
    words (how to answer a field, a label's colon) are in `tr`'s language, the reader's."""
    lines: list[str] = []
    for block in msg.blocks:
        if isinstance(block, Header):
            lines.append(f"== {block.text} ==")
        elif isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Fields):
            lines += ["  " + labelled(tr, label, value) for label, value in block.items]
        elif isinstance(block, Buttons):
            lines.append("  ".join(_button(button, shown) for button in block.buttons))
        elif isinstance(block, Choice):
            lines += _choice(block, shown or Shown(), tr)
        elif isinstance(block, PersonChoice):
            lines.append(labelled(tr, block.label, tr("type @name")))
        elif isinstance(block, TextInput):
            # A prefilled field shows what it holds, as Slack's modal does; the console keeps it on an empty line.
            lines.append(labelled(tr, block.label, block.initial or tr("type it")))
        elif isinstance(block, TimeInput):
            lines.append(labelled(tr, block.label, block.initial or tr("type a time (HH:MM)")))
        elif isinstance(block, DateInput):
            current = block.initial.isoformat() if block.initial else tr("type a date (YYYY-MM-DD)")
            lines.append(labelled(tr, block.label, current))
        elif isinstance(block, Links):
            lines += ["  " + labelled(tr, link.label, link.url) for link in block.links]
    return plain("\n".join(lines), names)


def plain(text: str, names: dict[str, str]) -> str:
    """A person or channel as `@name`: the name the console gave it, else the one in the text, else its id."""
    return MARKUP.sub(lambda m: m.group(1) + (names.get(m.group(2)) or m.group(3) or m.group(2)), text)


def labelled(tr: Tr, label: str, value: str) -> str:
    """`label: value`; French puts a narrow no-break space before the colon. A question keeps its question mark
    alone: "Anything to add? (type it)"."""
    if label.rstrip().endswith(("?", ":")):
        return f"{label} ({value})"
    return tr("{label}: {value}", label=label, value=value)


def _button(button: Button, shown: Shown | None) -> str:
    if shown is None:
        return f"[{button.label}]"
    letter = string.ascii_lowercase[len(shown.buttons) % 26]
    shown.buttons[letter] = button
    return f"[{letter}] {button.label}"


def _choice(block: Choice, shown: Shown, tr: Tr) -> list[str]:
    lines = [tr("{label}:", label=block.label)] if block.label else []
    for number, option in enumerate(block.options, start=1):
        mark = ("[x] " if option.value in block.selected else "[ ] ") if block.multiple else ""
        lines.append(f"  {number}. {mark}{option.label}")
        if not block.multiple:
            shown.options[str(number)] = (block.action, option.value)
    if block.multiple:
        lines.append("  " + tr("(type the numbers or names, e.g. 1 3)"))
    return lines
