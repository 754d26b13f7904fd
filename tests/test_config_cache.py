"""The cache of validated configuration files (service/configcache.py): a practice loaded through
it is the practice loaded from the files, whatever happened to the files or to the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from kit.cli import run as run_cli
from kit.practice import copy_example, read_yaml, write_yaml

from nervecenter.core.config import load_practice
from nervecenter.core.errors import ConfigError
from nervecenter.service import configcache
from nervecenter.service.configcache import FILE, ConfigCache


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    root = copy_example(tmp_path / "cfg")
    (root / ".nervecenter").mkdir(exist_ok=True)
    return root


def cached_load(root: Path):
    """(practice, files given back by the cache) through a fresh cache, which is then saved."""
    cache = ConfigCache(root)
    practice = load_practice(root, cache=cache)
    cache.save()
    return practice, cache.hits


def test_a_cached_load_is_the_load_from_the_files(cfg):
    first, hits = cached_load(cfg)
    assert hits == 0 and (cfg / ".nervecenter" / FILE).is_file()
    again, hits = cached_load(cfg)
    assert hits > 0
    assert again == first == load_practice(cfg)


def test_a_changed_file_is_read_again_even_with_its_size_and_mtime_kept(cfg):
    cached_load(cfg)
    path = cfg / "facilities" / "tulane.yaml"
    st = path.stat()
    # the same size (a one-letter change) and the mtime put back: only the SHA-256 tells
    path.write_text(path.read_text().replace("Tulane", "Tulanf", 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    practice, _ = cached_load(cfg)
    assert practice == load_practice(cfg)
    assert "Tulanf" in practice.facilities["tulane"].name


def test_a_damaged_or_edited_cache_is_not_used(cfg):
    cached_load(cfg)
    cache_file = cfg / ".nervecenter" / FILE
    digest, body = cache_file.read_text().split("\n", 1)
    # an edit that keeps valid JSON: the checksum no longer matches, nothing is used
    cache_file.write_text(digest + "\n" + body.replace("tulane", "tulanx"))
    practice, hits = cached_load(cfg)
    assert hits == 0 and practice == load_practice(cfg)
    # cut short, empty, not text
    for text in (body[:100], "", "\x00\xff"):
        cache_file.write_text(text, errors="surrogateescape")
        assert cached_load(cfg)[0] == load_practice(cfg)


def test_an_entry_of_an_unknown_shape_is_read_from_its_file(cfg):
    import hashlib
    import json

    cached_load(cfg)
    cache_file = cfg / ".nervecenter" / FILE
    body = json.loads(cache_file.read_text().split("\n", 1)[1])
    for entry in body["files"].values():
        entry["data"] = ["?", "a tag no version writes"]
    text = json.dumps(body)
    cache_file.write_text(hashlib.sha256(text.encode()).hexdigest() + "\n" + text)
    practice, hits = cached_load(cfg)
    assert hits == 0 and practice == load_practice(cfg)


def test_a_file_with_problems_is_never_cached_and_keeps_its_messages(cfg):
    path = cfg / "facilities" / "tulane.yaml"
    data = read_yaml(path)
    data["requirements"][0]["enforcement"] = "sometimes"
    write_yaml(path, data)
    for _ in range(2):
        with pytest.raises(ConfigError) as plain:
            load_practice(cfg)
        with pytest.raises(ConfigError) as cached:
            load_practice(cfg, cache=ConfigCache(cfg))
        assert str(cached.value) == str(plain.value)
        assert "tulane.yaml" in str(plain.value)


def test_commands_save_the_cache_and_answer_the_same(cfg):
    code, before, err = run_cli("status", "--config", str(cfg), "--on", "2026-12-01",
                                "--format", "json")
    assert code == 0, err
    assert (cfg / ".nervecenter" / FILE).is_file()
    code, after, err = run_cli("status", "--config", str(cfg), "--on", "2026-12-01",
                               "--format", "json")
    assert code == 0 and after == before


def _count_reads(monkeypatch) -> list[str]:
    """The YAML files opened (by the cache or the loader) from now on."""
    import builtins

    reads: list[str] = []
    path_open, plain_open = Path.open, builtins.open

    def counted(opener):
        def open_(file, *args, **kwargs):
            if str(file).endswith(".yaml"):
                reads.append(Path(file).name)
            return opener(file, *args, **kwargs)
        return open_

    monkeypatch.setattr(Path, "open", counted(path_open))
    monkeypatch.setattr(builtins, "open", counted(plain_open))
    return reads


def test_a_cached_load_reads_no_file_whose_stat_is_unchanged(cfg, monkeypatch):
    monkeypatch.setattr(configcache, "RACY_NS", 0)  # as if every file were written long ago
    first, _ = cached_load(cfg)
    reads = _count_reads(monkeypatch)
    again, hits = cached_load(cfg)
    assert hits > 0 and reads == [] and again == first == load_practice(cfg)


def test_a_file_cached_within_a_timestamp_tick_of_its_change_is_hashed(cfg, monkeypatch):
    # freshly copied files: a same-size rewrite in the same tick could keep their stat
    first, _ = cached_load(cfg)
    reads = _count_reads(monkeypatch)
    again, hits = cached_load(cfg)
    assert hits > 0 and "tulane.yaml" in reads and again == first


def test_a_touched_file_is_hashed_and_given_back_when_its_bytes_are_the_same(cfg, monkeypatch):
    monkeypatch.setattr(configcache, "RACY_NS", 0)
    cached_load(cfg)
    path = cfg / "facilities" / "tulane.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    reads = _count_reads(monkeypatch)
    practice, hits = cached_load(cfg)
    assert reads == ["tulane.yaml"] and hits > 0 and practice == load_practice(cfg)
    reads.clear()  # its new stat was kept: not hashed again
    assert cached_load(cfg)[0] == practice and reads == []


def test_a_file_over_the_input_limit_of_this_run_is_refused_as_without_the_cache(cfg, monkeypatch):
    cached_load(cfg)
    monkeypatch.setenv("NERVECENTER_MAX_INPUT_MB", "0.001")  # 1 kB: tulane.yaml is larger
    with pytest.raises(ConfigError) as plain:
        load_practice(cfg)
    with pytest.raises(ConfigError) as cached:
        cached_load(cfg)
    assert str(cached.value) == str(plain.value) and "over the 0.001 MB limit" in str(plain.value)
