"""Talking to the core directly, as a channel would, with the replies flattened to text for assertions."""

from dataclasses import dataclass, field
from datetime import datetime

from bot.actor import Actor
from bot.service import Passerelle
from bot.ui import Button, Buttons, Choice, Fields, Header, Message, Outcome, Text


def flat(msg: Message) -> str:
    parts: list[str] = []
    for block in msg.blocks:
        if isinstance(block, Header | Text):
            parts.append(block.text)
        elif isinstance(block, Fields):
            parts += [f"{label}: {value}" for label, value in block.items]
        elif isinstance(block, Buttons):
            parts += [f"[{b.label}]" for b in block.buttons]
        elif isinstance(block, Choice):
            parts += [f"({o.label})" for o in block.options]
    return "\n".join(parts)


def buttons(outcome: Outcome) -> dict[str, Button]:
    return {
        b.label: b for r in outcome.replies for blk in r.message.blocks if isinstance(blk, Buttons) for b in blk.buttons
    }


@dataclass
class Dialog:
    bot: Passerelle
    now: datetime
    user: str = "UANA0001"
    locale: str | None = "en-GB"
    timezone: str | None = "Europe/Paris"
    last: Outcome = field(default_factory=Outcome)

    @property
    def actor(self) -> Actor:
        return Actor("slack", "T0PASSE", self.user, name=self.user.title(), locale=self.locale, timezone=self.timezone)

    @property
    def text(self) -> str:
        return "\n\n".join(flat(r.message) for r in self.last.replies)

    def say(self, text: str) -> str:
        self.last = self.bot.said(self.actor, text, self.now)
        return self.text

    def command(self, text: str) -> str:
        self.last = self.bot.command(self.actor, text, self.now)
        return self.text

    def press(self, label: str) -> str:
        button = buttons(self.last)[label]
        self.last = self.bot.pressed(self.actor, button.action, [button.value], self.now)
        return self.text

    def pick(self, action: str, *values: str) -> str:
        self.last = self.bot.pressed(self.actor, action, list(values), self.now)
        return self.text


MENTEE_ANSWERS = [
    "oui",
    "mentee",
    "ai, social networks",
    "a must",
    "2",
    "5",
    "Finance",
    "skip",
    "fr",
    "Paris",
    "either",
    "Europe/Paris",
    "afternoon",
    "Understand how my teams use AI.",
    "structured",
    "discussion",
]
