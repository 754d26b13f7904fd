"""The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by Playwright; never a
downloaded browser): log in, see the overview, open a blocked case, record a renewal with a
document, see the case become cleared. Screenshots go to test-artifacts/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from kit import web

CHROMIUM = web.CHROMIUM
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="browser tests need Debian's chromium at /usr/bin/chromium "
                                       "(apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    with web.chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def log_in(page, server, name):
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", web.PASSWORD)
    page.click("form[action='/login'] button[type=submit]")


def test_record_a_renewal_and_see_the_blocked_case_cleared(page, tmp_path):
    server = web.start(web.example_practice(tmp_path), {"dana": ("manager", None)})
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        log_in(page, server, "dana")
        assert page.locator("h1").inner_text() == "Overview"
        assert page.locator(".as-of").inner_text().startswith("As of 2026-12-01, data read ")
        page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)

        # C-1001 is blocked: Dr Adams's Louisiana licence expires on 2026-12-20, and Ochsner wants
        # it valid 30 days after the case on 2026-12-03, i.e. through 2027-01-02.
        page.click("table.cases a[href='/cases/C-1001']")
        assert page.locator("h1 .outcome").inner_text().lower() == "blocked"
        assert "expires on 2026-12-20" in page.locator("table.requirements").inner_text()
        page.screenshot(path=ARTIFACTS / "case-blocked.png", full_page=True)

        page.click("a[href='/people/r-adams']")
        row = page.locator("[id='r-adams:state_license:LA']")
        row.locator("summary", has_text="Record renewal").click()
        pdf = tmp_path / "LA licence 2028 (scan).pdf"
        pdf.write_bytes(b"%PDF-1.4\n% a renewed licence\n%%EOF\n")
        form = row.locator("form.renew")
        form.locator("input[name=expires]").fill("2028-12-31")
        form.locator("input[name=issued]").fill("2026-11-25")
        form.locator("input[name=number]").fill("LA-MD-20931")
        form.locator("input[name=document]").set_input_files(str(pdf))
        form.locator("button[type=submit]").click()
        assert "expires 2028-12-31" in page.locator(".flash").inner_text()
        assert "2028-12-31" in page.locator("[id='r-adams:state_license:LA']").inner_text()

        page.goto(server.url + "/cases/C-1001")
        assert page.locator("h1 .outcome").inner_text().lower() == "cleared"
        page.screenshot(path=ARTIFACTS / "case.png", full_page=True)

        newest = server.workspace.store.versions("r-adams:state_license:LA")[-1]
        assert (newest["expires"].isoformat(), newest["number"]) == ("2028-12-31", "LA-MD-20931")
        doc = newest["documents"][-1]
        assert doc["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
        assert doc["path"].endswith("-LA_licence_2028_scan.pdf")
        audit = server.workspace.store.audit_log(entity="credential", key="r-adams:state_license:LA")
        assert audit[-1]["actor"] == "web:dana"
        assert page.dialogs == []
    finally:
        server.stop()


def test_a_script_in_a_name_is_text_in_the_browser(page, tmp_path):
    server = web.start(web.small_practice(tmp_path), {"dana": ("manager", None)})
    try:
        log_in(page, server, "dana")
        page.goto(server.url + "/people/t-mallory")
        assert page.locator("h1").inner_text() == "<script>alert('owned')</script> Mallory"
        page.goto(server.url + "/cases/C-1")
        assert page.dialogs == []
    finally:
        server.stop()
