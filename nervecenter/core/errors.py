"""Errors a user can cause, each naming where and how to fix it.

    NerveCenterError            any error we report as a one-line message, never a traceback
      ConfigError               one or more problems (FileProblem) in configuration or input files
      DatabaseError             the database cannot be reached or is at the wrong revision
        DiskFull                a write refused for want of space
      PluginError               a plugin failed to load
      DeliveryError             a channel did not accept a message (raised by channel plugins)
"""

from __future__ import annotations

from dataclasses import dataclass

# Characters str.splitlines() breaks on: a value quoted in a message must not split its line.
_LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode() for c in
                "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


@dataclass(frozen=True, order=True)
class FileProblem:
    """One problem in one file: rendered `file:line: message` (line 0 = the whole file)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"
        return text.translate(_LINE_BREAKS)


class NerveCenterError(Exception):
    """An error reported to the user as a message, without a traceback."""


class ConfigError(NerveCenterError):
    """Problems found in files; nothing was loaded or written."""

    def __init__(self, problems: list[FileProblem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DatabaseError(NerveCenterError):
    """The database cannot be reached, or its schema is not the one this version expects."""


class DiskFull(DatabaseError):
    """A write refused for want of space (SQLite's, or a file's): nothing was half-written."""

    def __init__(self, path: str | None):
        super().__init__(f"the disk holding {path or 'the database'} is full: free space and run "
                         "again; nothing was lost")


class PluginError(NerveCenterError):
    """A plugin failed to load; the message names the plugin and the reason."""


class DeliveryError(NerveCenterError):
    """A channel did not accept a message; the text is safe to show (no secrets).

    `permanent` means retrying cannot help (a URL no channel understands): the outbox fails the
    delivery at once instead of retrying it."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent
