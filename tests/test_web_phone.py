"""Every page on a phone (390x844) and a desktop (1280x800) in real Chromium: nothing pans
sideways (the document is no wider than the viewport) and axe-core, the accessibility checker
from npm (tests/package.json; `npm install` in tests/), run inside the page, finds no violation.
The 390 px screenshots of the person page and the overview go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit import web
from kit.practice import example_practice

CHROMIUM = web.CHROMIUM
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: run `npm install` in tests/"),
]

MANAGER_PAGES = ["/", "/people", "/people/t-price", "/people/r-adams", "/cases",
                 "/cases/C-1001", "/facilities", "/facilities/ochsner-main", "/alerts",
                 "/calendar"]
PERSON_PAGES = ["/people/t-price", "/alerts", "/calendar"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web.start(example_practice(tmp_path_factory.mktemp("phone")),
                      {"dana": ("manager", None), "jordan": ("person", "t-price")})
    from nervecenter.service import runner

    runner.run(s.workspace, on=web.DAY)  # the alert log has rows to show
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    with web.chromium() as b:
        yield b


def _logged_in(browser, server, name, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", web.PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _check(page, url, html=None) -> list[str]:
    """What is wrong with the page at `url` (or the document `html`): sideways panning and
    axe-core's violations."""
    if html is None:
        response = page.goto(url)
        assert response.status == 200, url
    else:
        page.set_content(html)
    wrong = []
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    if width > viewport:
        wide = page.evaluate("""(vw) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > vw + 1)
            .slice(0, 3).map(e => e.tagName + '.' + e.className)""", viewport)
        wrong.append(f"{url}: document {width} px wide in a {viewport} px viewport ({wide})")
    # The page's CSP forbids injected <script> tags; evaluate runs axe's source in the page.
    result = page.evaluate(AXE.read_text() + "\n;axe.run(document).then(r => JSON.stringify("
                           "r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => "
                           "n.target.join(' ')).slice(0, 3)}))))")
    wrong += [f"{url}: axe {v['id']} at {v['nodes']}" for v in json.loads(result)]
    return wrong


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_and_passes_axe(browser, server, size):
    wrong = []
    for name, pages in (("dana", MANAGER_PAGES), ("jordan", PERSON_PAGES)):
        context, page = _logged_in(browser, server, name, size)
        try:
            for url in pages:
                wrong += _check(page, server.url + url)
        finally:
            context.close()
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[size])))
    try:
        wrong += _check(context.new_page(), server.url + "/login")
    finally:
        context.close()
    assert wrong == []


def test_on_a_phone_a_person_reads_their_credentials_as_cards(browser, server):
    context, page = _logged_in(browser, server, "jordan", "phone")
    try:
        page.goto(server.url + "/people/t-price")
        card = page.locator("[id='t-price:bls']")
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        text = card.inner_text()
        # name, due date with days left, stage, and what to do
        assert "BLS Provider" in text and "Due 2026-12-15" in text and "14 d" in text
        assert "Renewal submitted" in text and "Record renewal" in text
        # the navigation wraps inside the header: every link is on screen
        for link in page.locator("header nav a").all():
            b = link.bounding_box()
            assert 0 <= b["x"] and b["x"] + b["width"] <= 390, link.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "person-390.png", full_page=True)
    finally:
        context.close()
    context, page = _logged_in(browser, server, "dana", "phone")
    try:
        page.goto(server.url + "/")
        page.screenshot(path=ARTIFACTS / "overview-390.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_alert_emails_pass_axe_as_mail_clients_show_them(browser, server, size):
    from nervecenter.alerts import sizing
    from nervecenter.service import runner

    _, alerts, _ = runner.plan(server.workspace, web.DAY, digest=True)
    msgs = [a.message for a in alerts]
    by_kind = {a.kind: a.message for a in alerts}  # one of each kind, and a grouped one
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[size])))
    try:
        page = context.new_page()
        wrong = []
        for kind, m in [*by_kind.items(), ("grouped", sizing.group(msgs[:4], "Dana Lee"))]:
            wrong += _check(page, f"the {kind} email", html=m.html)
        assert wrong == []
    finally:
        context.close()
