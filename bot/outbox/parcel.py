"""What a channel's sender is handed for one outbox row, and what it answers."""

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bot.ui import Message

# Why a message can never be delivered, in the core's words; each channel maps its platform's errors onto these.
Reason = Literal[
    "inactive", "unknown_person", "no_channel", "not_member", "archived", "refused", "not_installed", "blocked"
]


@dataclass(frozen=True)
class Parcel:
    id: int
    key: str
    platform: str
    workspace: str  # the platform's id of the workspace
    message: Message
    people: tuple[str, ...] = ()  # platform user ids: one for a direct chat, two for a pair's
    channel: str | None = None  # a channel reference, for a post in a channel
    address: dict[str, Any] | None = None  # where this person or pair was reached before
    # An earlier attempt may have reached the platform: the sender looks for `key` there before sending again.
    maybe_sent: bool = False
    # A pair's message sent to one member alone: the others it is shared with, by user id, and where each of them
    # was reached (a channel links to a chat with them).
    shared_with: tuple[tuple[str, dict[str, Any] | None], ...] = ()


@dataclass(frozen=True)
class Sent:
    receipt: dict[str, Any] = field(default_factory=dict)  # what the platform returned, to update the message later
    address: dict[str, Any] | None = None  # where the recipient was reached, kept for next time


class Retry(Exception):
    """A passing failure: rate limited, the platform down, a timeout. `after` is the platform's own wait, if any."""

    def __init__(self, why: str, after: float | None = None, maybe_sent: bool = False) -> None:
        super().__init__(why)
        self.why, self.after, self.maybe_sent = why, after, maybe_sent


class Undeliverable(Exception):
    """The platform refused for good: the account is closed, the channel gone, the bot not a member."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class Sender(Protocol):
    """A channel's way out; raises Retry or Undeliverable when it cannot send. A sender that cannot look on its
    platform for a message it may have sent (`Parcel.maybe_sent`) says so with `looks_before_resending = False`:
    the worker then records each of its sends at once."""

    async def send(self, parcel: Parcel) -> Sent: ...
