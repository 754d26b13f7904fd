"""The three pictures on a large synthetic practice, in Debian's Chromium (Playwright).

    python bench/pictures.py [--people 5000] [--dir /tmp/nervecenter-web-bench]

Generates the practice with bench/generate.py (once per directory, shared with bench/web.py),
serves it with uvicorn on 127.0.0.1, logs in as a manager and opens the overview, a facility and
a person: prints the server time of each page (warm: the evaluation of the day already made),
the load time in the browser, and the picture's size; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nervecenter-web-bench"))
    args = parser.parse_args(argv)

    from generate import generate
    from kit import web as web_kit
    from playwright.sync_api import sync_playwright

    target = args.dir / str(args.people)
    if not (target / "practice.yaml").exists():
        print(generate(target, people=args.people))
    server = web_kit.start(target, {"bench-pictures": ("manager", None)}, on=date(2026, 12, 1))
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    try:
        ws = server.workspace
        ev = ws.evaluate(date(2026, 12, 1))
        facility = min(ws.practice.facilities)
        person = next(d.credential.person for d in ev.due_dates if d.days_left < 0)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=web_kit.chromium_args())
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "bench-pictures")
            page.fill("input[name=password]", web_kit.PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_load_state()
            for name, path, chart in [("overview", "/", "svg.chart.due"),
                                      ("facility", f"/facilities/{facility}",
                                       "svg.chart.coverage"),
                                      ("person", f"/people/{person}", "svg.chart.timeline")]:
                for _ in range(2):  # the first of each: caches; the second: what a user waits
                    start = time.perf_counter()
                    response = page.goto(server.url + path)
                    loaded = time.perf_counter() - start
                svg = page.locator(chart).first
                assert response.ok and svg.is_visible(), (name, response.status)
                server_time = response.request.timing["responseStart"] / 1000
                print(f"{name:9} {path:32} server {server_time:5.2f} s  loaded {loaded:5.2f} s  "
                      f"picture {len(svg.evaluate('e => e.outerHTML')) / 1e3:6.1f} kB  "
                      f"bars {svg.locator('rect').count()}")
                svg.screenshot(path=artifacts / f"bench-picture-{name}.png")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
