"""Kernels for papermill: a forking kernel server ("zygote"), isolated kernel managers, their environment.

Starting a kernel costs a new interpreter that imports ipykernel, then the notebook imports
pandas, scipy... For many short runs that import time dominates. The zygote is one process
that imports those libraries once and forks a fresh kernel for every run (the idea of
multiprocessing's forkserver). jupyter_client still manages an ordinary child process: a tiny
client (:data:`KERNEL_CLIENT`) that asks the zygote to fork, passes its stdin/stdout/stderr,
forwards signals and exits with the kernel's exit code. If the zygote is unavailable the client
simply execs ``python -m ipykernel_launcher``; ``RUSE_RESEARCH_NO_ZYGOTE=1`` starts every kernel
that way. What the zygote imports is derived, not kept by hand: :func:`derive_preload` reads
the imports of the notebooks about to run and, transitively, of the package modules they import
(including imports inside functions when several kernels will share the zygote; only top-level
ones for a single kernel). matplotlib's inline backend is preloaded without a shell,
so each forked kernel connects it to its own shell right after start-up with the public calls
that importing it in a fresh kernel makes (:func:`connect_matplotlib_to_shell`);
tests/test_cli.py checks that both ways give byte-identical notebooks.

This module imports nothing else of the runner.

Examples
--------
>>> import json, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> cell = {"cell_type": "code", "source": "import pandas as pd\\nfrom ruse_research import paths",
...         "metadata": {}, "outputs": [], "execution_count": None}
>>> _ = (folder / "nb.ipynb").write_text(json.dumps({"cells": [cell]}))
>>> sorted(notebook_imports(folder / "nb.ipynb"))
['pandas', 'ruse_research']
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

ZYGOTE_ENV = "RUSE_RESEARCH_KERNEL_ZYGOTE"
NO_ZYGOTE_ENV = "RUSE_RESEARCH_NO_ZYGOTE"
#: What every kernel imports, whatever the notebook: ipykernel itself.
KERNEL_MODULES: tuple[str, ...] = ("ipykernel.kernelapp", "ipykernel.ipkernel")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_ROOT_ENV = "RUSE_RESEARCH_ROOT"  # the same name as ruse_research.paths.ROOT_ENV (checked in tests)
_ZYGOTE_START = ("import json, sys; from ruse_research.runner.kernels import zygote_main; "
                 "zygote_main(sys.argv[1], json.loads(sys.argv[2]))")


# --------------------------------------------------------------------------- what to preload


def _imports_in(tree: ast.AST, package: str, package_dir: Path | None, *, top_level: bool) -> set[str]:
    nodes = tree.body if top_level and isinstance(tree, ast.Module) else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            for alias in node.names:  # ``from pkg import module`` names a module of the package
                name = f"{node.module}.{alias.name}"
                if name.startswith(package + ".") and package_dir is not None and _module_file(name, package_dir):
                    found.add(name)
    found.discard("__future__")
    return found


def _code_cells(nb: dict) -> Iterator[str]:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", "")
        source = "".join(raw) if isinstance(raw, list) else str(raw)
        # IPython magics and shell escapes are not Python; blank them out to parse the rest
        yield "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def notebook_imports(notebook: str | os.PathLike[str], package_dir: Path | None = None) -> set[str]:
    """Modules imported at the top level of any code cell of ``notebook``.

    ``from ruse_research.data import io`` counts as ``ruse_research.data`` and, when
    ``package_dir`` holds it, ``ruse_research.data.io``. Cells that do not parse are skipped.
    """
    package = package_dir.name if package_dir is not None else "ruse_research"
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    found: set[str] = set()
    for source in _code_cells(nb):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        found |= _imports_in(tree, package, package_dir, top_level=True)
    return found


def _module_file(name: str, package_dir: Path) -> Path | None:
    """The source file of module ``name`` of the package in ``package_dir``, without importing it."""
    parts = name.split(".")
    if parts[0] != package_dir.name:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=4096)
def _imports_of_text(text: str, package: str, package_dir: str, layout: tuple[str, ...],
                     top_level: bool = False) -> frozenset[str]:
    """What a module's ``text`` imports. Parsing the whole package costs about 0.3 s, and the
    runner, its tests and the benches ask again for the same files; ``layout`` (the package's
    module files) is part of the key because ``from pkg import name`` counts ``pkg.name`` only
    when that module exists."""
    return frozenset(_imports_in(ast.parse(text), package, Path(package_dir), top_level=top_level))


#: Bump when what a stored entry means changes (this file's own text is in the key as well).
_STORE_FORMAT = 1


def _store_header(package: str, layout: tuple[str, ...]) -> str:
    """The key every entry of a store was derived under: the format, this module's code (which
    parses), the Python version (its grammar) and the package's name and module files."""
    import hashlib

    parser = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return hashlib.sha256(f"{_STORE_FORMAT}|{parser}|{sys.version_info[:2]}|{package}|"
                          f"{chr(10).join(layout)}".encode()).hexdigest()


