"""Import of real exports: Google Forms, LimeSurvey (CSV and .sav) and KoBoToolbox files built
from the codebooks and the demo answers go through ``map`` -> ``import`` -> ``validate`` and
give the same answers, hence the same estimates, as the codebook's own export of them.

The exports are made here the way each tool writes them (see the sources in
``ruse_research.data.imports``). What a tool cannot say is taken out of the answers first,
for the codebook's export too: a multiple-choice question with nothing ticked reads as not
answered, so such a row holds no 0/1 answers, and an unticked option of an answered
question is 0.
"""

from __future__ import annotations

import csv
import io as _io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ruse_research import cli
from ruse_research.data import io as ruse_io
from ruse_research.data import profile as region
from ruse_research.data.codebook import CODED_TYPES, load_codebook
from ruse_research.data.imports import apply, mapping, matching
from ruse_research.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
RAW = region.resolve("data/raw")  # the active profile's demo exports


# ------------------------------------------------------------------ the answers
def canonical(name: str) -> list[dict[str, str]]:
    """The demo answers of ``name`` as text, reduced to what every tool can express."""
    book = load_codebook(name)
    with open(RAW / f"{name}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for group in matching.checkbox_groups(book):
        for row in rows:
            ticked = any(row[i] == "1" for i in group.items)
            for i in group.items:
                row[i] = ("1" if row[i] == "1" else "0") if ticked else ""
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], **fmt) -> Path:
    with open(path, "w", encoding=fmt.pop("encoding", "utf-8"), newline="") as fh:
        csv.writer(fh, **fmt).writerows([header, *rows])
    return path


def codebook_export(name: str, rows: list[dict[str, str]], path: Path) -> Path:
    header = load_codebook(name).item_ids
    return write_csv(path, header, [[r[c] for c in header] for r in rows])


def _label(book, item, code: str, lang: str) -> str:
    if code == "":
        return ""
    scale = book.scales[item.response_scale]
    if scale.name in ("trust11", "likely11"):
        return code  # a linear scale question: Google Forms writes the number
    return scale.all_codes()[int(code)][lang]


# -------------------------------------------------------------- the tools' files
def google_forms(name: str, rows, path: Path, lang: str = "bg", skip=("wave",)) -> Path:
    """A Google Forms "Download responses (.csv)" of ``rows``: question titles, labels,
    checkbox options joined with ", ", grids as "Title [Row]"."""
    book = load_codebook(name)
    groups = matching.checkbox_groups(book)
    in_group = {i: g for g in groups for i in g.items}
    texts = [it.text[lang] for it in book.items]
    header = ["Клеймо за време" if lang == "bg" else "Timestamp"]
    getters = [lambda r: f"{r.get('interview_date') or '2019-05-14'} 10:23:45".replace("-", "/")
               + " AM GMT+3"]
    done = set()
    for it in book.items:
        if it.id in (book.id_column, "interview_date", *skip) or it.id in done:
            continue
        if it.id in in_group:
            g = in_group[it.id]
            lang_i = 0 if lang == "bg" else 1
            header.append(g.stems[lang_i])
            opts = [(o, i) for o, i in g.options.items()
                    if book.item(i).text[lang].endswith(o)]
            getters.append(lambda r, opts=opts: ", ".join(o for o, i in opts if r[i] == "1"))
            done.update(g.items)
            continue
        title = it.text[lang]
        if texts.count(title) > 1:  # a grid: the construct's label, the row's text
            title = f"{book.constructs[it.construct].label[lang]} [{title}]"
        header.append(title)
        if it.type in CODED_TYPES:
            getters.append(lambda r, it=it: _label(book, it, r[it.id], lang))
        else:
            getters.append(lambda r, it=it: r[it.id])
    return write_csv(path, header, [[g(r) for g in getters] for r in rows],
                     quoting=csv.QUOTE_ALL)  # Google Forms quotes every field


def limesurvey_code(item_id: str, groups) -> str:
    for n, g in enumerate(groups):
        if item_id in g.items:
            if n == 0:  # a question coded the LimeSurvey way: Q8[SQ001], ...
                return f"Q8[SQ{g.items.index(item_id) + 1:03d}]"
            stem, _, sub = item_id.partition("_")
            return f"{stem}[{sub}]"
    return item_id.replace("_", "")  # LimeSurvey codes are letters and digits


