"""The cache of the whole practice (service/practicecache.py): a load through it is the load from
the files, and whatever a load from the files would refuse, it refuses with the same words."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from kit.practice import copy_example, read_yaml, write_yaml

from nervecenter.core import config, limits
from nervecenter.core.config import load_practice
from nervecenter.core.errors import ConfigError
from nervecenter.service import configcache, practicecache


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(config.DATABASE_ENV, raising=False)
    monkeypatch.delenv(limits.INPUT_ENV, raising=False)
    monkeypatch.setattr(configcache, "RACY_NS", 0)  # as if every file were written long ago
    root = copy_example(tmp_path / "cfg")
    (root / ".nervecenter").mkdir(exist_ok=True)
    return root


def load(root):
    """(practice, whether it came whole from the cache) through the caches, then saved."""
    practice, cache = practicecache.load(root)
    cache.save()
    return practice, cache.settled


def same_as_files(root) -> None:
    """A load through the caches gives what the files give, or refuses with the same words."""
    try:
        plain = load_practice(root)
    except ConfigError as e:
        with pytest.raises(ConfigError) as cached:
            load(root)
        assert str(cached.value) == str(e)
        return
    practice, _ = load(root)
    assert practice == plain and repr(practice) == repr(plain)


def test_the_second_load_builds_nothing_from_the_files(cfg, monkeypatch):
    first, whole = load(cfg)
    assert not whole and first == load_practice(cfg)

    def refuse(*args, **kwargs):
        raise AssertionError("the practice was built again")

    monkeypatch.setattr(config, "load_practice", refuse)
    again, whole = load(cfg)
    assert whole and again == first and repr(again) == repr(first)
    # the digest of what was read is the one a load from the files gives (the real function)
    cache = configcache.ConfigCache(cfg)
    load_practice(cfg, cache=cache)
    assert practicecache.load(cfg)[1].digest() == cache.digest()


@pytest.mark.parametrize("change", ["mistake", "yml", "new facility", "removed facility",
                                    "source gone", "same size and mtime", "database variable",
                                    "input limit variable"])
def test_a_change_is_seen_as_a_load_from_the_files_sees_it(cfg, monkeypatch, change):
    load(cfg)
    assert load(cfg)[1]
    tulane = cfg / "facilities" / "tulane.yaml"
    if change == "mistake":
        data = read_yaml(tulane)
        data["requirements"][0]["enforcement"] = "sometimes"
        write_yaml(tulane, data)
    elif change == "yml":
        (cfg / "facilities" / "extra.yml").write_text(tulane.read_text())
    elif change == "new facility":
        (cfg / "facilities" / "tulane-2.yaml").write_text(
            tulane.read_text().replace("id: tulane", "id: tulane-2"))
    elif change == "removed facility":
        tulane.unlink()
    elif change == "source gone":
        (cfg / "cases.csv").unlink()
    elif change == "same size and mtime":
        st = tulane.stat()
        tulane.write_text(tulane.read_text().replace("Tulane", "Tulanf", 1))
        os.utime(tulane, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "database variable":
        monkeypatch.setenv(config.DATABASE_ENV, "sqlite:////elsewhere/state.db")
    else:
        monkeypatch.setenv(limits.INPUT_ENV, "3")
    same_as_files(cfg)


def test_the_directory_as_given_names_the_files(cfg, monkeypatch):
    load(cfg)
    monkeypatch.chdir(cfg.parent)
    practice, whole = load(Path(cfg.name))
    assert not whole and practice == load_practice(Path(cfg.name))
    assert str(practice.facilities["tulane"].location).startswith("cfg/facilities/tulane.yaml")


def test_a_damaged_or_edited_practice_file_is_not_used(cfg):
    load(cfg)
    path = cfg / ".nervecenter" / practicecache.FILE
    digest, body = path.read_text().split("\n", 1)
    path.write_text(digest + "\n" + body.replace("tulane", "tulanx"))
    practice, whole = load(cfg)
    assert not whole and practice == load_practice(cfg)
    # a checksum that matches, over a class no version writes
    kept = json.loads(path.read_text().split("\n", 1)[1])
    kept["practice"]["value"][1] = "RuleKind"
    text = json.dumps(kept)
    path.write_text(hashlib.sha256(text.encode()).hexdigest() + "\n" + text)
    practice, whole = load(cfg)
    assert not whole and practice == load_practice(cfg)


def test_requirements_from_the_cache_share_nothing_that_can_change(cfg):
    load(cfg)
    practice, whole = load(cfg)
    assert whole
    reqs = [r for f in practice.facilities.values() for r in f.requirements]
    reqs += [r for s in practice.states.values() for r in s.requirements]
    assert len(reqs) > 10
    for attr in ("when", "params", "location"):
        assert len({id(getattr(r, attr)) for r in reqs}) == len(reqs), attr