def _read_store(store: Path, package: str, layout: tuple[str, ...]) -> dict[str, list[str]]:
    """The entries of ``store`` written for this package layout (``{}`` when absent, stale or unreadable)."""
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
        entries = data["entries"] if data.get("layout") == _store_header(package, layout) else {}
        if not all(isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
                   for k, v in entries.items()):
            return {}
        return dict(entries)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _write_store(store: Path, package: str, layout: tuple[str, ...], entries: dict[str, list[str]]) -> None:
    """Replace ``store`` atomically; a store that cannot be written only costs speed next time."""
    temporary = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"layout": _store_header(package, layout), "entries": entries},
                                        sort_keys=True), encoding="utf-8")
        os.replace(temporary, store)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _stored_module_imports(file: Path, package: str, package_dir: Path, layout: tuple[str, ...],
                           known: dict[str, list[str]], used: dict[str, list[str]],
                           top_level: bool = False) -> frozenset[str]:
    """Every module ``file`` imports, inside functions too (empty when it cannot be read or
    parsed), read from ``known`` when its text was parsed before; every answer is recorded in
    ``used`` (the store's next content)."""
    import hashlib

    try:
        text = file.read_bytes()
    except OSError:
        return frozenset()
    key = hashlib.sha256(text).hexdigest() + (":top" if top_level else "")
    if key in known:
        found = frozenset(known[key])
    else:
        try:
            found = _imports_of_text(text.decode("utf-8"), package, str(package_dir), layout, top_level)
        except (SyntaxError, ValueError):
            found = frozenset()
    used[key] = sorted(found)
    return found


def _text_hashes(package_dir: Path, layout: tuple[str, ...]) -> set[str]:
    """The SHA-256 of every module file of the package (about 10 ms for this package)."""
    import hashlib

    hashes = set()
    for rel in layout:
        with contextlib.suppress(OSError):
            hashes.add(hashlib.sha256((package_dir / rel).read_bytes()).hexdigest())
    return hashes