def limesurvey(name: str, rows, path: Path, skip=("wave",)) -> Path:
    """A LimeSurvey CSV export: question-code headings, answer codes (A1.., Y/blank, Y/N),
    every value quoted, UTF-8 with BOM, CRLF lines and a blank last line."""
    book = load_codebook(name)
    groups = matching.checkbox_groups(book)
    grouped = {i for g in groups for i in g.items}
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    items = [it for it in book.items
             if it.id not in (book.id_column, "interview_date", *skip)]
    header += [limesurvey_code(it.id, groups) for it in items]

    def cell(it, code):
        if it.id in grouped:
            return "Y" if code == "1" else ""
        if it.type not in CODED_TYPES or code == "":
            return code
        scale = book.scales[it.response_scale]
        if int(code) in scale.missing:
            return ""  # no answer: LimeSurvey leaves the cell blank
        if scale.name == "yesno" and set(scale.values) == {1, 2} and not scale.dont_know:
            return {"1": "Y", "2": "N"}[code]
        if scale.name in ("trust11", "likely11"):
            return code  # numeric answer codes 0..10
        return f"A{list(scale.all_codes()).index(int(code)) + 1}"

    body = [[str(n), f"{r.get('interview_date') or '2020-02-18'} 10:23:45", "9", "bg", "12345"]
            + [cell(it, r[it.id]) for it in items] for n, r in enumerate(rows, start=1)]
    text = _io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *body])
    path.write_bytes(b"\xef\xbb\xbf" + (text.getvalue() + "\r\n").encode("utf-8"))
    return path


def kobo_xlsx(name: str, rows, path: Path, skip=("wave",)) -> Path:
    """A KoBoToolbox XLS export with XML values and headers: ``group/name`` columns, choice
    names (the codes), select-multiple as a summary cell and ``name/option`` 1/0 columns."""
    from openpyxl import Workbook

    book = load_codebook(name)
    groups = matching.checkbox_groups(book)
    in_group = {i: g for g in groups for i in g.items}
    header = ["start", "end"]
    getters = [lambda r: f"{r['interview_date']}T10:00:00.000+02:00",
               lambda r: f"{r['interview_date']}T10:20:00.000+02:00"]
    done = set()
    for it in book.items:
        if it.id in (book.id_column, "interview_date", *skip) or it.id in done:
            continue
        if it.id in in_group:
            g = in_group[it.id]
            stem = g.items[0].partition("_")[0]
            header.append(f"b1/{stem}")
            getters.append(lambda r, g=g: " ".join(i.partition("_")[2] for i in g.items
                                                   if r[i] == "1"))
            for i in g.items:
                header.append(f"b1/{stem}/{i.partition('_')[2]}")
                getters.append(lambda r, i=i, g=g: "" if all(r[j] == "" for j in g.items)
                               else ("1" if r[i] == "1" else "0"))
            done.update(g.items)
            continue
        header.append(f"sec/{it.id}")
        getters.append(lambda r, it=it: r[it.id])
    header += ["_id", "_uuid", "_submission_time", "_index"]
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for n, r in enumerate(rows, start=1):
        ws.append([g(r) for g in getters] + [str(1000 + n), f"uuid-{n}",
                                             f"{r.get('interview_date') or '2020-02-18'}T10:20:00",
                                             str(n)])
    wb.save(path)
    return path


def kobo_csv_labels(name: str, rows, path: Path, skip=("wave",)) -> Path:
    """A KoBoToolbox CSV export in a form language ("Labels"): ``;``-separated, every field
    quoted, question labels as headers, choice labels as answers, select-multiple as a summary
    of labels and ``Label/Option label`` 1/0 columns."""
    book = load_codebook(name)
    groups = matching.checkbox_groups(book)
    in_group = {i: g for g in groups for i in g.items}
    header, getters, done = ["start", "end"], [lambda r: r["interview_date"]] * 2, set()
    for it in book.items:
        if it.id in (book.id_column, "interview_date", *skip) or it.id in done:
            continue
        if it.id in in_group:
            g = in_group[it.id]
            opts = [(o, i) for o, i in g.options.items() if book.item(i).text["bg"].endswith(o)]
            header.append(g.stems[0])
            getters.append(lambda r, opts=opts: " ".join(o for o, i in opts if r[i] == "1"))
            for o, i in opts:
                header.append(f"{g.stems[0]}/{o}")
                getters.append(lambda r, i=i, g=g: "" if all(r[j] == "" for j in g.items)
                               else ("1" if r[i] == "1" else "0"))
            done.update(g.items)
            continue
        header.append(it.text["bg"])
        if it.type in CODED_TYPES:
            getters.append(lambda r, it=it: _label(book, it, r[it.id], "bg"))
        else:
            getters.append(lambda r, it=it: r[it.id])
    header += ["_id", "_uuid", "_submission_time", "_index"]
    body = [[g(r) for g in getters] + [str(n), f"uuid-{n}", f"{r['interview_date']}T10:20:00",
                                       str(n)] for n, r in enumerate(rows, start=1)]
    return write_csv(path, header, body, delimiter=";", quoting=csv.QUOTE_ALL)


