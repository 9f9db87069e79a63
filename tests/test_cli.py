"""The ``ruse-research`` command line: list, validate, refresh, errors and ``python -m``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ruse_research import cli
from ruse_research.errors import CodebookError, DataError, Problem
from ruse_research.runner.refresh import recorded_profile

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import CHECKOUT, make_project  # noqa: E402

pytestmark = pytest.mark.slow  # starts kernels / runs studies / drives Chromium


@pytest.fixture
def project(tmp_path, monkeypatch):
    return make_project(tmp_path, monkeypatch)


def test_list_shows_runs_notebooks_languages_and_status(project, capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "lang", "notebook", "status"]
    assert lines[1].split() == ["standin.bg", "bg", "notebooks/90_standin.ipynb", "not", "run"]
    assert lines[2].split() == ["standin.en", "en", "notebooks/90_standin.ipynb", "not", "run"]


def test_list_reports_an_invalid_params_file_without_failing(project, capsys):
    (project / "params" / "standin.bg.yaml").write_text("notebook: notebooks/90_standin.ipynb\ntitle: T\nparameters: {lang: fr}\n")
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "invalid: params/standin.bg.yaml: parameters.lang: language 'fr' is not supported; expected one of bg, en" in out


def test_validate_prints_the_summary(monkeypatch, capsys, tmp_path):
    import ruse_research.data.io as ruse_io

    seen = []
    monkeypatch.setattr(ruse_io, "validate_file",
                        lambda path, codebook, sheet=None: seen.append((path, codebook, sheet))
                        or "staff.csv: 104 respondents - OK")
    assert cli.main(["validate", "data/raw/staff.csv", "--codebook", "staff"]) == 0
    assert capsys.readouterr().out == "staff.csv: 104 respondents - OK\n"
    assert seen == [("data/raw/staff.csv", "staff", None)]  # no --sheet: the reader decides


def test_validate_prints_every_problem_and_exits_2(monkeypatch, capsys):
    import ruse_research.data.io as ruse_io

    def bad(path, codebook, sheet=None):
        raise DataError([Problem("staff.csv", 5, "att_ben_1", 7, "one of 1-5, 8, 9"),
                         Problem("staff.csv", None, "dept", None, "a column named dept")])

    monkeypatch.setattr(ruse_io, "validate_file", bad)
    assert cli.main(["validate", "staff.csv", "--codebook", "staff"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "ruse-research: staff.csv, row 5, column 'att_ben_1': found 7, expected one of 1-5, 8, 9",
        "ruse-research: staff.csv, column 'dept': found None, expected a column named dept",
    ]
    assert "Traceback" not in captured.err
    with pytest.raises(DataError):
        cli.main(["validate", "staff.csv", "--codebook", "staff", "--debug"])


def test_other_ruse_errors_print_one_line(monkeypatch, capsys):
    import ruse_research.data.io as ruse_io

    def bad(path, codebook, sheet=None):
        raise CodebookError("data/codebooks/nope.yaml: not found")

    monkeypatch.setattr(ruse_io, "validate_file", bad)
    assert cli.main(["validate", "x.csv", "--codebook", "nope"]) == 2
    assert capsys.readouterr().err == "ruse-research: data/codebooks/nope.yaml: not found\n"


def test_validate_against_the_real_io_module(tmp_path, capsys):
    # the real io.validate_file with a missing file: a RuseError, one line, exit 2 (or an OSError
    # subclass wrapped by io); either way no traceback reaches the user
    code = cli.main(["validate", str(tmp_path / "missing.csv"), "--codebook", "staff"])
    captured = capsys.readouterr()
    assert code == 2
    assert len(captured.err.strip().splitlines()) >= 1 and "Traceback" not in captured.err


def test_bad_jobs_value_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


def test_python_dash_m_works(project):
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project)}
    done = subprocess.run([sys.executable, "-m", "ruse_research", "list"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "standin.en" in done.stdout
    helped = subprocess.run([sys.executable, "-m", "ruse_research", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "refresh" in helped.stdout


def test_no_op_path_does_not_import_heavy_libraries(project):
    # a params-only command must not pull in pandas, papermill or nbconvert
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project)}
    code = ("import sys\nfrom ruse_research import cli\ncli.main(['list'])\n"
            "print(sorted(m for m in ('pandas', 'papermill', 'nbconvert', 'nbclient') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_refresh_reexecutes_in_place_and_strips_volatile_metadata(project, capsys):
    notebook = project / "notebooks" / "90_standin.ipynb"
    assert cli.main(["refresh"]) == 0
    assert "ok     notebooks/90_standin.ipynb" in capsys.readouterr().out
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert "papermill" not in nb["metadata"]
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all("execution" not in c["metadata"] and "papermill" not in c["metadata"] for c in code_cells)
    assert [c["execution_count"] for c in code_cells] == list(range(1, len(code_cells) + 1))
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in code_cells)
    printed = code_cells[-1]["outputs"][0]
    assert printed["text"] in ("<b>plain text is escaped</b>\n", ["<b>plain text is escaped</b>\n"])
    assert "ruse" not in nb["metadata"]  # a project without region profiles records none
    first = notebook.read_bytes()
    assert cli.main(["refresh", "notebooks/90_standin.ipynb"]) == 0
    assert notebook.read_bytes() == first  # stable in git: same bytes on a second refresh


def test_refresh_leaves_a_failing_notebook_unchanged(project, capsys):
    notebook = project / "notebooks" / "90_standin.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"][1]["source"] = ["lang = \"en\"\n", "demo_path = \"data/raw/demo.csv\"\n", "threshold = 2.5\n", "fail = True"]
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    before = notebook.read_bytes()
    assert cli.main(["refresh", "90_standin.ipynb"]) == 1
    out = capsys.readouterr().out
    assert "FAILED notebooks/90_standin.ipynb: cell 4 (In [3]): ValueError: planted failure" in out
    assert notebook.read_bytes() == before
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["90_standin.ipynb"]


def test_refresh_keeps_the_profile_a_notebook_records_and_switches_only_when_asked(project, capsys, monkeypatch):
    monkeypatch.delenv("RUSE_RESEARCH_PROFILE", raising=False)
    demo = (CHECKOUT / "data" / "regions" / "demo" / "profile.yaml").read_text(encoding="utf-8")
    for name in ("alpha", "beta"):
        (project / "data" / "regions" / name).mkdir(parents=True)
        (project / "data" / "regions" / name / "profile.yaml").write_text(
            demo.replace("id: demo", f"id: {name}"), encoding="utf-8")
    notebook = project / "notebooks" / "90_standin.ipynb"

    def recorded():
        return recorded_profile(json.loads(notebook.read_text(encoding="utf-8")))

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["metadata"]["ruse"] = {"profile": "alpha"}
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    assert cli.main(["refresh"]) == 0
    assert "refreshing notebooks/90_standin.ipynb (profile alpha)" in capsys.readouterr().out
    assert recorded() == "alpha"  # not the environment's (none here), not ruse
    assert cli.main(["refresh", "--profile", "beta"]) == 0
    assert recorded() == "beta"
    assert "RUSE_RESEARCH_PROFILE" not in os.environ  # scoped to the refresh's kernels
    before = notebook.read_bytes()
    assert cli.main(["refresh", "--profile", "atlantis"]) == 2
    assert "profile 'atlantis': no file data/regions/atlantis/profile.yaml" in capsys.readouterr().err
    nb = json.loads(before)
    nb["metadata"]["ruse"] = {"profile": "gone"}
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    assert cli.main(["refresh"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "ruse-research: notebooks/90_standin.ipynb: records profile 'gone' (metadata.ruse.profile), which this project lacks")
    assert err[0].endswith("refresh it under another with --profile ID")


@pytest.mark.parametrize("notebooks", [1, 2], ids=["one-kernel", "shared"])
def test_forked_kernels_give_the_same_notebook_as_fresh_kernels(project, monkeypatch, capsys, notebooks):
    """Kernels forked from the zygote (preloaded pandas, pyplot, inline backend...) must behave
    exactly like `python -m ipykernel_launcher`: same outputs, byte for byte. With one notebook
    the zygote preloads only top-level imports; with two, what several kernels share (the
    package's lazy imports too)."""
    import shutil

    from ruse_research import runner

    notebook = project / "notebooks" / "90_standin.ipynb"
    if notebooks == 2:
        shutil.copy2(notebook, project / "notebooks" / "91_standin.ipynb")
    monkeypatch.setenv(runner.NO_ZYGOTE_ENV, "1")
    assert cli.main(["refresh"]) == 0
    fresh = notebook.read_bytes()
    monkeypatch.delenv(runner.NO_ZYGOTE_ENV)
    with runner.kernel_zygote() as in_use:
        assert in_use
        assert cli.main(["refresh"]) == 0  # nested: this refresh starts and uses its own zygote
    forked = notebook.read_bytes()
    assert forked == fresh
    nb = json.loads(forked)
    left_open = next(c for c in nb["cells"] if "plt.plot" in "".join(c["source"]))
    assert [o["output_type"] for o in left_open["outputs"]] == ["display_data"]
    assert "image/png" in left_open["outputs"][0]["data"]  # the inline backend showed the open figure
    capsys.readouterr()
