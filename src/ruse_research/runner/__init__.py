"""Discover, check, execute and publish the study's runs.

One ``params/<run>.yaml`` file is one run, named by its file stem (``staff_attitudes.bg``).
:func:`run_study` checks every selected run's parameters (and validates its data files against
their codebooks) **before any kernel starts**, skips runs whose cache key is unchanged, executes
the rest with papermill in a process pool, and writes for each run::

    outputs/<run>/notebook.ipynb   executed notebook (papermill's error markers on failure)
    outputs/<run>/report.html      self-contained reviewer report (see htmlreport)
    outputs/<run>/tables/<name>.csv, .xlsx
    outputs/<run>/figures/<name>.png, .svg
    outputs/<run>/provenance.json  commit, parameters, input hashes, versions, times, cache key

and ``outputs/index.html``. A run is built in ``outputs/.staging/`` and moved into place only
when it succeeded; a failed run leaves the previous good outputs alone and writes its notebook,
report and ``failure.json`` to ``outputs/<run>/failed/``.

The module imports nothing heavy at import time: papermill, nbconvert and pandas are loaded
only when a run actually executes, so ``ruse-research run`` with nothing to do is fast.

Examples
--------
>>> from ruse_research import runner
>>> runner.parse_parameters_cell("lang = 'en'\\nalpha = 0.05\\nstaff_path = 'data/raw/staff.csv'")
{'lang': 'en', 'alpha': 0.05, 'staff_path': 'data/raw/staff.csv'}
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ruse_research import paths
from ruse_research.errors import ParamsError, RunLockedError, RuseError
from ruse_research.runner import cache, provenance

LANGUAGES = ("bg", "en")
# Parameters with these name endings are input files: they must exist, and their content is hashed.
INPUT_SUFFIXES = ("_path", "_file")
PARAMS_KEYS = ("notebook", "title", "description", "parameters")
TABLE_MIME = "application/vnd.ruse.table+json"
ARTIFACT_NAME = re.compile(r"^[a-z0-9_]+$")
KERNEL_START_ATTEMPTS = 3


class _Expression:
    """A parameters-cell default that is not a literal (its type cannot be checked)."""

    def __init__(self, source: str):
        self.source = source

    def __repr__(self) -> str:
        return f"<expression {self.source}>"


# --------------------------------------------------------------------------- params files


def _params_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class NoDatesLoader(base):  # dates stay strings, as in papermill's NoDatesSafeLoader
        def construct_mapping(self, node, deep=False):
            # PyYAML keeps the last of two equal keys silently; a params file must not
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    NoDatesLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return NoDatesLoader


def parse_parameters_cell(source: str) -> dict[str, object]:
    """Names and default values assigned at the top level of a ``parameters`` cell.

    Literal defaults come back as Python values; anything else (a call, a name) comes back as
    an opaque expression whose type is not checked.

    Raises
    ------
    SyntaxError
        When the cell is not valid Python.

    Examples
    --------
    >>> parse_parameters_cell("lang = 'en'  # bg | en\\nseed: int = 20190118\\nn = None")
    {'lang': 'en', 'seed': 20190118, 'n': None}
    """
    tree = ast.parse(source)
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            try:
                found[target.id] = ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                found[target.id] = _Expression(ast.get_source_segment(source, value) or "")
    return found


def _notebook_summary(path: Path) -> dict[str, object]:
    """Code hash and JSON-encoded parameter defaults of a notebook (cached by the hash store)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    source = None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            raw = cell.get("source", "")
            source = "".join(raw) if isinstance(raw, list) else raw
            break
    defaults: dict[str, object] | None = None
    syntax_error = None
    if source is not None:
        try:
            defaults = {name: _encode_default(v) for name, v in parse_parameters_cell(source).items()}
        except SyntaxError as exc:
            syntax_error = f"line {exc.lineno}: {exc.msg}"
    return {
        "code_hash": cache.notebook_code_hash(nb),
        "defaults": defaults,
        "syntax_error": syntax_error,
    }


def _encode_default(value: object) -> object:
    if isinstance(value, _Expression):
        return {"__expression__": value.source}
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"__expression__": repr(value)}
    return {"__value__": value}


def _decode_default(encoded: dict) -> object:
    if "__expression__" in encoded:
        return _Expression(encoded["__expression__"])
    return encoded["__value__"]


_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text",
               list: "a list", dict: "a mapping"}


def _type_matches(default: object, value: object) -> bool:
    if default is None or isinstance(default, _Expression):
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return type(value) is type(default)


def _type_word(default: object) -> str:
    for kind, word in _TYPE_WORDS.items():
        if type(default) is kind:
            return word
    return type(default).__name__


def _resolve(value: str | os.PathLike[str], root: Path) -> Path:
    """Like :func:`paths.resolve`, for an explicit project root (what the kernel will see)."""
    path = Path(value)
    return path if path.is_absolute() else root / path


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Run:
    """One run: a params file checked against its notebook.

    ``parameters`` are the merged values (notebook defaults updated by ``overrides``); ``inputs``
    maps each ``*_path`` parameter to its resolved file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> run = Run(name="demo.bg", params_file=root / "params/demo.bg.yaml", notebook=root / "nb.ipynb",
    ...           notebook_rel="nb.ipynb", titles={"bg": "Демо", "en": "Demo"}, descriptions={},
    ...           overrides={"lang": "bg"}, parameters={"lang": "bg"}, lang="bg", inputs={}, code_hash="0")
    >>> run.title
    'Демо'
    """

    name: str
    params_file: Path
    notebook: Path
    notebook_rel: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    overrides: dict[str, object]
    parameters: dict[str, object]
    lang: str
    inputs: dict[str, Path]
    code_hash: str

    @property
    def title(self) -> str:
        """The title in the run's language."""
        return self.titles.get(self.lang) or next(iter(self.titles.values()), self.name)

    @property
    def description(self) -> str:
        return self.descriptions.get(self.lang, "")


def discover_runs(root: Path | None = None) -> list[Path]:
    """The params files of the project, sorted by run name.

    Examples
    --------
    >>> all(p.suffix == ".yaml" for p in discover_runs())
    True
    """
    root = root or paths.project_root()
    folder = root / "params"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _text_by_language(value: object, where: str, key: str) -> dict[str, str]:
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if isinstance(value, dict) and value and set(value) <= set(LANGUAGES) and all(
        isinstance(v, str) for v in value.values()
    ):
        return dict(value)
    raise ParamsError(f"{where}: {key}: found {value!r}, expected text or a mapping {{bg: ..., en: ...}}")


