"""What every listener needs, put in Bolt's context by one middleware."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.service import Passerelle
from handlers.slack.profiles import Profiles

if TYPE_CHECKING:
    from handlers.slack.install import Installations


@dataclass
class Deps:
    bot: Passerelle
    clock: Callable[[], datetime]
    locale: str = "en"
    profiles: Profiles = field(default_factory=Profiles)
    # OAuth mode: the installations, forgotten when the app is uninstalled. None with a single bot token.
    installations: "Installations | None" = None
    # Work done after the acknowledgement waits its turn here: under a burst the queue grows, but the
    # event loop stays free to acknowledge every new request within Slack's 3 seconds.
    # bench/ack.py chose 2: 1 serves fewer requests per second, 4 lets the work slow the acknowledgements.
    work: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    # One person's inputs are handled one after the other, in the order they came: two answers typed a moment
    # apart must not be read against the wrong question.
    people: dict[str, tuple[asyncio.Lock, list[int]]] = field(default_factory=dict)

    @asynccontextmanager
    async def turn(self, person: str) -> AsyncIterator[None]:
        lock, waiting = self.people.setdefault(person, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock, self.work:
                yield
        finally:
            waiting[0] -= 1
            if not waiting[0]:
                del self.people[person]  # nobody waits behind: forget it, so the map stays small
