"""The `file` channel kind: one JSON line per message, for local use and tests."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

from nervecenter import ChannelKind, DeliveryError
from nervecenter.core import clock


class FileChannel(ChannelKind):
    """`file://path.jsonl`: appends one JSON line per message (relative to the config dir)."""

    id = "file"
    schemes = ("file",)
    # one lock per file (its device and inode, however its path is written): messages to
    # different files are written and synced at once, lines to one file never interleave
    _locks: ClassVar[dict[tuple[int, int], threading.Lock]] = {}
    _locks_lock = threading.Lock()

    def privacy(self, url: str) -> str:
        """A local file's path holds no secret: shown as written."""
        return url

    def resolve(self, url: str, base_dir: Path) -> str:
        path = Path(unquote(url.split("://", 1)[1]))
        return "file://" + str(path if path.is_absolute() else base_dir / path)

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        path = Path(unquote(url.split("://", 1)[1]))
        line = json.dumps({"sent_at": clock.utcnow().isoformat(timespec="seconds"),
                           "title": title, "body": body}, ensure_ascii=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                st = os.fstat(f.fileno())
                with self._locks_lock:
                    lock = self._locks.setdefault((st.st_dev, st.st_ino), threading.Lock())
                with lock:
                    f.write(line + "\n")
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as e:
            raise DeliveryError(f"file channel {path}: {e.strerror}") from None
