"""What an import writes: one record read from a file, keyed by what it is; the JSON text of
its values, as the standard library writes it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from json import encoder as _json


def _encoder(sort_keys: bool, default):
    """`json.dumps(value, sort_keys=sort_keys, default=default, check_circular=False)`.

    json.dumps makes a new C encoder for every call, about half of its time for a record's
    few values; this one is made once. Without the C encoder, json.dumps itself."""
    if _json.c_make_encoder is None:
        return lambda value: json.dumps(value, sort_keys=sort_keys, default=default,
                                        check_circular=False)
    encode = _json.c_make_encoder(None, default or json.JSONEncoder().default,
                                  _json.encode_basestring_ascii, None, ": ", ", ", sort_keys,
                                  False, True)
    return lambda value: "".join(encode(value, 0))


json_text = _encoder(False, None)  # json.dumps(value): what SQLAlchemy's JSON type writes
_HASHED = _encoder(True, str)  # json.dumps(data, sort_keys=True, default=str)


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
