"""The configuration, read once from the environment or a `.env` file by the composition root (server.py)."""

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The languages of the texts (bot/i18n.py has the same; settings are read before anything is imported from there).
LOCALES = ("en", "fr")
# The kinds of Azure bot identity, as the Bot Framework spells them.
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class Settings(BaseSettings):
    """Names and defaults as in DESIGN.md; never instantiated at import time."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///passerelle.db"
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Installing in any number of workspaces (Slack's OAuth flow); with both set, SLACK_BOT_TOKEN is not used.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Only needed when the app has several redirect URLs: the one of this server.
    slack_redirect_uri: str | None = None
    # Microsoft Teams, at POST /api/messages. Present and empty: served without authentication (the Bot Framework
    # Emulator on this machine). The Bot Framework samples' spellings (`MicrosoftAppId`, …) are read too.
    microsoft_app_id: str | None = Field(
        default=None, validation_alias=AliasChoices("microsoft_app_id", "microsoftappid")
    )
    microsoft_app_password: str | None = Field(
        default=None, validation_alias=AliasChoices("microsoft_app_password", "microsoftapppassword")
    )
    microsoft_app_type: str | None = Field(
        default=None, validation_alias=AliasChoices("microsoft_app_type", "microsoftapptype")
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, validation_alias=AliasChoices("microsoft_app_tenant_id", "microsoftapptenantid")
    )
    passerelle_coordinators: Annotated[frozenset[str], NoDecode] = frozenset()
    passerelle_tick_seconds: float = Field(default=60, gt=0)
    passerelle_locale: str = "en"
    # After this many failed attempts a message is given up and the coordinators are told.
    passerelle_outbox_attempts: int = Field(default=20, ge=1, le=100)
    # How long a worker holds a message it is sending; past that, another worker takes it (its worker died).
    passerelle_outbox_lease: float = Field(default=60, ge=20, le=3600)
    # How long a worker's claim on a matching lasts between its renewals; past that, another worker takes the run
    # over (its worker died). A matching that dies leaves the next one waiting this long at most.
    passerelle_match_lease: float = Field(default=30, ge=1, le=3600)

    # The server's address as others reach it, for the links the bot hands out (calendar files); default http://HOST:PORT.
    passerelle_public_url: str | None = None

    @field_validator("passerelle_public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        address = value.strip().rstrip("/")
        if not address.startswith(("http://", "https://")) or " " in address:
            raise ValueError(f"a public URL starts with http:// or https://, not {value[:40]!r}")
        return address

    @property
    def public_url(self) -> str:
        return self.passerelle_public_url or f"http://{self.host}:{self.port}"

    @field_validator("passerelle_coordinators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """`U123,U456`, `U123;U456` or `U123 U456` → a set of ids."""
        if isinstance(value, str):
            return frozenset(part for part in value.replace(",", " ").replace(";", " ").split() if part)
        return value

    @field_validator("passerelle_locale")
    @classmethod
    def _spoken(cls, value: str) -> str:
        language = value.strip().lower()
        if language not in LOCALES:
            raise ValueError(f"Passerelle speaks {' and '.join(LOCALES)}, not {value!r}")
        return language

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str | None) -> str | None:
        """Azure's three kinds of bot identity, in any case; empty is the SDK's default (MultiTenant)."""
        if value is None or not value.strip():
            return None
        kinds = {kind.lower(): kind for kind in APP_TYPES}
        if value.strip().lower() not in kinds:
            raise ValueError(f"a Teams app type is one of {', '.join(APP_TYPES)}, not {value[:40]!r}")
        return kinds[value.strip().lower()]

    @property
    def teams_served(self) -> bool:
        """`/api/messages` is served whenever MICROSOFT_APP_ID is set, even empty (authentication off)."""
        return self.microsoft_app_id is not None

    @property
    def teams_authenticated(self) -> bool:
        return bool(self.microsoft_app_id and self.microsoft_app_id.strip())

    @property
    def ignored(self) -> list[str]:
        """Settings given that are not used, each with why."""
        if self.slack_oauth and self.slack_bot_token:
            return [
                "SLACK_BOT_TOKEN set with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: not used, each workspace's own is"
            ]
        return []

    @property
    def missing(self) -> str | None:
        """What the platform settings given lack to work, in one line; None when they work, or none is given.

        Without it a half-configured server would open the local console (or, without a terminal, exit at once)."""
        return self._slack_missing() or self._teams_missing()

    def _teams_missing(self) -> str | None:
        if self.microsoft_app_id is not None and not self.teams_authenticated:
            # Authentication off is asked for with an empty id alone: spaces, or a password beside it, are a
            # deployment's settings gone wrong, not a wish to run unauthenticated.
            if self.microsoft_app_id:
                return "MICROSOFT_APP_ID is only spaces: give the bot's app id, or leave it empty for the Emulator"
            if self.microsoft_app_password:
                return "MICROSOFT_APP_ID is empty but MICROSOFT_APP_PASSWORD is set: give the bot's app id"
            return None
        if not self.teams_authenticated:
            return None
        if self.microsoft_app_type != "UserAssignedMSI" and not self.microsoft_app_password:
            return "MICROSOFT_APP_PASSWORD is missing: Teams cannot be served with MICROSOFT_APP_ID alone"
        if self.microsoft_app_type in ("SingleTenant", "UserAssignedMSI") and not self.microsoft_app_tenant_id:
            return f"MICROSOFT_APP_TENANT_ID is missing: a {self.microsoft_app_type} bot belongs to one tenant"
        return None

    def _slack_missing(self) -> str | None:
        given = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token]
        if not any([*given, self.slack_client_id, self.slack_client_secret]):
            return None
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            present, absent = (
                ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                if self.slack_client_id
                else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            )
            return f"{absent} is missing: installing in many workspaces needs it with {present}"
        if not self.slack_served:
            return (
                "SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (many) is missing: "
                "without them Slack cannot be served"
            )
        if not (self.slack_signing_secret or self.slack_app_token):
            return (
                "SLACK_SIGNING_SECRET (Slack over HTTP) or SLACK_APP_TOKEN (Socket Mode) is missing: "
                "without one of them no request from Slack can reach Passerelle"
            )
        return None

    @property
    def slack_oauth(self) -> bool:
        """Any number of workspaces, each installed through Slack's OAuth flow."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_served(self) -> bool:
        """A bot token, or OAuth: the app can act in Slack."""
        return bool(self.slack_bot_token or self.slack_oauth)

    @property
    def slack_over_http(self) -> bool:
        return bool(self.slack_served and self.slack_signing_secret)

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_served and self.slack_app_token)
