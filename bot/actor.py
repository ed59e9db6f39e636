"""Who is acting, as a channel knows them: the platform, the workspace, the user and their profile."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Actor:
    platform: str
    workspace: str
    user_id: str
    name: str = ""
    locale: str | None = None
    timezone: str | None = None
    # How commands are typed on this channel: "/mentoring " on Slack, nothing where people type the bare words.
    command_prefix: str = ""
    # Where the channel reached the person in this very input, when it must be kept to write to them later (a
    # Teams conversation reference); it is stored as their address.
    address: dict[str, Any] | None = field(default=None, compare=False, hash=False)
