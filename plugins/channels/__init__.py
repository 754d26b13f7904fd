"""The built-in channel kinds: `apprise` (every Apprise URL) and `file` (JSON lines, local use)."""

from __future__ import annotations

from nervecenter.plugins.channels.apprise import AppriseChannel
from nervecenter.plugins.channels.file import FileChannel

from nervecenter import hookimpl

PLUGIN_NAME = "channels"


@hookimpl
def register_channels(register):
    register(FileChannel())
    register(AppriseChannel())
