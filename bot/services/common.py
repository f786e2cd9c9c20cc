"""Pieces every use case shares: who is asking, the default clock, finding or creating the user."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from bot.engine.names import nickname_problem, pseudonym
from bot.services.errors import InvalidIdentity
from db import repo
from db.models import MAX_KEY, User

MAX_CHANNEL, MAX_EXTERNAL_ID = 16, 64  # the user table's column lengths


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
    """The stored user for ``who``, created on first contact (an upsert); the flag says whether it is new."""
    user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
    if user is not None:
        return user, False
    check_identity(who)
    nickname = who.display_name or pseudonym(rng)
    return repo.upsert_user(session, channel=who.channel, external_id=who.external_id, nickname=nickname, now=now)


def check_identity(who: Identity) -> None:
    """Refuse an identity that does not fit its columns, before it reaches the database.

    Raises:
        InvalidIdentity: naming the field and its limit.
    """
    limits = (("channel", who.channel, MAX_CHANNEL), ("external_id", who.external_id, MAX_EXTERNAL_ID))
    for field, value, limit in limits:
        if not value or len(value) > limit:
            raise InvalidIdentity(f"{field} must be 1-{limit} characters")
    if who.display_name is not None:
        problem = nickname_problem(who.display_name)
        if problem is not None:
            raise InvalidIdentity(f"display_name: {problem.value}")


def valid_key(value: int) -> bool:
    """Whether ``value`` can be a row id (callback data may carry any number of digits)."""
    return 0 < value <= MAX_KEY