def kobo_with_form(name: str, rows, export: Path, form: Path, skip=("wave",)) -> None:
    """An XLSForm of the codebook with names of its own (``q1``, choices ``o4``, labels in
    ``label::Bulgarian (bg)`` and ``label::English (en)``) and its KoBoToolbox XLSX export
    with XML values and headers."""
    from openpyxl import Workbook

    book = load_codebook(name)
    groups = matching.checkbox_groups(book)
    in_group = {i: g for g in groups for i in g.items}
    survey = [["type", "name", "label::Bulgarian (bg)", "label::English (en)"],
              ["begin_group", "grp", "Анкета", "Survey"]]
    choices = [["list_name", "name", "label::Bulgarian (bg)", "label::English (en)"]]
    header, getters, done, lists = [], [], set(), set()
    for k, it in enumerate(book.items, start=1):
        if it.id in (book.id_column, *skip) or it.id in done:
            continue
        if it.id in in_group:
            g = in_group[it.id]
            stems = g.stems
            survey.append([f"select_multiple m{k}", f"m{k}", *stems])
            header.append(f"grp/m{k}")
            getters.append(lambda r, g=g: " ".join(f"opt{j}" for j, i in enumerate(g.items)
                                                   if r[i] == "1"))
            for j, i in enumerate(g.items):
                bg, en = (book.item(i).text[lang].split(": ", 1)[1] for lang in ("bg", "en"))
                choices.append([f"m{k}", f"opt{j}", bg, en])
                header.append(f"grp/m{k}/opt{j}")
                getters.append(lambda r, i=i, g=g: "" if all(r[x] == "" for x in g.items)
                               else ("1" if r[i] == "1" else "0"))
            done.update(g.items)
            continue
        if it.type in CODED_TYPES:
            scale = book.scales[it.response_scale]
            survey.append([f"select_one {scale.name}", f"q{k}", it.text["bg"], it.text["en"]])
            if scale.name not in lists:
                lists.add(scale.name)
                choices += [[scale.name, f"o{c}", t["bg"], t["en"]]
                            for c, t in scale.all_codes().items()]
            getters.append(lambda r, it=it: f"o{r[it.id]}" if r[it.id] else "")
        else:
            survey.append([it.type if it.type != "text" else "text", f"q{k}", it.text["bg"],
                           it.text["en"]])
            getters.append(lambda r, it=it: r[it.id])
        header.append(f"grp/q{k}")
    survey.append(["end_group", "", "", ""])
    wb = Workbook()
    wb.active.title = "survey"
    for row in survey:
        wb["survey"].append(row)
    ws = wb.create_sheet("choices")
    for row in choices:
        ws.append(row)
    wb.save(form)
    wb = Workbook()
    wb.active.append(header + ["_id", "_uuid", "_submission_time", "_index"])
    for n, r in enumerate(rows, start=1):
        wb.active.append([g(r) for g in getters] + [str(n), f"u{n}", "2020-02-18T10:00:00",
                                                    str(n)])
    wb.save(export)


# ----------------------------------------------------------------------- helpers
def run_map(export: Path, name: str, tmp_path: Path) -> dict:
    out = tmp_path / f"{export.stem}.map.yaml"
    line = mapping.write_starter(export, name, out)
    assert f"-> {out}" in line
    from ruse_research import _yaml
    return _yaml.load_file(out, dates=False)


def save_map(m: dict, path: Path) -> Path:
    mapping.dump(m, path, "test")
    return path


def typed(path: Path, name: str) -> pd.DataFrame:
    book = load_codebook(name)
    frame = ruse_io.read_survey(path, book, dont_know="keep")
    return frame.drop(columns=[book.id_column])


@pytest.fixture(scope="module")
def staff_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("staff")
    rows = canonical("staff")
    return tmp, rows, codebook_export("staff", rows, tmp / "staff_codebook.csv")


