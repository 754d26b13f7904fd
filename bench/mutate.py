"""Mutation testing of the rules engine (nervecenter/rules/ and nervecenter/core/dates.py).

    .venv/bin/python bench/mutate.py                # everything (see docs/mutation.md for times)
    .venv/bin/python bench/mutate.py plans backups  # only the modules a change touches
    .venv/bin/python bench/mutate.py --report       # the table and survivors of the last run
    .venv/bin/python bench/mutate.py --diffs        # ... with the diff of each survivor

mutmut (the `test` extra) does the work, configured under [tool.mutmut] in pyproject.toml: it
mutates the engine in a copy of the package under mutants/ and runs the quick rules and date tests
against each mutant. This script starts it from a clean mutants/ (mutmut reuses old results when
it thinks nothing changed, which it cannot always tell), prints the score per module, and lists
every mutant no test noticed. Each survivor should be killed by a test or explained in
docs/mutation.md. Exit status 1 when a module scores below --module-floor (default 80%) or, for
a run of everything, the total is below --fail-under (default 90%).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"


def run(children: int, modules: list[str]) -> None:
    shutil.rmtree(MUTANTS, ignore_errors=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    cmd = [str(mutmut) if mutmut.exists() else "mutmut", "run", "--max-children", str(children)]
    # "plans" -> every mutant of nervecenter/rules/plans.py; "dates" -> core/dates.py.
    cmd += [f"nervecenter.{'core' if m == 'dates' else 'rules'}.{m}.*" for m in modules]
    # mutmut draws a progress line many times a second: keep only its last state.
    proc = subprocess.run(cmd, check=False, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    tail = proc.stdout.replace("\r", "\n").strip().splitlines()[-3:]
    print("\n".join(tail))
    if proc.returncode:
        sys.exit(f"mutmut run failed with status {proc.returncode}")


def results() -> dict[str, dict[str, str]]:
    """Source path -> mutant name -> status, from the last run's mutants/**/*.meta."""
    from mutmut.__main__ import status_by_exit_code

    out: dict[str, dict[str, str]] = {}
    for meta in sorted(MUTANTS.glob("nervecenter/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        source = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        out[source] = {name: status_by_exit_code[code] for name, code in sorted(
            codes.items(), key=lambda kv: _natural(kv[0])) if code is not None}  # None: not run
    return out


def _natural(name: str) -> tuple[str, int]:
    base, _, n = name.rpartition("_")
    return (base, int(n)) if n.isdigit() else (name, 0)


def table(found: dict[str, dict[str, str]]) -> tuple[float, float]:
    """Print mutants, killed, survived and score per module; return the overall and the lowest
    module score."""
    print(f"\n{'module':38} {'mutants':>7} {'killed':>7} {'survived':>8} {'score':>7}")
    total = Counter()
    lowest = 1.0
    for source, statuses in found.items():
        if not statuses:
            continue
        c = Counter("killed" if s in ("killed", "timeout") else "survived" for s in statuses.values())
        total.update(c)
        n = len(statuses)
        print(f"{source:38} {n:7} {c['killed']:7} {c['survived']:8} {c['killed'] / n:7.1%}")
        lowest = min(lowest, c["killed"] / n)
    n = total["killed"] + total["survived"]
    score = total["killed"] / n if n else 1.0
    print(f"{'total':38} {n:7} {total['killed']:7} {total['survived']:8} {score:7.1%}")
    return score, lowest


def survivors(found: dict[str, dict[str, str]], diffs: bool) -> None:
    """Every mutant no test noticed (`survived`, or `no tests` when none of the selected tests
    even runs the function), with its diff on request."""
    if diffs:
        from mutmut.mutation.diff_apply import get_diff_for_mutant
    left = [(source, name, status) for source, statuses in found.items()
            for name, status in statuses.items() if status not in ("killed", "timeout")]
    print(f"\n{len(left)} mutants not killed:")
    for source, name, status in left:
        print(f"  {name}: {status}")
        if diffs:
            diff = get_diff_for_mutant(name, path=source)
            print("\n".join("      " + line for line in diff.splitlines()[2:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="only these modules (plans, due, dates, ...)")
    parser.add_argument("--report", action="store_true", help="report the last run, do not run")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's diff")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2,
                        help="mutants tested at once (default: one per core)")
    parser.add_argument("--fail-under", type=float, default=90.0,
                        help="minimum overall score of a run of everything, %%")
    parser.add_argument("--module-floor", type=float, default=80.0,
                        help="minimum score of any module, %%")
    args = parser.parse_args()
    os.chdir(ROOT)
    if not args.report:
        run(args.children, args.modules)
    found = results()
    if not found:
        sys.exit("no results under mutants/: run without --report first")
    score, lowest = table(found)
    survivors(found, args.diffs)
    if lowest * 100 < args.module_floor:
        sys.exit(f"\na module scores {lowest:.1%}, below {args.module_floor:g}%")
    partial = any(not statuses for source, statuses in found.items()
                  if not source.endswith("__init__.py"))
    if not partial and score * 100 < args.fail_under:
        sys.exit(f"\nmutation score {score:.1%} is below {args.fail_under:g}%")


if __name__ == "__main__":
    main()
