"""The no-op rerun: what it may import and what it must leave alone, and that it still notices
changes (runner.index_skip, the FileHashStore fast path, the remembered package versions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ruse_research.runner import cache, index_skip, provenance

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import make_project  # noqa: E402
from test_cache import pretend_succeeded  # noqa: E402

#: Libraries a rerun with nothing changed has no use for (each costs 20-500 ms to import).
HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "openpyxl", "papermill", "nbconvert", "nbclient",
         "nbformat", "jsonschema", "fastjsonschema", "jupyter_client", "zmq", "dask", "distributed",
         "jinja2", "babel", "markupsafe", "docx", "PIL", "yaml")

NO_OP = ("import sys\nfrom ruse_research import cli\ncode = cli.main(['run'])\n"
         "print(code, sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))")


def no_op(project: Path) -> list[str]:
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project), "PYTHONPATH": str(project / "src")}
    done = subprocess.run([sys.executable, "-c", NO_OP.format(heavy=set(HEAVY))], capture_output=True,
                          text=True, env=env, timeout=120, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path, monkeypatch)
    pretend_succeeded(root)
    return root


def test_second_no_op_imports_nothing_heavy_and_keeps_the_index(project):
    first = no_op(project)  # the index now says "unchanged (from the cache)": written once
    assert sum(line.startswith("skipped ") for line in first) == 2, first
    page = project / "outputs" / "index.html"
    written = page.stat()
    second = no_op(project)
    assert sum(line.startswith("skipped ") for line in second) == 2, second
    assert second[-1] == "0 []", second  # exit code 0, none of HEAVY imported
    assert f"index: {page}" in second  # the line is printed as before
    kept = page.stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # not rewritten


def test_index_is_rewritten_when_what_it_shows_changes(project):
    no_op(project)
    page = project / "outputs" / "index.html"
    before = page.read_text(encoding="utf-8")
    record_path = project / "outputs" / "standin.en" / "provenance.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    provenance.write_json(record_path, {**record, "duration_s": 42.0})  # same cache key, new duration
    lines = no_op(project)
    assert sum(line.startswith("skipped ") for line in lines) == 2, lines
    after = page.read_text(encoding="utf-8")
    assert after != before and "42.0" in after
    page.write_text("edited by hand", encoding="utf-8")  # a page changed on disk is written again
    no_op(project)
    assert page.read_text(encoding="utf-8") == after


def _run(name: str, lang: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, lang=lang, notebook_rel="notebooks/90_standin.ipynb",
                           titles={"bg": "Т", "en": "T"}, title="T")


def _findings_notebook(path: Path, sentence: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {},
         "metadata": {"ruse": {"kind": "key_findings", "sentences": [sentence]}}}]}]}
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_same_size_edit_with_the_old_mtime_put_back_rewrites_the_index(tmp_path):
    """Issue 20 point 7: a content change that keeps size and mtime is still noticed."""
    outputs = tmp_path / "outputs"
    notebook = outputs / "demo.en" / "notebook.ipynb"
    _findings_notebook(notebook, "Finding AAAA.")
    provenance.write_json(outputs / "demo.en" / "provenance.json", {"status": "ok", "duration_s": 1.0})
    runs = [_run("demo.en", "en")]
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    assert index_skip.write_index(outputs, runs, {}, store) is True
    assert "Finding AAAA." in (outputs / "index.html").read_text(encoding="utf-8")
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    assert index_skip.write_index(outputs, runs, {}, store) is False
    info = notebook.stat()
    _findings_notebook(notebook, "Finding BBBB.")  # same size
    os.utime(notebook, ns=(info.st_atime_ns, info.st_mtime_ns))  # the old mtime put back
    assert notebook.stat().st_size == info.st_size and notebook.stat().st_mtime_ns == info.st_mtime_ns
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    assert index_skip.write_index(outputs, runs, {}, store) is True
    page = (outputs / "index.html").read_text(encoding="utf-8")
    assert "Finding BBBB." in page and "Finding AAAA." not in page


def test_remembered_value_is_reused_until_a_folder_changes(tmp_path):
    import time

    folder = tmp_path / "site-packages"
    folder.mkdir()
    time.sleep(2 * cache.RACY_NS / 1e9)  # not racily clean any more (see cache.RACY_NS)
    calls = []

    def compute():
        calls.append(1)
        return {"pkg": str(len(calls))}

    store = cache.FileHashStore(tmp_path / "hashes.json")
    first = store.remembered("versions", [folder], compute)
    store.save()
    assert cache.FileHashStore(tmp_path / "hashes.json").remembered("versions", [folder], compute) == first
    assert len(calls) == 1
    (folder / "pkg-2.0.dist-info").mkdir()  # an install adds (and removes) a folder entry
    assert store.remembered("versions", [folder], compute) != first and len(calls) == 2


def test_store_keys_resolve_symlinks_and_dotdot_like_path_resolve(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "a.csv"
    target.write_text("x\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "file-link.csv").symlink_to(target)
    store = cache.FileHashStore()
    for path in (target, tmp_path / "link" / "a.csv", tmp_path / "file-link.csv",
                 tmp_path / "link" / ".." / "real" / "a.csv"):
        assert store._identify(path)[0] == str(path.resolve())
    assert len({store.sha256(p) for p in (target, tmp_path / "link" / "a.csv")}) == 1
    assert [k for k in store._entries] == [f"sha256:{target.resolve()}"]


def test_page_rendered_ahead_is_the_page_the_rerun_would_render(tmp_path):
    from ruse_research.runner import index
    from ruse_research.runner.spec import RunResult

    outputs = tmp_path / "outputs"
    _findings_notebook(outputs / "demo.en" / "notebook.ipynb", "Finding AAAA.")
    provenance.write_json(outputs / "demo.en" / "provenance.json", {"status": "ok", "duration_s": 1.0})
    runs = [_run("demo.en", "en")]
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    assert index_skip.write_index(outputs, runs, {"demo.en": RunResult("demo.en", "ok")}, store)
    assert "ok" in (outputs / "index.html").read_text(encoding="utf-8")
    ahead = outputs / index_skip.NEXT
    assert ahead.is_file()
    rerun = {"demo.en": RunResult("demo.en", "skipped-cached", reason="unchanged")}
    fresh = index.write_index(outputs, runs, rerun, target=tmp_path / "fresh.html")
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    assert index_skip.write_index(outputs, runs, rerun, store) is True
    assert not ahead.exists()  # moved into place, not rendered again
    assert (outputs / "index.html").read_bytes() == fresh.read_bytes()
    assert "unchanged (from the cache)" in fresh.read_text(encoding="utf-8")
    assert index_skip.write_index(outputs, runs, rerun, store) is False
    # a page rendered ahead is not used when anything it shows changed since
    assert index_skip.write_index(outputs, runs, {"demo.en": RunResult("demo.en", "ok")}, store)
    provenance.write_json(outputs / "demo.en" / "provenance.json", {"status": "ok", "duration_s": 7.0})
    assert index_skip.write_index(outputs, runs, rerun, store) is True
    assert "7.0" in (outputs / "index.html").read_text(encoding="utf-8")


def test_parse_cache_gives_back_exactly_what_yaml_gives_and_notices_edits(tmp_path):
    from ruse_research import _yaml

    cache_file = tmp_path / "yaml.json"
    try:
        _yaml.use_parse_cache(cache_file)
        texts = ["a: 1\nb: [x, 2.5, true, null, {}]\n", "when: 2019-01-18\n", "1: one\n2: {3: [4]}\n",
                 "at: 2019-01-18 10:00:00+02:00\n", "s: !!set {a}\n", "x: .nan\n"]
        parsed = [_yaml.load(t) for t in texts]
        _yaml.save_parse_cache()
        stored = json.loads(cache_file.read_text(encoding="utf-8"))["entries"]
        assert len(stored) == 4  # a set and NaN are not stored: parsed again
        _yaml._PARSED.clear()  # a new process: only the file is left
        _yaml.use_parse_cache(cache_file)
        again = [_yaml.load(t) for t in texts]
        assert again[:5] == parsed[:5] and type(again[1]["when"]).__name__ == "date"
        assert 1 in again[2] and again[2][2] == {3: [4]} and again[3]["at"].utcoffset().seconds == 7200
        assert repr(again) == repr(parsed)  # the same types everywhere (1 is no '1', a date no text)
        assert _yaml.load("a: 2\nb: [x, 2.5, true, null]\n")["a"] == 2  # an edit is parsed anew
        first = _yaml.load(texts[0])
        first["a"] = 99  # callers get their own copy
        assert _yaml.load(texts[0])["a"] == 1
        with pytest.raises(_yaml.YamlError, match="appears twice"):
            _yaml.load("a: 1\na: 2\n")
        # an entry not written by the cache (another format, a hand edit) is parsed again
        key = _yaml._disk_key("b: 1\n", True)
        cache_file.write_text(json.dumps({"format": _yaml.STORED_FORMAT, "entries": {key: '{"x": 1}'}}),
                              encoding="utf-8")
        _yaml._PARSED.clear()
        _yaml.use_parse_cache(cache_file)
        assert _yaml.load("b: 1\n") == {"b": 1}
        cache_file.write_text(json.dumps({key: '{"x": 1}'}), encoding="utf-8")  # the first format
        _yaml._PARSED.clear()
        _yaml.use_parse_cache(cache_file)
        assert _yaml.load("b: 1\n") == {"b": 1}
    finally:
        _yaml.use_parse_cache(None)