@pytest.fixture(scope="module")
def stakeholder_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stake")
    rows = canonical("stakeholders")
    return tmp, rows, codebook_export("stakeholders", rows, tmp / "stakeholders_codebook.csv")


# -------------------------------------------------------------------------- tests
def test_google_forms_staff_maps_itself_and_imports_the_same_answers(staff_files):
    tmp, rows, reference = staff_files
    export = google_forms("staff", rows, tmp / "gf_staff.csv")
    before = export.read_bytes()
    m = run_map(export, "staff", tmp)
    assert m["format"] == "google_forms"
    assert m["unmatched"] == {"columns": [], "values": {}, "items": []}
    first = next(h for h, e in m["columns"].items() if e and e["item"] == "comm_pre_1")
    assert first.startswith("Увереност в комуникацията с обществеността - преди обучението [")
    out = tmp / "staff_from_gf.csv"
    line = apply.import_export(export, tmp / "gf_staff.map.yaml", "staff", out)
    assert line.startswith(f"gf_staff.csv (google_forms): {len(rows)} rows, ")
    assert "resp_id generated (R0001..R0098)" in line
    assert export.read_bytes() == before  # the export is never modified
    assert ruse_io.validate_file(out, "staff").endswith(" - OK")
    pd.testing.assert_frame_equal(typed(out, "staff"), typed(reference, "staff"))


@pytest.mark.slow  # the staff pipeline twice
def test_google_forms_staff_gives_the_same_estimates(staff_files):
    from ruse_research.studies import staff

    tmp, rows, reference = staff_files
    export = google_forms("staff", rows, tmp / "gf_staff_en.csv", lang="en")
    run_map(export, "staff", tmp)
    out = apply.import_export(export, tmp / "gf_staff_en.map.yaml", "staff", tmp / "s.csv")
    assert out.endswith(" - OK")
    a, b = staff.load(tmp / "s.csv"), staff.load(reference)
    ra, rb = staff.reliability(a), staff.reliability(b)
    pd.testing.assert_frame_equal(ra.summary, rb.summary, rtol=1e-12, atol=1e-12)
    sa, sb = staff.scored(a), staff.scored(b)
    pd.testing.assert_frame_equal(sa.drop(columns=["resp_id"], errors="ignore"),
                                  sb.drop(columns=["resp_id"], errors="ignore"),
                                  rtol=1e-12, atol=1e-12)


def _two_waves(stakeholder_files):
    tmp, rows, reference = stakeholder_files
    w1 = [r for r in rows if r["wave"] == "1"]
    w2 = [r for r in rows if r["wave"] == "2"]
    gf = google_forms("stakeholders", w1, tmp / "gf_wave1.csv")
    ls = limesurvey("stakeholders", w2, tmp / "ls_wave2.csv")
    return tmp, w1, w2, gf, ls, reference


def test_limesurvey_starter_map_lists_the_codes_it_cannot_read(stakeholder_files):
    tmp, _, _, _, ls, _ = _two_waves(stakeholder_files)
    m = run_map(ls, "stakeholders", tmp)
    assert m["format"] == "limesurvey"
    assert m["unmatched"]["columns"] == [f"Q8[SQ00{k}]" for k in range(1, 5)]
    assert m["unmatched"]["items"] == ["wave", "ch_person", "ch_phone", "ch_email", "ch_online"]
    assert m["columns"]["trustra"] == {"item": "trust_ra", "confidence": 1.0}
    assert m["columns"]["part[comment]"] == {"item": "part_comment", "confidence": 1.0,
                                             "kind": "flag"}
    assert m["columns"]["sex"]["values"] == {"A1": 1, "A2": 2}  # A3 (no answer) is blank
    assert "values" not in m["columns"]["trustra"]  # numeric codes 0..10 need no list
    assert m["columns"]["submitdate"] == {"item": "interview_date", "kind": "date"}


def _fill_limesurvey(tmp: Path) -> Path:
    from ruse_research import _yaml

    m = _yaml.load_file(tmp / "ls_wave2.map.yaml", dates=False)
    for k, item in enumerate(["ch_person", "ch_phone", "ch_email", "ch_online"], start=1):
        m["columns"][f"Q8[SQ00{k}]"] = {"item": item, "kind": "flag"}  # the user's edit
    m["unmatched"]["columns"] = []
    return save_map(m, tmp / "ls_wave2.map.yaml")


