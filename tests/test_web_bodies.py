"""Issue 13, point 7: a request body is read only for someone logged in, and never past its cap.
Before, an anonymous 3 GB multipart POST to a renew form was spooled to the temporary directory
(2.96 GB) before the redirect to /login. Over real HTTP to a real uvicorn server, with bodies
streamed by the client; the server's temporary directory is watched while they are sent."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest
from kit import hostile, web

MB = 1024 * 1024
RENEW = "/people/t-price/credentials/t-price:bls/renew"
BOUNDARY = "nc-test-boundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = web.example_practice(tmp_path_factory.mktemp("bodies"))
    s = web.start(config, {"dana": ("manager", None)})
    yield s
    s.stop()


@pytest.fixture
def spool(tmp_path, monkeypatch):
    """The server's temporary directory (it runs in this process): where multipart uploads
    over 1 MB are spooled."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


class Upload:
    """A multipart body of `size` bytes of PDF, streamed 1 MB at a time; counts what was taken
    and the largest the spool folder grew while it was sent."""

    def __init__(self, size: int, spool: Path, token: str = "", expires: str = "2040-01-31"):
        self.size, self.spool, self.token, self.expires = size, spool, token, expires
        self.sent = self.spool_peak = 0

    def chunks(self):
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{self.token}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f"name=\"expires\"\r\n\r\n{self.expires}\r\n"
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; "
                "filename=\"card.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
        yield head
        left = self.size
        while left > 0:
            part = b"x" * min(MB, left)
            left -= len(part)
            self.sent += len(part)
            self.spool_peak = max(self.spool_peak, _size(self.spool))
            yield part
        yield f"\r\n--{BOUNDARY}--\r\n".encode()
        self.spool_peak = max(self.spool_peak, _size(self.spool))

    def post(self, client: httpx.Client, length: int | None = None) -> httpx.Response | None:
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        if length is not None:
            headers["Content-Length"] = str(length)
        try:
            return client.post(RENEW, content=self.chunks(), headers=headers)
        except httpx.TransportError:
            return None  # the server closed the connection while the body was still coming


def _size(folder: Path) -> int:
    return hostile.spooled(folder)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.parametrize("declared", [None, 3 * 1024 * MB], ids=["chunked", "content-length"])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(server, spool, declared):
    before = _rss_mb()
    upload = Upload(300 * MB, spool)
    with server.client() as anonymous:
        r = upload.post(anonymous, declared)
    assert r is None or (r.status_code == 303 and r.headers["location"].startswith("/login?next="))
    assert upload.spool_peak == 0
    assert upload.sent < 32 * MB, upload.sent  # what the sockets' buffers took, not the body
    assert _rss_mb() - before < 40
    assert server.workspace.store.versions("t-price:bls")[-1]["expires"].isoformat() != "2040-01-31"


def test_a_session_body_over_its_cap_is_refused_unread(server, spool):
    dana = server.login("dana")
    token = web.csrf_of(dana.get("/people/t-price").text)
    declared = Upload(50 * MB, spool, token)
    r = declared.post(dana, 50 * MB + 500)
    assert r is None or r.status_code == 413
    assert declared.spool_peak == 0 and declared.sent < 32 * MB
    dana = server.login("dana")
    chunked = Upload(50 * MB, spool, token)
    r = chunked.post(dana)
    assert r is None or (r.status_code == 413 and "nothing was read" in r.text)
    assert chunked.spool_peak == 0 and chunked.sent < 48 * MB
    dana = server.login("dana")
    token = web.csrf_of(dana.get("/alerts").text)
    r = dana.post("/silences", data={"csrf_token": token, "credential": "t-price:bls",
                                      "until": "2027-01-01", "reason": "x" * 100_000})
    assert r.status_code == 413


def test_a_document_within_the_cap_is_still_taken_chunked_or_not(server, spool):
    for expires, declared in (("2041-01-31", False), ("2042-01-31", True)):
        dana = server.login("dana")
        token = web.csrf_of(dana.get("/people/t-price").text)
        upload = Upload(5 * MB, spool, token, expires)
        length = len(b"".join(Upload(5 * MB, spool, token, expires).chunks()))
        r = upload.post(dana, length if declared else None)
        assert r is not None and r.status_code == 303, r and r.text
        assert server.workspace.store.versions("t-price:bls")[-1]["expires"].isoformat() \
            == expires


def test_a_login_with_a_megabyte_user_name_is_refused_before_any_work(server):
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "x" * MB, "password": "wrong password",
                                   "csrf_token": token})
        assert r.status_code == 413


def test_the_api_refuses_an_anonymous_body_with_401(server):
    with server.client() as c:
        r = c.post("/api/cases", content=b"x" * MB)
    assert r.status_code == 401 and r.json()["detail"].startswith("log in")
