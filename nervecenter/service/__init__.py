"""The running service: the workspace (load, sync, the one evaluation), the actions the CLI and
the web share, one run, and the daemon."""
