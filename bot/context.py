"""What every rule of the core is given: the session, who is acting, where, in which language, and when."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.i18n import Tr
from storage.models import Person, Programme, Workspace


@dataclass
class Ctx:
    session: Session
    workspace: Workspace
    person: Person
    programme: Programme
    tr: Tr
    now: datetime
    is_coordinator: bool
    # The coordinators named by PASSERELLE_COORDINATORS, who cannot be removed by a command.
    founders: frozenset[str] = frozenset()
    # Those of them PASSERELLE_COORDINATORS names; the others are the coordinator a channel starts with without it.
    founders_configured: frozenset[str] = frozenset()
    command_prefix: str = ""  # the acting channel's, from the Actor
    public_url: str = ""  # the server's address, for links the bot hands out (PASSERELLE_PUBLIC_URL)
    # The input came from the person's direct chat with the bot (a message typed there), rather than from a command
    # or a button that may be anywhere (a channel, the Home tab): what goes on "in our direct messages" is here.
    in_direct_chat: bool = False
    # A matching was asked for (bot/pairing/runs.py): once committed, the bot's matcher is woken.
    match_requested: bool = False

    def command(self, words: str) -> str:
        """A command as the caller types it on their channel: "/mentoring program set start DATE" on Slack."""
        return (self.command_prefix + words).strip()

    @property
    def workspace_id(self) -> int:
        return known(self.workspace.id)

    @property
    def programme_id(self) -> int:
        return known(self.programme.id)

    @property
    def person_id(self) -> int:
        """The acting person's id; only the Home tab ever sees a person not saved yet, and it does not ask."""
        return known(self.person.id)


def known(row_id: int | None) -> int:
    """The id of a row that has been saved (flushed), which is always the case where it is asked for."""
    assert row_id is not None
    return row_id
