"""Sign-in without passwords for the teacher's web page: one-time links from the bot or the command line."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.services.common import Identity, utc_now
from bot.services.errors import LinkInvalid, NotAllowed
from db import repo
from db.session import session_scope

LINK_VALID = timedelta(minutes=10)
SECRET_KEY = "web_session_secret"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebLoginService:
    """One-time sign-in links for teachers; the session secret kept in the database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def create_link_token(self, who: Identity) -> str:
        """A token for a one-time sign-in link of a teacher, valid 10 minutes (only its hash is stored).

        Raises:
            NotAllowed: ``who`` is not a teacher.
        """
        token = secrets.token_urlsafe(24)
        with session_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None or not repo.is_teacher(session, user_id=user.id):
                raise NotAllowed("teacher")
            repo.add_web_login(session, token_hash=_hash(token), user_id=user.id, expires_at=self.clock() + LINK_VALID)
        return token

    def sign_in(self, token: str) -> Identity:
        """Use a link: the teacher it was made for.

        Raises:
            LinkInvalid: unknown, used or expired (one answer for all three).
        """
        if not 16 <= len(token) <= 64:
            raise LinkInvalid("")
        with session_scope(self.engine) as session:
            user_id = repo.use_web_login(session, token_hash=_hash(token), now=self.clock())
            user = repo.get_user(session, user_id=user_id) if user_id is not None else None
            if user is None or not repo.is_teacher(session, user_id=user.id):
                raise LinkInvalid("")
            return Identity(user.channel, user.external_id)

    def session_secret(self) -> str:
        """The key that signs session cookies, made once and kept in the database (sessions survive restarts)."""
        with session_scope(self.engine) as session:
            return repo.set_meta_once(session, key=SECRET_KEY, value=secrets.token_urlsafe(48))