def load_run(params_file: Path, store: cache.FileHashStore | None = None, root: Path | None = None) -> Run:
    """Read one params file and check it against its notebook's ``parameters`` cell.

    Nothing is executed: the parameters cell is parsed with :mod:`ast`.

    Raises
    ------
    ParamsError
        One line naming the params file, the key and what was expected: broken YAML, a
        top-level key other than notebook/title/description/parameters, an unknown parameter,
        a value of the wrong type, ``lang`` not bg/en, or a ``*_path`` file that does not exist.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "params").mkdir()
    >>> nb = {"cells": [{"cell_type": "code", "source": "lang = 'en'\\nalpha = 0.05", "outputs": [],
    ...        "metadata": {"tags": ["parameters"]}, "execution_count": None}], "metadata": {},
    ...        "nbformat": 4, "nbformat_minor": 5}
    >>> _ = (root / "demo.ipynb").write_text(json.dumps(nb))
    >>> _ = (root / "params" / "demo.bg.yaml").write_text("notebook: demo.ipynb\\ntitle: Demo\\nparameters: {lang: bg, alpha: 0.1}\\n")
    >>> load_run(root / "params" / "demo.bg.yaml", root=root).parameters
    {'lang': 'bg', 'alpha': 0.1}
    >>> _ = (root / "params" / "demo.bg.yaml").write_text("notebook: demo.ipynb\\ntitle: Demo\\nparameters: {alpha: high}\\n")
    >>> load_run(root / "params" / "demo.bg.yaml", root=root)
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: .../demo.bg.yaml: parameters.alpha: found 'high', expected a number like the notebook default 0.05
    """
    import yaml

    root = root or paths.project_root()
    store = store or cache.FileHashStore()
    where = _rel(params_file, root)
    try:
        data = yaml.load(params_file.read_text(encoding="utf-8"), Loader=_params_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"{where}: broken YAML{line}: {problem}") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{where}: not UTF-8 text, expected a YAML file") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{where}: found {type(data).__name__}, expected a mapping with keys {', '.join(PARAMS_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in PARAMS_KEYS)
    if unknown:
        raise ParamsError(f"{where}: {unknown[0]}: unknown key, expected only {', '.join(PARAMS_KEYS)}")
    for required in ("notebook", "title"):
        if required not in data:
            raise ParamsError(f"{where}: {required}: missing, expected it at the top level")

    notebook_value = data["notebook"]
    if not isinstance(notebook_value, str) or not notebook_value.endswith(".ipynb"):
        raise ParamsError(f"{where}: notebook: found {notebook_value!r}, expected a path to an .ipynb file")
    notebook = _resolve(notebook_value, root)
    if not notebook.is_file():
        raise ParamsError(f"{where}: notebook: file {notebook_value} not found (looked in {notebook})")
    titles = _text_by_language(data["title"], where, "title")
    descriptions = _text_by_language(data.get("description", ""), where, "description")

    overrides = data.get("parameters") or {}
    if not isinstance(overrides, dict):
        raise ParamsError(f"{where}: parameters: found {overrides!r}, expected a mapping of parameter names to values")

    try:
        summary = store.derived("notebook-summary-v1", notebook, _notebook_summary)
    except (OSError, ValueError) as exc:
        raise ParamsError(f"{where}: notebook: cannot read {notebook_value} as a notebook ({exc})") from None
    if summary["syntax_error"]:
        raise ParamsError(f"{where}: notebook: the parameters cell of {notebook_value} is not valid Python ({summary['syntax_error']})")
    if summary["defaults"] is None:
        raise ParamsError(f"{where}: notebook: {notebook_value} has no code cell tagged 'parameters', expected one holding the defaults")
    defaults = {name: _decode_default(v) for name, v in summary["defaults"].items()}

    for key, value in overrides.items():
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise ParamsError(f"{where}: parameters.{key}: unknown parameter, expected one of: {known}")
        if not _type_matches(defaults[key], value):
            raise ParamsError(
                f"{where}: parameters.{key}: found {value!r}, expected {_type_word(defaults[key])} "
                f"like the notebook default {defaults[key]!r}"
            )
    parameters = {**defaults, **overrides}
    lang = parameters.get("lang", "en")
    if lang not in LANGUAGES:
        origin = "parameters.lang" if "lang" in overrides else "notebook default of lang"
        raise ParamsError(f"{where}: {origin}: found {lang!r}, expected one of {', '.join(LANGUAGES)}")

    inputs: dict[str, Path] = {}
    for key, value in sorted(parameters.items()):
        if not key.endswith(INPUT_SUFFIXES) or value is None or isinstance(value, _Expression):
            continue
        origin = f"parameters.{key}" if key in overrides else f"notebook default of {key}"
        if not isinstance(value, str | os.PathLike):
            raise ParamsError(f"{where}: {origin}: found {value!r}, expected a file path")
        resolved = _resolve(value, root)
        if not resolved.is_file():
            raise ParamsError(f"{where}: {origin}: file {value} not found (looked in {resolved})")
        inputs[key] = resolved

    return Run(
        name=params_file.name[: -len(".yaml")],
        params_file=params_file,
        notebook=notebook,
        notebook_rel=_rel(notebook, root),
        titles=titles,
        descriptions=descriptions,
        overrides=dict(overrides),
        parameters=parameters,
        lang=lang,
        inputs=inputs,
        code_hash=str(summary["code_hash"]),
    )


def codebook_for(parameter: str, root: Path | None = None) -> Path | None:
    """The codebook of a ``<codebook>_path`` parameter, when ``data/codebooks/<codebook>.yaml`` exists.

    Examples
    --------
    >>> codebook_for("not_a_codebook_path") is None
    True
    """
    if not parameter.endswith("_path"):
        return None
    root = root or paths.project_root()
    candidate = root / "data" / "codebooks" / f"{parameter[: -len('_path')]}.yaml"
    return candidate if candidate.is_file() else None


