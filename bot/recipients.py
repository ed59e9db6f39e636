"""Who a reply is for: the person who just acted, or someone the bot writes to on its own (through the outbox)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ToCaller:
    """The answer to the person who acted; `direct` puts it in their direct chat rather than in place."""

    direct: bool = False


@dataclass(frozen=True)
class ToPerson:
    person_id: int


@dataclass(frozen=True)
class ToPair:
    """The pair's own conversation with the bot, wherever its channel keeps one; elsewhere each member's own."""

    pair_id: int


# Channels where the bot cannot open a conversation with two people (a Teams bot cannot create a group chat): a
# pair's message goes to each member's direct chat, one row each, sent and reported each on its own.
WITHOUT_PAIR_CONVERSATIONS = frozenset({"teams"})
# Channels where the bot lives in people's own chats only (a Teams personal app): it posts in no channel, and what
# Slack posts in one (the call for volunteers) is handed to the coordinator to pass on.
WITHOUT_CHANNELS = frozenset({"teams"})


@dataclass(frozen=True)
class ToCoordinators:
    """Every coordinator of the workspace, each privately and in their own language."""


@dataclass(frozen=True)
class ToChannel:
    """A channel a coordinator named, by the reference their channel gave."""

    channel: str


Recipient = ToCaller | ToPerson | ToPair | ToCoordinators | ToChannel
CALLER = ToCaller()
DIRECT = ToCaller(direct=True)
