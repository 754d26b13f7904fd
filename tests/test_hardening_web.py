"""The web, attacked: every route x anonymous / the person / another person / a manager, with
the outcome each must get and no private text in a refusal; XSS in every field a user writes;
document uploads (size, type, path traversal in the name). Over real HTTP to a real server.

Login, sessions, CSRF tokens and throttling have their own tests in test_web_security.py."""

from __future__ import annotations

import re

import pytest
from kit import web
from kit.practice import change_credential, small_practice, write_practice

USERS = {"dana": ("manager", None), "price": ("person", "t-price"), "adams": ("person", "r-adams")}
PDF = b"%PDF-1.4 renewal card\n"
PRIVATE = ["Jordan Price", "CNIM-12345"]  # t-price's name and certificate number
CHECKED = {"authorisation": 0}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # in a folder of its own, so that the path traversal test can look at every file near it
    config = small_practice(tmp_path_factory.mktemp("matrix") / "practice", people=change_credential(
        "t-price", {"type": "bls"}, documents=["documents/price-bls.pdf"]))
    (config / "documents").mkdir()
    (config / "documents" / "price-bls.pdf").write_bytes(PDF)
    s = web.start(config, USERS)
    yield s
    s.stop()


def _routes():
    from nervecenter.web import actions, api, calendar, pages, whatif

    return sorted((method, r.path) for m in (api, pages, actions, calendar, whatif)
                  for r in m.router.routes for method in r.methods)


OWN = {"person_id": "t-price", "credential_id": "t-price:bls", "index": "0", "case_id": "C-2",
       "facility_id": "ochsner-main"}
# (method, route) -> expected status for (anonymous, the person t-price, another person, manager).
# 303* is a redirect to the login form; 303 a redirect after success (or / to one's own page);
# 404 is a refusal that does not even say whether the record exists.
MATRIX = {
    ("GET", "/"): ("303*", 303, 303, 200),
    ("GET", "/people"): ("303*", 200, 200, 200),
    ("GET", "/people/{person_id}"): ("303*", 200, 404, 200),
    ("GET", "/people/{person_id}/credentials/{credential_id}/documents/{index}"):
        ("303*", 200, 404, 200),
    ("GET", "/cases"): ("303*", 200, 200, 200),
    ("GET", "/cases/{case_id}"): ("303*", 200, 404, 200),
    ("GET", "/facilities"): ("303*", 200, 200, 200),
    ("GET", "/facilities/{facility_id}"): ("303*", 200, 200, 200),
    ("GET", "/alerts"): ("303*", 200, 200, 200),
    ("GET", "/calendar"): ("303*", 200, 200, 200),
    ("POST", "/calendar"): ("303*", 200, 200, 200),
    ("GET", "/calendar/practice.ics"): (401, 404, 404, 200),
    ("GET", "/calendar/people/{person_id}.ics"): (401, 200, 404, 200),
    ("GET", "/api/status"): (401, 200, 200, 200),
    ("GET", "/api/cases"): (401, 200, 200, 200),
    ("GET", "/api/cases.csv"): (401, 200, 200, 200),
    ("GET", "/api/status.csv"): (401, 200, 200, 200),
    ("GET", "/api/conflicts"): (401, 200, 200, 200),
    ("GET", "/api/people"): (401, 200, 200, 200),
    ("GET", "/api/alerts"): (401, 200, 200, 200),
    ("GET", "/api/facilities/{facility_id}"): (401, 200, 200, 200),
    ("GET", "/api/coverage"): (401, 404, 404, 200),
    ("GET", "/whatif?without={person_id}"): ("303*", 404, 404, 200),
    ("POST", "/whatif/facility-rules"): ("303*", 404, 404, 200),
    ("POST", "/people/{person_id}/credentials/{credential_id}/submitted"): ("303*", 303, 404, 303),
    ("POST", "/people/{person_id}/credentials/{credential_id}/renew"): ("303*", 303, 404, 303),
    ("POST", "/silences"): ("303*", 404, 404, 303),
}
NOT_IN_MATRIX = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}  # test_web_security


def test_every_route_is_in_the_matrix():
    assert set(_routes()) == {(m, r.split("?")[0]) for m, r in MATRIX} | NOT_IN_MATRIX


