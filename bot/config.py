"""Settings from the environment (prefix ``JINDU_``) or a ``.env`` file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.engine.calendar import QuietHours

DEFAULT_API_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Configuration of the bot and the terminal quiz; see README for each variable."""

    model_config = SettingsConfigDict(env_prefix="JINDU_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///jindu.db"
    timezone: str = "Asia/Shanghai"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    questions_dir: Path | None = None
    quiet_hours: str = "21:00-07:30"
    web_url: str = "http://127.0.0.1:8080"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_window(cls, value: str) -> str:
        QuietHours.parse(value)  # raises ValueError with the expected form
        return value

    @cached_property
    def quiet(self) -> QuietHours:
        """The quiet hours (no reminders)."""
        return QuietHours.parse(self.quiet_hours)

    @cached_property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)
