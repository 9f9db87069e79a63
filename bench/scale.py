"""Scale benchmark for ruse_research.stats.survey (not part of the tests).

The stakeholder estimation at survey sizes far above the real study: rake citizens to
sex x age band x municipality margins (three one-way margins), then estimate 30 Likert
items by 4 stakeholder groups as weighted means with design-based (Taylor) standard
errors under a stratified (municipality) cluster (PSU) design. Same task for samplics
0.6.1 (SampleWeight.rake + TaylorEstimator with domain=group), at the sizes it finishes
in reasonable time.

Wall time depends on what else runs on the machine, so CPU time (process_time) and the
load average are printed beside it. Every measurement runs in a fresh subprocess so peak memory (ru_maxrss) is its own.
Time excludes generating the synthetic data; peak memory is reported two ways:
tracemalloc peak of Python/numpy allocations during the task, and the process's maximum
resident set size (includes the interpreter, imports and the data itself).

Usage::

    python bench/scale.py                   # 10k, 100k, 1M; samplics at 10k and 100k
    python bench/scale.py --sizes 10000 100000 --samplics-max 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

N_ITEMS = 30
GROUPS = ["citizen", "ngo", "business", "municipality"]
SEXES = ["f", "m"]
AGES = ["18-29", "30-44", "45-59", "60-74", "75+"]
MUNICIPALITIES = [f"m{i:02d}" for i in range(8)]
RESPONDENTS_PER_PSU = 20


def make_data(n: int, seed: int = 20190118) -> tuple[pd.DataFrame, dict]:
    """Synthetic respondents with a design and 30 items (5% item non-response)."""
    rng = np.random.default_rng(seed)
    muni = rng.choice(len(MUNICIPALITIES), n, p=np.linspace(2, 1, len(MUNICIPALITIES)) / 12)
    # PSUs nested in municipalities (strata): about 20 respondents each
    psu = muni * (n // RESPONDENTS_PER_PSU + 1) + rng.integers(
        0, max(n // (RESPONDENTS_PER_PSU * 8), 2), n
    )
    sex = rng.choice(2, n, p=[0.55, 0.45])
    age = rng.choice(5, n, p=[0.12, 0.22, 0.26, 0.25, 0.15])
    group = rng.choice(4, n, p=[0.85, 0.05, 0.06, 0.04])
    data = pd.DataFrame(
        {
            "municipality": np.array(MUNICIPALITIES)[muni],
            "psu": psu,
            "sex": np.array(SEXES)[sex],
            "age": np.array(AGES)[age],
            "group": np.array(GROUPS)[group],
            "w0": rng.uniform(0.5, 2.0, n),
        }
    )
    latent = rng.normal(0, 1, n) + 0.3 * (group == 1) - 0.2 * sex
    for j in range(N_ITEMS):
        raw = np.clip(np.round(3 + latent + rng.normal(0, 1, n)), 1, 5)
        raw[rng.uniform(size=n) < 0.05] = np.nan
        data[f"q{j + 1:02d}"] = raw
    # population margins: totals of a population 50x the sample, shares off the sample's
    pop = 50 * n
    margins = {
        "sex": dict(zip(SEXES, pop * np.array([0.52, 0.48]), strict=True)),
        "age": dict(zip(AGES, pop * np.array([0.15, 0.24, 0.25, 0.22, 0.14]), strict=True)),
        "municipality": dict(
            zip(
                MUNICIPALITIES,
                pop * np.full(len(MUNICIPALITIES), 1 / len(MUNICIPALITIES)),
                strict=True,
            )
        ),
    }
    return data, margins


def task_ours(data: pd.DataFrame, margins: dict) -> pd.DataFrame:
    from ruse_research.stats import survey

    data = data.assign(weight=survey.rake(data, margins, weights="w0"))
    items = [f"q{j + 1:02d}" for j in range(N_ITEMS)]
    # weights taken as fixed, as samplics' TaylorEstimator does (like against like)
    design = survey.Design.from_frame(data, weights="weight", strata="municipality", psu="psu")
    return survey.estimate(design, items, by="group")


def task_samplics(data: pd.DataFrame, margins: dict) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam
        from samplics.weighting import SampleWeight

        weight = SampleWeight().rake(
            samp_weight=data["w0"].to_numpy(),
            margins={k: data[k].to_numpy() for k in margins},
            control=margins,
            tol=1e-8,
            ctrl_tol=1e-8,
            max_iter=200,
        )
        rows = []
        for j in range(N_ITEMS):
            item = f"q{j + 1:02d}"
            est = TaylorEstimator(PopParam.mean)
            est.estimate(
                y=data[item].to_numpy(),
                samp_weight=weight,
                stratum=data["municipality"].to_numpy(),
                psu=data["psu"].to_numpy(),
                domain=data["group"].to_numpy(),
                remove_nan=True,
            )
            for g in GROUPS:
                rows.append(
                    {
                        "variable": item,
                        "group": g,
                        "estimate": est.point_est[g],
                        "se": est.stderror[g],
                    }
                )
    return pd.DataFrame(rows)


def worker(which: str, n: int) -> dict:
    data, margins = make_data(n)
    task = task_ours if which == "ours" else task_samplics
    task(data.iloc[:2000].reset_index(drop=True), margins)  # warm imports and caches
    start, cpu_start = time.perf_counter(), time.process_time()
    result = task(data, margins)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    tracemalloc.start()
    task(data, margins)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "which": which,
        "n": n,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "tracemalloc_peak_mb": peak / 2**20,
        "max_rss_mb": rss_mb,
        "rows": len(result),
        "estimate": result.sort_values(["variable", "group"])["estimate"].astype(float).tolist(),
        "se": result.sort_values(["variable", "group"])["se"].astype(float).tolist(),
    }


def run(which: str, n: int, timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", which, str(n)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--samplics-max", type=int, default=100_000, help="largest size to time samplics at"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per measurement")
    parser.add_argument("--worker", nargs=2, metavar=("WHICH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return

    print(
        f"task: rake to sex/age/municipality margins, then {N_ITEMS} items x {len(GROUPS)} groups, "
        "weighted means with Taylor SEs (strata = municipality, PSUs of ~20)"
    )
    print(
        "agree = largest |difference| of the 120 estimates and largest relative difference of "
        "the 120 SEs between ruse_research and samplics"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}")
    print(
        f"{'n':>9} {'ours s':>7} {'ours cpu':>8} {'tracemalloc MB':>14} {'max RSS MB':>10} "
        f"{'samplics s':>10} {'samplics cpu':>12} {'samplics RSS':>12} {'ratio wall':>10} "
        f"{'ratio cpu':>9}  agree"
    )
    nan = float("nan")
    previous = None
    for n in args.sizes:
        ours = run("ours", n, args.timeout)
        theirs = run("samplics", n, args.timeout) if n <= args.samplics_max else None
        ratio = theirs["seconds"] / ours["seconds"] if theirs else nan
        ratio_cpu = theirs["cpu_seconds"] / ours["cpu_seconds"] if theirs else nan
        agree = "samplics not run"
        if theirs:
            est_diff = np.max(np.abs(np.subtract(theirs["estimate"], ours["estimate"])))
            se_rel = np.max(np.abs(np.divide(theirs["se"], ours["se"]) - 1))
            agree = f"estimates {est_diff:.1e}, SE {se_rel:.1e}"
        print(
            f"{n:>9} {ours['seconds']:>7.2f} {ours['cpu_seconds']:>8.2f} "
            f"{ours['tracemalloc_peak_mb']:>14.0f} {ours['max_rss_mb']:>10.0f} "
            f"{theirs['seconds'] if theirs else nan:>10.2f} "
            f"{theirs['cpu_seconds'] if theirs else nan:>12.2f} "
            f"{theirs['max_rss_mb'] if theirs else nan:>12.0f} {ratio:>10.1f} {ratio_cpu:>9.1f}  {agree}",
            flush=True,
        )
        if previous:
            print(
                f"{'':>9} n x{n / previous[0]:.0f} -> wall x{ours['seconds'] / previous[1]:.1f}, "
                f"cpu x{ours['cpu_seconds'] / previous[2]:.1f}",
                flush=True,
            )
        previous = (n, ours["seconds"], ours["cpu_seconds"])


if __name__ == "__main__":
    main()
