"""Failed logins, counted in the database: every worker of `serve --workers N` shares the count,
nothing grows in a process's memory, and parallel tries cannot race past the limit.

In any WINDOW (15 minutes), counting tries that did not succeed:
  - a (client address, user name) pair may fail PAIR_LIMIT times; then that pair waits;
  - one address may fail ADDRESS_LIMIT times over all names (one address spraying names);
  - one user name may fail USER_LIMIT times from all addresses together (one password guessed
    from many addresses); only then does the name wait everywhere, so a lock-out from one
    address does not reach the same user at another.
A try is counted before its password is checked, in one transaction with the counts and under
a lock, and forgotten when it succeeds: 60 parallel wrong passwords check at most PAIR_LIMIT.
Rows hold 32-character hashes of the address, the normalised name and the pair, never the name
itself; rows older than the window are deleted as tries come.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, Float, Integer, String, delete, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from nervecenter.core import clock
from nervecenter.store.db import begin_write
from nervecenter.store.orm import Base

WINDOW = 15 * 60
PAIR_LIMIT, ADDRESS_LIMIT, USER_LIMIT = 5, 50, 100


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pair: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(32), index=True)
    user: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


T = LoginFailureRow.__table__


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _keys(address: str, name: str) -> dict[str, str]:
    user = name.strip().casefold()
    return {"pair": _hash(address, user), "address": _hash(address), "user": _hash("", user)}


class LoginThrottle:
    """The login_failures table behind one engine."""

    def __init__(self, engine: Engine, now=None):
        self.engine = engine
        self.now = now or (lambda: clock.utcnow().timestamp())

    def begin(self, address: str, name: str) -> int:
        """Count a try of `name` from `address`: 0 when it may go on (the try is counted as a
        failure until `succeeded`), else the seconds to wait (nothing counted)."""
        keys, now = _keys(address, name), self.now()
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE"))
            else:
                begin_write(conn)
            conn.execute(delete(T).where(T.c.at <= now - WINDOW))
            for column, limit in (("pair", PAIR_LIMIT), ("address", ADDRESS_LIMIT),
                                  ("user", USER_LIMIT)):
                count, oldest = conn.execute(select(func.count(), func.min(T.c.at))
                                             .where(T.c[column] == keys[column])).one()
                if count >= limit:
                    return int(oldest + WINDOW - now) + 1
            conn.execute(insert(T).values(**keys, at=now))
        return 0

    def succeeded(self, address: str, name: str) -> None:
        """The password was right: forget the pair's failures (the try `begin` counted too)."""
        with self.engine.begin() as conn:
            conn.execute(delete(T).where(T.c.pair == _keys(address, name)["pair"]))

    def rows(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(T)).scalar_one()