def test_a_map_still_listing_unmatched_columns_is_refused(stakeholder_files):
    tmp, _, _, _, ls, _ = _two_waves(stakeholder_files)
    run_map(ls, "stakeholders", tmp)
    with pytest.raises(DataError) as err:
        apply.import_export(ls, tmp / "ls_wave2.map.yaml", "stakeholders", tmp / "no.csv",
                            {"wave": "2"})
    lines = err.value.report().replace(f"{tmp}{os.sep}", "").splitlines()
    assert lines == [f"ls_wave2.map.yaml, column 'unmatched.columns': found 'Q8[SQ00{k}]', "
                     "expected no unmatched columns: map it under columns: (or set it to null "
                     "there) and delete it from unmatched:" for k in range(1, 5)]
    assert not (tmp / "no.csv").exists()


@pytest.mark.slow  # four whole exports imported, then the stakeholder estimates twice
def test_two_tools_two_waves_import_to_the_same_answers_and_estimates(stakeholder_files):
    from ruse_research.studies import stakeholders

    tmp, w1, w2, gf, ls, reference = _two_waves(stakeholder_files)
    gm = run_map(gf, "stakeholders", tmp)
    assert gm["unmatched"] == {"columns": [], "values": {}, "items": ["wave"]}
    assert gm["columns"]["Начин на контакт"]["kind"] == "checkbox"
    run_map(ls, "stakeholders", tmp)
    lmap = _fill_limesurvey(tmp)
    line1 = apply.import_export(gf, tmp / "gf_wave1.map.yaml", "stakeholders", tmp / "w1.csv",
                                {"wave": "1"})
    line2 = apply.import_export(ls, lmap, "stakeholders", tmp / "w2.csv", {"wave": "2"})
    assert "constants wave=1" in line1 and "constants wave=2" in line2
    for out, part in ((tmp / "w1.csv", w1), (tmp / "w2.csv", w2)):
        assert cli.main(["validate", str(out), "--codebook", "stakeholders"]) == 0
        expected = codebook_export("stakeholders", part, tmp / f"expected_{out.name}")
        pd.testing.assert_frame_equal(typed(out, "stakeholders"), typed(expected, "stakeholders"))
    # both waves in one file: the second import appended to the first
    apply.import_export(gf, tmp / "gf_wave1.map.yaml", "stakeholders", tmp / "both.csv",
                        {"wave": "1"})
    line = apply.import_export(ls, lmap, "stakeholders", tmp / "both.csv", {"wave": "2"},
                               append=True)
    assert line.endswith(f"-> both.csv (appended: {len(w1) + len(w2)} rows in all) - OK")
    expected = codebook_export("stakeholders", w1 + w2, tmp / "expected_both.csv")
    margins = "data/reference/population_margins.csv"
    a = stakeholders.load(tmp / "both.csv", RAW / "staff.csv", margins)
    b = stakeholders.load(expected, RAW / "staff.csv", margins)
    ea, eb = stakeholders.estimates_by_group(a), stakeholders.estimates_by_group(b)
    pd.testing.assert_frame_equal(ea, eb, rtol=1e-10, atol=1e-12)
    wa, wb = stakeholders.wave_change(a), stakeholders.wave_change(b)
    pd.testing.assert_frame_equal(wa, wb, rtol=1e-10, atol=1e-12)


@pytest.mark.slow  # XLSX and .sav of 775 rows, written and read twice
def test_kobo_xlsx_and_limesurvey_sav_import_the_same_answers(stakeholder_files):
    import pyreadstat

    tmp, rows, reference = stakeholder_files
    w2 = [r for r in rows if r["wave"] == "2"]
    kobo = kobo_xlsx("stakeholders", w2, tmp / "kobo.xlsx")
    m = run_map(kobo, "stakeholders", tmp)
    assert m["format"] == "kobo"
    assert m["columns"]["b1/ch/person"] == {"item": "ch_person", "confidence": 1.0,
                                            "kind": "flag"}
    assert m["columns"]["_id"] == {"item": "resp_id", "kind": "id"}
    assert m["columns"]["b1/ch"] is None  # the summary cell: its 0/1 columns are read
    assert m["unmatched"]["columns"] == []
    out = apply.import_export(kobo, tmp / "kobo.map.yaml", "stakeholders", tmp / "k.sav",
                              {"wave": "2"})
    assert out.endswith("-> k.sav - OK")
    _, meta = pyreadstat.read_sav(tmp / "k.sav")
    assert meta.variable_value_labels["sex"] == {1.0: "Мъж", 2.0: "Жена", 99.0: "Без отговор"}
    expected = codebook_export("stakeholders", w2, tmp / "expected_kobo.csv")
    pd.testing.assert_frame_equal(typed(tmp / "k.sav", "stakeholders"),
                                  typed(expected, "stakeholders"))
    # LimeSurvey's SPSS export: <code>_<sub> variables 1/0, labels "[sub] question"
    sav = limesurvey_sav("stakeholders", expected, tmp / "ls.sav")
    m = run_map(sav, "stakeholders", tmp)
    assert m["format"] == "limesurvey_sav"
    assert m["columns"]["ch_person"]["kind"] == "flag"
    out = apply.import_export(sav, tmp / "ls.map.yaml", "stakeholders", tmp / "ls_out.csv",
                              {"wave": "2"})
    assert out.endswith(" - OK")
    pd.testing.assert_frame_equal(typed(tmp / "ls_out.csv", "stakeholders"),
                                  typed(expected, "stakeholders"))


