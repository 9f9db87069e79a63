"""What the benches share: a temporary copy of the project and the environment of its commands.

The benches never touch the checkout's ``params/`` or ``outputs/``: they copy the project into
a temporary folder and run ``ruse-research`` there. Real exports (``private/``), earlier
outputs and caches are never copied.
"""

from __future__ import annotations

import os
import resource
import shutil
from collections.abc import Iterable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
#: What a copy never takes: caches, earlier outputs, and real exports (personal data).
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "outputs", ".staging",
                                 "private")


def children_cpu() -> float:
    """CPU seconds (user + system) of all finished child processes and their descendants.

    Only descendants that their own parents waited for: most of headless Chromium's CPU (its
    renderer processes) is not in it; :func:`machine_cpu` sees it.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float | None:
    """CPU seconds the whole machine has spent busy (user, nice, system, irq, softirq), from
    ``/proc/stat``; ``None`` where there is none. On an idle machine a difference of two readings
    is the cost of what ran in between, every process included."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    busy = sum(int(fields[i]) for i in (1, 2, 3, 6, 7))
    return busy / os.sysconf("SC_CLK_TCK")


def copy_project(target: Path, names: Iterable[str]) -> None:
    """Copy the checkout's top-level ``names`` (folders or files; absent ones skipped) into ``target``."""
    target.mkdir(parents=True)
    for name in names:
        source = CHECKOUT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORED)
        elif source.is_file():
            shutil.copy2(source, target / name)


def environment(root: Path, *, bytecode: bool = True) -> dict[str, str]:
    """The commands' environment: the copy as project root, its src first, and bytecode caches
    on (under the copy's ``.pycache``) whatever the shell says: a ``PYTHONDONTWRITEBYTECODE``
    set in the shell makes every command compile all its modules again (0.3 s of a no-op
    rerun), which no installed Python does. ``bytecode=False`` keeps the shell's setting."""
    env = dict(os.environ)
    env["RUSE_RESEARCH_ROOT"] = str(root)
    if bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = ""  # "" unsets it for Python
        env["PYTHONPYCACHEPREFIX"] = str(root / ".pycache")
    env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env
