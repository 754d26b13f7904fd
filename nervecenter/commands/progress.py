"""A one-line progress display for the long steps of a command, on a terminal only.

    with Progress() as progress:
        progress("reading people.yaml (8.8 MB)")   # the step that starts now

On a terminal (stderr), the line shows the step and the seconds spent so far, redrawn twice a
second, and is erased when the work ends, so that what the command prints stays as it was. When
stderr is not a terminal (a pipe, a log, cron), nothing is written.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Self


class Progress:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self._step = ""
        self._start = time.monotonic()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    def __call__(self, step: str) -> None:
        if not self.shown:
            return
        with self._lock:
            self._step = step
        self._draw()
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, daemon=True,
                                            name="nervecenter-progress")
            self._ticker.start()

    def _draw(self) -> None:
        with self._lock:
            self.stream.write(f"\r\x1b[K{time.monotonic() - self._start:5.1f} s  {self._step}")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._done.wait(0.5):
            self._draw()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._ticker is not None:
            self._ticker.join()
            with self._lock:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