def _client(server, who):
    if who is None:
        return server.client()
    return server.login(who)


def _form(server, client, method, route, who, renewals):
    if method != "POST":
        return None
    token = web.csrf_of(client.get("/calendar").text) if who else "none"
    form = {"csrf_token": token}
    if route.endswith("/renew"):
        renewals.append(None)
        form.update(expires=f"{2027 + len(renewals)}-11-30", issued="2026-11-20")
    if route == "/silences":
        form.update(credential="t-price:bls", until="2027-01-31", reason="test")
    if route == "/whatif/facility-rules":
        form.update(rules="id: tulane\nname: Tulane\nstate: LA\nrequirements:\n"
                          "  - credential: bls\n")
    return form


def test_authorisation_matrix(server):
    """Each (route, identity) gets its expected status, and no refusal carries private text."""
    users = server.app.state.users
    renewals: list = []
    for identity, who in enumerate([None, "price", "adams", "dana"]):
        client = _client(server, who)
        bearer = {"Authorization": f"Bearer {users.new_token(who)}"} if who else {}
        try:
            for (method, route), expected in sorted(MATRIX.items()):
                url = route.format(**OWN)
                headers = bearer if url.startswith("/api/") or url.endswith(".ics") else {}
                form = _form(server, client, method, route, who, renewals)
                r = client.request(method, url, data=form, headers=headers)
                want = expected[identity]
                CHECKED["authorisation"] += 1
                if want == "303*":
                    assert r.status_code == 303 and r.headers["location"].startswith("/login"), \
                        (who, method, url, r.status_code)
                else:
                    assert r.status_code == want, (who, method, url, r.status_code, r.text[:300])
                if r.status_code in (401, 403, 404) or want == "303*":
                    for text in PRIVATE:
                        assert text not in r.text, (who, method, url)
        finally:
            client.close()


def test_another_person_changes_nothing_and_sees_nothing_in_the_api(server):
    store = server.workspace.store
    before = store.versions("t-price:bls")
    adams = server.login("adams")
    token = web.csrf_of(adams.get("/calendar").text)
    for action in ("submitted", "renew"):
        r = adams.post(f"/people/t-price/credentials/t-price:bls/{action}",
                       data={"csrf_token": token, "expires": "2031-01-31"})
        assert r.status_code == 404
    assert store.versions("t-price:bls") == before
    bearer = server.client(headers={
        "Authorization": f"Bearer {server.app.state.users.new_token('adams')}"})
    for path in ("/api/people", "/api/status?within=3650", "/api/cases", "/api/alerts"):
        r = bearer.get(path)
        assert r.status_code == 200
        assert "t-price" not in r.text and "Jordan Price" not in r.text, path
    adams.close()
    bearer.close()


# ---------------------------------------------------------------- XSS in what users write

XSS = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """Every text a user writes (names, ids, numbers, issuers, procedures, extra case fields,
    facility names, CE categories, silence reasons) carries a script."""
    q = XSS
    config = write_practice(
        tmp_path_factory.mktemp("xss"),
        practice={"name": f"Practice {q}",
                  "managers": [{"id": "dana", "name": f"Dana {q}"}]},
        facilities=[{"id": "ochsner-main", "name": f"Ochsner {q}", "state": "LA",
                     "requirements": [{"credential": "bls", "max_age_months": 12}]}],
        people=[{"id": "t-x", "name": f"Tech {q}", "role": "technologist",
                 "email": f"x{q}@example.org", "phone": "<b onmouseover=alert(3)>",
                 "credentials": [
                     {"type": "bls", "number": q, "issuer": q, "issued": "2024-01-01",
                      "expires": "2026-12-10"},
                     {"type": "cnim", "number": "N", "issuer": q, "issued": "2023-01-01",
                      "expires": "2026-12-31",
                      "verified": {"on": "2023-02-01", "by": q, "method": q}}],
                 "ce": [{"credential": "cnim", "date": "2024-03-01", "hours": 6,
                         "category": q, "provider": q}]}],
        cases=[{"id": "C-X", "facility": "ochsner-main", "start": "2026-12-03T08:00",
                "end": "", "procedure": q, "technologist": "t-x", "reader": "",
                "population": q}])
    s = web.start(config, {"dana": ("manager", None), "x": ("person", "t-x")})
    yield s
    s.stop()


