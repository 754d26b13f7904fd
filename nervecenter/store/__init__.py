"""Storage: the SQLAlchemy tables and migrations, the store (snapshots at a date, history, the
audit log), user accounts and the one-daemon-per-database lock."""
