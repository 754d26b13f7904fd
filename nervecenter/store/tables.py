"""The tables of people, credential versions, CE entries, cases, the audit log and import state.

Column names are the model's and the YAML's. Dates are `Date`; moments are ISO 8601 text with
their UTC offset (a case keeps its facility's local time and offset, which a `DateTime` column
would lose on SQLite). Lists and mappings (channels, documents, extra case fields, audit
before/after) are JSON.

SQLAlchemy Core tables, not ORM classes: every command reads them, and the ORM (imported by the
modules that use it: store/users.py, the alert ledger) would add a fifth of a second to each.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from nervecenter.store.db import METADATA

people = Table(
    "people", METADATA,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("home_state", String(10)),
    Column("email", String(200)),
    Column("phone", String(50)),
    Column("npi", String(10)),
    Column("notify", JSON, default=list, nullable=False),  # [{"url": ..., "stages": [...]|null}]
    Column("left", String(10)),  # ISO date they left the practice
)


# One version of a credential; `credential_id` is `person:type[:scope]` (model.credential_id).
#
# `valid_from` is the first day this version is the one in force: its issue date when the
# version brought a new one, else the day it was recorded (see Store.snapshot).
credentials = Table(
    "credentials", METADATA,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("credential_id", String(250), nullable=False),
    Column("person", ForeignKey("people.id"), index=True, nullable=False),
    Column("type", String(100), nullable=False),
    Column("scope", String(100)),
    Column("version", Integer, nullable=False),
    Column("number", String(100)),
    Column("issuer", String(200)),
    Column("issued", Date),
    Column("expires", Date, nullable=False),
    Column("status", String(30), default="active", nullable=False),
    Column("verified_on", Date),
    Column("verified_by", String(100)),
    Column("verified_method", String(200)),
    Column("documents", JSON, default=list, nullable=False),  # [{"path": ..., "sha256": ...}]
    Column("valid_from", Date, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    UniqueConstraint("credential_id", "version"),
)


# A continuing-education entry; natural key (person, credential, date, category, provider).
ce_entries = Table(
    "ce_entries", METADATA,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("person", ForeignKey("people.id"), index=True, nullable=False),
    Column("credential", String(100), nullable=False),  # the credential type the hours count toward
    Column("date", Date, nullable=False),
    Column("hours", Float, nullable=False),
    Column("category", String(100), default="", nullable=False),
    Column("provider", String(200), default="", nullable=False),
    UniqueConstraint("person", "credential", "date", "category", "provider"),
)


cases = Table(
    "cases", METADATA,
    Column("id", String(100), primary_key=True),
    Column("facility", String(100), index=True, nullable=False),
    Column("start", String(40), nullable=False),  # ISO 8601 with the facility's offset
    Column("end", String(40)),
    Column("procedure", String(200)),
    Column("technologist", ForeignKey("people.id"), index=True),
    Column("reader", ForeignKey("people.id"), index=True),
    Column("fields", JSON, default=dict, nullable=False),
)


# One exclusion screening: which list files were read, when, and what was found.
screenings = Table(
    "screenings", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("on", Date, nullable=False),  # the day screened (renews everyone's screening)
    Column("files", JSON, nullable=False),  # [{"list", "name", "sha256", "rows"}]
    Column("people", Integer, nullable=False),  # people screened
    Column("matches", Integer, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_by", String(200), nullable=False),
)


# A person found on an exclusion list. `decision`: confirmed (an NPI match, or a manager
# confirmed a name match), possible (a name-only match awaiting a manager), dismissed.
exclusion_matches = Table(
    "exclusion_matches", METADATA,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("screening", ForeignKey("screenings.id"), index=True, nullable=False),
    Column("person", ForeignKey("people.id"), index=True, nullable=False),
    Column("list", String(10), nullable=False),  # LEIE | SAM
    Column("matched_by", String(10), nullable=False),  # npi | name
    Column("decision", String(20), nullable=False),
    Column("kind", String(50)),  # the list's exclusion type (1128b4)
    Column("since", Date, nullable=False),
    Column("until", Date),  # reinstated from this day
    Column("row", Integer, nullable=False),  # the file's row, for the manager to look at
    Column("entry", JSON, nullable=False),  # the list's row as read
    Column("decided_by", String(200)),
    Column("decided_at", String(40)),
)


# Append-only: one row per change to a person, credential, CE entry or case.
audit_log = Table(
    "audit_log", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),  # ISO 8601, UTC
    Column("actor", String(200), nullable=False),  # import:<file> | cli:<user> | web:<user>
    Column("entity", String(20), nullable=False),  # person | credential | ce | case
    Column("key", String(300), nullable=False),
    Column("action", String(20), nullable=False),  # add | change | renew | remove
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_log_entity_key", "entity", "key"),
)


# What a source file looked like when last imported, to skip an unchanged file cheaply.
import_files = Table(
    "import_files", METADATA,
    Column("source", String(500), primary_key=True),  # absolute path
    Column("mtime_ns", BigInteger, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", String(40), nullable=False),
    # the configuration it was read with (importer.reading_key): a change reads it again
    Column("config_sha256", String(64)),
)


# The hash of each row a source file gave at its last import, by the row's natural key.
import_rows = Table(
    "import_rows", METADATA,
    Column("source", String(500), primary_key=True),
    Column("key", String(300), primary_key=True),  # e.g. credential:t-price:bls
    Column("hash", String(64), nullable=False),
)


# A `sources:` file that failed to import: the practice goes on with what it last gave.
#
# `since` starts the episode (the file went bad); `problem` is the first problem now, so a
# changed problem and the fix can each be told once.
source_problems = Table(
    "source_problems", METADATA,
    Column("source", String(500), primary_key=True),  # absolute path
    Column("file", String(500), nullable=False),  # as the practice names it
    Column("problem", String(2000), nullable=False),
    Column("since", String(40), nullable=False),
)


__all__ = ["audit_log", "cases", "ce_entries", "credentials", "exclusion_matches", "import_files",
           "import_rows", "people", "screenings", "source_problems"]