def limesurvey_sav(name: str, codebook_csv: Path, path: Path) -> Path:
    """LimeSurvey's SPSS export of a codebook export: ``id``, ``submitdate``,
    ``startlanguage``, then ``<code>`` / ``<code>_<sub>`` variables labelled with the
    question text (``[sub] question`` for subquestions), value labels in Bulgarian."""
    import pyreadstat

    book = load_codebook(name)
    frame = typed(codebook_csv, name)
    groups = matching.checkbox_groups(book)
    in_group = {i: g for g in groups for i in g.items}
    data = {"id": pd.Series(range(1, len(frame) + 1), dtype="float64"),
            "submitdate": frame["interview_date"], "startlanguage": pd.Series(["bg"] * len(frame))}
    labels, value_labels = ["id", "submitdate", "startlanguage"], {}
    for it in book.items:
        if it.id in (book.id_column, "interview_date", "wave"):
            continue
        if it.id in in_group:
            stem, sub = book.item(it.id).text["bg"].split(": ", 1)
            labels.append(f"[{sub}] {stem}")
        else:
            labels.append(it.text["bg"])
        var = it.id if it.id in in_group else it.id.replace("_", "")
        if it.type in CODED_TYPES:
            data[var] = frame[it.id].astype("Float64").astype("float64")
            value_labels[var] = {float(k): v["bg"] for k, v in
                                 book.scales[it.response_scale].all_codes().items()}
        else:
            data[var] = frame[it.id].fillna("").astype(str)
    pyreadstat.write_sav(pd.DataFrame(data), path, column_labels=labels,
                         variable_value_labels=value_labels)
    return path


def test_kobo_csv_with_labels_imports_the_same_answers(stakeholder_files):
    tmp, rows, _ = stakeholder_files
    w1 = [r for r in rows if r["wave"] == "1"]
    kobo = kobo_csv_labels("stakeholders", w1, tmp / "kobo_labels.csv")
    m = run_map(kobo, "stakeholders", tmp)
    assert m["format"] == "kobo"
    assert m["unmatched"] == {"columns": [], "values": {}, "items": ["wave"]}
    assert m["columns"]["Начин на контакт"] is None
    assert m["columns"]["Начин на контакт/лично посещение"]["kind"] == "flag"
    out = apply.import_export(kobo, tmp / "kobo_labels.map.yaml", "stakeholders",
                              tmp / "kl.csv", {"wave": "1"})
    assert out.endswith(" - OK")
    expected = codebook_export("stakeholders", w1, tmp / "expected_kl.csv")
    pd.testing.assert_frame_equal(typed(tmp / "kl.csv", "stakeholders"),
                                  typed(expected, "stakeholders"))


def test_kobo_xml_export_is_mapped_through_its_xlsform_labels(stakeholder_files):
    tmp, rows, _ = stakeholder_files
    w1 = [r for r in rows if r["wave"] == "1"][:200]
    export, form = tmp / "kobo_xml.xlsx", tmp / "form.xlsx"
    kobo_with_form("stakeholders", w1, export, form)
    out = tmp / "kobo_xml.map.yaml"
    assert cli.main(["map", str(export), "--codebook", "stakeholders", "--form", str(form),
                     "--out", str(out)]) == 0
    from ruse_research import _yaml
    m = _yaml.load_file(out, dates=False)
    assert m["unmatched"] == {"columns": [], "values": {}, "items": ["wave"]}
    assert m["columns"]["grp/q5"] == {"item": "municipality", "confidence": 1.0,
                                      "values": {f"o{m.code}": m.code for m in region.load().municipalities}}
    line = apply.import_export(export, out, "stakeholders", tmp / "kx.csv", {"wave": "1"})
    assert line.endswith(" - OK")
    expected = codebook_export("stakeholders", w1, tmp / "expected_kx.csv")
    pd.testing.assert_frame_equal(typed(tmp / "kx.csv", "stakeholders"),
                                  typed(expected, "stakeholders"))


