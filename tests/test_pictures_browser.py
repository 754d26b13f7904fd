"""The three pictures in headless Chromium (Debian's /usr/bin/chromium through Playwright) on the
example practice: each is there, drawn with the stylesheet's colours under the page's
content-security policy, with its text equivalent. Screenshots of each go to test-artifacts/
(docs/screenshots/ holds copies for docs/web.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit import web as web_kit
from kit.practice import example_practice

CHROMIUM = web_kit.CHROMIUM
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="browser tests need Debian's chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    server = web_kit.start(example_practice(tmp_path_factory.mktemp("pictures")),
                           {"dana": ("manager", None)})
    with web_kit.chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.console = []
        page.on("console", lambda m: page.console.append(m.text))
        page.goto(server.url + "/login")
        page.fill("input[name=username]", "dana")
        page.fill("input[name=password]", web_kit.PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        ARTIFACTS.mkdir(exist_ok=True)
        yield server, page
    server.stop()


def fill(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).fill")


def drawn(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["width"] > 0 and box["height"] > 0


def test_overview_due_per_week(site):
    server, page = site
    page.goto(server.url + "/")
    chart = page.locator("svg.chart.due")
    assert drawn(chart)
    # On 2026-12-01: Price's BLS due 12-15 for Ochsner (stage 30, urgent), Adams's licence
    # (lapsed: Ochsner wants it 30 days past a case), Kim's Tulane privileges ended 11-30 ...
    assert chart.locator("rect.bar.lapsed").count() == 1
    assert chart.locator("rect.bar.urgent").count() >= 1
    assert fill(chart.locator("rect.bar.lapsed")) == "rgb(142, 27, 27)"  # --lapsed: CSS applies
    title = chart.locator("title").first.text_content()
    assert title.startswith("Credentials coming due per week, next 26 weeks:")
    assert "lapsed or past due" in chart.locator("desc").text_content()
    assert chart.get_attribute("role") == "img"
    page.locator("figure.chart").first.screenshot(path=ARTIFACTS / "picture-overview.png")
    assert not [m for m in page.console if "Content Security Policy" in m]


def test_facility_coverage_steps(site):
    server, page = site
    page.goto(server.url + "/facilities/tulane")
    charts = page.locator("section.coverage svg.chart.coverage")
    assert charts.count() == 2  # technologists, readers
    readers = charts.nth(1)
    assert drawn(readers.locator("polyline.cleared")) and drawn(readers.locator("polyline.peak"))
    # Tulane's readers: nobody from the week of 2027-02-01 (Patel's LA licence ends 01-31)
    short = readers.locator("rect.week.short")
    assert short.count() >= 2
    assert "week of 2027-02-01: short, 0 cleared" in short.first.text_content()
    assert fill(short.first) == "rgb(251, 227, 227)"  # --lapsed-bg
    assert "readers, all cases" in readers.locator("title").first.text_content()
    assert "week of 2026-12-14: 2 cleared, 1 at once, thin" in readers.locator("desc").text_content()
    page.locator("section.coverage figure.chart").nth(1).screenshot(
        path=ARTIFACTS / "picture-facility.png")
    assert not [m for m in page.console if "Content Security Policy" in m]


def test_person_timeline(site):
    server, page = site
    page.goto(server.url + "/people/t-okafor")
    chart = page.locator("svg.chart.timeline")
    assert drawn(chart)
    # eleven credentials, each a bar; his Tulane privileges (renewal submitted) in blue. The
    # picture runs to 2028-12-01: all but CNIM (2029-12-31) and R. EP T. (2028-12-31) end inside
    # it with no renewal on record, so nine red gaps; his cases C-1004, C-1009, C-1012 as ticks
    assert chart.locator("rect.valid").count() == 11
    submitted = chart.locator("rect.valid.submitted")
    assert submitted.count() == 1 and "2026-12-12 (renewal_submitted)" in submitted.text_content()
    assert chart.locator("rect.gap").count() == 9
    assert fill(chart.locator("rect.gap").first) == "rgb(192, 57, 43)"
    assert chart.locator("line.case").count() == 3
    # alert stages inside the picture (to 2028-11-30): 90, 60, 30, 7, 0 days before each of
    # the nine expiries in it; of R. EP T.'s (2028-12-31) 365, 180, 90 and 60 only; none of
    # CNIM's (2029-12-31: its first stage, 365 days before, is 2028-12-31)
    assert chart.locator("line.stage").count() == 9 * 5 + 1 * 4
    assert "renewal submitted" in chart.locator("desc").text_content()
    page.locator("figure.chart").first.screenshot(path=ARTIFACTS / "picture-person.png")
    assert not [m for m in page.console if "Content Security Policy" in m]
