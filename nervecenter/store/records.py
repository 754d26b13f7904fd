"""What an import writes: one record read from a file, keyed by what it is."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(slots=True)  # a large import keeps one per row: no instance dict
class Record:
    """One thing read from a file: `kind` person|credential|ce|case, its natural `key`, values."""

    kind: str
    key: str
    data: dict
    file: str
    line: int

    @property
    def hash(self) -> str:
        text = json.dumps(self.data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()