# ------------------------------------------------------------------ bad mappings
@pytest.fixture
def small(tmp_path):
    rows = canonical("staff")[:6]
    export = google_forms("staff", rows, tmp_path / "gf.csv")
    run_map(export, "staff", tmp_path)
    from ruse_research import _yaml
    return export, tmp_path / "gf.map.yaml", _yaml.load_file(tmp_path / "gf.map.yaml", dates=False)


def _problems(export, map_file, sets=None, out="x.csv") -> list[str]:
    with pytest.raises(DataError) as err:
        apply.import_export(export, map_file, "staff", map_file.parent / out, sets)
    return err.value.report().replace(f"{map_file.parent}{os.sep}", "").splitlines()


def test_a_wrong_header_is_named_with_the_nearest_one(small):
    export, map_file, m = small
    header = "Пол"
    m["columns"] = {("Полл" if h == header else h): e for h, e in m["columns"].items()}
    save_map(m, map_file)
    lines = _problems(export, map_file)
    assert "gf.csv: found \"gf.map.yaml names column 'Полл'\", expected a header of gf.csv " \
           f"(did you mean '{header}'?)" in lines
    assert "gf.csv, row 1, column 'Пол': found 'a column the map does not name', expected an " \
           "entry for it under 'columns:' in gf.map.yaml (null to leave it out)" in lines
    assert not (map_file.parent / "x.csv").exists()


def test_an_unknown_label_names_the_code_it_would_map_to(small, tmp_path):
    export, map_file, m = small
    text = export.read_text(encoding="utf-8").replace('"Мъж"', '"Мжъ"', 1)
    bad = tmp_path / "gf_typo.csv"
    bad.write_text(text, encoding="utf-8")
    lines = _problems(bad, map_file)
    assert len(lines) == 1
    assert lines[0].startswith("gf_typo.csv, row ")
    assert lines[0].endswith("column 'Пол': found 'Мжъ', expected an answer listed under "
                             "columns.Пол.values in gf.map.yaml or a code of scale 'sex'; the "
                             "nearest label is code 1 ('Мъж'): add \"Мжъ\": 1 if that is what "
                             "it means")


def test_validate_names_the_code_of_a_label_in_a_coded_column(tmp_path):
    rows = canonical("staff")[:3]
    rows[1]["att_ben_1"] = "Съгласен"
    bad = codebook_export("staff", rows, tmp_path / "labels.csv")
    with pytest.raises(DataError) as err:
        ruse_io.validate_file(bad, "staff")
    assert err.value.report().endswith(
        "labels.csv, row 3, column 'att_ben_1': found 'Съгласен', expected a numeric code, not "
        "text: one of 1-5, 97 (don't know), 98-99 (no answer) (scale 'agree5'); 'Съгласен' is "
        "the label of code 4: write 4, or convert the export with `ruse-research map` and "
        "`ruse-research import`")


def test_set_of_an_unknown_item_is_refused(small):
    export, map_file, _ = small
    lines = _problems(export, map_file, {"wav": "1"})
    assert lines == ["gf.map.yaml, column '--set': found 'wav', expected an item of codebook "
                     "'staff'"]
    lines = _problems(export, map_file, {"sexx": "1"})
    assert lines == ["gf.map.yaml, column '--set': found 'sexx', expected an item of codebook "
                     "'staff' (did you mean 'sex'?)"]


