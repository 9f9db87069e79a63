"""Every number traces to its code, inputs and environment (issue 17).

Fast tests build small records by hand; the slow ones read the session's shared study run
(``shared_study``) and verify a copy of one of its runs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ruse_research import _yaml, cli, reads
from ruse_research.data import io as ruse_io
from ruse_research.display.inputs import inputs_bundle
from ruse_research.display.output import stamp_reads
from ruse_research.runner import crate, lineage, trace

FIXTURES = Path(__file__).parent / "fixtures" / "io"


@pytest.fixture
def clean_reads():
    reads.clear()
    yield
    reads.clear()


# ----------------------------------------------------------------------------- the recorder


def test_readers_record_each_file_once_with_its_hash_and_kind(clean_reads):
    ruse_io.read_survey(FIXTURES / "survey.csv", FIXTURES / "survey.yaml")
    ruse_io.read_survey(FIXTURES / "survey.csv", FIXTURES / "survey.yaml")
    entries = {Path(e.name).name: e for e in reads.recorded()}
    assert entries["survey.csv"].kind == "export" and entries["survey.yaml"].kind == "codebook"
    assert len([e for e in reads.recorded() if Path(e.name).name == "survey.csv"]) == 1
    assert entries["survey.csv"].sha256 == reads.sha256_file(FIXTURES / "survey.csv")
    assert entries["survey.csv"].size == (FIXTURES / "survey.csv").stat().st_size


def test_yaml_loader_records_package_catalogs_by_package_name(clean_reads):
    _yaml.load_file(reads.PACKAGE_DIR / "locale" / "common.yaml", dates=False)
    (entry,) = reads.recorded()
    assert (entry.name, entry.base, entry.kind) == ("ruse_research/locale/common.yaml", "package", "catalog")
    assert reads.locate(entry.name, entry.base) == reads.PACKAGE_DIR / "locale" / "common.yaml"


def test_tables_and_figures_are_stamped_with_the_files_read_before_them(clean_reads):
    reads.record(FIXTURES / "survey.yaml", "codebook")
    meta = stamp_reads({"ruse": {"kind": "figure", "name": "f"}})
    assert meta["ruse"]["reads"] == [reads.name_of(FIXTURES / "survey.yaml")[0]]
    data, meta = inputs_bundle()
    (item,) = meta["ruse"]["reads"]
    assert item["kind"] == "codebook" and item["synthetic"] is False and data == {}


# ----------------------------------------------------------------------------- lineage and verify


def _notebook(data_name: str, digest: str) -> dict:
    table = {"output_type": "display_data", "data": {"text/plain": "t"},
             "metadata": {"ruse": {"kind": "table", "name": "scores", "reads": [data_name]}}}
    reads_out = {"output_type": "display_data", "data": {},
                 "metadata": {"ruse": {"kind": "reads", "reads": [
                     {"path": data_name, "base": "project", "sha256": digest, "kind": "export", "size": 3,
                      "synthetic": False}]}}}
    return {"cells": [
        {"cell_type": "code", "id": "p1", "source": "lang = 'en'", "metadata": {"tags": ["parameters"]},
         "outputs": [], "execution_count": 1},
        {"cell_type": "code", "id": "inj", "source": "lang = 'bg'", "metadata": {"tags": ["injected-parameters"]},
         "outputs": [], "execution_count": 2},
        {"cell_type": "code", "id": "c3", "execution_count": 3, "metadata": {},
         "source": "from ruse_research.display import report\nreport.show_table(x, 'scores')",
         "outputs": [table, reads_out]},
    ]}


@pytest.fixture
def small_run(tmp_path):
    """A project with one data file and a run folder whose record lineage wrote."""
    root = tmp_path / "project"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "x.csv").write_bytes(b"a,b\n")
    (root / "requirements.lock").write_text("pandas==2.2\n", encoding="utf-8")
    nb = _notebook("data/raw/x.csv", reads.sha256_file(root / "data" / "raw" / "x.csv"))
    run_dir = root / "outputs" / "demo.en"
    (run_dir / "tables").mkdir(parents=True)
    (run_dir / "tables" / "scores.csv").write_text("n\n1\n", encoding="utf-8")
    (run_dir / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    record = {"run": "demo.en", "notebook": "nb.ipynb", "status": "ok", "parameters": {"lang": "bg"},
              "packages": {"ruse_research": "0.1.0", "python": "3.11"}, "git": {"commit": "f" * 40}}
    record.update(lineage.lineage(nb, record, root, run_dir))
    (run_dir / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return root, run_dir, record


def test_lineage_names_the_cell_inputs_and_environment_of_each_table(small_run):
    root, run_dir, record = small_run
    assert record["format"] == "ruse-provenance/2"
    entry = record["artifacts"]["tables"]["scores"]
    assert entry["files"] == ["tables/scores.csv"]  # no .xlsx was written
    assert entry["cell"]["index"] == 2 and entry["cell"]["id"] == "c3" and entry["cell"]["number"] == 2
    assert entry["cell"]["source_sha256"] == lineage.source_sha256(_notebook("", "")["cells"][2]["source"])
    assert entry["cell"]["calls"] == ["ruse_research.display.report.show_table"]
    assert [i["path"] for i in entry["inputs"]] == ["data/raw/x.csv"]
    assert entry["environment"]["lock_sha256"] == reads.sha256_file(root / "requirements.lock")
    assert [i["path"] for i in record["inputs_read"]] == ["data/raw/x.csv", "ruse_research/locale/runner.yaml"]
    assert record["inputs_complete"] is True


def test_verify_is_clean_until_one_byte_of_an_input_changes(small_run, monkeypatch, capsys):
    root, run_dir, _ = small_run
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(root))
    assert cli.main(["verify", str(run_dir)]) == 0
    assert "match the record" in capsys.readouterr().out
    (root / "data" / "raw" / "x.csv").write_bytes(b"a,c\n")
    assert cli.main(["verify", str(run_dir)]) == 1
    out = capsys.readouterr().out
    assert "changed data/raw/x.csv" in out and "1 difference" in out
    (root / "requirements.lock").unlink()
    assert cli.main(["verify", str(run_dir)]) == 1
    assert "changed requirements.lock" in capsys.readouterr().out


def test_verify_and_trace_refuse_a_folder_without_a_record(tmp_path, capsys):
    assert cli.main(["verify", str(tmp_path)]) == 2
    assert "no provenance.json" in capsys.readouterr().err


def test_trace_prints_the_chain_of_a_table(small_run, monkeypatch, capsys):
    root, run_dir, _ = small_run
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(root))
    assert cli.main(["trace", str(run_dir / "tables" / "scores.csv")]) == 0
    out = capsys.readouterr().out
    assert "table scores (number 1): tables/scores.csv" in out
    assert "cell 2 (In [3]), id c3" in out and "matches notebook.ipynb" in out
    assert "ruse_research.display.report.show_table" in out and "data/raw/x.csv  export" in out
    assert 'lang="bg"' in out and "ruse_research 0.1.0" in out


def test_the_crate_is_ro_crate_1_1_json_ld(small_run):
    _, run_dir, record = small_run
    data = json.loads(crate.write_crate(run_dir, record).read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in data["@graph"]}
    assert data["@context"][0] == "https://w3id.org/ro/crate/1.1/context"
    assert graph["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    assert graph["tables/scores.csv"]["isBasedOn"] == {"@id": "#cell/c3"}
    assert {"@id": "#input/data/raw/x.csv"} in graph["#run"]["object"]
    assert graph["#input/data/raw/x.csv"]["sha256"] == record["inputs"]["data/raw/x.csv"]


# ----------------------------------------------------------------------------- the shared study


def _runs(root: Path) -> list[Path]:
    return sorted(p.parent for p in (root / "outputs").glob("*/provenance.json"))


def _kernel_reads(run_dir: Path) -> list[str]:
    nb = json.loads((run_dir / "notebook.ipynb").read_text(encoding="utf-8"))
    return [f["path"] for f in lineage.kernel_reads(nb)]


@pytest.mark.slow
def test_colophon_lists_exactly_the_files_each_run_read(shared_study):
    runs = _runs(shared_study)
    assert len(runs) == 8
    for run_dir in runs:
        record = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))
        page = (run_dir / "report.html").read_text(encoding="utf-8")
        colophon = page[page.index('<footer id="colophon"'):]
        listed = re.findall(r'<tr class="input-read"><td><code>([^<]+)</code>', colophon)
        opened = [*_kernel_reads(run_dir), "ruse_research/locale/runner.yaml"]
        assert listed == opened == [f["path"] for f in record["inputs_read"]], run_dir.name
        for item in record["inputs_read"]:
            assert item["sha256"] in colophon
    for lang in ("bg", "en"):
        staff = [f for f in json.loads((shared_study / "outputs" / f"staff_attitudes.{lang}" / "provenance.json")
                                       .read_text(encoding="utf-8"))["inputs_read"]]
        kinds = {f["path"]: f["kind"] for f in staff}
        assert kinds["data/raw/staff.csv"] == "export" and kinds["data/codebooks/staff.yaml"] == "codebook"
        assert kinds["ruse_research/locale/staff.yaml"] == "catalog"
        assert kinds["ruse_research/locale/common.yaml"] == "catalog"
        assert not [p for p in kinds if "monitoring" in p or "panel" in p]
        assert [f["synthetic"] for f in staff if f["path"] == "data/raw/staff.csv"] == [True]


@pytest.mark.slow
def test_every_table_and_figure_names_its_cell_and_has_a_control(shared_study):
    for run_dir in _runs(shared_study):
        record = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))
        cells = json.loads((run_dir / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]
        page = (run_dir / "report.html").read_text(encoding="utf-8")
        artifacts = record["artifacts"]
        assert sorted(artifacts["tables"]) == record["tables"] and sorted(artifacts["figures"]) == record["figures"]
        for kind in ("tables", "figures"):
            for name, entry in artifacts[kind].items():
                cell = cells[entry["cell"]["index"]]
                assert cell["id"] == entry["cell"]["id"], (run_dir.name, name)
                assert lineage.source_sha256(cell["source"]) == entry["cell"]["source_sha256"]
                assert all((run_dir / f).is_file() for f in entry["files"]) and entry["files"]
        # every key finding links to a table or figure the report shows
        findings = next(o for c in cells for o in c.get("outputs", [])
                        if (o.get("metadata") or {}).get("ruse", {}).get("kind") == "key_findings")
        for line in "".join(findings["data"]["text/markdown"]).splitlines():
            targets = re.findall(r"\(#((?:table|figure)-[a-z0-9_]+)\)", line)
            assert targets and all(f'id="{t}"' in page for t in targets), (run_dir.name, line)
        controls = page.count('<details class="ruse-provenance">')
        assert controls == len(artifacts["tables"]) + len(artifacts["figures"]), run_dir.name
        assert (run_dir / "ro-crate-metadata.json").is_file()


@pytest.mark.slow
def test_verify_a_copied_run_clean_then_changed(shared_study, tmp_path, monkeypatch, capsys):
    copy = tmp_path / "project"
    shutil.copytree(shared_study / "data", copy / "data")
    shutil.copytree(shared_study / "outputs" / "staff_attitudes.en", copy / "outputs" / "staff_attitudes.en")
    for name in ("pyproject.toml", "requirements.lock"):
        if (shared_study / name).is_file():
            shutil.copy2(shared_study / name, copy / name)
    (copy / "params").mkdir()
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(copy))
    run_dir = copy / "outputs" / "staff_attitudes.en"
    assert cli.main(["verify", str(run_dir)]) == 0
    capsys.readouterr()
    export = copy / "data" / "raw" / "staff.csv"
    data = bytearray(export.read_bytes())
    data[-2] = data[-2] ^ 1
    export.write_bytes(bytes(data))
    assert cli.main(["verify", str(run_dir)]) == 1
    assert "changed data/raw/staff.csv" in capsys.readouterr().out
    assert trace.artifact_of(run_dir / "tables" / "x.csv") == ("table", "x")