def derive_preload(notebooks: Iterable[str | os.PathLike[str]], package_dir: Path | None = None,
                   store: Path | None = None, *, shared: bool = True) -> tuple[str, ...]:
    """What a zygote should import for ``notebooks``: ipykernel, every module the notebooks import,
    and everything the package modules among them import (transitively, imports inside functions
    included, since the package imports its heavy libraries lazily; top-level ones only with
    ``shared=False``, below). With the inline backend
    selected and pyplot among them, the inline backend too. Nothing is imported here.

    ``store`` is a JSON file that keeps what each package module imports between invocations,
    keyed by the SHA-256 of the module's text and of the package's list of module files (the
    two things the answer depends on): parsing the package took 0.4-0.8 s of every
    ``ruse-research run``. An unreadable store is ignored and rewritten.

    ``shared=False`` is for a zygote that will fork a single kernel: it then imports only what
    the notebooks and the package modules import at their top level (what that kernel imports
    anyway as it starts, imported while the runner checks the data), not the libraries that
    package functions import when called, which several kernels would share but one kernel
    may never need (a stand-in notebook's zygote imported 1.8 CPU-s more than its kernel used).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> package = folder / "ruse_research"
    >>> (package / "display").mkdir(parents=True)
    >>> _ = (package / "__init__.py").write_text("")
    >>> _ = (package / "display" / "__init__.py").write_text("")
    >>> _ = (package / "display" / "report.py").write_text("def show():\\n    import scipy.stats\\n")
    >>> cell = {"cell_type": "code", "source": "%matplotlib inline\\nfrom ruse_research.display import report",
    ...         "metadata": {}, "outputs": [], "execution_count": None}
    >>> _ = (folder / "nb.ipynb").write_text(json.dumps({"cells": [cell]}))
    >>> derive_preload([folder / "nb.ipynb"], package)
    ('ipykernel.kernelapp', 'ipykernel.ipkernel', 'ruse_research.display', 'ruse_research.display.report', 'scipy.stats')
    """
    package = package_dir.name if package_dir is not None else "ruse_research"
    names: set[str] = set()
    for notebook in notebooks:
        names |= notebook_imports(notebook, package_dir)
    if package_dir is not None:
        pending = sorted(n for n in names if n == package or n.startswith(package + "."))
        layout = tuple(sorted(p.relative_to(package_dir).as_posix() for p in package_dir.rglob("*.py")))
        known = _read_store(store, package, layout) if store is not None else {}
        used: dict[str, list[str]] = {}
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            file = _module_file(name, package_dir)
            if file is None:
                continue
            more = _stored_module_imports(file, package, package_dir, layout, known, used, not shared)
            names |= more
            pending.extend(sorted(n for n in more if n.startswith(package + ".") and n not in seen))
        if store is not None:
            # entries of modules this run did not visit (another notebook's, the other kind's)
            # are kept while their text is still that of a package file
            current = _text_hashes(package_dir, layout) if set(known) - set(used) else set()
            kept = {key: value for key, value in known.items() if key.split(":")[0] in current}
            if {**kept, **used} != known:
                _write_store(store, package, layout, {**kept, **used})
    names.discard(package)  # its __init__ is imported with any of its modules
    if "matplotlib.pyplot" in names and os.environ.get("MPLBACKEND", INLINE_BACKEND) == INLINE_BACKEND:
        names.add("matplotlib_inline.backend_inline")
    return KERNEL_MODULES + tuple(sorted(names - set(KERNEL_MODULES)))


# --------------------------------------------------------------------------- the zygote


KERNEL_CLIENT = r"""
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


def connect_matplotlib_to_shell() -> None:
    """Do in a forked kernel what importing pyplot and the inline backend does in a fresh one.

    Only public calls: pyplot's ``install_repl_displayhook``, IPython's ``activate_matplotlib``
    and matplotlib-inline's ``configure_inline_support``.
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.install_repl_displayhook()
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is None:
        return
    import matplotlib
    from IPython import get_ipython
    from IPython.core.pylabtools import activate_matplotlib

    shell = get_ipython()
    if matplotlib.__version_info__ >= (3, 10):
        backend = matplotlib.get_backend(auto_select=False)
    else:  # read the setting without resolving it (a plain dict read of rcParams)
        backend = dict.__getitem__(matplotlib.rcParams, "backend")
    if shell is not None and backend in ("inline", INLINE_BACKEND):
        activate_matplotlib(backend)
        inline.configure_inline_support(shell, backend)


