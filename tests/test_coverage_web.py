"""Coverage ahead in the API and on the facility page: the CLI's answer, for managers only."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from kit import web as web_kit
from kit.practice import example_practice

from nervecenter.cli import cli

USERS = {"dana": ("manager", None), "price": ("person", "t-price")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web_kit.start(example_practice(tmp_path_factory.mktemp("coverage")), USERS)
    yield s
    s.stop()


def bearer(server, name):
    return {"Authorization": f"Bearer {server.app.state.users.new_token(name)}"}


def test_api_coverage_is_the_clis(server):
    result = CliRunner().invoke(cli, ["coverage", "--config", str(server.config_dir), "--on",
                                      web_kit.DAY.isoformat(), "--format", "json",
                                      "--weeks", "4", "--facility", "tulane"])
    assert result.exit_code == 0, result.output
    with server.client(headers=bearer(server, "dana")) as c:
        body = c.get("/api/coverage", params={"facility": "tulane", "weeks": 4}).json()
        assert c.get("/api/coverage", params={"facility": "nowhere"}).status_code == 404
        everything = c.get("/api/coverage").json()
    assert body == json.loads(result.output)
    assert body["as_of"] == "2026-12-01" and len(body["facilities"][0]["roles"]["reader"]) == 4
    assert [f["id"] for f in everything["facilities"]] == [
        "memorial-hermann-tmc", "ochsner-main", "tulane"]


def test_a_person_user_does_not_see_coverage(server):
    with server.client(headers=bearer(server, "price")) as c:
        assert c.get("/api/coverage").status_code == 404
    price = server.login("price")
    assert 'id="coverage"' not in price.get("/facilities/tulane").text


def test_facility_page_coverage_section(server):
    dana = server.login("dana")
    page = dana.get("/facilities/tulane").text
    section = page[page.index('id="coverage"'):page.index("Cases here")]
    assert "Coverage ahead (12 weeks)" in section
    rows = re.findall(r'<tr class="(short|thin|ok)">\s*<td>([\d-]+)</td>(.*?)</tr>', section, re.DOTALL)
    readers = rows[12:24]  # technologists first, then readers
    # Tulane readers: Adams's LA licence expires Sunday 12-20, Patel's 2027-01-31
    week = {w: (flag, re.findall(r'/people/([\w-]+)', cells)) for flag, w, cells in readers}
    assert week["2026-12-14"] == ("thin", ["r-adams", "r-patel"])
    assert week["2026-12-21"] == ("thin", ["r-patel"])
    assert week["2027-02-01"] == ("short", [])
    # Okafor's Tulane privileges end 12-12 with a renewal submitted
    technologists = {w: cells for _, w, cells in rows[:12]}
    assert re.search(r"renewal submitted: <a href=\"/people/t-okafor\">",
                     technologists["2026-12-07"])


def test_whatif_from_the_person_page(server):
    dana = server.login("dana")
    person = dana.get("/people/t-hebert").text
    assert 'action="/whatif"' in person and 'name="without" value="t-hebert"' in person
    page = dana.get("/whatif", params={"without": "t-hebert", "from": "2026-12-10"})
    assert page.status_code == 200
    cases = re.findall(r'<td><a href="/cases/(C-\d+)">', page.text)
    # as `nervecenter whatif --without t-hebert --from 2026-12-10` on 2026-12-01 gives it
    result = CliRunner().invoke(cli, ["whatif", "--config", str(server.config_dir), "--on",
                                      web_kit.DAY.isoformat(), "--format", "json",
                                      "--without", "t-hebert", "--from", "2026-12-10"])
    assert cases == [c["case"] for c in json.loads(result.output)["changes"]]
    assert "C-1016" in cases and "C-1006" not in cases
    assert "Nothing is written" in page.text
    bad = dana.get("/whatif", params={"without": "t-nobody"})
    assert bad.status_code == 400 and "no person &#39;t-nobody&#39; in the roster" in bad.text
    price = server.login("price")
    assert price.get("/whatif", params={"without": "t-hebert"}).status_code == 404
    assert 'action="/whatif"' not in price.get("/people/t-price").text


def test_whatif_of_new_facility_rules_from_the_facility_page(server):
    dana = server.login("dana")
    page = dana.get("/facilities/tulane").text
    rules = re.search(r'<textarea id="rules" name="rules"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    from html import unescape
    yaml = unescape(rules.group(1))
    assert "\nid: tulane\n" in f"\n{yaml}"
    csrf = web_kit.csrf_of(page)
    answer = dana.post("/whatif/facility-rules", data={
        "rules": yaml.replace("enforcement: warn ", "enforcement: block"), "csrf_token": csrf})
    assert answer.status_code == 200
    assert re.findall(r'<td><a href="/cases/(C-\d+)">', answer.text) == ["C-1003", "C-1012"]
    broken = dana.post("/whatif/facility-rules", data={
        "rules": yaml.replace("credential: tb_screening", "credential: tb_scrn"),
        "csrf_token": csrf})
    assert broken.status_code == 400 and "the rules entered:" in broken.text
    assert dana.post("/whatif/facility-rules", data={"rules": yaml}).status_code == 403
