"""Account use cases: registration, grade band, nickname, blocking, and forgetting a user."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.engine.model import Grade
from bot.engine.names import clean_nickname, nickname_problem
from bot.services.common import Identity, ensure_user, utc_now
from bot.services.errors import NicknameRejected
from bot.services.views import Profile
from db import repo
from db.models import User
from db.session import session_scope

MAX_PAYLOAD = 64


class AccountService:
    """Who the users are; every method is one unit of work."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = utc_now, rng: random.Random | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.rng = rng or random.Random()

    def start(self, who: Identity, *, payload: str | None = None) -> Profile:
        """Register a user (or welcome them back, unblocked) and keep a start payload for later."""
        with session_scope(self.engine) as session:
            user, is_new = self._get_or_create(session, who)
            if payload:
                user.start_payload = payload[:MAX_PAYLOAD]
            user.blocked = False
            session.add(user)
            return _profile(user, is_new=is_new)

    def profile(self, who: Identity) -> Profile:
        """The user's profile (created on first use)."""
        with session_scope(self.engine) as session:
            user, is_new = self._get_or_create(session, who)
            return _profile(user, is_new=is_new)

    def set_grade(self, who: Identity, grade: Grade) -> Profile:
        """Store the grade band the user picked."""
        with session_scope(self.engine) as session:
            user, _ = self._get_or_create(session, who)
            user.grade = grade.value
            session.add(user)
            return _profile(user)

    def set_nickname(self, who: Identity, raw: str) -> Profile:
        """Set the public nickname shown on leaderboards.

        Raises:
            NicknameRejected: with the rule it breaks (length, link, @mention, control characters).
        """
        name = clean_nickname(raw)
        problem = nickname_problem(name)
        if problem is not None:
            raise NicknameRejected(problem)
        with session_scope(self.engine) as session:
            user, _ = self._get_or_create(session, who)
            user.nickname = name
            session.add(user)
            return _profile(user)

    def set_blocked(self, who: Identity, *, blocked: bool) -> bool:
        """Record that the user blocked (or unblocked) the bot; False when the user is unknown."""
        with session_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None:
                return False
            repo.set_blocked(session, user=user, blocked=blocked)
            return True

    def forget(self, who: Identity) -> bool:
        """Delete everything stored about the user; False when nothing was stored."""
        with session_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None:
                return False
            repo.delete_user(session, user_id=user.id)
            return True

    def _get_or_create(self, session: Session, who: Identity) -> tuple[User, bool]:
        return ensure_user(session, who, now=self.clock(), rng=self.rng)


def _profile(user: User, *, is_new: bool = False) -> Profile:
    grade = Grade(user.grade) if user.grade else None
    return Profile(nickname=user.nickname, grade=grade, is_new=is_new, blocked=user.blocked)
