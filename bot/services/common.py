"""Pieces every use case shares: who is asking, the default clock, finding or creating the user."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from bot.engine.names import pseudonym
from db import repo
from db.models import User


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is asking, as the channel knows them: (``telegram``, user id) or (``console``, name)."""

    channel: str
    external_id: str
    display_name: str | None = None  # the first nickname where the person chose it; else a pseudonym


def ensure_user(session: Session, who: Identity, *, now: datetime, rng: random.Random) -> tuple[User, bool]:
    """The stored user for ``who``, created on first contact; the flag says whether it is new."""
    user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
    if user is not None:
        return user, False
    nickname = who.display_name or pseudonym(rng)
    user = repo.create_user(session, channel=who.channel, external_id=who.external_id, nickname=nickname, now=now)
    return user, True
