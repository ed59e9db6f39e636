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

    @property
    def workspace_id(self) -> int:
        assert self.workspace.id is not None
        return self.workspace.id
