"""What an import writes: one record read from a file, keyed by what it is."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# json.dumps(data, sort_keys=True, default=str), without a new encoder for every record
_HASHED = json.JSONEncoder(sort_keys=True, default=str).encode


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
        return hashlib.sha256(_HASHED(self.data).encode()).hexdigest()
