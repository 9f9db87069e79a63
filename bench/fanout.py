"""Benchmark a run matrix on the local process pool against a Dask LocalCluster of the same size.

Not part of the test run. On a temporary copy of the project (the real ``params/`` and
``outputs/`` are never touched) it

1. generates ``--regions`` region profiles ``data/regions/rNN/profile.yaml`` (copies of the
   ``ruse`` profile with their own id, names and data folder) and their demonstration data
   (``python -m ruse_research.synthetic`` once, copied to every region: the same per-run work);
2. replaces ``params/`` by one run-matrix file per study (``--studies``) crossed with the
   regions and the two languages;
3. times ``ruse-research run --force`` on the local pool and with ``--executor dask`` (a
   ``LocalCluster`` of ``--jobs`` workers started by the runner), each from empty outputs;
4. measures ``pair_ratio``: the CPU time of the bg + en runs of one region (every selected
   study, one run at a time, empty memo) over that of the bg runs alone.

The full matrix of the issue is ``--regions 28`` with all four studies (224 runs; hours on two
cores). A smaller matrix has the same per-run work; make it at least twice as wide as ``--jobs``
(``--regions 2 --studies staff_attitudes,civic_monitoring``, 8 runs, for two workers): on Dask the
second language of a study waits for the first one's memo while the pool starts both at once, so
a 2-run matrix times that wait rather than the executor.
The last line is exactly::

    runs=<n> local_s=<s> dask_s=<s> overhead=<dask/local - 1> pair_ratio=<cpu pair / cpu one language>

Usage: ``python bench/fanout.py [--regions N] [--studies a,b] [--jobs N] [--keep]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from project_copy import CHECKOUT, children_cpu, copy_project, environment

COPIED = ("notebooks", "data", "src", "pyproject.toml", "requirements.lock")
STUDIES = ("staff_attitudes", "stakeholder_opinions", "participation_model", "civic_monitoring")


def make_project(root: Path, regions: int, studies: list[str]) -> list[str]:
    """The copy with ``regions`` generated profiles and one matrix params file per study."""
    import yaml

    copy_project(root, COPIED)
    template = (CHECKOUT / "data" / "regions" / "ruse" / "profile.yaml").read_text(encoding="utf-8")
    ids = [f"r{i:02d}" for i in range(1, regions + 1)]
    generated = root / "data" / "regions" / "generated-raw"
    subprocess.run([sys.executable, "-m", "ruse_research.synthetic", "--profile", "ruse", "--out", str(generated)],
                   check=True, env=environment(root), capture_output=True)
    for rid in ids:
        folder = root / "data" / "regions" / rid
        text = re.sub(r"(?m)^id: .*$", f"id: {rid}", template)
        text = re.sub(r"(?m)^data_dir: .*$", f"data_dir: data/regions/{rid}/raw", text)
        text = text.replace("Ruse", f"Ruse {rid}").replace("Русе", f"Русе {rid}")
        folder.mkdir(parents=True)
        (folder / "profile.yaml").write_text(text, encoding="utf-8")
        shutil.copytree(generated, folder / "raw")
    shutil.rmtree(generated)
    params = root / "params"
    params.mkdir()
    for study in studies:
        data = yaml.safe_load((CHECKOUT / "params" / f"{study}.bg.yaml").read_text(encoding="utf-8"))
        data["parameters"].pop("lang", None)
        data["matrix"] = {"region": ids, "lang": ["bg", "en"]}
        (params / f"{study}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    return ids


def ruse_run(root: Path, *args: str) -> tuple[float, float, str]:
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ruse_research", "run", *args], env=environment(root),
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ruse-research run {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, children_cpu() - cpu, done.stdout


def fresh(root: Path) -> None:
    shutil.rmtree(root / "outputs", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=28, help="generated region profiles (default 28)")
    parser.add_argument("--studies", default=",".join(STUDIES), help="comma-separated studies (default: all 4)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)
    studies = [s for s in args.studies.split(",") if s]
    unknown = sorted(set(studies) - set(STUDIES))
    if unknown or args.regions < 1:
        parser.error(f"--studies: unknown {unknown}, expected some of {', '.join(STUDIES)}" if unknown
                     else "--regions must be 1 or more")

    scratch = Path(tempfile.mkdtemp(prefix="ruse-fanout-"))
    root = scratch / "project"
    try:
        ids = make_project(root, args.regions, studies)
        runs = args.regions * len(studies) * 2
        print(f"{runs} runs: {args.regions} regions x {len(studies)} studies ({', '.join(studies)}) x 2 languages; "
              f"{os.cpu_count()} CPUs, --jobs {args.jobs}, load {os.getloadavg()[0]:.1f}", flush=True)
        env_no_pdf = {"RUSE_RESEARCH_CHROMIUM": os.environ.get("RUSE_RESEARCH_CHROMIUM", "")}
        os.environ.update(env_no_pdf)  # PDFs are the same work on both executors; leave them out
        fresh(root)
        local_s, local_cpu, _ = ruse_run(root, "--force", "--jobs", str(args.jobs))
        print(f"local pool: {local_s:.1f} s ({local_cpu:.0f} CPU-s)", flush=True)
        fresh(root)
        dask_s, dask_cpu, _ = ruse_run(root, "--force", "--jobs", str(args.jobs), "--executor", "dask")
        print(f"dask LocalCluster: {dask_s:.1f} s ({dask_cpu:.0f} CPU-s)", flush=True)

        first = ids[0]
        fresh(root)
        _, one_cpu, _ = ruse_run(root, "--force", "--jobs", "1", *[f"{s}.{first}.bg" for s in studies])
        fresh(root)
        _, pair_cpu, _ = ruse_run(root, "--force", "--jobs", "1", *[f"{s}.{first}.{lang}" for s in studies
                                                                     for lang in ("bg", "en")])
        print(f"one region, one language: {one_cpu:.1f} CPU-s; both languages: {pair_cpu:.1f} CPU-s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
        print(f"runs={runs} local_s={local_s:.1f} dask_s={dask_s:.1f} overhead={dask_s / local_s - 1:.3f} "
              f"pair_ratio={pair_cpu / one_cpu:.2f}")
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
