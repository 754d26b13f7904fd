"""The declarative base of the tables declared as ORM classes (the web's users and sessions, the
failed logins), on the one `db.METADATA`. Only what uses the ORM imports it:
sqlalchemy.orm takes a tenth of a second or more to import."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from nervecenter.store.db import METADATA


class Base(DeclarativeBase):
    metadata = METADATA