class _ShutdownInterruptFilter(logging.Filter):
    """Drops ipykernel's log line about the SIGINT that comes with every kernel shutdown."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("KeyboardInterrupt caught in kernel")


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
        # jupyter_client interrupts (SIGINT) every kernel it shuts down; one that is inside a
        # message handler then logs "KeyboardInterrupt caught in kernel" on the run's console
        app.log.addFilter(_ShutdownInterruptFilter())
        connect_matplotlib_to_shell()
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


def zygote_main(socket_path: str, preload: list[str] | tuple[str, ...] = KERNEL_MODULES) -> None:
    """Import ``preload``, then fork one kernel per client of ``socket_path`` until told to stop."""
    import importlib
    import selectors
    import signal
    import socket

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in preload:
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
def kernel_zygote(preload: tuple[str, ...] | list[str] = KERNEL_MODULES,
                  while_starting: Callable[[], None] | None = None, timeout: float = 300.0) -> Iterator[bool]:
    """Run a kernel zygote for the duration of the block; yields whether it is in use.

    Kernels started meanwhile (in this process or in forked workers) are forked from it.
    The zygote imports ``preload`` first (see :func:`derive_preload`); ``while_starting`` runs
    meanwhile (the runner checks data files and preloads its own libraries there). Set ``RUSE_RESEARCH_NO_ZYGOTE=1`` to start every kernel as a new interpreter instead.

    Usage (forks a server process, so it is not a doctest; ``tests/test_kernels.py`` and
    ``tests/test_cli.py`` run it)::

        with kernel_zygote() as forking:
            assert forking   # False when RUSE_RESEARCH_NO_ZYGOTE=1
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
        [sys.executable, "-c", _ZYGOTE_START, socket_path, json.dumps(list(preload))],
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


# --------------------------------------------------------------------------- kernel managers


@contextlib.contextmanager
def kernel_workspace() -> Iterator[str]:
    """A short private folder for the connection files and IPC sockets of the kernels started in
    the block (Unix socket paths are limited to about 100 bytes); removed afterwards.

    Examples
    --------
    >>> with kernel_workspace() as folder:
    ...     os.path.isdir(folder)
    True
    >>> os.path.exists(folder)
    False
    """
    import tempfile

    folder = tempfile.mkdtemp(prefix="rr-k", dir="/tmp" if os.path.isdir("/tmp") else None)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def isolated_kernel_manager_class(folder: str):
    """A kernel manager class whose kernels use IPC sockets in their own subfolder of ``folder``
    and this interpreter.

    IPC transport with a unique connection file per kernel avoids the TCP port races of many
    kernels starting at once (papermill#511); the command always runs ``sys.executable -m
    ipykernel_launcher`` (or the zygote client) so kernels use the runner's environment whatever
    kernelspecs exist. The subfolders go when ``folder`` goes (see :func:`kernel_workspace`).
    """
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IsolatedKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            self.private_dir = tempfile.mkdtemp(prefix="k", dir=folder)
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("connection_file", os.path.join(self.private_dir, "k.json"))
            super().__init__(**kwargs)

        def format_kernel_cmd(self, extra_arguments=None):
            arguments = ["-f", self.connection_file, *(extra_arguments or [])]
            zygote = os.environ.get(ZYGOTE_ENV)
            if zygote:
                return [sys.executable, "-c", KERNEL_CLIENT, zygote, *arguments]
            return [sys.executable, "-m", "ipykernel_launcher", *arguments]

    return IsolatedKernelManager


@contextlib.contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables while the block runs (kernels started meanwhile inherit them).

    Examples
    --------
    >>> with scoped_environ({"RUSE_DEMO_VAR": "1"}):
    ...     os.environ["RUSE_DEMO_VAR"]
    '1'
    >>> "RUSE_DEMO_VAR" in os.environ
    False
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def kernel_environment(root: Path) -> Iterator[None]:
    """Environment the kernels inherit while the block runs: ``RUSE_RESEARCH_ROOT`` = the project
    root (so ``paths.resolve`` finds it) and the project's own ``src/`` first on ``PYTHONPATH``
    when it holds the package. The previous values come back afterwards, so nothing leaks into
    the caller's process.

    Examples
    --------
    >>> before = os.environ.get("RUSE_RESEARCH_ROOT")
    >>> with kernel_environment(Path("/nonexistent")):
    ...     os.environ["RUSE_RESEARCH_ROOT"]
    '/nonexistent'
    >>> os.environ.get("RUSE_RESEARCH_ROOT") == before
    True
    """
    values = {_ROOT_ENV: str(root)}
    source = root / "src"
    if (source / "ruse_research" / "__init__.py").is_file():
        current = os.environ.get("PYTHONPATH", "")
        parts = [str(source)] + [p for p in current.split(os.pathsep) if p and p != str(source)]
        values["PYTHONPATH"] = os.pathsep.join(parts)
    with scoped_environ(values):
        yield