def validate_inputs(run: Run, root: Path | None = None) -> list[str]:
    """Validate each ``<codebook>_path`` input of ``run`` with ``ruse_research.data.io.validate_file``.

    Returns the one-line summaries; raises the ``DataError`` (or other ``RuseError``) of the first
    bad file. Called for every run that will execute, before any kernel starts.

    Examples
    --------
    >>> validate_inputs(run)  # doctest: +SKIP
    ['staff.csv: 104 respondents, 61 columns, encoding utf-8, delimiter ',' - OK']
    """
    root = root or paths.project_root()
    summaries = []
    for key, path in sorted(run.inputs.items()):
        codebook = codebook_for(key, root)
        if codebook is None:
            continue
        from ruse_research.data import io as ruse_io  # lazy: pulls in pandas

        summaries.append(str(ruse_io.validate_file(path, codebook.stem)))
    return summaries


# --------------------------------------------------------------------------- cache decisions


def input_files(run: Run, root: Path) -> dict[str, Path]:
    """Every input file whose content is hashed: ``*_path``/``*_file`` files, codebooks, reference and model data.

    Examples
    --------
    >>> sorted(input_files(run, paths.project_root()))  # doctest: +SKIP
    ['data/codebooks/staff.yaml', 'data/raw/staff.csv', 'data/reference/population.csv']
    """
    files = {_rel(p, root): p for p in run.inputs.values()}
    for folder in (root / "data" / "codebooks", root / "data" / "reference", root / "data" / "model"):
        for path in cache.iter_tree(folder):
            files[_rel(path, root)] = path
    return dict(sorted(files.items()))


def _jsonable_parameters(parameters: dict[str, object]) -> dict[str, object]:
    return {
        k: ({"expression": v.source} if isinstance(v, _Expression) else v)
        for k, v in sorted(parameters.items())
    }


def cache_components(run: Run, root: Path, store: cache.FileHashStore, shared: dict[str, str]) -> dict[str, object]:
    """The cache-key components of ``run`` (see :mod:`ruse_research.runner.cache`).

    Examples
    --------
    >>> sorted(cache_components(run, root, store, shared))  # doctest: +SKIP
    ['environment', 'format', 'inputs', 'notebook_code', 'package_source', 'parameters', 'run_meta']
    """
    return {
        "format": cache.RUNNER_FORMAT_VERSION,
        "notebook_code": run.code_hash,
        "parameters": _jsonable_parameters(run.parameters),
        "run_meta": {
            "notebook": run.notebook_rel,
            "title": run.titles,
            "description": run.descriptions,
        },
        "inputs": {rel: store.sha256(p) for rel, p in input_files(run, root).items()},
        "package_source": shared["package_source"],
        "environment": shared["environment"],
    }


@dataclass
class Plan:
    """What :func:`plan_runs` decided for one run.

    Examples
    --------
    >>> plan = Plan(run=None, execute=False, reason="unchanged")
    >>> plan.execute, plan.reason
    (False, 'unchanged')
    """

    run: Run
    execute: bool
    reason: str
    components: dict[str, object] = field(default_factory=dict)
    cache_key: str = ""


def plan_runs(runs: list[Run], root: Path, outputs: Path, store: cache.FileHashStore, force: bool = False) -> list[Plan]:
    """Decide, for each run, whether it must execute and why.

    Examples
    --------
    >>> [(p.run.name, p.reason) for p in plan_runs(runs, root, root / "outputs", store)]  # doctest: +SKIP
    [('staff_attitudes.bg', 'params changed (alpha)'), ('staff_attitudes.en', 'unchanged')]
    """
    shared = {
        "package_source": cache.package_source_hash(root, store),
        "environment": cache.environment_hash(root, store),
    }
    plans = []
    for run in runs:
        components = cache_components(run, root, store, shared)
        key = cache.cache_key(components)
        run_dir = outputs / run.name
        previous = provenance.read_json(run_dir / "provenance.json")
        complete = previous is not None and previous.get("status") == "ok" and all(
            (run_dir / name).is_file() for name in ("notebook.ipynb", "report.html")
        )
        if force:
            execute, reason = True, "forced"
        elif (run_dir / "failed" / "failure.json").is_file():
            execute, reason = True, "previous run failed"
        elif previous is None:
            execute, reason = True, "new"
        elif complete and previous.get("cache_key") == key:
            execute, reason = False, "unchanged"
        else:
            execute, reason = True, cache.explain_change(previous.get("cache_components") or {}, components)
        plans.append(Plan(run=run, execute=execute, reason=reason, components=components, cache_key=key))
    return plans


# --------------------------------------------------------------------------- lock


@contextlib.contextmanager
def outputs_lock(outputs: Path) -> Iterator[None]:
    """Hold ``outputs/.lock`` (non-blocking ``flock``) for the duration of a run command.

    Raises
    ------
    RunLockedError
        When another ``ruse-research run`` holds the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with outputs_lock(folder):
    ...     with outputs_lock(folder):
    ...         pass
    Traceback (most recent call last):
    ruse_research.errors.RunLockedError: another 'ruse-research run' is writing ...
    """
    outputs.mkdir(parents=True, exist_ok=True)
    lock_path = outputs / ".lock"
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(
                f"another 'ruse-research run' is writing {outputs} (lock {lock_path} is held); "
                "wait for it to finish and try again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the flock


# --------------------------------------------------------------------------- execution


# --------------------------------------------------------------------------- kernel zygote
#
# Starting a kernel costs a new interpreter that imports ipykernel, then the notebook imports
# pandas, scipy... For many short runs that import time dominates. The zygote is one process
# that imports those libraries once and forks a fresh kernel for every run (the idea of
# multiprocessing's forkserver). jupyter_client still manages an ordinary child process: a tiny
# client that asks the zygote to fork, passes its stdin/stdout/stderr, forwards signals and
# exits with the kernel's exit code. If the zygote is unavailable the client simply execs
# ``python -m ipykernel_launcher``. matplotlib's inline backend is preloaded without a shell, so
# each forked kernel connects it to its own shell right after start-up (what importing it in a
# fresh kernel does); tests/test_cli.py checks that both ways give byte-identical notebooks.

ZYGOTE_ENV = "RUSE_RESEARCH_KERNEL_ZYGOTE"
NO_ZYGOTE_ENV = "RUSE_RESEARCH_NO_ZYGOTE"
ZYGOTE_PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "zmq", "tornado", "jupyter_client",
    "numpy", "pandas", "scipy", "scipy.stats", "statsmodels.api", "yaml", "matplotlib",
    "matplotlib.pyplot", "matplotlib_inline.backend_inline", "seaborn", "pingouin", "openpyxl",
    # the helper package itself (the project's own src/, first on PYTHONPATH)
    "ruse_research.display.report", "ruse_research.display.plots", "ruse_research.data.io", "ruse_research.data.codebook",
    "ruse_research.stats.scales", "ruse_research.stats.compare", "ruse_research.stats.survey", "ruse_research.stats.text",
    "ruse_research.stats.disclosure", "ruse_research.studies.participation", "ruse_research.studies.monitoring",
)

