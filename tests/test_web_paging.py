"""Every list of the API comes in pages: `limit` (default 100, at most 1,000), a `next` link in
the document and the same in a `Link` header; following the links gives the whole list once."""

from __future__ import annotations

import re

import pytest
from kit import web

from nervecenter.service import runner

LISTS = {"/api/cases": "cases", "/api/people": "people", "/api/status": "items",
         "/api/conflicts": "conflicts", "/api/alerts": "alerts"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web.start(web.example_practice(tmp_path_factory.mktemp("paging")),
                      {"dana": ("manager", None), "price": ("person", "t-price")})
    runner.run(s.workspace, on=web.DAY)  # fills the alert log
    yield s
    s.stop()


def client(server, name):
    token = server.app.state.users.new_token(name)
    return server.client(headers={"Authorization": f"Bearer {token}"})


def ids(items: list[dict]) -> list:
    return [i.get("key") or i.get("id") or i.get("credential")
            or (i.get("type"), i.get("attribute")) for i in items]


@pytest.mark.parametrize("user", ["dana", "price"])
def test_following_next_links_gives_every_item_once(server, user):
    with client(server, user) as c:
        for path, key in LISTS.items():
            whole = c.get(path, params={"limit": 1000}).json()
            assert whole["next"] is None
            assert len(whole[key]) <= 100 or path == "/api/alerts"
            seen, url, pages = [], f"{path}?limit=3", 0
            while url:
                r = c.get(url)
                assert r.status_code == 200, (path, r.text)
                body = r.json()
                assert len(body[key]) <= 3
                assert r.headers.get("Link") == (f'<{body["next"]}>; rel="next"'
                                                 if body["next"] else None)
                seen += ids(body[key])
                url, pages = body["next"], pages + 1
            assert seen == ids(whole[key]), path
            assert pages == max(1, -(-len(seen) // 3)), path


def test_the_default_page_is_100_and_at_most_1000(server):
    with client(server, "dana") as c:
        alerts = c.get("/api/alerts").json()
        # the example's first run: 74, Remy Boudreaux's CNIM short of CE hours (ce_shortfall)
        # and the eleven recipients' first-run summaries
        assert len(alerts["alerts"]) == 86 and alerts["next"] is None
        first = c.get("/api/alerts", params={"limit": 50})
        assert first.json()["next"] == "/api/alerts?limit=50&offset=50"
        assert c.get("/api/alerts", params={"limit": 1001}).status_code == 422
        assert c.get("/api/cases", params={"limit": 0}).status_code == 422
        keep = c.get("/api/cases", params={"outcome": "blocked", "limit": 4}).json()
        assert keep["next"] == "/api/cases?outcome=blocked&limit=4&offset=4"


def test_long_html_lists_come_in_pages(server, monkeypatch):
    from nervecenter.web import pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 4)  # the example is small: pages of 4 rows
    dana = server.login("dana")
    seen, url = [], "/cases?outcome=blocked"
    while url:
        html = dana.get(url).text
        seen += re.findall(r'href="/cases/(C-\d+)"', html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found[1].replace("&amp;", "&") if found else None
    blocked = [c["id"] for c in dana.get("/api/cases?outcome=blocked").json()["cases"]]
    assert list(dict.fromkeys(seen)) == blocked and len(blocked) > 4
    people = dana.get("/people?page=2").text
    assert "People 5–8 of 9" in people and 'rel="prev"' in people
    assert "People 9–9 of 9" in dana.get("/people?page=99").text  # past the end: the last page
