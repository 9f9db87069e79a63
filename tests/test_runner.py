"""Run discovery, params checks before any kernel starts, and the whole pipeline end to end."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from ruse_research import cli, runner
from ruse_research.contract import ContractError
from ruse_research.errors import DataError, ParamsError, Problem
from ruse_research.runner import execute, pipeline
from ruse_research.runner.spec import RunResult

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import make_project  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    return make_project(tmp_path, monkeypatch)


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to start a kernel."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started although the params are invalid")

    monkeypatch.setattr(execute, "execute_notebook", forbidden)
    monkeypatch.setattr(pipeline, "execute_run", forbidden)


# ----------------------------------------------------------------------------- discovery


def test_discovery_names_runs_by_params_file_stem(project):
    names = [p.name for p in runner.discover_runs(project)]
    assert names == ["standin.bg.yaml", "standin.en.yaml"]
    rows = runner.list_runs(project)
    assert [(r["run"], r["lang"], r["notebook"], r["status"]) for r in rows] == [
        ("standin.bg", "bg", "notebooks/90_standin.ipynb", "not run"),
        ("standin.en", "en", "notebooks/90_standin.ipynb", "not run"),
    ]


def test_load_run_merges_defaults_and_overrides(project):
    run = runner.load_run(project / "params" / "standin.bg.yaml", root=project)
    assert run.name == "standin.bg"
    assert run.lang == "bg"
    assert run.title == "Заместваща тетрадка"
    # threshold default 2.5 (float) accepts the int 3 from YAML; the rest are defaults
    assert run.parameters == {"lang": "bg", "demo_path": "data/raw/demo.csv", "threshold": 3, "fail": False}
    assert run.overrides == {"lang": "bg", "threshold": 3}
    assert run.inputs == {"demo_path": project / "data" / "raw" / "demo.csv"}


def test_parameters_cell_is_parsed_without_running_it():
    cell = "import os\nlang = 'en'\nn: int = 5\nroot = os.getcwd()\nx, y = 1, 2\nlimits = (1, 2)"
    found = runner.parse_parameters_cell(cell)
    assert found["lang"] == "en" and found["n"] == 5 and found["limits"] == (1, 2)
    assert repr(found["root"]) == "<expression os.getcwd()>"  # not evaluated, type not checked
    assert "x" not in found  # tuple targets are not parameters


def test_unknown_run_name_exits_2(project, no_kernel, capsys):
    assert cli.main(["run", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "ruse-research: params/nope.yaml: no such run, expected one of: standin.bg, standin.en"
    ]


# ----------------------------------------------------------------------------- params errors

BAD_PARAMS = [
    # (params file text, words the one-line message must contain)
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {lang: en}\nextra: 1\n",
        ["params/standin.en.yaml", "extra", "unknown key", "notebook, title, description, parameters"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {lang: en, alpha: 0.1}\n",
        ["params/standin.en.yaml", "parameters.alpha", "unknown parameter", "demo_path, fail, lang, threshold"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {threshold: high}\n",
        ["params/standin.en.yaml", "parameters.threshold", "'high'", "expected a number"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {fail: 1}\n",
        ["params/standin.en.yaml", "parameters.fail", "expected true or false"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {demo_path: data/raw/missing.csv}\n",
        ["params/standin.en.yaml", "parameters.demo_path", "data/raw/missing.csv not found"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {lang: de}\n",
        ["params/standin.en.yaml", "parameters.lang", "'de'", "expected one of bg, en"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {lang: en\n",
        ["params/standin.en.yaml", "broken YAML at line"],
    ),
    (
        "notebook: notebooks/missing.ipynb\ntitle: T\n",
        ["params/standin.en.yaml", "notebook", "notebooks/missing.ipynb not found"],
    ),
    (
        "title: T\n",
        ["params/standin.en.yaml", "notebook: missing"],
    ),
    (
        "notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters:\n  lang: en\n  lang: bg\n",
        ["params/standin.en.yaml", "broken YAML at line 5", "key 'lang' appears twice"],
    ),
]


@pytest.mark.parametrize("text,words", BAD_PARAMS, ids=[
    "unknown-key", "unknown-param", "wrong-type", "int-for-bool", "missing-file", "bad-lang",
    "broken-yaml", "missing-notebook", "no-notebook-key", "duplicate-key"])
def test_bad_params_exit_2_with_one_line_and_no_kernel(project, no_kernel, capsys, text, words):
    (project / "params" / "standin.en.yaml").write_text(text, encoding="utf-8")
    assert cli.main(["run"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in captured.err
    assert not (project / "outputs" / "standin.bg").exists()  # the good run did not start either


def test_bad_params_traceback_only_with_debug(project, no_kernel):
    (project / "params" / "standin.en.yaml").write_text("notebook: [\n", encoding="utf-8")
    with pytest.raises(ParamsError):
        cli.main(["run", "--debug"])


def test_codebook_inputs_are_validated_before_any_kernel(project, no_kernel, monkeypatch, capsys):
    # demo_path is a <codebook>_path parameter once data/codebooks/demo.yaml exists
    (project / "data" / "codebooks").mkdir()
    (project / "data" / "codebooks" / "demo.yaml").write_text("instrument: demo\n", encoding="utf-8")
    calls = []

    def fake_validate(path, codebook):
        calls.append((Path(path), codebook))
        raise DataError([
            Problem("demo.csv", 3, "score", "x", "a whole number 1-5"),
            Problem("demo.csv", 7, "group", "", "a value (required)"),
        ])

    import ruse_research.data.io as ruse_io

    monkeypatch.setattr(ruse_io, "validate_file", fake_validate)
    assert cli.main(["run", "standin.en"]) == 2
    assert calls == [(project / "data" / "raw" / "demo.csv", "demo")]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "ruse-research: demo.csv, row 3, column 'score': found 'x', expected a whole number 1-5",
        "ruse-research: demo.csv, row 7, column 'group': found '', expected a value (required)",
    ]


def test_codebook_for_only_names_existing_codebooks(project):
    assert runner.codebook_for("demo_path", project) is None
    (project / "data" / "codebooks").mkdir()
    (project / "data" / "codebooks" / "demo.yaml").write_text("instrument: demo\n", encoding="utf-8")
    assert runner.codebook_for("demo_path", project) == project / "data" / "codebooks" / "demo.yaml"
    assert runner.codebook_for("threshold", project) is None


# ----------------------------------------------------------------------------- artefacts


def test_table_files_are_deterministic(tmp_path):
    payload = {"name": "by_group", "caption": "Групи", "columns": ["група", "n", "дял"],
               "index": [0, 1], "data": [["а", 12, 0.25], ["б", 30, 0.75]], "index_names": [None]}
    runner.write_table(payload, tmp_path / "one")
    runner.write_table(payload, tmp_path / "two")
    assert (tmp_path / "one" / "by_group.xlsx").read_bytes() == (tmp_path / "two" / "by_group.xlsx").read_bytes()
    # UTF-8 with BOM; the first line is the note on the data (here: not marked synthetic)
    assert (tmp_path / "one" / "by_group.csv").read_text(encoding="utf-8-sig") == (
        "# Fieldwork data,\nгрупа,n,дял\nа,12,0.25\nб,30,0.75\n")
    with zipfile.ZipFile(tmp_path / "one" / "by_group.xlsx") as book:
        assert {info.date_time for info in book.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = book.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "one" / "by_group.xlsx").active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Fieldwork data", None, None], ["група", "n", "дял"], ["а", 12, 0.25], ["б", 30, 0.75]]


def test_named_index_is_kept_in_csv(tmp_path):
    payload = {"name": "t", "caption": "", "columns": ["n"], "index": ["a", "b"], "data": [[5], [6]],
               "index_names": ["group"]}
    runner.write_table(payload, tmp_path)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig") == "# Fieldwork data,\ngroup,n\na,5\nb,6\n"


def test_bad_artifact_names_fail_clearly(tmp_path):
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"image/png": ""}, "metadata": {"ruse": {"kind": "figure", "name": "Bad Name"}}}]}]}
    with pytest.raises(ContractError, match="figure name 'Bad Name' is not allowed"):
        runner.extract_artifacts(nb, tmp_path)


def _papermill_run(monkeypatch, cells, fail_at=None):
    """Drive the runner's papermill engine over ``cells`` with a fake kernel (each cell starts and
    completes; ``fail_at`` raises there, as a dead kernel does); return the notebooks it wrote."""
    import nbformat
    from papermill import engines

    written = []
    monkeypatch.setattr(engines, "write_ipynb", lambda nb, path: written.append((path, nbformat.writes(nb))))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.papermill = {}  # as papermill's execute_notebook prepares it
    engine = engines.papermill_engines.get_engine(execute.ENGINE)

    def fake_kernel(nb_man, kernel_name, **kwargs):  # as papermill's PapermillNotebookClient
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if index == fail_at:
                    raise RuntimeError("Kernel died")
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {index}")]
            finally:
                nb_man.cell_complete(cell, index)

    monkeypatch.setattr(engine, "execute_managed_notebook", classmethod(lambda cls, *a, **k: fake_kernel(*a, **k)))
    try:
        engine.execute_notebook(nb, "python3", output_path="out.ipynb", progress_bar=False)
    except RuntimeError:
        pass
    return written


def test_the_engine_writes_the_notebook_once_at_the_end_not_at_every_cell(monkeypatch):
    execute._register_engine()
    written = _papermill_run(monkeypatch, ["a = 1", "b = 2", "c = 3"])
    assert [path for path, _ in written] == ["out.ipynb"]
    cells = json.loads(written[0][1])["cells"]
    assert [c["metadata"]["papermill"]["status"] for c in cells] == ["completed"] * 3
    assert [["".join(o["text"]) for o in c["outputs"]] for c in cells] == [["ran 0"], ["ran 1"], ["ran 2"]]


def test_the_runner_executes_with_its_engine(monkeypatch, tmp_path):
    import papermill

    asked = {}
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: asked.update(kwargs))
    execute.execute_notebook(Path("in.ipynb"), tmp_path / "out.ipynb", {}, tmp_path)
    assert asked["engine_name"] == execute.ENGINE
    from papermill.engines import papermill_engines
    assert papermill_engines.get_engine(execute.ENGINE).__name__ == "SaveAtEndEngine"


def test_the_engine_still_writes_the_notebook_when_the_kernel_dies(monkeypatch):
    execute._register_engine()
    written = _papermill_run(monkeypatch, ["a = 1", "b = 2", "c = 3"], fail_at=1)
    assert [path for path, _ in written] == ["out.ipynb"]  # the finally of papermill's engine
    cells = json.loads(written[0][1])["cells"]  # what ran before the kernel died, and no more
    assert [["".join(o["text"]) for o in c["outputs"]] for c in cells] == [["ran 0"], [], []]


# ----------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_end_to_end_two_runs_in_parallel(project, capsys):
    import os

    environment_before = {name: os.environ.get(name) for name in ("PYTHONPATH", "RUSE_RESEARCH_ROOT")}
    assert cli.main(["run", "--jobs", "2"]) == 0
    # the kernels' environment (project src/ first on PYTHONPATH) does not leak into this process
    assert {name: os.environ.get(name) for name in environment_before} == environment_before
    out = capsys.readouterr().out
    assert "running standin.bg (new)" in out and "running standin.en (new)" in out
    outputs = project / "outputs"
    for name, lang in (("standin.bg", "bg"), ("standin.en", "en")):
        run_dir = outputs / name
        for rel in ("notebook.ipynb", "report.html", "provenance.json", "tables/scores_by_group.csv",
                    "tables/scores_by_group.xlsx", "figures/mean_scores.png", "figures/mean_scores.svg"):
            assert (run_dir / rel).is_file(), rel
        executed = json.loads((run_dir / "notebook.ipynb").read_text(encoding="utf-8"))
        assert executed["metadata"]["papermill"]["output_path"] == str(run_dir / "notebook.ipynb")
        assert (run_dir / "figures" / "mean_scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (run_dir / "figures" / "mean_scores.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
        # 40 respondents in 4 groups of 10 (tests/fixtures/runner/data/raw/demo.csv)
        csv_lines = (run_dir / "tables" / "scores_by_group.csv").read_text(encoding="utf-8").splitlines()
        # a note line first (BOM, "# " and the data's kind), then the table in the language's
        # CSV dialect: ";" with decimal commas for Bulgarian Excel, "," for English
        sep = ";" if lang == "bg" else ","
        assert csv_lines[0].startswith("\ufeff# ")
        assert csv_lines[1] == sep.join(["group", "n", "mean", "above"]) and len(csv_lines) == 6
        assert all(line.split(sep)[1] == "10" for line in csv_lines[2:])

        page = (run_dir / "report.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page
        assert 'src="http' not in page
        assert not re.search(r"<script[^>]*\bsrc=", page) and "<script" not in page
        assert not re.search(r"<link[^>]*href=\"?https?:", page)
        assert "mathjax" not in page.lower().replace("mathjax_ignore", "")
        assert "require.js" not in page
        # table of contents from text/markdown outputs (h1-h3)
        toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
        heading = {"bg": "Резултати по групи", "en": "Scores by group"}[lang]
        assert heading in toc and 'href="#colophon"' in toc
        # code hidden but revealable
        assert page.count('<details class="code"') >= 6
        # respondent text never executes
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;b&gt;plain text is escaped&lt;/b&gt;" in page
        # colophon: commit, parameters, SHA-256 of the input file, versions, times
        record = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))
        digest = record["inputs"]["data/raw/demo.csv"]
        assert re.fullmatch(r"[0-9a-f]{64}", digest) and digest in page
        assert record["git"]["commit"] in page
        assert record["packages"]["papermill"] in page and record["packages"]["nbconvert"] in page
        assert record["start_time"] in page
        assert {"bg": "Колофон", "en": "Colophon"}[lang] in page
        assert record["status"] == "ok" and record["tables"] == ["scores_by_group"] and record["figures"] == ["mean_scores"]
        assert record["parameters"]["lang"] == lang
        assert set(record["packages"]) >= {"pandas", "numpy", "scipy", "statsmodels", "pingouin", "matplotlib",
                                           "seaborn", "papermill", "nbconvert", "python", "ruse_research"}
    index = (outputs / "index.html").read_text(encoding="utf-8")
    for link in ("standin.bg/report.html", "standin.en/notebook.ipynb", "standin.en/tables/scores_by_group.xlsx",
                 "standin.bg/figures/mean_scores.svg"):
        assert f'href="{link}"' in index
    assert "Заместваща тетрадка" in index and "Stand-in notebook" in index
    assert not list((outputs / ".staging").iterdir())

    # an immediate rerun executes nothing
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert "skipped standin.bg (unchanged)" in out and "skipped standin.en (unchanged)" in out
    assert "running" not in out
    index = (outputs / "index.html").read_text(encoding="utf-8")
    # statuses are worded in each run's language, not as the runner's internal codes
    assert "без промени (от кеша)" in index and "unchanged (from the cache)" in index
    assert "skipped-cached" not in index


def test_index_lists_every_run_even_when_one_is_selected(project, monkeypatch):
    def fake_execute(spec):
        spec.run_dir.mkdir(parents=True)
        return RunResult(name=spec.name, status="ok", duration_s=0.5)

    monkeypatch.setattr(pipeline, "execute_run", fake_execute)
    monkeypatch.setattr(pipeline, "preload_heavy_modules", lambda: None)
    monkeypatch.setenv(runner.NO_ZYGOTE_ENV, "1")
    assert cli.main(["run", "standin.en"]) == 0
    index = (project / "outputs" / "index.html").read_text(encoding="utf-8")
    assert "<code>standin.en</code>" in index and "<code>standin.bg</code>" in index
    assert "не е изпълнено" in index  # standin.bg, in Bulgarian
    assert re.search(r'<span class="status-ok">готово</span>', index) is None  # bg was not run this time
