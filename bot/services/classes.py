"""Teachers and classes: invite codes, creating and closing classes, students joining and leaving.

Roles are checked here, not only in the adapters: admins come from configuration, teachers only
through a one-time invite, and a teacher reaches only the classes they own. A class that is not
the teacher's is reported exactly like one that does not exist.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.engine.periods import CLASS_NAME_MAX, ROSTER_MAX, clean_code, clean_name, name_ok, new_code
from bot.services.common import Identity, ensure_user, utc_now
from bot.services.errors import (
    ChooseClass,
    ClassClosed,
    ClassNameTaken,
    ClassNotFound,
    InvalidCode,
    NameRejected,
    NotAllowed,
    TooManyAttempts,
)
from db import repo
from db.models import SchoolClass, User
from db.session import read_scope, session_scope

INVITE_VALID = timedelta(days=7)
GUESS_WINDOW = timedelta(hours=1)
MAX_WRONG_CODES = 5  # the sixth guess within an hour is refused


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """A class as its teacher sees it in a list."""

    name: str
    code: str
    members: int
    open: bool


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    """What ``join`` did: ``joined`` (ask the roster name), ``already`` (same class), or ``confirm``."""

    status: str
    class_name: str
    current_class: str | None = None  # with ``confirm``: the class the student would leave
    code: str = ""  # the class's join code (for the confirm button)


def resolve_class(session: Session, who: Identity | None, ref: str | None) -> SchoolClass:
    """The class ``ref`` (its code, or its name among the teacher's classes) that ``who`` may see.

    ``who`` None is the command line, which names a class by its code.

    Raises:
        NotAllowed: ``who`` is not a teacher.
        ClassNotFound: no such class of theirs (the same answer whether it exists or not).
        ChooseClass: no ``ref`` and the teacher has several classes (it lists their names).
    """
    if who is None:
        found = repo.class_by_code(session, code=clean_code(ref or ""))
        if found is None:
            raise ClassNotFound(ref or "")
        return found
    user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
    if user is None or not repo.is_teacher(session, user_id=user.id):
        raise NotAllowed("teacher")
    classes = [cls for cls, _ in repo.teacher_classes(session, teacher_id=user.id)]
    if ref is None or not ref.strip():
        if len(classes) == 1:
            return classes[0]
        if not classes:
            raise ClassNotFound("")
        raise ChooseClass([c.name for c in classes])
    code, name = clean_code(ref), clean_name(ref)
    for cls in classes:
        if cls.code == code or cls.name == name:
            return cls
    raise ClassNotFound(ref)


class ClassService:
    """Teacher and class use cases; every method is one unit of work.

    Args:
        engine: The database engine.
        admins: Telegram user ids from ``JINDU_ADMIN_IDS``.
        clock: Returns the current aware time.
        rng: Randomness for pseudonyms.
        codes: Randomness for invite and join codes (``random.SystemRandom`` unless a test seeds it).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        admins: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        codes: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.admins = admins
        self.clock = clock
        self.rng = rng or random.Random()
        self.codes = codes or random.SystemRandom()

    # -- teachers ----------------------------------------------------------------------------

    def is_admin(self, who: Identity) -> bool:
        """Whether ``who`` is an admin from the configuration."""
        return who.channel == "telegram" and who.external_id.isdigit() and int(who.external_id) in self.admins

    def create_invites(self, who: Identity | None, count: int = 1) -> list[str]:
        """New one-time teacher invite codes, valid for 7 days (``who`` None: the command line).

        Raises:
            NotAllowed: ``who`` is not an admin.
        """
        if who is not None and not self.is_admin(who):
            raise NotAllowed("admin")
        if not 1 <= count <= 100:
            raise ValueError("count must be 1-100")
        now = self.clock()
        codes = sorted({new_code(self.codes, 10) for _ in range(count * 2)})[:count]
        with session_scope(self.engine) as session:
            repo.add_invites(session, codes=codes, now=now, expires_at=now + INVITE_VALID)
        return codes

    def become_teacher(self, who: Identity, raw_code: str) -> None:
        """Redeem a teacher invite.

        Raises:
            InvalidCode: wrong, used or expired (one answer for all three).
            TooManyAttempts: more than five wrong codes in the last hour.
        """
        with session_scope(self.engine) as session:
            user = self._guarded_user(session, who)
            if not repo.redeem_invite(session, code=clean_code(raw_code), user_id=user.id, now=self.clock()):
                self._wrong_code(session, user)

    def is_teacher(self, who: Identity) -> bool:
        """Whether ``who`` is a teacher."""
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            return user is not None and repo.is_teacher(session, user_id=user.id)

    # -- classes -----------------------------------------------------------------------------

    def new_class(self, who: Identity, raw_name: str) -> ClassInfo:
        """Create a class with a fresh join code.

        Raises:
            NotAllowed: not a teacher. NameRejected: the name is empty, too long or has control characters.
            ClassNameTaken: the teacher has a class of that name.
        """
        name = clean_name(raw_name)
        if not name_ok(name, CLASS_NAME_MAX):
            raise NameRejected(CLASS_NAME_MAX)
        with session_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None or not repo.is_teacher(session, user_id=user.id):
                raise NotAllowed("teacher")
            if any(cls.name == name for cls, _ in repo.teacher_classes(session, teacher_id=user.id)):
                raise ClassNameTaken(name)
            created = None
            while created is None:  # a taken code (1 in 25^8 per class) just draws again
                created = repo.create_class(
                    session, teacher_id=user.id, name=name, code=new_code(self.codes), now=self.clock()
                )
            return ClassInfo(created.name, created.code, 0, True)

    def my_classes(self, who: Identity) -> list[ClassInfo]:
        """The teacher's classes with member counts and codes.

        Raises:
            NotAllowed: not a teacher.
        """
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None or not repo.is_teacher(session, user_id=user.id):
                raise NotAllowed("teacher")
            return [ClassInfo(c.name, c.code, n, c.open) for c, n in repo.teacher_classes(session, teacher_id=user.id)]

    def set_open(self, who: Identity, ref: str | None, *, open_: bool) -> ClassInfo:
        """Close a class to new members (existing ones stay), or open it again.

        Raises:
            NotAllowed, ClassNotFound, ChooseClass.
        """
        with session_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            repo.set_class_open(session, class_id=cls.id, open_=open_)
            return ClassInfo(cls.name, cls.code, 0, open_)

    # -- students ----------------------------------------------------------------------------

    def join(self, who: Identity, raw_code: str, *, switch: bool = False) -> JoinOutcome:
        """Join the class with ``raw_code``; a student in another class is asked first (``switch`` confirms).

        Raises:
            InvalidCode, TooManyAttempts, ClassClosed.
        """
        with session_scope(self.engine) as session:
            user = self._guarded_user(session, who)
            cls = repo.class_by_code(session, code=clean_code(raw_code))
            if cls is None:
                self._wrong_code(session, user)
            now = self.clock()
            current = repo.get_membership(session, user_id=user.id)
            if current is not None and current[1].id == cls.id:
                return JoinOutcome("already", cls.name)
            if not cls.open:
                raise ClassClosed(cls.name)
            if current is None:
                if repo.join_class(session, user_id=user.id, class_id=cls.id, now=now):
                    return JoinOutcome("joined", cls.name)
                current = repo.get_membership(session, user_id=user.id)  # joined elsewhere a moment ago
            if not switch:
                return JoinOutcome("confirm", cls.name, current[1].name, cls.code)
            repo.move_to_class(session, user_id=user.id, class_id=cls.id, now=now)
            return JoinOutcome("joined", cls.name)

    def awaiting_roster_name(self, who: Identity) -> str | None:
        """The class whose roster name the student still has to give, if any."""
        with read_scope(self.engine) as session:
            found = self._membership(session, who)
            return found[1].name if found and found[0].roster_name is None else None

    def give_roster_name(self, who: Identity, raw: str) -> str:
        """Store (or correct) the roster name (姓名) the class's teachers see; returns the class name.

        Raises:
            NameRejected: empty, over 20 characters, or with control characters.
            ClassNotFound: the student is in no class.
        """
        name = clean_name(raw)
        if not name_ok(name, ROSTER_MAX):
            raise NameRejected(ROSTER_MAX)
        with session_scope(self.engine) as session:
            found = self._membership(session, who)
            if found is None:
                raise ClassNotFound("")
            repo.set_roster_name(session, user_id=found[0].user_id, name=name)
            return found[1].name

    def leave(self, who: Identity) -> str | None:
        """Leave the class; returns its name, or None when the student was in none."""
        with session_scope(self.engine) as session:
            found = self._membership(session, who)
            if found is None:
                return None
            repo.leave_class(session, user_id=found[0].user_id)
            return found[1].name

    # -- helpers -----------------------------------------------------------------------------

    def _membership(self, session: Session, who: Identity):
        user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
        return repo.get_membership(session, user_id=user.id) if user else None

    def _guarded_user(self, session: Session, who: Identity) -> User:
        user, _ = ensure_user(session, who, now=self.clock(), rng=self.rng)
        repo.lock_user(session, user_id=user.id)  # one guess at a time per user, across processes too
        if repo.codes_locked(session, user_id=user.id, now=self.clock(), window=GUESS_WINDOW, limit=MAX_WRONG_CODES):
            raise TooManyAttempts("wrong codes")
        return user

    def _wrong_code(self, session: Session, user: User) -> None:
        """Remember the wrong guess (kept although the request fails) and refuse."""
        repo.add_wrong_code(session, user_id=user.id, now=self.clock())
        session.commit()
        raise InvalidCode("")
