"""Dashboard users: who may log in, with which role, and their hashed secrets.

A user is a `manager` (sees and acts on the whole practice) or a `person` (bound to one person id,
sees and updates only that person's records). Passwords are hashed with argon2id; API tokens and
calendar-feed tokens are random, shown once, and stored only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, DateTime, Engine, String, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from nervecenter.core import clock
from nervecenter.core.errors import NerveCenterError
from nervecenter.store.db import Read
from nervecenter.store.orm import Base

ROLES = ("manager", "person")
NAME_LENGTH = 64
NAME = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._@-]{{0,{NAME_LENGTH - 1}}}$")
TOKEN_PREFIX = "nc_"
FEED_PREFIX = "ncf_"
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that a wrong name takes as long as a wrong
# password and the login form does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('manager', 'person')", name="role"),
        CheckConstraint("(role = 'person') = (person IS NOT NULL)", name="person_iff_role"),
    )

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    person: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RevokedSessionRow(Base):
    """A session ended by logout (its id's SHA-256), kept until the cookie would expire anyway."""

    __tablename__ = "revoked_sessions"

    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class User:
    name: str
    role: str  # manager | person
    person: str | None = None  # the person id a `person` user is bound to
    stamp: str = ""  # changes with the password: sessions made before a change end with it

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    def may_see(self, person_id: str | None) -> bool:
        """Managers see everyone; a person user sees only their own person."""
        return self.is_manager or (person_id is not None and person_id == self.person)


# the table's own columns, not the ORM class's: a select of those is compiled and read without the
# ORM's machinery (every request reads a user: a tenth of the CPU of a paged API call)
users_t = UserRow.__table__
revoked_t = RevokedSessionRow.__table__
_ONE = select(users_t.c.name, users_t.c.role, users_t.c.person, users_t.c.password_hash)
# every request reads its user: on the pool's DB-API connection directly (db.Read), each time
# from the database, so that a removed user, a new password or a logout counts at once in every
# process (a cache in the process would need a check in the database as dear as the read)
_BY_NAME = Read(_ONE.where(users_t.c.name == bindparam("name")))
_BY_TOKEN = Read(_ONE.where(users_t.c.token_hash == bindparam("hash")))
_BY_FEED_TOKEN = Read(_ONE.where(users_t.c.feed_token_hash == bindparam("hash")))
# a session's user and whether the session was ended (logout), in one read
_OF_SESSION = Read(select(
    *_ONE.selected_columns,
    select(revoked_t.c.session_hash).where(revoked_t.c.session_hash == bindparam("session"))
    .exists().label("ended")).where(users_t.c.name == bindparam("name")))


def _user(row: UserRow) -> User:
    return User(name=row.name, role=row.role, person=row.person,
                stamp=_digest(row.password_hash)[:16])


def _user_of(row: tuple | None) -> User | None:
    """The user of a row of `_ONE`'s columns (name, role, person, password hash)."""
    if row is None:
        return None
    name, role, person, password_hash = row[:4]
    return User(name=name, role=role, person=person, stamp=_digest(password_hash)[:16])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Users:
    """The users table behind one engine."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, role: str, password: str, person: str | None = None) -> User:
        if not NAME.match(name or ""):
            raise NerveCenterError(f"user name {name!r} is not valid: use up to 64 letters, "
                                   "digits and . _ @ - (starting with a letter or digit)")
        if role not in ROLES:
            raise NerveCenterError(f"role {role!r} is not valid: use manager or person")
        if role == "person" and not person:
            raise NerveCenterError(f"user {name}: a person user needs --person ID")
        if role == "manager" and person:
            raise NerveCenterError(f"user {name}: a manager is not bound to a person; "
                                   "leave out --person")
        if len(password) < MIN_PASSWORD:
            raise NerveCenterError(f"user {name}: the password is too short; "
                                   f"use at least {MIN_PASSWORD} characters")
        row = UserRow(name=name, role=role, person=person, password_hash=_hasher.hash(password),
                      created_at=clock.utcnow())
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
        except IntegrityError:
            raise NerveCenterError(f"user {name} exists already; choose another name") from None
        return User(name=name, role=role, person=person)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise NerveCenterError(f"user {name}: the password is too short; "
                                   f"use at least {MIN_PASSWORD} characters")
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name)
            if row is None:
                raise NerveCenterError(f"no user {name}; add one with `nervecenter users add`")
            row.password_hash = _hasher.hash(password)  # and with it every session's stamp
            row.token_hash = None  # a token made before the change would outlive it

    def revoke_token(self, name: str) -> None:
        """End `name`'s API token without making a new one."""
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name)
            if row is None:
                raise NerveCenterError(f"no user {name}; `nervecenter users list` shows them")
            row.token_hash = None

    def end_session(self, session_id: str, until: datetime) -> None:
        """Refuse the session `session_id` from now until `until` (when its cookie expires)."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(RevokedSessionRow).where(
                RevokedSessionRow.expires_at < clock.utcnow()))
            if s.get(RevokedSessionRow, _digest(session_id)) is None:
                s.add(RevokedSessionRow(session_hash=_digest(session_id), expires_at=until))

    def of_session(self, name: str, session_id: str) -> User | None:
        """The user of a browser session, unless the session was ended (logout) or the user
        removed; one read, every browser request (the password's stamp is the caller's)."""
        row = _OF_SESSION.first(self.engine, {"name": name, "session": _digest(session_id)})
        return None if row is None or row[4] else _user_of(row)

    def session_ended(self, session_id: str) -> bool:
        revoked = RevokedSessionRow.__table__.c.session_hash  # every browser request asks
        with self.engine.connect() as conn:
            return conn.execute(select(revoked).where(revoked == _digest(session_id))).first() \
                is not None

    def remove(self, name: str) -> None:
        """Remove a user: their sessions, API token and calendar links stop working at once."""
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name)
            if row is None:
                raise NerveCenterError(f"no user {name}; `nervecenter users list` shows them")
            s.delete(row)

    def get(self, name: str) -> User | None:
        return _user_of(_BY_NAME.first(self.engine, {"name": name}))

    def all(self) -> list[User]:
        with Session(self.engine) as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right; None otherwise (same time either way)."""
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name) if isinstance(name, str) else None
            try:
                _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None:
                return None
            user = _user(row)
            if _hasher.check_needs_rehash(row.password_hash):
                # a stronger hash of the same password: keep the sessions it has
                row.password_hash = _hasher.hash(password)
                user = _user(row)
            return user

    def new_token(self, name: str) -> str:
        """A fresh API token for `name` (replacing the old one); only its hash is kept."""
        return self._new_secret(name, "token_hash", TOKEN_PREFIX)

    def new_feed_token(self, name: str) -> str:
        """A fresh calendar-feed token for `name` (replacing the old one)."""
        return self._new_secret(name, "feed_token_hash", FEED_PREFIX)

    def by_token(self, token: str) -> User | None:
        return self._by_secret(token, _BY_TOKEN, TOKEN_PREFIX)

    def by_feed_token(self, token: str) -> User | None:
        return self._by_secret(token, _BY_FEED_TOKEN, FEED_PREFIX)

    def _new_secret(self, name: str, column: str, prefix: str) -> str:
        token = prefix + secrets.token_urlsafe(32)
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name)
            if row is None:
                raise NerveCenterError(f"no user {name}; add one with `nervecenter users add`")
            setattr(row, column, _digest(token))
        return token

    def _by_secret(self, token: str, read: Read, prefix: str) -> User | None:
        if not token or not token.startswith(prefix):
            return None
        return _user_of(read.first(self.engine, {"hash": _digest(token)}))
