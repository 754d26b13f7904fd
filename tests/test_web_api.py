"""The JSON API: the CLI's keys, bearer tokens, and schemathesis against /openapi.json on a
live server (a bounded number of generated requests per operation, none may answer 5xx or
break the documented schema)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from kit import web

USERS = {"dana": ("manager", None), "price": ("person", "t-price")}
EXAMPLES = 30  # generated requests per operation and user


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web.start(web.example_practice(tmp_path_factory.mktemp("api")), USERS)
    yield s
    s.stop()


def bearer(server, name):
    return {"Authorization": f"Bearer {server.app.state.users.new_token(name)}"}


def test_openapi_documents_every_api_endpoint_and_no_page(server):
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    assert sorted(spec["paths"]) == ["/api/alerts", "/api/cases", "/api/cases.csv",
                                     "/api/conflicts", "/api/coverage",
                                     "/api/facilities/{facility_id}", "/api/people",
                                     "/api/status", "/api/status.csv"]
    for name, path in spec["paths"].items():
        assert "401" in path["get"]["responses"]
        kind = "text/csv" if name.endswith(".csv") else "application/json"
        assert list(path["get"]["responses"]["200"]["content"]) == [kind]


def test_openapi_says_how_to_authenticate_and_a_client_following_it_gets_in(server):
    from openapi_spec_validator import validate

    with server.client() as c:
        spec = c.get("/openapi.json").json()
    validate(spec)  # the OpenAPI 3.1 document is valid, security schemes included
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "opaque token",
                                 "description": schemes["bearer"]["description"]}
    assert schemes["session"]["in"] == "cookie" and schemes["session"]["name"] == \
        "nervecenter_session"
    for path, item in spec["paths"].items():
        assert item["get"]["security"] == [{"bearer": []}, {"session": []}], path
    # what a generated client does with the scheme: Authorization: <Scheme> <token>
    token = server.app.state.users.new_token("dana")
    header = {"Authorization": f"{schemes['bearer']['scheme'].title()} {token}"}
    with server.client(headers=header) as c:
        assert c.get("/api/people").status_code == 200
    with server.client() as c:
        assert c.get("/api/people").status_code == 401


def test_status_keys_are_the_clis(server):
    with server.client(headers=bearer(server, "dana")) as c:
        body = c.get("/api/status", params={"person": "t-price"}).json()
    assert body["as_of"] == "2026-12-01"
    # Jordan Price's BLS was issued 2025-12-15; Ochsner (his cases there) takes it 12 months:
    # due 2026-12-15, 14 days from 2026-12-01: stage 30.
    bls = next(i for i in body["items"] if i["credential"] == "t-price:bls")
    assert bls == {"person": "t-price", "credential": "t-price:bls", "type": "bls",
                   "scope": None, "expires": bls["expires"], "due": "2026-12-15",
                   "due_reason": "ochsner-main: max_age_months 12", "days_left": 14,
                   "stage": 30, "status": "active", "cases": ["C-1013"]}
    # C-1013 (Ochsner, 2026-12-17) falls after that due date: the table and CSV say so too


def test_cases_keys_and_filters(server):
    with server.client(headers=bearer(server, "dana")) as c:
        body = c.get("/api/cases", params={"case": "C-1001"}).json()
        assert c.get("/api/cases", params={"from": "2026-12-10", "to": "2026-12-01"}) \
            .json()["cases"] == []
        later = c.get("/api/cases", params={"from": "2026-12-20", "to": "2026-12-31"}).json()
        assert [x["id"] for x in later["cases"]] == ["C-1014", "C-1015", "C-1016"]
        blocked = c.get("/api/cases", params={"outcome": "blocked"}).json()["cases"]
    [case] = body["cases"]
    assert set(case) == {"id", "facility", "start", "end", "procedure", "technologist", "reader",
                         "outcome", "problems", "backups"}
    assert (case["start"], case["outcome"]) == ("2026-12-03T08:00:00-06:00", "blocked")
    assert [(p["person"], p["type"], p["reason"], p["source"]) for p in case["problems"]] == \
        [("r-adams", "state_license", "expires_too_soon", "facility:ochsner-main")]
    assert blocked and {c["outcome"] for c in blocked} == {"blocked"}


def test_facility_requirements_and_who_is_cleared(server):
    with server.client(headers=bearer(server, "dana")) as c:
        tulane = c.get("/api/facilities/tulane").json()
        assert c.get("/api/facilities/nowhere").status_code == 404
    assert (tulane["state"], tulane["enforcement"]) == ("LA", "warn")
    assert tulane["requirements"][0]["source"] == "state:LA"
    assert {r["source"] for r in tulane["requirements"]} == {"state:LA", "facility:tulane"}
    assert set(tulane["cleared_this_week"]) <= {p["id"] for p in people(server)}


def people(server):
    with server.client(headers=bearer(server, "dana")) as c:
        return c.get("/api/people").json()["people"]


def test_api_json_equals_the_clis_json(server):
    """`nervecenter cases/status/conflicts --format json` and /api/* say the same thing."""
    import json

    from click.testing import CliRunner

    pytest.importorskip("nervecenter.commands.evaluate",
                        reason="the rules engineer's cases/status/conflicts commands")

    from nervecenter.cli import cli

    with server.client(headers=bearer(server, "dana")) as c:
        for command, path in [("cases", "/api/cases"), ("status", "/api/status"),
                              ("conflicts", "/api/conflicts")]:
            result = CliRunner().invoke(cli, [command, "--config", str(server.config_dir),
                                              "--on", "2026-12-01", "--format", "json"])
            assert result.exit_code == 0, result.output
            body = c.get(path).json()
            assert body.pop("next") is None, command  # the example fits on one page
            assert body == json.loads(result.output), command


def test_schemathesis_finds_no_server_error(server):
    import schemathesis

    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) == 9
    for name in USERS:
        headers = bearer(server, name)
        for operation in operations:
            fuzz(operation, server.url, headers)


def fuzz(operation, url, headers):
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(base_url=url, headers=headers)

    check()
