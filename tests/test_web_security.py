"""Who may see and change what, over real HTTP to a real server: login, sessions, tokens, CSRF,
a person user confined to their own records, and escaping of what users wrote."""

from __future__ import annotations

import pytest
from kit import web

USERS = {"dana": ("manager", None), "price": ("person", "t-price"), "adams": ("person", "r-adams")}
PAGES = ["/", "/people", "/people/t-price", "/cases", "/cases/C-1", "/facilities",
         "/facilities/ochsner-main", "/alerts", "/calendar"]
API = ["/api/status", "/api/cases", "/api/conflicts", "/api/people", "/api/alerts"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web.start(web.small_practice(tmp_path_factory.mktemp("small")), USERS)
    yield s
    s.stop()


def versions(server, credential_id):
    return server.workspace.store.versions(credential_id)


# ---------------------------------------------------------------- no login, no data


def test_pages_without_login_redirect_to_the_login_form_and_show_nothing(server):
    with server.client() as c:
        for path in PAGES:
            r = c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next="), path
            assert "Jordan Price" not in r.text and "Robin" not in r.text


def test_api_without_token_is_401_and_shows_nothing(server):
    with server.client() as c:
        for path in API + ["/calendar/practice.ics", "/calendar/people/t-price.ics"]:
            r = c.get(path)
            assert r.status_code == 401, path
            assert "t-price" not in r.text and "Price" not in r.text
        for token in ["nc_wrong", "not-even-prefixed", "ncf_a-feed-token"]:
            r = c.get("/api/people", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401
        r = c.get("/calendar/practice.ics", params={"token": "ncf_wrong"})
        assert r.status_code == 401


def test_actions_without_login_change_nothing(server):
    before = versions(server, "t-price:bls")
    with server.client() as c:
        r = c.post("/people/t-price/credentials/t-price:bls/renew",
                   data={"expires": "2029-01-31", "csrf_token": "x"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert versions(server, "t-price:bls") == before


def test_wrong_password_is_refused_without_a_session(server):
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "dana", "password": "wrong password",
                                   "csrf_token": token})
        assert r.status_code == 401
        assert "Wrong user name or password." in r.text
        assert c.get("/").status_code == 303
        r = c.post("/login", data={"username": "nobody", "password": web.PASSWORD,
                                   "csrf_token": token})
        assert r.status_code == 401


def test_repeated_wrong_passwords_are_throttled(server):
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        attempt = {"username": "adams", "password": "guess", "csrf_token": token}
        for _ in range(5):
            assert c.post("/login", data=attempt).status_code == 401
        r = c.post("/login", data={**attempt, "password": web.PASSWORD})
        assert r.status_code == 429
        assert "Too many failed logins; try again in 15 min." in r.text
    server.login("dana")  # another user from the same address is not held up
    server.app.state.login_throttle.succeeded("127.0.0.1", "adams")  # for the other tests


def test_session_cookie_is_httponly_and_samesite_lax(server):
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                   "csrf_token": token})
        cookie = r.headers["set-cookie"].lower()
        assert cookie.startswith(f"{web_kit_cookie()}=")
        assert "httponly" in cookie and "samesite=lax" in cookie


def web_kit_cookie():
    from nervecenter.web.auth import SESSION_COOKIE

    return SESSION_COOKIE


def test_login_goes_back_only_to_a_local_page(server):
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                   "csrf_token": token, "next": "//evil.example/x"})
        assert r.headers["location"] == "/"
    with server.client() as c:
        token = web.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                   "csrf_token": token, "next": "/cases/C-1"})
        assert r.headers["location"] == "/cases/C-1"


# ---------------------------------------------------------------- CSRF


def test_form_posts_without_the_sessions_csrf_token_are_rejected(server):
    before = versions(server, "t-price:bls")
    dana = server.login("dana")
    other = server.login("dana")  # another session: its token is not this session's
    foreign = web.csrf_of(other.get("/people/t-price").text)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": foreign}):
        r = dana.post("/people/t-price/credentials/t-price:bls/submitted", data=data)
        assert r.status_code == 403, data
        assert "Form expired" in r.text
        r = dana.post("/people/t-price/credentials/t-price:bls/renew",
                      data={"expires": "2029-01-31", **data})
        assert r.status_code == 403
    assert versions(server, "t-price:bls") == before
    with server.client() as c:
        c.get("/login")
        r = c.post("/login", data={"username": "dana", "password": web.PASSWORD})
        assert r.status_code == 403


def test_logout_needs_the_token_and_ends_the_session(server):
    dana = server.login("dana")
    assert dana.post("/logout", data={}).status_code == 403
    assert dana.get("/").status_code == 200
    token = web.csrf_of(dana.get("/").text)
    assert dana.post("/logout", data={"csrf_token": token}).status_code == 303
    assert dana.get("/").status_code == 303


