"""Hostile inputs for the hardening tests and bench/hostile.py: workbooks that unpack to a sea
of whitespace, declare an entity bomb or an external entity, or stop mid-sheet; and `child`,
which runs the installed command and reports its peak memory as the kernel counted it."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from kit.cli import NERVECENTER

MB = 1024 * 1024


# Linux keeps a process's peak memory across exec, so a child forked from a large process (the
# test run) would report that process's size: a small Python forks and execs the command.
LAUNCHER = """import json, os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss,
                  usage.ru_utime + usage.ru_stime]))"""


def child(argv: list, cwd: Path, env: dict | None = None) -> dict:
    """`nervecenter ARGV` as a process: exit, stderr (its first line as `said`, or the last of
    a traceback), peak MB (ru_maxrss from wait4), wall and CPU seconds."""
    import json
    import sys

    started = time.perf_counter()
    full_env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
    with tempfile.TemporaryFile() as err:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, str(NERVECENTER), *map(str, argv)],
                              cwd=cwd, stdout=subprocess.PIPE, stderr=err, check=True,
                              env={**full_env, **(env or {})})
        err.seek(0)
        text = err.read().decode(errors="replace")
    code, peak_kb, cpu = json.loads(done.stdout)
    lines = text.splitlines() or [""]
    said = f"traceback: {lines[-1]}" if "Traceback" in text else lines[0]
    return {"exit": code, "stderr": text, "said": said[:160], "peak_mb": peak_kb / 1024,
            "wall_s": time.perf_counter() - started, "cpu_s": cpu}


def roster_xlsx(path: Path) -> Path:
    """A one-sheet roster workbook (sheet `Sheet`): a header and one valid row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["person", "name", "role", "type", "expires"])
    sheet.append(["t-one", "Tess One", "technologist", "bls", "2027-01-31"])
    book.save(path)
    return path


def rewrite_part(path: Path, part: str, write) -> None:
    """`path` again with `part` written by `write(old_bytes, out)` (deflated, streamed)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name != part:
                z.writestr(name, data)
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as out:
                write(data, out)


SHEET = "xl/worksheets/sheet1.xml"


def whitespace_xlsx(path: Path, megabytes: int) -> Path:
    """A roster workbook whose sheet holds `megabytes` of spaces after its first row (1.5 GB
    packs into 1.5 MB)."""
    roster_xlsx(path)

    def write(xml: bytes, out) -> None:
        head, tail = xml.split(b"</row>", 1)
        out.write(head + b"</row>")
        block = b" " * MB
        for _ in range(megabytes):
            out.write(block)
        out.write(tail)

    rewrite_part(path, SHEET, write)
    return path


# nine levels of ten: `&j;` is a billion `a`s
BILLION_LAUGHS = (b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
                  + b"".join(b'<!ENTITY %s "%s">' % (bytes([c]), b"&%s;" % bytes([c - 1]) * 10)
                             for c in range(ord("b"), ord("j") + 1)) + b"]>")
EXTERNAL = b'<!DOCTYPE worksheet [<!ENTITY j SYSTEM "file:///etc/passwd">]>'


def entity_xlsx(path: Path, external: bool = False) -> Path:
    """A roster workbook whose sheet declares a billion laughs (or an external entity naming
    /etc/passwd) and uses it as a person's name."""
    roster_xlsx(path)
    doctype = EXTERNAL if external else BILLION_LAUGHS
    rewrite_part(path, SHEET, lambda xml, out: out.write(
        doctype + xml.replace(b"<t>Tess One</t>", b"<t>&j;</t>", 1)))
    return path


def truncated_xlsx(path: Path) -> Path:
    """A roster workbook whose sheet stops in the middle of its second row (the zip is whole)."""
    roster_xlsx(path)
    rewrite_part(path, SHEET, lambda xml, out: out.write(xml[:xml.index(b"</row>") + 20]))
    return path


def damaged_xlsx(path: Path) -> Path:
    """A roster workbook whose sheet's packed bytes were changed on disk (its CRC fails)."""
    roster_xlsx(path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(SHEET)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle:middle + 8] = bytes(b ^ 0x55 for b in data[middle:middle + 8])
    path.write_bytes(bytes(data))
    return path


def spooled(folder: Path, pid: int | str = "self") -> int:
    """Bytes of the files in `folder`, and of those process `pid` holds open there: spooled
    uploads are unnamed (O_TMPFILE) files that no listing of the folder shows."""
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.exists() else ():
        try:
            if os.readlink(fd).startswith(f"{folder}/#"):
                total += fd.stat().st_size
        except OSError:
            pass  # closed meanwhile
    return total