def test_scripts_in_every_user_written_field_are_shown_as_text(xss_server):
    dana = xss_server.login("dana")
    token = web.csrf_of(dana.get("/alerts").text)
    r = dana.post("/silences", data={"csrf_token": token, "credential": "t-x:bls",
                                     "until": "2027-01-31", "reason": XSS})
    assert r.status_code == 303
    pages = ["/", "/people", "/people/t-x", "/cases", "/cases/C-X", "/facilities",
             "/facilities/ochsner-main", "/alerts", "/calendar"]
    for path in pages:
        r = dana.get(path)
        assert r.status_code == 200, path
        assert "<script>alert(1)" not in r.text, path
        assert "<img src=x" not in r.text, path
        assert "&lt;script&gt;alert(1)" in r.text or path == "/calendar", path
    x = xss_server.login("x")
    r = x.get("/people/t-x")
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    api = xss_server.client(headers={
        "Authorization": f"Bearer {xss_server.app.state.users.new_token('dana')}"})
    r = api.get("/api/people")
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers.get("x-content-type-options") == "nosniff"
    for c in (dana, x, api):
        c.close()


def test_pages_forbid_inline_scripts_by_policy(xss_server):
    dana = xss_server.login("dana")
    csp = dana.get("/").headers.get("content-security-policy", "")
    assert "script-src" in csp or "default-src" in csp, csp
    assert "'unsafe-inline'" not in re.sub(r"style-src[^;]*", "", csp), csp
    dana.close()


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize("filename, data, message", [
    ("card.exe", b"MZ\x90\x00", "documents must be PDF, PNG or JPEG files"),
    ("card.pdf", b"<html><script>alert(1)</script>", "is not a PDF file"),
    ("card.pdf", b"", "is empty"),
    ("card.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "the limit is 10 MB"),
    ("card.pdf.html", b"%PDF-1.4", "documents must be PDF, PNG or JPEG files"),
])
def test_uploads_of_the_wrong_size_or_type_are_refused_and_change_nothing(server, filename, data,
                                                                         message):
    store = server.workspace.store
    before = store.versions("t-price:bls")
    files_before = sorted((server.workspace.practice.documents).rglob("*")) \
        if (server.workspace.practice.documents).exists() else []
    dana = server.login("dana")
    token = web.csrf_of(dana.get("/people/t-price").text)
    r = dana.post("/people/t-price/credentials/t-price:bls/renew",
                  data={"csrf_token": token, "expires": "2040-01-31"},
                  files={"document": (filename, data, "application/octet-stream")},
                  follow_redirects=True)
    assert message in r.text
    assert store.versions("t-price:bls") == before
    files_after = sorted((server.workspace.practice.documents).rglob("*")) \
        if (server.workspace.practice.documents).exists() else []
    assert files_after == files_before
    dana.close()


@pytest.mark.parametrize("filename", ["../../../practice.yaml.pdf", "..\\..\\evil.pdf",
                                      "/etc/passwd.pdf", "a/../../b.pdf", "\x00x.pdf",
                                      "....//....//c.pdf"])
def test_upload_file_names_cannot_leave_the_documents_folder(server, filename):
    dana = server.login("dana")
    token = web.csrf_of(dana.get("/people/t-price").text)
    expires = f"2041-0{1 + len(filename) % 9}-01"
    r = dana.post("/people/t-price/credentials/t-price:bls/renew",
                  data={"csrf_token": token, "expires": expires},
                  files={"document": (filename, PDF, "application/pdf")})
    dana.close()
    folder = server.workspace.practice.documents.resolve()
    every_file = [p.resolve() for p in server.config_dir.parent.rglob("*.pdf")]
    outside = [p for p in every_file if p.is_relative_to(server.config_dir.parent)
               and not p.is_relative_to(folder) and p.name != "price-bls.pdf"]
    assert outside == [], (filename, r.status_code)
    assert not (server.config_dir.parent / "evil.pdf").exists()
