"""The tables of people, credential versions, CE entries, cases, the audit log and import state.

Column names are the model's and the YAML's. Dates are `Date`; moments are ISO 8601 text with
their UTC offset (a case keeps its facility's local time and offset, which a `DateTime` column
would lose on SQLite). Lists and mappings (channels, documents, extra case fields, audit
before/after) are JSON.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nervecenter.store.db import Base


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    home_state: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    npi: Mapped[str | None] = mapped_column(String(10))
    notify: Mapped[list] = mapped_column(JSON, default=list)  # [{"url": ..., "stages": [...]|null}]
    left: Mapped[str | None] = mapped_column(String(10))  # ISO date they left the practice


class CredentialRow(Base):
    """One version of a credential; `credential_id` is `person:type[:scope]` (model.credential_id).

    `valid_from` is the first day this version is the one in force: its issue date when the
    version brought a new one, else the day it was recorded (see Store.snapshot).
    """

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("credential_id", "version"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(String(250))
    person: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    type: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30), default="active")
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_method: Mapped[str | None] = mapped_column(String(200))
    documents: Mapped[list] = mapped_column(JSON, default=list)  # [{"path": ..., "sha256": ...}]
    valid_from: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(200))


class CEEntryRow(Base):
    """A continuing-education entry; natural key (person, credential, date, category, provider)."""

    __tablename__ = "ce_entries"
    __table_args__ = (UniqueConstraint("person", "credential", "date", "category", "provider"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    credential: Mapped[str] = mapped_column(String(100))  # the credential type the hours count toward
    date: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(100), default="")
    provider: Mapped[str] = mapped_column(String(200), default="")


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    facility: Mapped[str] = mapped_column(String(100), index=True)
    start: Mapped[str] = mapped_column(String(40))  # ISO 8601 with the facility's offset
    end: Mapped[str | None] = mapped_column(String(40))
    procedure: Mapped[str | None] = mapped_column(String(200))
    technologist: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    reader: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


class ScreeningRow(Base):
    """One exclusion screening: which list files were read, when, and what was found."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    on: Mapped[date] = mapped_column(Date)  # the day screened (renews everyone's screening)
    files: Mapped[list] = mapped_column(JSON)  # [{"list", "name", "sha256", "rows"}]
    people: Mapped[int] = mapped_column(Integer)  # people screened
    matches: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(200))


class ExclusionMatchRow(Base):
    """A person found on an exclusion list. `decision`: confirmed (an NPI match, or a manager
    confirmed a name match), possible (a name-only match awaiting a manager), dismissed."""

    __tablename__ = "exclusion_matches"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    screening: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    person: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    list: Mapped[str] = mapped_column(String(10))  # LEIE | SAM
    matched_by: Mapped[str] = mapped_column(String(10))  # npi | name
    decision: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(50))  # the list's exclusion type (1128b4)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # reinstated from this day
    row: Mapped[int] = mapped_column(Integer)  # the file's row, for the manager to look at
    entry: Mapped[dict] = mapped_column(JSON)  # the list's row as read
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[str | None] = mapped_column(String(40))


class AuditRow(Base):
    """Append-only: one row per change to a person, credential, CE entry or case."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_key", "entity", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601, UTC
    actor: Mapped[str] = mapped_column(String(200))  # import:<file> | cli:<user> | web:<user>
    entity: Mapped[str] = mapped_column(String(20))  # person | credential | ce | case
    key: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))  # add | change | renew | remove
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ImportFileRow(Base):
    """What a source file looked like when last imported, to skip an unchanged file cheaply."""

    __tablename__ = "import_files"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)  # absolute path
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[str] = mapped_column(String(40))
    # the configuration it was read with (importer.reading_key): a change reads it again
    config_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ImportRowState(Base):
    """The hash of each row a source file gave at its last import, by the row's natural key."""

    __tablename__ = "import_rows"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # e.g. credential:t-price:bls
    hash: Mapped[str] = mapped_column(String(64))


class SourceProblemRow(Base):
    """A `sources:` file that failed to import: the practice goes on with what it last gave.

    `since` starts the episode (the file went bad); `problem` is the first problem now, so a
    changed problem and the fix can each be told once."""

    __tablename__ = "source_problems"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)  # absolute path
    file: Mapped[str] = mapped_column(String(500))  # as the practice names it
    problem: Mapped[str] = mapped_column(String(2000))
    since: Mapped[str] = mapped_column(String(40))


__all__ = [
    "AuditRow",
    "CEEntryRow",
    "CaseRow",
    "CredentialRow",
    "ExclusionMatchRow",
    "ImportFileRow",
    "ImportRowState",
    "PersonRow",
    "ScreeningRow",
    "SourceProblemRow",
]
