"""The configuration, read once from the environment or a `.env` file by the composition root (app.py)."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    # Named in DESIGN.md for what comes next (installing in many workspaces, Teams); read so that the server can
    # say they are not used yet rather than ignore them in silence.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: str | None = None
    microsoft_app_tenant_id: str | None = None
    passerelle_coordinators: Annotated[frozenset[str], NoDecode] = frozenset()
    passerelle_tick_seconds: float = Field(default=60, gt=0)
    passerelle_locale: str = "en"
    # After this many failed attempts a message is given up and the coordinators are told.
    passerelle_outbox_attempts: int = Field(default=20, ge=1, le=100)
    # How long a worker holds a message it is sending; past that, another worker takes it (its worker died).
    passerelle_outbox_lease: float = Field(default=60, ge=20, le=3600)

    @field_validator("passerelle_coordinators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """`U123,U456` or `U123 U456` → a set of ids."""
        if isinstance(value, str):
            return frozenset(part for part in value.replace(",", " ").split() if part)
        return value

    @property
    def not_yet_used(self) -> list[str]:
        names = {
            "SLACK_CLIENT_ID": self.slack_client_id,
            "SLACK_CLIENT_SECRET": self.slack_client_secret,
            "MICROSOFT_APP_ID": self.microsoft_app_id,
            "MICROSOFT_APP_PASSWORD": self.microsoft_app_password,
            "MICROSOFT_APP_TYPE": self.microsoft_app_type,
            "MICROSOFT_APP_TENANT_ID": self.microsoft_app_tenant_id,
        }
        return [name for name, value in names.items() if value]

    @property
    def slack_over_http(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_bot_token and self.slack_app_token)
