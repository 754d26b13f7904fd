"""Alembic revisions, one file each, chained by `down_revision` (0001 storage, 0002 alerts, ...)."""