# ---------------------------------------------------------------- a person sees only their own


def test_a_person_reads_only_their_own_records_by_url(server):
    price = server.login("price")
    r = price.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/people/t-price"
    assert price.get("/people/t-price").status_code == 200
    r = price.get("/people/r-adams")
    assert r.status_code == 404 and "LA-77" not in r.text
    assert price.get("/people/t-mallory").status_code == 404
    assert price.get("/cases/C-1").status_code == 404  # not their case
    assert price.get("/cases/C-2").status_code == 200  # their case
    people = price.get("/people").text
    assert "Jordan Price" in people and "Robin Adams" not in people
    facility = price.get("/facilities/tulane").text  # Robin Adams is cleared there too
    assert "Jordan Price" in facility and "Robin Adams" not in facility


def test_a_person_reads_only_their_own_records_by_api(server):
    price = server.login("price")
    token = server.app.state.users.new_token("price")
    bearer = server.client(headers={"Authorization": f"Bearer {token}"})
    for c in (price, bearer):
        assert [p["id"] for p in c.get("/api/people").json()["people"]] == ["t-price"]
        status = c.get("/api/status", params={"within": 3650}).json()["items"]
        assert {i["person"] for i in status} == {"t-price"}
        assert c.get("/api/status", params={"person": "r-adams"}).json()["items"] == []
        assert [x["id"] for x in c.get("/api/cases").json()["cases"]] == ["C-2"]
        assert c.get("/api/cases", params={"case": "C-1"}).json()["cases"] == []
        for conflict in c.get("/api/conflicts").json()["conflicts"]:
            assert set(conflict["affected"]) <= {"t-price"}


def test_a_person_cannot_change_another_persons_records(server):
    adams_licence = "r-adams:state_license:LA"
    before = versions(server, adams_licence)
    price = server.login("price")
    token = web.csrf_of(price.get("/people/t-price").text)
    attempts = [
        (f"/people/r-adams/credentials/{adams_licence}/renew", {"expires": "2029-12-31"}),
        (f"/people/r-adams/credentials/{adams_licence}/submitted", {}),
        (f"/people/t-price/credentials/{adams_licence}/renew", {"expires": "2029-12-31"}),
        (f"/people/t-price/credentials/{adams_licence}/submitted", {}),
        ("/silences", {"credential": adams_licence, "until": "2027-01-31"}),
        ("/silences", {"credential": "t-price:bls", "until": "2027-01-31"}),  # managers only
    ]
    for path, data in attempts:
        r = price.post(path, data={"csrf_token": token, **data})
        assert r.status_code == 404, path
    assert versions(server, adams_licence) == before
    from nervecenter.alerts.ledger import Ledger

    assert Ledger(server.workspace.store.engine).silences() == []


def test_a_person_updates_their_own_record_and_it_is_audited(server):
    price = server.login("price")
    token = web.csrf_of(price.get("/people/t-price").text)
    r = price.post("/people/t-price/credentials/t-price:cnim/submitted",
                   data={"csrf_token": token})
    assert r.status_code == 303
    assert versions(server, "t-price:cnim")[-1]["status"] == "renewal_submitted"
    entries = server.workspace.store.audit_log(entity="credential", key="t-price:cnim")
    assert entries[-1]["actor"] == "web:price"
    assert entries[-1]["after"]["status"] == "renewal_submitted"


def test_a_persons_calendar_link_opens_only_their_feed(server):
    price = server.login("price")
    r = price.post("/calendar", data={"csrf_token": web.csrf_of(price.get("/calendar").text)})
    links = [u for u in web_kit_links(r.text)]
    assert len(links) == 1 and "/calendar/people/t-price.ics?token=ncf_" in links[0]
    token = links[0].split("token=")[1]
    with server.client() as c:
        assert c.get("/calendar/people/t-price.ics", params={"token": token}).status_code == 200
        assert c.get("/calendar/people/r-adams.ics", params={"token": token}).status_code == 404
        assert c.get("/calendar/practice.ics", params={"token": token}).status_code == 404


