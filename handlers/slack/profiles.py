"""Who a Slack user is (name, locale, time zone), from `users.info`, remembered for an hour."""

import logging
import time
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor
from handlers.slack.errors import error_code, http_status

logger = logging.getLogger(__name__)
KEPT_SECONDS = 3600
COMMAND = "/mentoring"  # the slash command of the manifest
MAX_KEPT = 20_000


@dataclass
class Profiles:
    kept: dict[tuple[str, str], tuple[float, Actor]] = field(default_factory=dict)

    async def actor(self, client: AsyncWebClient, workspace: str, user_id: str) -> Actor:
        key = (workspace, user_id)
        known = self.kept.get(key)
        if known and time.monotonic() - known[0] < KEPT_SECONDS:
            return known[1]
        actor = await self._look_up(client, workspace, user_id)
        if len(self.kept) >= MAX_KEPT:
            # Forget the stale ones first: memory stays bounded however many people write.
            fresh = time.monotonic() - KEPT_SECONDS
            self.kept = {k: v for k, v in self.kept.items() if v[0] > fresh} if len(self.kept) < 2 * MAX_KEPT else {}
        self.kept[key] = (time.monotonic(), actor)
        return actor

    async def _look_up(self, client: AsyncWebClient, workspace: str, user_id: str) -> Actor:
        try:
            answer = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            # The bot still answers; it just doesn't know the name or language yet.
            logger.warning("users.info failed: %s", error_code(error) or f"HTTP {http_status(error)}")
            return Actor("slack", workspace, user_id, command_prefix=COMMAND + " ")
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        return Actor(
            "slack",
            workspace,
            user_id,
            name=name,
            locale=user.get("locale"),
            timezone=user.get("tz"),
            command_prefix=COMMAND + " ",
        )
