"""The CLI commands, one module per area; nervecenter/cli.py loads them lazily."""
