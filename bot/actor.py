"""Who is acting, as a channel knows them: the platform, the workspace, the user and their profile."""

from dataclasses import dataclass


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
