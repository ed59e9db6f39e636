"""What every listener needs, put in Bolt's context by one middleware."""

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
