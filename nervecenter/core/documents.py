"""Where a credential's documents may be: inside the practice's documents folder (`documents:` in
practice.yaml, default `documents/`), never through `..`, an absolute path or a symlink elsewhere,
and never under `.nervecenter/`, where the database and the web's signing key live.

One check, used where a path enters (the roster, `renew --document`, uploads) and again where a
file is served, so that a path recorded before a rule changed is not served either.
"""

from __future__ import annotations

from pathlib import Path

PRIVATE = ".nervecenter"  # the practice's state: database, session key, outbox


def confine(config_dir: Path, documents_dir: Path, recorded: str) -> Path:
    """The file `recorded` names (relative to the configuration directory, or absolute), resolved
    through symlinks; ValueError saying where documents belong when it is outside the folder."""
    root = Path(documents_dir).resolve()
    path = Path(recorded)
    full = (path if path.is_absolute() else Path(config_dir) / path).resolve()
    if PRIVATE in path.parts or PRIVATE in full.parts or not full.is_relative_to(root):
        raise ValueError(f"{recorded} is outside the documents folder {_shown(config_dir, root)}/; "
                         "move the file there and name it by its path in that folder")
    return full


def _shown(config_dir: Path, root: Path) -> str:
    try:
        return root.relative_to(Path(config_dir).resolve()).as_posix()
    except ValueError:
        return str(root)
