"""Hostile inputs, measured: the peak memory and the time of what an attacker (or a bad day)
hands NerveCenter. Figures for docs/reliability.md and issue 13; nothing here asserts a time.

    python bench/hostile.py                              # every case
    python bench/hostile.py --case csv50 --case xlsx-whitespace
    python bench/hostile.py --list

A command runs as a child process: its peak memory is the kernel's (ru_maxrss from wait4), its
CPU time user + system, beside the wall time (the machine may be shared: say the load average,
printed first). The web cases start `nervecenter serve` (one worker) and read the server's peak
resident memory (VmHWM) and the growth of its temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from kit.hostile import child, entity_xlsx, spooled, truncated_xlsx, whitespace_xlsx
from kit.practice import big_roster, example_without_sources

NERVECENTER = Path(sys.executable).with_name("nervecenter")
MB = 1024 * 1024


# ---------------------------------------------------------------- the web


class Server:
    """`nervecenter serve` over a practice, with its own temporary directory."""

    def __init__(self, config: Path, workdir: Path):
        self.tmp = workdir / "server-tmp"
        self.tmp.mkdir()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(NERVECENTER), "serve", "--config", str(config), "--port", str(self.port),
             "--on", "2026-12-01"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(self.tmp)})
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.url + "/login", timeout=2)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("serve did not start") from None
                time.sleep(0.2)

    def memory(self, field: str = "VmHWM") -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tmp_bytes(self) -> int:
        """Bytes in its temporary directory, counting the unnamed (O_TMPFILE) files that
        spooled uploads are, which only its open descriptors show."""
        return spooled(self.tmp, self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def body(work: Path, gigabytes: float) -> dict:
    """An unauthenticated multipart POST of `gigabytes` to a renew form, streamed."""
    import httpx

    config = example_without_sources(work / "practice")
    server = Server(config, work)
    peak_tmp = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak_tmp[0] = max(peak_tmp[0], server.tmp_bytes())
            time.sleep(0.05)

    def chunks():
        yield (b"--B\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
               b"Content-Type: application/pdf\r\n\r\n")
        block = b"%PDF" + b"x" * (MB - 4)
        for _ in range(int(gigabytes * 1024)):
            yield block
        yield b"\r\n--B--\r\n"

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    cpu0, started = server.cpu(), time.perf_counter()
    try:
        r = httpx.post(server.url + "/people/t-price/credentials/t-price:bls/renew",
                       content=chunks(), timeout=600,
                       headers={"Content-Type": "multipart/form-data; boundary=B"})
        answer = f"{r.status_code} {r.headers.get('location', '')}".strip()
    except httpx.HTTPError as e:
        answer = f"connection ended: {type(e).__name__}"
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    result = {"said": answer, "peak_mb": server.memory(), "wall_s": wall,
              "cpu_s": server.cpu() - cpu0, "tmp_mb": peak_tmp[0] / MB}
    server.stop()
    return result


def names(work: Path, count: int = 200, size: int = MB // 2) -> dict:
    """`count` failed logins, each with a user name of `size` bytes, from one client."""
    import httpx

    config = example_without_sources(work / "practice")
    server = Server(config, work)
    before = server.memory("VmRSS")
    cpu0, started = server.cpu(), time.perf_counter()
    statuses = {}
    with httpx.Client(base_url=server.url, timeout=120) as c:
        import re

        page = c.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        for n in range(count):
            name = f"{n:06d}" + "x" * (size - 6)
            r = c.post("/login", data={"username": name, "password": "wrong password",
                                       "csrf_token": token})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    result = {"said": " ".join(f"{k}x{v}" for k, v in sorted(statuses.items())),
              "peak_mb": server.memory(), "grew_mb": server.memory("VmRSS") - before,
              "wall_s": time.perf_counter() - started, "cpu_s": server.cpu() - cpu0}
    server.stop()
    return result


# ---------------------------------------------------------------- the cases


def _import(work: Path, name: str, make, env: dict | None = None) -> dict:
    config = example_without_sources(work / "practice")
    make(config / name)
    result = child(["import", "--config", ".", name], config, env)
    result["file_mb"] = (config / name).stat().st_size / MB
    return result


CASES = {
    "xlsx-whitespace": lambda w: _import(w, "ws.xlsx", lambda p: whitespace_xlsx(p, 1536)),
    "xlsx-entities": lambda w: _import(w, "bomb.xlsx", entity_xlsx),
    "xlsx-external": lambda w: _import(w, "xxe.xlsx", lambda p: entity_xlsx(p, external=True)),
    "xlsx-truncated": lambda w: _import(w, "cut.xlsx", truncated_xlsx),
    "csv50": lambda w: _import(w, "big.csv", lambda p: big_roster(p, 50_000_000, True)),
    # 200 MB with the limit raised would take ~3.5 GB here (records of 2 million rows): the
    # figure per row comes from csv100
    "csv100": lambda w: _import(w, "big.csv", lambda p: big_roster(p, 100_000_000, True),
                                {"NERVECENTER_MAX_INPUT_MB": "150"}),
    "csv200-default-limit": lambda w: _import(
        w, "big.csv", lambda p: big_roster(p, 200_000_000, True)),
    "body3g": lambda w: body(w, 3.0),
    "names": names,
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(CASES))
        return
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; "
          f"{os.cpu_count()} CPUs")
    for name in args.case or CASES:
        work = Path(tempfile.mkdtemp(prefix=f"nc-hostile-{name}-"))
        try:
            r = CASES[name](work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        extra = "".join(f" {k} {r[k]:.1f}" for k in ("file_mb", "tmp_mb", "grew_mb") if k in r)
        code = f" exit {r['exit']}" if "exit" in r else ""
        print(f"{name:22} peak {r['peak_mb']:7.0f} MB  {r['wall_s']:6.1f} s wall "
              f"{r['cpu_s']:6.1f} s CPU{code}{extra}\n{'':22} {r['said']}", flush=True)


if __name__ == "__main__":
    main()
