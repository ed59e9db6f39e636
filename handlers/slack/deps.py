"""What every listener needs, put in Bolt's context by one middleware."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.service import Passerelle
from handlers.slack.profiles import Profiles


@dataclass
class Deps:
    bot: Passerelle
    clock: Callable[[], datetime]
    locale: str = "en"
    profiles: Profiles = field(default_factory=Profiles)
    # Work done after the acknowledgement waits its turn here: under a burst the queue grows, but the
    # event loop stays free to acknowledge every new request within Slack's 3 seconds.
    # bench/ack.py chose 2: 1 serves fewer requests per second, 4 lets the work slow the acknowledgements.
    work: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
