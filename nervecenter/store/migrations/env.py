"""Alembic's environment, driven from code (see nervecenter.store.migrations): no alembic.ini."""

from alembic import context

from nervecenter.store.db import METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
