"""Time README's test command and its fast tier (not part of the test run).

It runs, in this checkout, the two nox sessions as a user would after the first install
(the venv under .nox/ is reused, so installing is not timed):

(a) ``python3 -m nox -s tests``  the whole test command that README names and .ci/run calls
(b) ``python3 -m nox -s fast``   the fast tier (``-m "not slow"``: no kernels, studies, Chromium)

and prints the wall and CPU time of each, the load average (other processes slow both), and
the ratio of the two. Goals (issue #13, on an idle 2-core machine): the whole command under
300 s, the fast tier under 60 s. The last line is exactly::

    tests_s=<a> fast_s=<b> fast_share=<b/a> tests_goal_met=<yes|no> fast_goal_met=<yes|no>

Usage: ``python3 bench/test_tiers.py [--only fast|tests]`` (needs nox, as README's commands do)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
GOALS = {"tests": 300.0, "fast": 60.0}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_session(name: str) -> float:
    """Run ``nox -s NAME`` and return its wall time; a failing session stops the bench."""
    load = os.getloadavg()[0]
    cpu0, start = children_cpu(), time.perf_counter()
    nox = [shutil.which("nox")] if shutil.which("nox") else ["python3", "-m", "nox"]
    done = subprocess.run([*nox, "-s", name], cwd=CHECKOUT,
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu0
    summary = [line for line in done.stdout.splitlines() if " passed" in line or " failed" in line]
    print(f"nox -s {name}: {wall:.1f} s wall, {cpu:.1f} CPU-s, load {load:.1f} at start; "
          f"{summary[-1].strip('= ') if summary else 'no pytest summary'}", flush=True)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"nox -s {name} failed (exit {done.returncode})")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(GOALS))
    args = parser.parse_args(argv)
    names = [args.only] if args.only else ["tests", "fast"]
    times = {name: time_session(name) for name in names}
    if len(times) == 2:
        met = {n: "yes" if times[n] <= GOALS[n] else "no" for n in times}
        print(f"tests_s={times['tests']:.1f} fast_s={times['fast']:.1f} "
              f"fast_share={times['fast'] / times['tests']:.3f} "
              f"tests_goal_met={met['tests']} fast_goal_met={met['fast']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
