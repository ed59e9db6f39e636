"""Talking to the core directly, as a channel would, with the replies flattened to text for assertions."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.actor import Actor
from bot.outbox.codec import decode
from bot.service import Passerelle
from bot.ui import MARKUP, Button, Buttons, Choice, Fields, Header, Message, Outcome, Reply, Text, channel_ref, mention
from storage.models import Outbox, Pair, PairStatus, Person
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer


def slackish(text: str) -> str:
    """The core's markup as Slack shows it (`<@U1>`), for tests written in Slack's terms."""
    return MARKUP.sub(lambda m: f"<{m[1]}{m[2]}>", text)


def neutral(text: str) -> str:
    """Slack's mentions typed in a test (`<@U1>`), as a channel hands them to the core."""
    return re.sub(r"<([@#])([A-Z0-9]+)>", lambda m: (mention if m[1] == "@" else channel_ref)(m[2]), text)


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


@dataclass(frozen=True)
class Queued:
    """An outbox row as a test reads it: its key, the user ids it reaches (or `#channel`), its text."""

    key: str
    to: tuple[str, ...]
    text: str
    message: Message


def queued(bot: Passerelle, after: int = 0) -> list[Queued]:
    """What the bot has queued to send on its own, oldest first (rows after id `after`)."""
    with Session(bot.engine) as session:
        rows = session.exec(select(Outbox).where(col(Outbox.id) > after).order_by(col(Outbox.id))).all()
        users = {p.id: p.user_id for p in session.exec(select(Person)).all()}
        members = {p.id: (users[p.mentor_id], users[p.mentee_id]) for p in session.exec(select(Pair)).all()}
        found = []
        for row in rows:
            kind, owner = row.recipient["kind"], row.recipient.get("id")
            to = (
                (users[owner],)
                if kind == "person"
                else members[owner]
                if kind == "pair"
                else ("#" + row.recipient["ref"],)
            )
            shown = decode(row.message)
            found.append(Queued(row.key, to, flat(shown), shown))
        return found


def last_id(bot: Passerelle) -> int:
    with Session(bot.engine) as session:
        return max(session.exec(select(Outbox.id)).all(), default=None) or 0


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
    # Written in Slack's terms: `<@U1>` typed goes in as the core's markup, and comes out as `<@U1>` again.
    slack_style: bool = False

    @property
    def actor(self) -> Actor:
        return Actor("slack", "T0PASSE", self.user, name=self.user.title(), locale=self.locale, timezone=self.timezone)

    @property
    def text(self) -> str:
        shown = "\n\n".join(flat(r.message) for r in self.last.replies if isinstance(r.message, Message))
        return slackish(shown) if self.slack_style else shown

    def say(self, text: str) -> str:
        return self._seen(lambda: self.bot.said(self.actor, neutral(text) if self.slack_style else text, self.now))

    def command(self, text: str) -> str:
        return self._seen(lambda: self.bot.command(self.actor, neutral(text) if self.slack_style else text, self.now))

    def press(self, label: str) -> str:
        button = buttons(self.last)[label]
        return self._seen(lambda: self.bot.pressed(self.actor, button.action, [button.value], self.now))

    def pick(self, action: str, *values: str) -> str:
        return self._seen(lambda: self.bot.pressed(self.actor, action, list(values), self.now))

    def _seen(self, act: Callable[[], Outcome]) -> str:
        """The answer, then the matching's preview the bot sent this person on its own meanwhile (a matching is
        made out of the request; without a worker, the bot makes it at once after the commit)."""
        before = last_id(self.bot)
        outcome = act()
        previews = [q for q in queued(self.bot, before) if q.key.startswith("match:run:") and q.to == (self.user,)]
        outcome.replies += [Reply(q.message) for q in previews]
        self.last = outcome
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


def announced(bot: Passerelle, now: datetime, coordinator: str, *settings: str) -> Pair:
    """A mentor (UMENTOR1) and a mentee (UMENTEE1) matched and announced by `coordinator`, once each `program set`
    setting is made; the lifecycle's tests start from this pair."""
    a_volunteer(bot, "UMENTOR1", now, MENTOR)
    a_volunteer(bot, "UMENTEE1", now, MENTEE)
    speaking = Dialog(bot, now, user=coordinator)
    for setting in settings:
        speaking.command(f"program set {setting}")
    speaking.command("match")
    assert "1 pair confirmed" in speaking.command("match confirm")
    with Session(bot.engine) as session:
        return session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).one()
