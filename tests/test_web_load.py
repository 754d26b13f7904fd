"""The web under load, on a generated practice (bench/generate.py, 60 people): questions beside
the latest evaluation evaluate at most once per user and period (issue 13 #15), heavy requests
are limited in number, large answers are streamed, the full lists come as CSV, and a person
page reads only the newest of a long alert history. Over real HTTP to a real server."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from kit import web
from kit.cli import run_process

from nervecenter.service import runner
from nervecenter.web import capacity, pages, records

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import generate


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = tmp_path_factory.mktemp("load") / "practice"
    generate.generate(config, people=60, seed=5, as_of=web.DAY)
    s = web.start(config, {"dana": ("manager", None)})
    tech = min(p for p, role in s.workspace.store.people_roles().items()
               if role == "technologist")
    s.app.state.users.add("tech", "person", web.PASSWORD, person=tech)
    runner.run(s.workspace, on=web.DAY)  # fills the alert log
    yield s
    s.stop()


def client(server, name: str):
    token = server.app.state.users.new_token(name)
    return server.client(headers={"Authorization": f"Bearer {token}"})


def range_evaluations(caplog) -> int:
    return sum(1 for r in caplog.records if r.name == "nervecenter.evaluation"
               and r.getMessage().startswith("evaluated the cases from"))


def test_a_range_of_dates_costs_at_most_one_evaluation_per_user_and_period(server, caplog):
    """Issue 13 #15: any person-role user could make the server evaluate on every
    /api/cases?from=... request."""
    caplog.set_level(logging.INFO, "nervecenter.evaluation")
    horizon = server.workspace.practice.alerts.case_horizon_days
    with client(server, "tech") as c:
        inside = [c.get("/api/cases", params={"from": str(web.DAY + timedelta(days=n)),
                                              "to": str(web.DAY + timedelta(days=horizon))})
                  for n in range(0, horizon, 7)]
        assert [r.status_code for r in inside] == [200] * len(inside)
        assert range_evaluations(caplog) == 0  # cut from the latest evaluation

        outside = [c.get("/api/cases", params={"from": str(web.DAY - timedelta(days=n)),
                                               "to": str(web.DAY - timedelta(days=1))})
                   for n in range(2, 30)]
        codes = [r.status_code for r in outside]
        assert codes[0] == 200 and set(codes[1:]) == {429}, codes
        assert all(1 <= int(r.headers["Retry-After"]) <= capacity.EVALUATION_EVERY + 1
                   for r in outside[1:])
        assert "detail" in outside[1].json()
        again = c.get("/api/cases", params={"from": str(web.DAY - timedelta(days=2)),
                                            "to": str(web.DAY - timedelta(days=1))})
        assert again.status_code == 200 and again.json() == outside[0].json()  # kept
    assert range_evaluations(caplog) == 1
    with client(server, "dana") as c:  # the limit is per user
        assert c.get("/api/cases", params={"from": str(web.DAY - timedelta(days=40)),
                                           "to": str(web.DAY - timedelta(days=39))}
                     ).status_code == 200
    assert range_evaluations(caplog) == 2


def test_heavy_requests_beyond_the_limit_are_refused_at_once_and_light_ones_go_on(server):
    day = web.DAY
    heavy = ["/api/coverage", "/api/cases.csv", "/api/status.csv",
             f"/api/cases?from={day - timedelta(days=60)}&to={day - timedelta(days=59)}"]
    case = server.workspace.latest(web.DAY).evaluation.clearances[0].case.id
    light = [f"/cases/{case}", "/api/cases?limit=5", "/api/people?limit=5"]
    server.app.state.users.add("erin", "manager", web.PASSWORD)
    kept = server.app.state.capacity
    server.app.state.capacity = capacity.Capacity(heavy_at_once=0)  # every slot taken
    try:
        with client(server, "erin") as c:
            for path in heavy:
                r = c.get(path)
                assert r.status_code == 503 and r.headers["Retry-After"] == "5", path
                assert "busy" in r.json()["detail"]
            assert [c.get(p).status_code for p in light] == [200] * len(light)
            page = server.login("erin").get("/whatif", params={"lapse": "x"})
            assert page.status_code == 503 and "busy" in page.text
    finally:
        server.app.state.capacity = kept
    with client(server, "erin") as c:  # a refused request did not count as erin's evaluation
        assert [c.get(p).status_code for p in heavy] == [200] * len(heavy)


def test_a_page_of_a_thousand_is_streamed_and_the_same_as_small_pages(server):
    with client(server, "dana") as c:
        big = c.get("/api/cases", params={"limit": 1000})
        assert big.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in big.headers
        whole = big.json()
        assert len(whole["cases"]) > 100 and whole["next"] is None
        pieces, url = [], "/api/cases?limit=100"
        while url:
            body = c.get(url).json()
            assert body["as_of"] == whole["as_of"]
            pieces += body["cases"]
            url = body["next"]
        assert pieces == whole["cases"]
        small = c.get("/api/cases", params={"limit": 5})
        assert small.headers["content-length"] == str(len(small.content))


def test_the_whole_lists_as_csv_are_the_commands_csv(server):
    config = str(server.config_dir)
    for path, command in [("/api/cases.csv", "cases"), ("/api/status.csv", "status")]:
        with client(server, "dana") as c:
            r = c.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"].startswith("attachment")
        cli = run_process(command, "--config", config, "--on", str(web.DAY), "--format", "csv")
        assert cli.returncode == 0, cli.stderr
        assert r.text.rstrip("\n") == cli.stdout.rstrip("\n"), path
    with client(server, "tech") as c:  # a person user: only their own cases
        me = server.app.state.users.get("tech").person
        rows = c.get("/api/cases.csv").text.splitlines()[1:]
        assert rows and all(me in row for row in rows)


def test_a_person_page_shows_the_newest_alerts_and_links_to_the_rest(server, monkeypatch):
    from nervecenter.alerts.ledger import Ledger

    counts: dict[str, int] = {}
    for a in Ledger(server.workspace.store.engine).log(limit=None):
        if a["person"]:
            counts[a["person"]] = counts.get(a["person"], 0) + 1
    person, most = max(counts.items(), key=lambda kv: kv[1])
    assert most > pages.PERSON_ALERTS
    dana = server.login("dana")
    page = dana.get(f"/people/{person}").text
    table = page[page.index("<h2>Alerts sent</h2>"):]
    assert f'href="/alerts?person={person}"' in table
    monkeypatch.setattr(pages, "PAGE_ROWS", 10)
    keys, url = [], f"/alerts?person={person}"
    while url:
        log = dana.get(url).text
        keys += list(dict.fromkeys(_keys(log)))
        nxt = [h for h in _links(log) if "rel=\"next\"" in h]
        url = nxt[0].split('href="')[1].split('"')[0].replace("&amp;", "&") if nxt else None
    # the rows are the deliveries to them (the page of a person shows no manager's channel)
    mine = [a["key"] for a in records.alert_log(server.workspace, person=person, limit=None)
            if a["deliveries"]]
    assert keys == mine and len(mine) > 10


def _keys(html: str) -> list[str]:
    import re

    return re.findall(r"<br><small>([^<]+)</small></td><td>", html)


def _links(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="[^"]+" rel="[a-z]+">', html)


def test_the_api_says_what_it_answers_with_429_and_503(server):
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    cases = spec["paths"]["/api/cases"]["get"]["responses"]
    assert {"429", "503"} <= set(cases)
    assert json.dumps(spec["paths"]["/api/coverage"]["get"]["responses"]).count("503") == 1
