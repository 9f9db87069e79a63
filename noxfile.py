"""Nox sessions that install the pinned environment and rerun the study.

Every session installs exactly the versions in ``requirements.lock`` and then this package
without resolving dependencies again, so a rerun a year from now uses the same libraries.

    nox -s study      run every params/*.yaml into outputs/ (outputs/index.html)
    nox -s tests      unit, reference-value, doctest, bad-input and notebook (nbval) tests,
                      then the profile-sensitive fast tests under the gabrovo profile
    nox -s tests_gabrovo  only that second pass (RUSE_RESEARCH_PROFILE=gabrovo)
    nox -s fast       the fast tier of the tests (-m 'not slow'; goal: under a minute on 2 cores)
    nox -s nbval      nbval over the notebooks on this machine's default floating-point path
    nox -s lint       ruff and import-linter (layer contracts)
    nox -s refresh    re-execute notebooks in place to update their stored outputs, each under
                      the profile it records (fictional demo; -- --profile ID for another)
    nox -s demo_data  regenerate every profile's synthetic demonstration data (in its data_dir)
    nox -s bench      benchmarks in bench/ (print ratios; not part of the tests)
    nox -s lab        JupyterLab with the package installed and its kernel registered
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
LOCK = "requirements.lock"
PYTHON = "3.11"  # the lock file is compiled for this interpreter

nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]
nox.options.error_on_external_run = True


def install_locked(session: nox.Session) -> None:
    """Install the locked dependencies, then the package itself without re-resolving.

    A reused venv that was last installed from the same ``requirements.lock`` and
    ``pyproject.toml`` (their SHA-256, kept in the venv) is not installed again: that check
    alone took uv 3-4 s at every ``nox -s fast``. The package is installed editable, so a
    change to its code needs no reinstall; a new venv (CI, ``nox --reuse-venv=no``) always installs.
    """
    import hashlib

    digest = hashlib.sha256((ROOT / LOCK).read_bytes() + b"\0" + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    location = getattr(session.virtualenv, "location", None)
    stamp = Path(location) / ".ruse-research-installed" if location else None
    if stamp is not None and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        session.log(f"{LOCK} and pyproject.toml unchanged since this venv was installed: not installing again")
        return
    session.install("-r", LOCK)
    session.install("--no-deps", "-e", ".")
    if stamp is not None:
        stamp.write_text(digest + "\n", encoding="utf-8")


def system_setup(session: nox.Session, *, required: bool = True) -> None:
    """Debian packages: headless Chromium (HTML-safety and layout tests, each run's report.pdf).

    ``required=False`` (the study): without root or sudo the script says what to install and
    the study still runs, writing no report.pdf (each report's colophon says so).
    """
    session.run("bash", str(ROOT / "scripts" / "setup-system.sh"), external=True,
                success_codes=[0] if required else list(range(256)))


@nox.session(python=PYTHON)
def study(session: nox.Session) -> None:
    """Run the whole study on the bundled data; extra args go to `ruse-research run`."""
    system_setup(session, required=False)  # Chromium prints each report.html to report.pdf
    install_locked(session)
    session.run("ruse-research", "run", *session.posargs)
    session.log(f"Open {ROOT / 'outputs' / 'index.html'}")


PYTEST_ARGS = (
    "tests",
    "src/ruse_research",
    "--doctest-modules",  # every >>> example of the package runs
    # nbval runs once, inside tests/test_portable_outputs.py, on an altered floating-point path:
    # the stored outputs of every notebook are checked there (numbers as numbers), so executing
    # them a second time on this machine's default path would add minutes and no check
    # two workers (pytest-xdist); a file's tests stay on one worker, so a notebook's cells run
    # in order on one kernel and module fixtures (a study run) are built once
    "-n", "auto",
    "--dist", "loadfile",
)


#: Bytecode caches for the test sessions, kept under .nox/ (never beside the sources). Each
#: pytest worker and each ``python -m ruse_research`` a test starts imports pandas, SciPy,
#: statsmodels and the package; without .pyc files every process compiles them again (about
#: 15 s of CPU per worker, 2-3 s per subprocess), which a ``PYTHONDONTWRITEBYTECODE`` set in the
#: shell would otherwise force on every run ("" unsets it for Python).
TEST_ENV = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(ROOT / ".nox" / "pycache")}


#: The fast tests whose expectations come from the region profile, and every doctest: run a
#: second time under the second profile, so the suite is proved to pass with either selected.
SECOND_PROFILE = "gabrovo"
PROFILE_SENSITIVE = (
    "tests/test_io.py", "tests/test_front.py", "tests/test_language.py",
    "tests/test_stakeholder_study.py", "tests/test_stakeholder_design.py", "tests/test_imports.py",
    "tests/test_bad_params.py", "tests/test_region_neutral.py", "tests/test_region_texts.py",
    "tests/test_profile_outputs.py", "tests/test_synthetic.py", "src/ruse_research",
)


def run_second_profile(session: nox.Session) -> None:
    """The profile-sensitive fast tests and the doctests under ``RUSE_RESEARCH_PROFILE=gabrovo``."""
    session.run("pytest", *PROFILE_SENSITIVE, "--doctest-modules", "-m", "not slow",
                "-n", "auto", "--dist", "loadfile", env={**TEST_ENV, "RUSE_RESEARCH_PROFILE": SECOND_PROFILE})


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Everything: unit, reference-value, doctest, bad-input, end-to-end and nbval tests, then
    the profile-sensitive fast tests again under the second profile (``tests_gabrovo``).

    ``nox -s tests -- -m "not slow"`` keeps the fast tier (see also ``nox -s fast``).
    """
    system_setup(session)
    install_locked(session)
    session.run("pytest", *PYTEST_ARGS, "--durations=20", *session.posargs, env=TEST_ENV)
    run_second_profile(session)


@nox.session(python=PYTHON)
def tests_gabrovo(session: nox.Session) -> None:
    """The profile-sensitive fast tests and every doctest under the second profile, gabrovo."""
    install_locked(session)
    run_second_profile(session)


@nox.session(python=PYTHON)
def fast(session: nox.Session) -> None:
    """The fast tier: unit, reference-value and doctest tests; no kernels, studies or Chromium."""
    install_locked(session)
    session.run("pytest", *PYTEST_ARGS, "-m", "not slow", "--durations=10", *session.posargs,
                env=TEST_ENV)


@nox.session(python=PYTHON)
def nbval(session: nox.Session) -> None:
    """nbval over the study notebooks on this machine's default floating-point path."""
    install_locked(session)
    session.run("pytest", "notebooks", "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                "tests/nbval_sanitize.cfg", "-n", "auto", "--dist", "loadfile", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Static checks with ruff, and the import-layer contracts (pyproject [tool.importlinter])."""
    install_locked(session)  # lint-imports reads the installed package's import graph
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py", "conftest.py")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def refresh(session: nox.Session) -> None:
    """Re-execute notebooks in place with their default parameters (stored outputs for nbval),
    each under the profile it records (the bundled ones: the fictional ``demo``);
    ``nox -s refresh -- --profile ID`` for another."""
    install_locked(session)
    session.run("ruse-research", "refresh", *session.posargs)


@nox.session(python=PYTHON)
def demo_data(session: nox.Session) -> None:
    """Regenerate every profile's synthetic demonstration data in its own data_dir (data/raw/
    for ruse, data/regions/<id>/raw/ for the others; byte-identical for a seed). A folder
    without the generator's truth.json (real exports) is skipped."""
    install_locked(session)
    session.run("python", "-m", "ruse_research.synthetic", "--every-profile", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: study runner, estimation at scale, recovery of planted effects."""
    install_locked(session)
    scripts = session.posargs or ["bench/study.py", "bench/scale.py", "bench/recovery.py"]
    for script in scripts:
        session.run("python", script)


@nox.session(python=PYTHON)
def lab(session: nox.Session) -> None:
    """JupyterLab with the package installed and a registered `ruse-research` kernel.

    The notebooks declare that kernel (metadata.kernelspec.name = "ruse-research"); the runner
    (papermill, kernel_name="python3") and nbval (--nbval-current-env) do not need it.
    """
    install_locked(session)
    session.run(
        "python", "-m", "ipykernel", "install", "--sys-prefix",
        "--name", "ruse-research", "--display-name", "Python (ruse-research)",
    )
    # Jupyter refuses to start as root without --allow-root (containers, CI machines)
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    session.run("jupyter", "lab", "--notebook-dir", str(ROOT), *as_root, *session.posargs,
                env={"RUSE_RESEARCH_ROOT": str(ROOT), **os.environ})