def test_cli_map_and_import_print_one_line_and_refuse_bad_sets(small, capsys):
    export, map_file, _ = small
    assert cli.main(["map", str(export), "--codebook", "staff", "--out", str(map_file)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("gf.csv: google_forms export, ")
    assert cli.main(["import", str(export), "--map", str(map_file), "--codebook", "staff",
                     "--out", str(map_file.parent / "o.csv")]) == 0
    assert capsys.readouterr().out.endswith(" -> o.csv - OK\n")
    assert cli.main(["import", str(export), "--map", str(map_file), "--codebook", "staff",
                     "--out", str(map_file.parent / "o.csv"), "--set", "nosuch=1"]) == 2
    assert "found 'nosuch', expected an item of codebook 'staff'" in capsys.readouterr().err


# ------------------------------------------------------------------- the runner
def _project_with_imported_staff(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A project copy without params files whose data/private/ holds the demo staff answers as
    a codebook export (``staff_codebook.csv``) and imported from a Google Forms export
    (``staff.csv``); returns (project, private folder, codebook export)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "params", "notebooks", "data"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, project / name)
    for p in (project / "params").glob("*.yaml"):
        p.unlink()
    private = project / "data" / "private"
    private.mkdir(exist_ok=True)
    rows = canonical("staff")
    reference = codebook_export("staff", rows, private / "staff_codebook.csv")
    export = google_forms("staff", rows, private / "staff_gf.csv")
    mapping.write_starter(export, "staff", private / "staff_gf.map.yaml")
    apply.import_export(export, private / "staff_gf.map.yaml", "staff", private / "staff.csv")
    return project, private, reference


def test_runner_plans_and_validates_a_run_on_an_imported_file(tmp_path):
    """An imported file in data/private/ is a run's input like any export: the params file names
    it, the runner hashes and validates it before any kernel, and it parses to the same frame
    as the codebook export of the same answers. (Equal frames give equal tables: the pipeline
    is a deterministic function of the parsed data, which tests/test_study_determinism.py
    checks on whole runs; so no kernel is started here.)"""
    from ruse_research.runner import params as run_params

    project, private, reference = _project_with_imported_staff(tmp_path)
    base = (ROOT / "params" / "staff_attitudes.en.yaml").read_text(encoding="utf-8")
    params_file = project / "params" / "imported.yaml"
    params_file.write_text(base.replace("data/raw/staff.csv", "data/private/staff.csv"), encoding="utf-8")
    run = run_params.load_run(params_file, root=project)
    assert run.inputs["staff_path"] == private / "staff.csv"
    summaries = run_params.validate_inputs(run, root=project)
    assert any(line.startswith("staff.csv") and line.endswith(" - OK") for line in summaries), summaries
    pd.testing.assert_frame_equal(typed(private / "staff.csv", "staff"), typed(reference, "staff"))


# ------------------------------------------------------------------- whole run
@pytest.mark.slow  # map -> import -> validate -> run, against the shared run of the same answers
def test_run_on_an_imported_file_gives_the_tables_of_the_codebook_export(tmp_path, shared_study):
    """The imported Google Forms export, run through the staff notebook, publishes the same
    tables as the run on the codebook export of the same answers, byte for byte below their
    data mark. That export holds the cells of the bundled data/raw/staff.csv (checked first),
    so its run is the shared study's ``staff_attitudes.en``, same notebook and parameters,
    and is not run a second time here."""
    project, _, reference = _project_with_imported_staff(tmp_path)

    def cells(path: Path) -> list[list[str]]:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.reader(fh))

    assert cells(reference) == cells(RAW / "staff.csv"), "the codebook export no longer holds the bundled answers"
    base = (ROOT / "params" / "staff_attitudes.en.yaml").read_text(encoding="utf-8")
    (project / "params" / "imported.yaml").write_text(
        base.replace("data/raw/staff.csv", "data/private/staff.csv"), encoding="utf-8")
    # no report.pdf: the PDFs are not compared, and the shared study's are checked elsewhere
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project), "MPLBACKEND": "Agg", "RUSE_RESEARCH_CHROMIUM": ""}
    result = subprocess.run([sys.executable, "-m", "ruse_research", "run", "imported"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tables = sorted((project / "outputs" / "imported" / "tables").glob("*.csv"))
    expected = sorted((shared_study / "outputs" / "staff_attitudes.en" / "tables").glob("*.csv"))
    assert [t.name for t in tables] == [t.name for t in expected]
    for table, other in zip(tables, expected, strict=True):
        # the first line is the data mark: a file in data/private/ is published as fieldwork,
        # the bundled one as synthetic demonstration data; every byte below it is the same
        mark, body = table.read_bytes().split(b"\n", 1)
        assert "Fieldwork data" in mark.decode("utf-8-sig"), (table.name, mark)
        assert body == other.read_bytes().split(b"\n", 1)[1], table.name
