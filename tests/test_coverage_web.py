"""Coverage ahead in the API and on the facility page: the CLI's answer, for managers only."""

from __future__ import annotations

import json
import re

import pytest
import web_kit
from click.testing import CliRunner

from nervecenter.cli import cli

USERS = {"dana": ("manager", None), "price": ("person", "t-price")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web_kit.start(web_kit.example_practice(tmp_path_factory.mktemp("coverage")), USERS)
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