_KERNEL_CLIENT = r"""
import json, os, signal, socket, sys
path, args = sys.argv[1], sys.argv[2:]
try:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = json.dumps({"argv": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode() + b"\n"
    socket.send_fds(conn, [request], [0, 1, 2])
    reader = conn.makefile("rb")
    pid = int(reader.readline())
except (OSError, ValueError):
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *args])
def forward(signum, frame):
    try:
        os.kill(pid, signum)
    except OSError:
        pass
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(number, forward)
line = reader.readline()
sys.exit(int(line) if line.strip() else 1)
"""


def _connect_matplotlib_to_shell() -> None:
    """Do in a forked kernel what importing pyplot and the inline backend does in a fresh one."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].install_repl_displayhook()
    if "matplotlib_inline.backend_inline" in sys.modules:
        sys.modules["matplotlib_inline.backend_inline"]._enable_matplotlib_integration()


def _zygote_child(server, selector, conn, others: list, fds: list[int], request: dict) -> None:
    """In the forked child: become an ordinary ipykernel for the client's connection file."""
    import signal

    code = 1
    try:
        selector.close()
        server.close()
        conn.close()
        for other in others:  # other kernels' clients: the zygote must see them close
            other.close()
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
            os.close(fd)
        for number in (signal.SIGTERM, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # IPKernelApp read JPY_PARENT_PID when the zygote imported it; give it the client's value
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={request['env'].get('JPY_PARENT_PID') or 1}"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(argv)
        _connect_matplotlib_to_shell()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _zygote_main(socket_path: str) -> None:
    """Preload the kernel's libraries, then fork one kernel per client until told to stop."""
    import importlib
    import selectors
    import signal
    import socket

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in ZYGOTE_PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional library only costs speed
            pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(64)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    parent = os.getppid()
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, None)
    children: dict[int, socket.socket] = {}
    while not stopping and os.getppid() == parent:
        for key, _ in selector.select(timeout=0.2):
            if key.data is None:
                conn, _ = server.accept()
                try:
                    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                    while message and not message.endswith(b"\n"):
                        more = conn.recv(1 << 20)
                        if not more:
                            break
                        message += more
                    request = json.loads(message)
                except (OSError, ValueError):
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _zygote_child(server, selector, conn, list(children.values()), fds, request)
                for fd in fds:
                    os.close(fd)
                conn.sendall(f"{pid}\n".encode())
                children[pid] = conn
                selector.register(conn, selectors.EVENT_READ, pid)
            else:  # the client went away (killed by jupyter_client): stop its kernel too
                pid = key.data
                try:
                    gone = not key.fileobj.recv(1)
                except OSError:
                    gone = True
                if gone:
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
                    children.pop(pid, None)
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                selector.unregister(conn)
                conn.close()
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def kernel_zygote(while_starting: Callable[[], None] | None = None, timeout: float = 300.0) -> Iterator[bool]:
    """Run a kernel zygote for the duration of the block; yields whether it is in use.

    Kernels started meanwhile (in this process or in forked workers) are forked from it.
    ``while_starting`` runs while the zygote imports its libraries (the runner preloads its own
    there). Set ``RUSE_RESEARCH_NO_ZYGOTE=1`` to start every kernel as a new interpreter instead.

    Examples
    --------
    >>> with kernel_zygote() as forking:  # doctest: +SKIP
    ...     execute_notebook(source, destination, {"lang": "bg"}, source.parent)
    """
    import select
    import subprocess
    import tempfile

    if os.environ.get(NO_ZYGOTE_ENV) or not hasattr(os, "fork"):
        if while_starting is not None:
            while_starting()
        yield False
        return
    folder = tempfile.mkdtemp(prefix="rr-z", dir="/tmp" if os.path.isdir("/tmp") else None)
    socket_path = os.path.join(folder, "z.sock")
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from ruse_research.runner import _zygote_main; _zygote_main(sys.argv[1])",
         socket_path],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True,
    )
    try:
        if while_starting is not None:
            while_starting()
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline().strip() if ready else b""
        if line == b"ready":
            os.environ[ZYGOTE_ENV] = socket_path
            yield True
        else:
            yield False
    finally:
        os.environ.pop(ZYGOTE_ENV, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        shutil.rmtree(folder, ignore_errors=True)


def _isolated_kernel_manager_class():
    """A kernel manager that uses IPC sockets in a private folder and this interpreter.

    IPC transport with a unique connection file per kernel avoids the TCP port races of many
    kernels starting at once (papermill#511); the command always runs ``sys.executable -m
    ipykernel_launcher`` so kernels use the runner's environment whatever kernelspecs exist.
    """
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IsolatedKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            # Short private folder: Unix socket paths are limited to about 100 bytes.
            self._private_dir = tempfile.mkdtemp(prefix="rr-k", dir="/tmp" if os.path.isdir("/tmp") else None)
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("connection_file", os.path.join(self._private_dir, "k.json"))
            super().__init__(**kwargs)

        def format_kernel_cmd(self, extra_arguments=None):
            arguments = ["-f", self.connection_file, *(extra_arguments or [])]
            zygote = os.environ.get(ZYGOTE_ENV)
            if zygote:
                return [sys.executable, "-c", _KERNEL_CLIENT, zygote, *arguments]
            return [sys.executable, "-m", "ipykernel_launcher", *arguments]

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._private_dir, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources

    return IsolatedKernelManager


def _executed_any_cell(notebook_path: Path) -> bool:
    try:
        nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(
        cell.get("cell_type") == "code" and cell.get("execution_count") is not None
        for cell in nb.get("cells", [])
    )


def execute_notebook(source: Path, destination: Path, overrides: dict[str, object], cwd: Path) -> None:
    """Execute ``source`` into ``destination`` with papermill in an isolated kernel.

    Retries up to three times when the kernel fails before any cell ran (ZMQ errors, start-up
    timeouts); a failing cell raises ``papermill.PapermillExecutionError`` at once.

    Examples
    --------
    >>> execute_notebook(Path("notebooks/01_staff_attitudes.ipynb"), Path("/tmp/out.ipynb"),
    ...                  {"lang": "bg"}, Path("notebooks"))  # doctest: +SKIP
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    manager_class = _isolated_kernel_manager_class()
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            papermill.execute_notebook(
                str(source),
                str(destination),
                parameters=overrides or None,
                kernel_name="python3",
                language="python",
                cwd=str(cwd),
                progress_bar=False,
                log_output=False,
                start_timeout=120,
                kernel_manager_class=manager_class,
                ipython_hist_file=":memory:",  # no shared SQLite history between parallel kernels
            )
            return
        except PapermillExecutionError:
            raise
        except Exception:
            if attempt == KERNEL_START_ATTEMPTS or _executed_any_cell(destination):
                raise
            time.sleep(0.5 * attempt)


def failing_cell(nb: dict) -> dict[str, object] | None:
    """Where an executed notebook failed: cell number in the source notebook, error name and value.

    ``cell`` counts every cell of the source notebook from 1 (papermill's injected-parameters and
    error-marker cells are not counted); ``execution_count`` is the ``In [n]`` shown by Jupyter.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "x"},
    ...        {"cell_type": "code", "execution_count": 1, "metadata": {},
    ...         "outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'n'"}]}]}
    >>> failing_cell(nb)
    {'cell': 2, 'execution_count': 1, 'ename': 'KeyError', 'evalue': "'n'"}
    """
    number = 0
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "papermill-error-cell-tag" in tags or "injected-parameters" in tags:
            continue
        number += 1
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") == "error":
                return {
                    "cell": number,
                    "execution_count": cell.get("execution_count"),
                    "ename": output.get("ename", "Error"),
                    "evalue": output.get("evalue", ""),
                }
    return None


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an XLSX zip with fixed entry dates and document timestamps (same table, same bytes)."""
    from ruse_research.deterministic import fixed_zip

    return fixed_zip(data, date_time=(2000, 1, 1, 0, 0, 0), stamp=b"2000-01-01T00:00:00Z", mode=0o644)


