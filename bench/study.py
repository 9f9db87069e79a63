"""Benchmark the study runner against the naive papermill + nbconvert command lines.

Not part of the test run. In one invocation, on a temporary copy of the project (the real
``params/`` and ``outputs/`` are never touched), it measures:

(a) naive baseline: for each run, the ``papermill`` CLI, then ``jupyter nbconvert --to html``,
    one after another, each a new interpreter;
(b) ``ruse-research run --force`` from cold (empty outputs/);
(c) an immediate rerun with nothing changed (the no-op path);
(d) a rerun after editing one params file (its title), counting the runs that executed.

CPU time is printed twice: that of the child processes (which leaves out most of headless
Chromium's, whose renderers their own parent does not wait for) and the whole machine's from
``/proc/stat`` (every process; meaningful on an otherwise idle machine).

When the project has no params/ yet, eight runs of the stand-in notebook from
tests/fixtures/runner are benchmarked instead (and the output says so).

The last line is exactly::

    cold_speedup=<a/b> noop_s=<c> one_change_reruns=<number of runs rerun in d>

Usage: ``python bench/study.py [--jobs N] [--keep] [--no-bytecode]``
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

from project_copy import CHECKOUT, children_cpu, copy_project, machine_cpu
from project_copy import environment as project_environment

STANDIN = CHECKOUT / "tests" / "fixtures" / "runner"
COPIED = ("params", "notebooks", "data", "src", "pyproject.toml", "requirements.lock")
#: Set by ``--no-bytecode``: keep the shell's bytecode settings (see :func:`environment`).
NO_BYTECODE = False


def make_copy(target: Path) -> str:
    """Copy the project (or the stand-in) into ``target``; return a description of what was copied."""
    real_runs = sorted((CHECKOUT / "params").glob("*.yaml"))
    copy_project(target, COPIED)
    if real_runs:
        return f"{len(real_runs)} runs from the project's params/"
    # no study runs yet: eight runs of the stand-in notebook (4 languages x thresholds)
    shutil.rmtree(target / "params", ignore_errors=True)
    (target / "params").mkdir()
    (target / "notebooks").mkdir(exist_ok=True)
    shutil.copy2(STANDIN / "notebooks" / "90_standin.ipynb", target / "notebooks" / "90_standin.ipynb")
    (target / "data" / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copy2(STANDIN / "data" / "raw" / "demo.csv", target / "data" / "raw" / "demo.csv")
    for number, (lang, threshold) in enumerate([(lang, t) for t in (2, 2.5, 3, 3.5) for lang in ("bg", "en")]):
        (target / "params" / f"standin_{number}.{lang}.yaml").write_text(
            "notebook: notebooks/90_standin.ipynb\n"
            f"title: {{bg: 'Заместваща тетрадка {number}', en: 'Stand-in notebook {number}'}}\n"
            f"parameters:\n  lang: {lang}\n  threshold: {threshold}\n  demo_path: data/raw/demo.csv\n",
            encoding="utf-8")
    return "8 runs of the stand-in notebook (tests/fixtures/runner; the study notebooks are not there yet)"


def environment(root: Path) -> dict[str, str]:
    """:func:`project_copy.environment`, with bytecode caches unless ``--no-bytecode``."""
    return project_environment(root, bytecode=not NO_BYTECODE)


def run_params(root: Path) -> list[tuple[str, Path, dict]]:
    import yaml

    runs = []
    for path in sorted((root / "params").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        runs.append((path.name[: -len(".yaml")], root / data["notebook"], data.get("parameters") or {}))
    return runs


def naive(root: Path, scratch: Path) -> float:
    """papermill CLI then nbconvert CLI, per run, sequentially."""
    import yaml

    env = environment(root)
    bin_dir = Path(sys.executable).parent
    papermill = [str(bin_dir / "papermill")] if (bin_dir / "papermill").exists() else [sys.executable, "-m", "papermill"]
    nbconvert = [str(bin_dir / "jupyter-nbconvert")] if (bin_dir / "jupyter-nbconvert").exists() else [
        sys.executable, "-m", "nbconvert"]
    scratch.mkdir(parents=True)
    start = time.perf_counter()
    for name, notebook, parameters in run_params(root):
        params_file = scratch / f"{name}.params.yaml"
        params_file.write_text(yaml.safe_dump(parameters, allow_unicode=True), encoding="utf-8")
        executed = scratch / f"{name}.ipynb"
        subprocess.run([*papermill, str(notebook), str(executed), "-f", str(params_file), "-k", "python3",
                        "--cwd", str(notebook.parent), "--no-progress-bar"],
                       check=True, env=env, capture_output=True)
        subprocess.run([*nbconvert, "--to", "html", str(executed), "--output-dir", str(scratch)],
                       check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def ruse_run(root: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ruse_research", "run", *args], env=environment(root),
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ruse-research run {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep the shell's PYTHONDONTWRITEBYTECODE (every command compiles its modules)")
    args = parser.parse_args(argv)
    global NO_BYTECODE
    NO_BYTECODE = args.no_bytecode

    scratch = Path(tempfile.mkdtemp(prefix="ruse-bench-"))
    root = scratch / "project"
    try:
        what = make_copy(root)
        count = len(run_params(root))
        caches = "off (--no-bytecode)" if NO_BYTECODE and os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
        print(f"benchmarking {what} on {os.cpu_count()} CPUs, --jobs {args.jobs}, bytecode caches {caches}",
              flush=True)

        load = os.getloadavg()[0]
        cpu, machine = children_cpu(), machine_cpu()
        naive_s = naive(root, scratch / "naive")
        naive_cpu = children_cpu() - cpu
        naive_machine = machine_cpu() - machine if machine is not None else None
        print(f"(a) naive papermill CLI + nbconvert CLI, {count} runs one after another: {naive_s:.2f} s "
              f"({naive_cpu:.1f} CPU-s)", flush=True)

        cpu, machine = children_cpu(), machine_cpu()
        cold_s, _ = ruse_run(root, "--force", "--jobs", str(args.jobs))
        cold_cpu = children_cpu() - cpu
        cold_machine = machine_cpu() - machine if machine is not None else None
        print(f"(b) ruse-research run --force from cold: {cold_s:.2f} s ({cold_cpu:.1f} CPU-s)", flush=True)

        cpu = children_cpu()
        noop_s, out = ruse_run(root, "--jobs", str(args.jobs))
        noop_cpu = children_cpu() - cpu
        skipped = out.count("skipped ")
        print(f"(c) rerun with nothing changed: {noop_s:.3f} s ({noop_cpu:.2f} CPU-s; {skipped} of {count} runs skipped)",
              flush=True)

        first = sorted((root / "params").glob("*.yaml"))[0]
        text = first.read_text(encoding="utf-8")
        # "edited " right after the first en: (the title's), outside any {profile_field} placeholder
        edited, replaced = re.subn(r"(en:\s*['\"]?)", r"\1edited ", text, count=1)
        if not replaced:
            edited = text.replace("title:", "title: edited", 1)
        first.write_text(edited, encoding="utf-8")
        change_s, out = ruse_run(root, "--jobs", str(args.jobs))
        reruns = len(re.findall(r"^running ", out, re.M))
        print(f"(d) rerun after editing {first.name}: {change_s:.2f} s, {reruns} run(s) executed", flush=True)

        print(f"CPU-time ratio naive/cold {naive_cpu / cold_cpu:.2f}; load average {load:.1f} at start, "
              f"{os.getloadavg()[0]:.1f} at end (other processes on the machine slow both sides)", flush=True)
        if naive_machine is not None and cold_machine is not None:
            # Chromium's renderers (the runner's PDFs) are seen here only: not reaped by its parent
            print(f"machine-wide CPU (every process, /proc/stat): naive {naive_machine:.1f} CPU-s, cold "
                  f"{cold_machine:.1f} CPU-s, ratio {naive_machine / cold_machine:.2f}", flush=True)
        print(f"cold_speedup={naive_s / cold_s:.2f} noop_s={noop_s:.3f} one_change_reruns={reruns}")
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
