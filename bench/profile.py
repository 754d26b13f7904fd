"""Profile one step of the benchmark with pyinstrument, on a practice bench/run.py prepared.

    python bench/run.py --people 5000 --dir /tmp/nc5k --repeat 1     # generate + import once
    python bench/profile.py --dir /tmp/nc5k --step evaluation [--html out.html]

Steps: config_load, snapshot, evaluation, planning (each on the practice's own database).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STEPS = ("config_load", "snapshot", "evaluation", "planning")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="a practice bench/run.py --dir prepared")
    parser.add_argument("--step", choices=STEPS, default="evaluation")
    parser.add_argument("--as-of", default="2026-12-01")
    parser.add_argument("--html", help="write pyinstrument's HTML report here")
    args = parser.parse_args(argv)

    from pyinstrument import Profiler

    from nervecenter.alerts import planning as alerts
    from nervecenter.core.config import load_practice
    from nervecenter.rules import evaluate
    from nervecenter.service.workspace import open_store

    on = date.fromisoformat(args.as_of)
    practice = load_practice(args.dir)
    store = open_store(practice)
    profiler = Profiler(interval=0.0005)
    if args.step == "config_load":
        with profiler:
            load_practice(args.dir)
    elif args.step == "snapshot":
        with profiler:
            store.snapshot(on)
    else:
        snapshot = store.snapshot(on)
        if args.step == "evaluation":
            with profiler:
                evaluate(practice, snapshot, on)
        else:
            ev = evaluate(practice, snapshot, on)
            with profiler:
                alerts.plan(practice, snapshot, ev, alerts.History(), digest=True)
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