def table_frame(payload: dict):
    """The DataFrame of an ``application/vnd.ruse.table+json`` payload (pandas ``split`` orient).

    Examples
    --------
    >>> table_frame({"name": "t", "caption": "", "columns": ["n"], "index": ["a", "b"], "data": [[1], [2]]})
       n
    a  1
    b  2
    """
    import pandas as pd

    def axis(values):
        if values and all(isinstance(v, list) for v in values):
            return pd.MultiIndex.from_tuples([tuple(v) for v in values])
        return pd.Index(values)

    index = axis(payload["index"]) if payload.get("index") is not None else None
    frame = pd.DataFrame(payload["data"], index=index, columns=axis(payload["columns"]))
    names = payload.get("index_names")
    if names and len(names) == frame.index.nlevels:
        frame.index.names = names
    return frame


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(frame):
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Respondent text and labels go into CSV/XLSX files that people open in Excel, where a
    cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) is executed
    (OWASP "CSV injection"). Numbers are left alone; only strings are changed, in the cells
    and in the row and column labels.

    Examples
    --------
    >>> import pandas as pd
    >>> defuse_formulas(pd.DataFrame({"q": ["=HYPERLINK(1)", "ok", -1]}))["q"].tolist()
    ["'=HYPERLINK(1)", 'ok', -1]
    """
    import pandas as pd

    def defuse(value):
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    def defuse_axis(axis):
        if isinstance(axis, pd.MultiIndex):
            return pd.MultiIndex.from_tuples(
                [tuple(defuse(v) for v in key) for key in axis], names=axis.names
            )
        return pd.Index([defuse(v) for v in axis], name=axis.name)

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(defuse)
    out.columns = defuse_axis(out.columns)
    if not isinstance(out.index, pd.RangeIndex):
        out.index = defuse_axis(out.index)
    return out


def write_table(payload: dict, folder: Path) -> str:
    """Write ``<name>.csv`` (UTF-8) and ``<name>.xlsx`` (deterministic bytes) for a table bundle.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_table({"name": "t", "caption": "", "columns": ["n"], "index": [0, 1], "data": [[5], [6]]}, folder)
    't'
    >>> (folder / "t.csv").read_text()
    'n\\n5\\n6\\n'
    """
    import io

    import pandas as pd

    name = str(payload.get("name", ""))
    frame = defuse_formulas(table_frame(payload))
    default_index = isinstance(frame.index, pd.RangeIndex) or (
        not isinstance(frame.index, pd.MultiIndex) and list(frame.index) == list(range(len(frame)))
    )
    keep_index = not default_index or isinstance(frame.columns, pd.MultiIndex)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=keep_index, encoding="utf-8", lineterminator="\n")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=name[:31] or "table", index=keep_index)
        props = writer.book.properties
        from datetime import datetime

        props.created = props.modified = datetime(2000, 1, 1)
        props.creator = props.lastModifiedBy = "ruse_research"
    (folder / f"{name}.xlsx").write_bytes(_fixed_zip(buffer.getvalue()))
    return name


def extract_artifacts(nb: dict, folder: Path) -> tuple[list[str], list[str]]:
    """Write the tables and figures a notebook displayed; return their names.

    Tables come from ``application/vnd.ruse.table+json`` outputs, figures from outputs whose
    metadata is ``{"ruse": {"kind": "figure", "name": ...}}``.

    Raises
    ------
    ValueError
        When a table or figure name is not ``[a-z0-9_]+`` or is used twice.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "metadata": {},
    ...        "data": {"application/vnd.ruse.table+json": {"name": "t", "caption": "", "columns": ["n"],
    ...                 "index": [0], "data": [[5]]}}}]}]}
    >>> extract_artifacts(nb, pathlib.Path(tempfile.mkdtemp()))
    (['t'], [])
    """
    import base64

    tables: list[str] = []
    figures: list[str] = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data") or {}
            meta = (output.get("metadata") or {}).get("ruse") or {}
            if TABLE_MIME in data:
                payload = data[TABLE_MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                name = str(payload.get("name", ""))
                _check_name("table", name, tables)
                write_table(payload, folder / "tables")
                tables.append(name)
            elif meta.get("kind") == "figure":
                name = str(meta.get("name", ""))
                _check_name("figure", name, figures)
                (folder / "figures").mkdir(parents=True, exist_ok=True)
                if "image/png" in data:
                    (folder / "figures" / f"{name}.png").write_bytes(base64.b64decode(data["image/png"]))
                if "image/svg+xml" in data:
                    svg = data["image/svg+xml"]
                    svg = "".join(svg) if isinstance(svg, list) else svg
                    (folder / "figures" / f"{name}.svg").write_text(svg, encoding="utf-8")
                figures.append(name)
    return tables, figures


def _check_name(kind: str, name: str, seen: list[str]) -> None:
    if not ARTIFACT_NAME.match(name):
        raise ValueError(f"{kind} name {name!r} is not allowed, expected lower-case letters, digits and _")
    if name in seen:
        raise ValueError(f"{kind} name {name!r} is used twice in the notebook, expected unique names")


def _replace_dir(new: Path, target: Path, trash_root: Path) -> None:
    """Move ``new`` to ``target``; an existing ``target`` is moved aside first, then deleted."""
    old = None
    if target.exists():
        old = trash_root / f"{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def execute_run(spec: dict) -> dict[str, object]:
    """Execute one planned run and publish its outputs (runs inside a pool worker).

    ``spec`` is a plain dict so it pickles: run fields, cache key and components, git state,
    package versions, root and outputs folders. Returns a result dict with ``status`` ``ok`` or
    ``failed``, ``duration_s`` and, on failure, ``error`` (``cell``, ``ename``, ``evalue``...).

    Examples
    --------
    >>> execute_run(spec)["status"]  # doctest: +SKIP
    'ok'
    """
    with _kernel_environment(Path(spec["root"])):
        return _execute_run(spec)


def _execute_run(spec: dict) -> dict[str, object]:
    from ruse_research.runner import htmlreport

    outputs = Path(spec["outputs"])
    started = provenance.utc_now()
    clock = time.perf_counter()
    staging_root = outputs / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    stage = staging_root / f"{spec['run']}-{os.getpid()}-{time.monotonic_ns()}"
    stage.mkdir()
    executed = stage / "notebook.ipynb"
    error: dict[str, object] | None = None
    tables: list[str] = []
    figures: list[str] = []
    nb = None
    try:
        try:
            execute_notebook(Path(spec["notebook"]), executed, spec["overrides"], Path(spec["notebook"]).parent)
        except Exception as exc:  # a failing cell, a dead kernel: the run fails, the command goes on
            nb = _read_notebook(executed)
            error = (nb and failing_cell(nb)) or {
                "cell": None, "execution_count": None, "ename": type(exc).__name__,
                "evalue": str(exc).strip().splitlines()[-1] if str(exc).strip() else "",
            }
        if error is None:
            nb = _read_notebook(executed)
            try:
                _point_metadata_at_final_place(nb, executed, outputs / spec["run"] / "notebook.ipynb")
                tables, figures = extract_artifacts(nb, stage)
            except Exception as exc:
                error = {"cell": None, "execution_count": None, "ename": type(exc).__name__, "evalue": str(exc)}
        duration = time.perf_counter() - clock
        status = "ok" if error is None else "failed"
        record = provenance.build_record(
            run=spec["run"], title=spec["title"], notebook=spec["notebook_rel"], lang=spec["lang"],
            parameters=spec["parameters"], overrides=spec["overrides"], inputs=spec["inputs"],
            git=spec["git"], packages=spec["packages"], started=started, duration_s=duration,
            status=status, cache_key=spec["cache_key"], cache_components=spec["components"],
            synthetic=spec["synthetic"], tables=tables, figures=figures, error=error,
        )
        if nb is not None:
            html = htmlreport.render_report(
                nb, lang=spec["lang"], title=spec["title"], record=record,
                description=spec.get("description", ""),
            )
            (stage / "report.html").write_text(html, encoding="utf-8")
        run_dir = outputs / spec["run"]
        if status == "ok":
            provenance.write_json(stage / "provenance.json", record)
            _replace_dir(stage, run_dir, staging_root)
        else:
            provenance.write_json(stage / "failure.json", record)
            run_dir.mkdir(parents=True, exist_ok=True)
            _replace_dir(stage, run_dir / "failed", staging_root)
        return {"run": spec["run"], "status": status, "duration_s": duration, "error": error,
                "tables": tables, "figures": figures}
    except Exception as exc:  # publishing itself failed: report it, keep previous outputs
        return {"run": spec["run"], "status": "failed", "duration_s": time.perf_counter() - clock,
                "error": {"cell": None, "execution_count": None, "ename": type(exc).__name__,
                          "evalue": str(exc), "traceback": traceback.format_exc()},
                "tables": [], "figures": []}
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _kernel_environment(root: Path) -> Iterator[None]:
    """Environment the kernels inherit while the block runs: ``RUSE_RESEARCH_ROOT`` = the project
    root (so ``paths.resolve`` finds it) and the project's own ``src/`` first on ``PYTHONPATH``.
    The previous values come back afterwards, so nothing leaks into the caller's process."""
    saved = {name: os.environ.get(name) for name in (paths.ROOT_ENV, "PYTHONPATH")}
    os.environ[paths.ROOT_ENV] = str(root)
    source = cache.package_source_dir(root)
    if source.parent.name == "src" and source.parent.parent == root:
        current = os.environ.get("PYTHONPATH", "")
        parts = [str(source.parent)] + [p for p in current.split(os.pathsep) if p and p != str(source.parent)]
        os.environ["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _point_metadata_at_final_place(nb, staged: Path, final: Path) -> None:
    """papermill recorded the staging path as output_path; record where the notebook will live."""
    import nbformat

    meta = nb.get("metadata", {}).get("papermill")
    if meta is not None and meta.get("output_path") != str(final):
        meta["output_path"] = str(final)
        with open(staged, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)


def _read_notebook(path: Path) -> dict | None:
    """The notebook at ``path`` as a ``NotebookNode`` (multi-line strings joined), or ``None``."""
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return None


def _pool(jobs: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers inherit the already-imported papermill/nbconvert instead of importing again
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def _map_jobs(function: Callable[[dict], dict], specs: list[dict], jobs: int, on_done: Callable[[dict], None]) -> list[dict]:
    """Run ``function`` over ``specs`` in a process pool (in-process for one job)."""
    results = []
    if jobs <= 1 or len(specs) <= 1:
        for spec in specs:
            result = function(spec)
            on_done(result)
            results.append(result)
        return results
    from concurrent.futures import as_completed

    with _pool(min(jobs, len(specs))) as pool:
        futures = [pool.submit(function, spec) for spec in specs]
        for future in as_completed(futures):
            result = future.result()
            on_done(result)
            results.append(result)
    return results


def _preload_heavy_modules() -> None:
    """Import what every worker needs once in the parent, so forked workers share it."""
    import nbformat  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import papermill  # noqa: F401
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401

    from ruse_research.runner import htmlreport  # noqa: F401

    htmlreport.warm_up()
    # first XLSX write imports pandas' Excel machinery; do it once here, not in every worker
    import io

    pandas.DataFrame({"a": [1]}).to_excel(io.BytesIO(), engine="openpyxl")


# --------------------------------------------------------------------------- the run command


@dataclass
class RunOutcome:
    """What :func:`run_study` did: per-run status lines and the exit code (0 ok, 1 a run failed).

    Examples
    --------
    >>> RunOutcome(results={}, exit_code=0).exit_code
    0
    """

    results: dict[str, dict[str, object]]
    exit_code: int


def select_runs(names: list[str] | None, root: Path) -> list[Path]:
    """The params files for ``names`` (all when empty); unknown names raise ``ParamsError``.

    Examples
    --------
    >>> select_runs(["no_such_run"], paths.project_root())
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params/no_such_run.yaml: no such run, expected one of: ...
    """
    files = discover_runs(root)
    if not names:
        return files
    by_name = {p.name[: -len(".yaml")]: p for p in files}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(sorted(by_name)) or "none"
        raise ParamsError(f"params/{missing[0]}.yaml: no such run, expected one of: {known}")
    return [by_name[n] for n in dict.fromkeys(names)]


def run_study(
    names: list[str] | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    root: Path | None = None,
    outputs: Path | None = None,
    echo: Callable[[str], None] = print,
) -> RunOutcome:
    """Check, plan and execute runs; write their outputs and ``outputs/index.html``.

    Parameters
    ----------
    names : list of str, optional
        Run names (params file stems); all runs when empty.
    force : bool
        Execute even runs whose cache key is unchanged.
    jobs : int, optional
        Parallel runs (default ``os.cpu_count()``).
    root, outputs : Path, optional
        Project root and outputs folder (default: :func:`paths.project_root` and its ``outputs/``).
    echo : callable
        Receives each progress line.

    Raises
    ------
    ParamsError, DataError, RunLockedError
        Before any kernel starts, for a bad params file or data file, or a held lock.

    Examples
    --------
    >>> outcome = run_study(["no_such_run"])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params/no_such_run.yaml: no such run, expected one of: ...
    """
    root = (root or paths.project_root()).resolve()
    outputs = (outputs or root / "outputs").resolve()
    jobs = max(1, jobs or os.cpu_count() or 1)
    selected = select_runs(names, root)
    with outputs_lock(outputs):
        # Holding the lock, nothing else is staging: leftovers are from a killed run.
        shutil.rmtree(outputs / ".staging", ignore_errors=True)
        store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
        runs = [load_run(p, store, root) for p in selected]
        plans = plan_runs(runs, root, outputs, store, force=force)
        to_run = [p for p in plans if p.execute]
        store.save()
        results: dict[str, dict[str, object]] = {}
        for plan in plans:
            if not plan.execute:
                results[plan.run.name] = {"run": plan.run.name, "status": "skipped-cached", "reason": plan.reason}
                echo(f"skipped {plan.run.name} (unchanged)")
        if to_run:

            def prepare() -> None:
                # Runs while the kernel zygote imports its libraries. Data files are checked here,
                # before any kernel starts; a bad file raises and the zygote is stopped unused.
                checked: dict[tuple[str, ...], None] = {}
                for plan in to_run:
                    key = tuple(sorted(f"{k}={p}" for k, p in plan.run.inputs.items()))
                    if key not in checked:  # the bg and en runs of a study read the same files
                        validate_inputs(plan.run, root)
                        checked[key] = None
                _preload_heavy_modules()

            with _kernel_environment(root), kernel_zygote(while_starting=prepare):
                git = provenance.git_state(root)
                packages = provenance.package_versions()
                specs = []
                for plan in to_run:
                    run = plan.run
                    echo(f"running {run.name} ({plan.reason})")
                    specs.append({
                        "run": run.name, "title": run.title, "description": run.description,
                        "notebook": str(run.notebook), "notebook_rel": run.notebook_rel, "lang": run.lang,
                        "overrides": run.overrides, "parameters": _jsonable_parameters(run.parameters),
                        "inputs": dict(plan.components["inputs"]), "git": git, "packages": packages,
                        "cache_key": plan.cache_key, "components": plan.components,
                        "synthetic": any(provenance.is_synthetic(p) for p in run.inputs.values()),
                        "root": str(root), "outputs": str(outputs),
                    })
                specs.sort(key=lambda spec: -_expected_duration(outputs / spec["run"]))
                total = len(specs)
                done = [0]

                def report_progress(result: dict) -> None:
                    done[0] += 1
                    prefix = f"[{done[0]}/{total}]"
                    if result["status"] == "ok":
                        echo(f"{prefix} ok     {result['run']} in {result['duration_s']:.1f} s")
                    else:
                        echo(f"{prefix} FAILED {result['run']}: {describe_error(result['error'])}")

                for result in _map_jobs(execute_run, specs, jobs, report_progress):
                    result["reason"] = next(p.reason for p in to_run if p.run.name == result["run"])
                    results[result["run"]] = result
        from ruse_research.runner import htmlreport

        htmlreport.write_index(outputs, _runs_for_index(root, plans, store), results)
        echo(f"index: {outputs / 'index.html'}")
    failed = sorted(name for name, r in results.items() if r["status"] == "failed")
    for name in failed:
        echo(f"run {name} failed: {describe_error(results[name]['error'])}; see {outputs / name / 'failed' / 'report.html'}")
    return RunOutcome(results=results, exit_code=1 if failed else 0)


def _expected_duration(run_dir: Path) -> float:
    """How long the run took last time (infinite when unknown), to start the longest runs first:
    with a few workers, longest-first keeps one slow run from finishing alone at the end.

    Examples
    --------
    >>> _expected_duration(Path("/nonexistent/run"))
    inf
    """
    for record_path in (run_dir / "provenance.json", run_dir / "failed" / "failure.json"):
        record = provenance.read_json(record_path)
        if record and isinstance(record.get("duration_s"), int | float):
            return float(record["duration_s"])
    return float("inf")


def _runs_for_index(root: Path, plans: list[Plan], store: cache.FileHashStore) -> list[Run]:
    """Every run of the project for the index: the planned ones plus the others that load."""
    planned = {plan.run.name: plan.run for plan in plans}
    runs = []
    for params_file in discover_runs(root):
        name = params_file.name[: -len(".yaml")]
        if name in planned:
            runs.append(planned[name])
            continue
        try:
            runs.append(load_run(params_file, store, root))
        except RuseError:
            continue  # `ruse-research list` shows why; the index lists runs that can run
    return runs


def describe_error(error: dict | None) -> str:
    """One line: ``cell 4 (In [3]): ValueError: boom``.

    Examples
    --------
    >>> describe_error({"cell": 4, "execution_count": 3, "ename": "ValueError", "evalue": "boom"})
    'cell 4 (In [3]): ValueError: boom'
    """
    if not error:
        return "unknown error"
    where = ""
    if error.get("cell") is not None:
        where = f"cell {error['cell']}"
        if error.get("execution_count") is not None:
            where += f" (In [{error['execution_count']}])"
        where += ": "
    return f"{where}{error.get('ename')}: {error.get('evalue')}"


def list_runs(root: Path | None = None) -> list[dict[str, str]]:
    """One row per params file: run, notebook, language, title and last status (no kernel, no pandas).

    A params file that does not check out is listed with status ``invalid: <message>``.

    Examples
    --------
    >>> rows = list_runs()
    >>> all({"run", "notebook", "lang", "title", "status"} <= set(r) for r in rows)
    True
    """
    root = (root or paths.project_root()).resolve()
    outputs = root / "outputs"
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    rows = []
    for params_file in discover_runs(root):
        name = params_file.name[: -len(".yaml")]
        try:
            run = load_run(params_file, store, root)
        except RuseError as exc:
            rows.append({"run": name, "notebook": "?", "lang": "?", "title": "", "status": f"invalid: {exc}"})
            continue
        record = provenance.read_json(outputs / name / "provenance.json")
        if (outputs / name / "failed" / "failure.json").is_file():
            status = "failed"
        elif record is None:
            status = "not run"
        else:
            status = f"{record.get('status')} ({record.get('end_time', '')[:19].replace('T', ' ')} UTC)"
        rows.append({"run": name, "notebook": run.notebook_rel, "lang": run.lang, "title": run.title, "status": status})
    return rows


# --------------------------------------------------------------------------- refresh


VOLATILE_CELL_METADATA = ("execution", "papermill")


def strip_volatile_metadata(nb: dict) -> dict:
    """Remove papermill's and nbclient's timing metadata so a refreshed notebook is stable in git.

    Examples
    --------
    >>> nb = {"metadata": {"papermill": {"duration": 1.2}, "kernelspec": {"name": "python3"}},
    ...       "cells": [{"cell_type": "code", "metadata": {"execution": {"iopub.status.busy": "..."},
    ...                  "papermill": {"duration": 0.1}, "tags": ["parameters"]}}]}
    >>> strip_volatile_metadata(nb)["cells"][0]["metadata"], sorted(nb["metadata"])
    ({'tags': ['parameters']}, ['kernelspec'])
    """
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def refresh_one(spec: dict) -> dict[str, object]:
    """Re-execute one notebook in place with its default parameters (cwd = its folder, as nbval).

    Examples
    --------
    >>> refresh_one({"notebook": "/abs/notebooks/01_x.ipynb", "name": "notebooks/01_x.ipynb",
    ...              "root": "/abs"})["status"]  # doctest: +SKIP
    'ok'
    """
    with _kernel_environment(Path(spec["root"])):
        return _refresh_one(spec)


def _refresh_one(spec: dict) -> dict[str, object]:
    import nbformat

    notebook = Path(spec["notebook"])
    clock = time.perf_counter()
    temporary = notebook.with_name(f".{notebook.stem}.refresh-{os.getpid()}.ipynb")
    try:
        execute_notebook(notebook, temporary, {}, notebook.parent)
        node = strip_volatile_metadata(nbformat.read(str(temporary), as_version=4))
        with open(temporary, "w", encoding="utf-8") as handle:
            nbformat.write(node, handle)
        os.replace(temporary, notebook)
        return {"run": spec["name"], "status": "ok", "duration_s": time.perf_counter() - clock, "error": None}
    except Exception as exc:
        nb = _read_notebook(temporary)
        error = (nb and failing_cell(nb)) or {"cell": None, "execution_count": None,
                                             "ename": type(exc).__name__, "evalue": str(exc).strip()[-500:]}
        return {"run": spec["name"], "status": "failed", "duration_s": time.perf_counter() - clock, "error": error}
    finally:
        temporary.unlink(missing_ok=True)


def refresh_notebooks(
    notebooks: list[str] | None = None,
    *,
    jobs: int | None = None,
    root: Path | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Re-execute ``notebooks/NN_*.ipynb`` (or the given ones) in place; 0 when all succeed, else 1.

    A notebook that fails is left exactly as it was.

    Examples
    --------
    >>> refresh_notebooks(["notebooks/01_staff_attitudes.ipynb"])  # doctest: +SKIP
    refreshing notebooks/01_staff_attitudes.ipynb
    ok     notebooks/01_staff_attitudes.ipynb in 9.1 s
    0
    """
    root = (root or paths.project_root()).resolve()
    if notebooks:
        targets = []
        for item in notebooks:
            path = paths.resolve(item) if (paths.resolve(item)).exists() else root / "notebooks" / item
            if not path.is_file():
                raise ParamsError(f"{item}: notebook not found, expected a path to an .ipynb file")
            targets.append(path.resolve())
    else:
        targets = sorted(p for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not targets:
        echo("no notebooks to refresh")
        return 0
    specs = [{"notebook": str(p), "name": _rel(p, root), "root": str(root)} for p in targets]
    for spec in specs:
        echo(f"refreshing {spec['name']}")
    def report(result: dict) -> None:
        if result["status"] == "ok":
            echo(f"ok     {result['run']} in {result['duration_s']:.1f} s")
        else:
            echo(f"FAILED {result['run']}: {describe_error(result['error'])} (notebook left unchanged)")

    with _kernel_environment(root), kernel_zygote(while_starting=_preload_heavy_modules):
        results = _map_jobs(refresh_one, specs, max(1, jobs or os.cpu_count() or 1), report)
    return 1 if any(r["status"] != "ok" for r in results) else 0