def test_calendar_links_never_come_from_the_host_header(tmp_path):
    """A forged Host header put the feed token into a link to another site."""
    server = web.start(web.small_practice(tmp_path, practice={
        "base_url": "https://nc.example.org/"}), {"dana": ("manager", None)})
    try:
        dana = server.login("dana")
        token = web.csrf_of(dana.get("/calendar").text)
        r = dana.post("/calendar", data={"csrf_token": token},
                      headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
        links = web_kit_links(r.text)
        assert links and all(u.startswith("https://nc.example.org/calendar/") for u in links)
        assert "evil.example" not in r.text
    finally:
        server.stop()


def web_kit_links(html: str) -> list[str]:
    import re

    return re.findall(r'class="url" readonly value="([^"]+)"', html)


# ---------------------------------------------------------------- escaping


def test_a_name_with_a_script_tag_is_shown_as_text(server):
    dana = server.login("dana")
    for path in ["/", "/people", "/people/t-mallory", "/cases/C-1", "/cases"]:
        html = dana.get(path).text
        assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; Mallory" in html, path
        assert "<script>alert" not in html, path
    people = dana.get("/api/people").json()["people"]
    assert "<script>alert('owned')</script> Mallory" in [p["name"] for p in people]


# ---------------------------------------------------------------- headers and documents


def test_pages_forbid_scripts_framing_and_caching(server):
    dana = server.login("dana")
    r = dana.get("/")
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text


def test_the_headers_and_error_pages_come_from_plain_asgi_middleware(server):
    """An `@app.middleware("http")` function (Starlette's BaseHTTPMiddleware) cost every request
    a task group and a memory stream: 0.6 M instructions, a tenth of a case page."""
    from starlette.middleware.base import BaseHTTPMiddleware

    assert BaseHTTPMiddleware not in [m.cls for m in server.app.user_middleware]
    r = server.client().get("/static/style.css")
    assert r.headers["x-frame-options"] == "DENY" and "cache-control" not in r.headers


def test_documents_are_served_only_to_whom_may_see_them(server):
    dana = server.login("dana")
    token = web.csrf_of(dana.get("/people/t-price").text)
    scan = b"%PDF-1.4 Jordan Price BLS card"
    r = dana.post("/people/t-price/credentials/t-price:bls/renew",
                  data={"csrf_token": token, "expires": "2029-11-30", "issued": "2026-11-28"},
                  files={"document": ("../../bls card.pdf", scan, "application/pdf")})
    assert r.status_code == 303
    [stored] = [d for d in server.workspace.store.versions("t-price:bls")[-1]["documents"]]
    assert stored["path"].startswith("documents/t-price/")
    assert stored["path"].endswith("-bls_card.pdf")
    url = "/people/t-price/credentials/t-price:bls/documents/0"
    assert f'href="{url}"' in dana.get("/people/t-price").text
    r = dana.get(url)
    assert r.status_code == 200 and r.content == scan
    assert r.headers["content-disposition"].startswith("attachment")
    price, adams = server.login("price"), server.login("adams")
    assert price.get(url).content == scan
    assert adams.get(url).status_code == 404
    assert server.client().get(url).status_code == 303
    assert dana.get("/people/t-price/credentials/t-price:bls/documents/1").status_code == 404


def test_a_document_path_outside_the_practice_is_not_served(server, tmp_path):
    from nervecenter.web.records import document_path

    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-")
    assert document_path(server.workspace, str(outside)) is None
    assert document_path(server.workspace, "../" * 12 + str(outside)[1:]) is None
    assert document_path(server.workspace, "people.yaml") is None  # not in documents/
    folder = server.workspace.practice.documents
    folder.mkdir(exist_ok=True)
    (folder / "card.pdf").write_bytes(b"%PDF-")
    assert document_path(server.workspace, "documents/card.pdf") == (folder / "card.pdf").resolve()


def test_a_person_sees_on_their_case_only_their_own_requirements_results(server):
    # C-1: Mallory (technologist) and Robin Adams (reader), both with problems.
    adams = server.login("adams")
    html = adams.get("/cases/C-1").text
    assert "Robin Adams&#39;s Louisiana state licence expires on 2026-12-20" in html
    assert "Mallory&#39;s BLS" not in html and "not checked: another person&#39;s" in html
    assert "Backups" not in html


@pytest.mark.parametrize("page", ["/cases", "/cases?outcome=blocked", "/facilities/ochsner-main",
                                  "/", "/api/cases", "/api/cases?from=2026-12-01"])
def test_a_person_sees_on_every_list_only_their_own_problems(server, page):
    """/cases and /facilities/<id> showed a person their co-workers' problems on shared cases."""
    adams = server.login("adams")
    manager = server.login("dana")
    try:
        assert "Mallory&#39;s BLS" in manager.get("/cases").text  # there to be hidden
        text = adams.get(page).text
        assert "Mallory&#39;s BLS" not in text and "Mallory's BLS" not in text
        assert "Mallory\u0027s BLS" not in text
    finally:
        adams.close()
        manager.close()


def test_an_unexpected_error_is_a_plain_500_without_a_traceback(server, monkeypatch, caplog):
    from nervecenter.web import records

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /etc/nervecenter")

    monkeypatch.setattr(records, "alert_log", broken)
    dana = server.login("dana")
    for path in ["/alerts", "/api/alerts"]:
        r = dana.get(path)
        assert r.status_code == 500
        assert "log has the details" in r.text
        assert "Traceback" not in r.text and "secret internals" not in r.text
    assert "secret internals" in caplog.text  # but it is in the log
