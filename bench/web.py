"""How long the dashboard and the API take on a large synthetic practice.

    python bench/web.py [--people 5000] [--dir /tmp/nervecenter-web-bench]

Generates the practice with bench/generate.py (once per directory), imports it, then times each
page and API endpoint as a manager and as a person user through the ASGI app in process (no
network), warm (evaluation reused) and cold (a new evaluation). Prints wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench password"


def timed(client, path, headers):
    wall, cpu = time.perf_counter(), time.process_time()
    r = client.get(path, headers=headers)
    return r, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nervecenter-web-bench"))
    args = parser.parse_args(argv)

    from generate import generate
    from starlette.testclient import TestClient

    from nervecenter.web.app import create_app

    target = args.dir / str(args.people)
    if not (target / "practice.yaml").exists():
        print(generate(target, people=args.people))
    start = time.perf_counter()
    app = create_app(target, on=date(2026, 12, 1))
    app.state.workspace.sync_sources()
    print(f"open and import: {time.perf_counter() - start:.1f} s")
    users = app.state.users
    person = min(app.state.workspace.store.people_roles())
    if users.get("bench-manager") is None:
        users.add("bench-manager", "manager", PASSWORD)
        users.add("bench-person", "person", PASSWORD, person=person)
    client = TestClient(app)
    headers = {"manager": {"Authorization": f"Bearer {users.new_token('bench-manager')}"},
               "person": {"Authorization": f"Bearer {users.new_token('bench-person')}"}}

    r, wall, cpu = timed(client, "/api/status", headers["manager"])
    print(f"{'cold: sync, snapshot, evaluation':44} {wall:6.2f} s wall {cpu:6.2f} s CPU")
    case = app.state.workspace.evaluate(app.state.on).clearances[0].case.id
    facility = min(app.state.workspace.practice.facilities)
    paths = ["/", "/people", f"/people/{person}", "/cases", f"/cases/{case}",
             f"/facilities/{facility}", "/alerts", "/api/status", "/api/cases", "/api/conflicts",
             "/api/people", "/api/alerts", f"/api/facilities/{facility}"]
    for who in ("manager", "person"):
        for path in paths:
            r, wall, cpu = timed(client, path, headers[who])
            print(f"{who:8} {path:35} {r.status_code} {wall:6.2f} s wall {cpu:6.2f} s CPU "
                  f"{len(r.content) / 1e6:6.2f} MB")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
