"""Tests of ruse_research.display.report: catalogs, number formats, display bundles, privacy guards."""

from __future__ import annotations

import base64
import json
import math
import textwrap

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ruse_research.display import catalog, output, report  # noqa: E402
from ruse_research.errors import ParamsError, RuseError  # noqa: E402

NBSP = "\u00a0"


@pytest.fixture
def published(monkeypatch):
    """Record what the display functions publish instead of sending it to a kernel."""
    calls: list[tuple[dict, dict]] = []
    monkeypatch.setattr(
        output, "publish", lambda data, metadata=None: calls.append((data, metadata))
    )
    return calls


@pytest.fixture
def locale_dir(tmp_path, monkeypatch):
    """A locale folder with the real common.yaml and room for test catalogs."""
    (tmp_path / "common.yaml").write_text(
        (catalog.LOCALE_DIR / "common.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(catalog, "LOCALE_DIR", tmp_path)
    return tmp_path


def write(folder, name, text):
    (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


# ====================================================================== catalogs
def test_common_catalog_is_complete_in_both_languages():
    entries = report.load_catalog_entries("common")
    assert len(entries) > 30
    for key, texts in entries.items():
        assert set(texts) == {"bg", "en"}, key
    bg, en = report.texts("common", "bg"), report.texts("common", "en")
    assert bg("label_dont_know") == "Не мога да преценя"
    assert en("label_dont_know") == "Don't know"
    assert en("n_of", n="1,234") == "n = 1,234"
    # Bulgarian texts are written in Cyrillic, not left in English
    assert any("\u0400" <= ch <= "\u04ff" for ch in bg("banner_synthetic_text"))


def test_study_catalog_merges_with_common(locale_dir):
    write(
        locale_dir,
        "demo",
        """
        intro:
          bg: "Анкетирани са {n} служители."
          en: "{n} staff members answered."
    """,
    )
    t = report.texts("demo", "bg")
    assert t("intro", n=t.int(12345)) == f"Анкетирани са 12{NBSP}345 служители."
    assert t("label_ci") == "95% ДИ"
    assert "intro" in t and "label_n" in t
    # no session language: the catalog and every text it gives carry their language
    assert t.lang == "bg" and t("intro", n="1").lang == "bg"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('k:\n  bg: "а"\n', "has no en text"),
        ('k:\n  en: "a"\n', "has no bg text"),
        ('k:\n  bg: "а"\n  en: "a"\n  de: "x"\n', "unknown language"),
        ('k:\n  bg: "{n} души"\n  en: "{count} people"\n', "placeholders differ"),
        ('k:\n  bg: "{} души"\n  en: "{} people"\n', "named placeholders"),
        ('k:\n  bg: ""\n  en: "x"\n', "empty or non-text bg"),
        ('k: "just text"\n', "must map to"),
        ('label_n:\n  bg: "н"\n  en: "n"\n', "redefines key(s) of common.yaml"),
        ('k:\n  bg: "{n"\n  en: "{n"\n', "bad placeholder"),
        ("k: [unclosed\n", "not valid YAML"),
        ('k:\n  bg: "а"\n  en: "a"\nk:\n  bg: "б"\n  en: "b"\n',
         "bad.yaml: line 4: key 'k' appears twice (first on line 1)"),
    ],
)
def test_bad_catalogs_fail_at_load_with_the_key_named(locale_dir, body, message):
    (locale_dir / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(report.CatalogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        report.texts("bad", "en")


def test_catalog_lookup_errors():
    t = report.texts("common", "en")
    with pytest.raises(
        report.CatalogError, match=r"no key 'label_dont_knw'.*did you mean 'label_dont_know'"
    ):
        t("label_dont_knw")
    with pytest.raises(report.CatalogError, match=r"needs value\(s\) \['n'\]"):
        t("n_of")
    with pytest.raises(report.CatalogError, match=r"no placeholder\(s\) \['m'\]"):
        t("n_of", n=1, m=2)
    with pytest.raises(report.CatalogError, match="no language catalog nope.yaml"):
        report.texts("nope", "en")
    with pytest.raises(RuseError, match="language 'de' is not supported"):
        report.texts("common", "de")


# ======================================================================= numbers
# Reference values: CLDR number symbols. en: group ",", decimal "."; bg: group U+00A0,
# decimal ",", minimumGroupingDigits 2 (CLDR common/main/bg.xml; the same values in
# fisharebest/localization LocaleBg: GROUP = NBSP, DECIMAL = COMMA, minimumGroupingDigits 2).
@pytest.mark.parametrize(
    ("x", "lang", "digits", "expected"),
    [
        (1234567.891, "en", 2, "1,234,567.89"),
        (1234567.891, "bg", 2, f"1{NBSP}234{NBSP}567,89"),
        (1234.5, "bg", 1, "1234,5"),  # four digits: not grouped in bg
        (1234.5, "en", 1, "1,234.5"),
        (12345, "bg", 0, f"12{NBSP}345"),
        # half away from zero on the decimal a person reads, as Excel ROUND(0.425, 2) = 0.43
        # and ROUND(2.675, 2) = 2.68 (binary floats hold 0.42499... and 2.67499...)
        (0.425, "bg", 2, "0,43"),
        (2.675, "en", 2, "2.68"),
        (-2.5, "en", 0, "-3"),
        (1e30, "en", 0, "1," + ",".join(["000"] * 10)),
        (float("inf"), "en", 1, "∞"),
        (-3.14159, "en", 3, "-3.142"),
        (-0.0004, "en", 2, "0.00"),  # no "-0.00"
        (float("nan"), "en", 2, "–"),
        (None, "bg", 2, "–"),
        (pd.NA, "bg", 2, "–"),
        (np.int64(2019), "bg", 0, "2019"),
        (np.float32(0.5), "en", 1, "0.5"),
    ],
)
def test_fmt_num(x, lang, digits, expected):
    assert report.fmt_num(x, lang, digits) == expected


def test_fmt_num_agrees_with_babel_for_grouped_numbers():
    # babel (CLDR data, independent implementation) for numbers with >= 5 integer digits,
    # where Bulgarian minimum grouping does not matter; babel ignores minimumGroupingDigits.
    babel_numbers = pytest.importorskip("babel.numbers")
    for x in (12345.678, 987654321.5, -45678.25):
        for lang in ("bg", "en"):
            want = babel_numbers.format_decimal(x, format="#,##0.00", locale=lang)
            assert report.fmt_num(x, lang, 2) == want


def test_fmt_pct_ci_p():
    assert report.fmt_pct(0.425, "bg", 1) == "42,5%"
    assert report.fmt_pct(0.4255, "en", 1) == "42.6%"  # 42.55 rounds half up
    assert report.fmt_pct(0.005, "en") == "1%"
    assert report.fmt_pct(0.4, "en") == "40%"
    assert report.fmt_pct(None, "en") == "–"
    assert report.fmt_ci(0.4213, 0.3, 0.552, "en") == "0.42 (0.30–0.55)"
    assert report.fmt_ci(0.4213, 0.3, 0.552, "bg", label="95% ДИ") == "0,42 (95% ДИ 0,30–0,55)"
    assert report.fmt_ci(1500, 1200.4, 1800.6, "en", 0) == "1,500 (1,200–1,801)"
    assert report.fmt_ci(0.1, -0.2, 0.4, "en") == "0.10 (-0.20, 0.40)"  # no dash next to a minus
    assert report.fmt_p(0.0421, "en") == "p = 0.042"
    assert report.fmt_p(0.0421, "bg") == "p = 0,042"
    assert report.fmt_p(0.0009, "en") == "p < 0.001"
    assert report.fmt_p(0.0009, "bg") == "p < 0,001"
    assert report.fmt_p(0.001, "en") == "p = 0.001"
    assert report.fmt_p(0.9999, "en") == "p > 0.999"
    assert report.fmt_p(0.9995, "en") == "p > 0.999"  # would print as 1.000
    assert report.fmt_p(0.0425, "en") == "p = 0.043"
    assert report.fmt_p(1.0, "bg") == "p > 0,999"
    with pytest.raises(report.ReportError, match=r"p value must lie in \[0, 1\]"):
        report.fmt_p(1.2, "en")
    with pytest.raises(ParamsError, match="language 'fr' is not supported; expected one of bg, en"):
        report.fmt_num(1, "fr")
    with pytest.raises(report.ReportError, match="cannot format 'abc'"):
        report.fmt_num("abc", "en")


# ======================================================================== tables
def example_table():
    return pd.DataFrame(
        {
            "group": ["Служители", "НПО", "Граждани"],
            "n": [25, 12, None],
            "mean": [3.456, 2.5, np.nan],
            "share": [0.425, 0.1, 0.55],
            "year": [2019, 2020, 2020],
        }
    )


def test_table_bundle_structure_and_json_round_trip(published):
    df = example_table()
    report.show_table(
        df,
        "staff_means",
        caption="Средни",
        lang="bg",
        percent_columns=["share"],
        raw_columns=["year"],
    )
    assert len(published) == 1
    data, metadata = published[0]
    assert metadata == {"ruse": {"kind": "table", "name": "staff_means"}}
    assert set(data) == {"text/html", "text/plain", report.TABLE_MIME}
    table = data[report.TABLE_MIME]
    assert {"name", "caption", "columns", "index", "data"} <= set(table)
    assert table["name"] == "staff_means" and table["caption"] == "Средни"
    assert table["columns"] == ["group", "n", "mean", "share", "year"]
    assert table["index"] == [0, 1, 2]
    # NaN -> null, counts back to int, strict JSON (no NaN tokens)
    assert table["data"][2] == ["Граждани", None, None, 0.55, 2020]
    assert table["data"][0][1] == 25 and isinstance(table["data"][0][1], int)
    text = json.dumps(table, allow_nan=False)
    back = report.table_from_bundle(json.loads(text))
    expected = df.astype({"n": "float64"})
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    # per-language formatting in html and plain text
    html_text, plain = data["text/html"], data["text/plain"]
    assert "<caption>Средни</caption>" in html_text
    assert ">3,46<" in html_text and ">42,5%<" in html_text and ">2019<" in html_text
    assert ">–<" in html_text
    assert plain.splitlines()[0] == "Средни" and "3,46" in plain
    en_data, _ = report.table_bundle(df, "staff_means", lang="en", digits={"mean": 1})
    assert ">3.5<" in en_data["text/html"] and ">2,019<" in en_data["text/html"]


def test_index_and_multiindex_round_trip():
    df = pd.DataFrame(
        {("wave 1", "n"): [10, 20], ("wave 1", "mean"): [1.5, 2.5]},
        index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["unit", "code"]),
    )
    data, _ = report.table_bundle(df, "multi", lang="en")
    table = json.loads(json.dumps(data[report.TABLE_MIME], allow_nan=False))
    back = report.table_from_bundle(table)
    pd.testing.assert_frame_equal(back, df, check_column_type=False)
    assert '<th scope="col">unit</th><th scope="col">code</th>' in data["text/html"]
    assert '<th scope="row">a</th>' in data["text/html"]
    assert "wave 1 / mean" in data["text/html"]


HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "**bold** and [link](javascript:alert(1))",
    "costs $x$ and $$y$$",
]


def test_cells_headers_and_caption_are_escaped():
    df = pd.DataFrame(
        {h: [v] for h, v in zip(["<b>h</b>", "c2", "c3", "c4"], HOSTILE, strict=True)}
    )
    data, _ = report.table_bundle(df, "hostile", caption="<script>cap</script> $z$", lang="en")
    out = data["text/html"]
    for tag in ("<script", "<img", "<b>", "<a ", "<strong"):
        assert tag not in out
    assert "onerror=&quot;alert(1)&quot;" in out  # shown as text, not an attribute
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "$" not in out  # no TeX delimiters survive for MathJax to pick up
    assert "&#36;x&#36;" in out
    assert "tex2jax_ignore" in out
    # the machine-readable copy keeps the original text untouched
    assert data[report.TABLE_MIME]["data"][0][:2] == HOSTILE[:2]


@pytest.mark.parametrize(
    ("frame", "kwargs"),
    [
        (pd.DataFrame({"n": [12, 3]}), {}),
        (pd.DataFrame({"n_staff": [12, 1]}), {}),
        (pd.DataFrame({"respondents": [12, 4]}), {"count_columns": ["respondents"]}),
        (pd.DataFrame({"n": ["12", "2"]}), {}),  # counts already turned into text
        (pd.DataFrame({"n_w": [12.0, 4.5]}), {}),
        (pd.DataFrame({("w1", "n"): [30, 2]}), {}),
    ],
)
def test_small_counts_are_refused(frame, kwargs, published):
    with pytest.raises(RuseError, match="fewer than 5 respondents"):
        report.show_table(frame, "small", **kwargs)
    assert published == []


def test_small_count_error_is_the_disclosure_error():
    disclosure = pytest.importorskip("ruse_research.stats.disclosure")
    with pytest.raises(disclosure.DisclosureError):
        report.check_counts(pd.DataFrame({"n": [3]}))
    assert report.MIN_CELL == disclosure.MIN_CELL
    assert report.MIN_QUOTE == disclosure.MIN_QUOTE


def test_zero_suppressed_and_large_counts_pass(published):
    ok = pd.DataFrame(
        {
            "n": pd.array([0, None, 5, 120], dtype="Int64"),
            "n_label": ["<5", "x", "5", "120"],
            "nn": [1, 2, 3, 4],
        }
    )
    report.show_table(ok, "fine", lang="en")
    assert len(published) == 1


@pytest.mark.parametrize("name", ["Bad", "with-dash", "", "a b", "таблица", None])
def test_bad_names_are_refused(name):
    with pytest.raises(report.ReportError, match="bad table/figure name"):
        report.table_bundle(pd.DataFrame({"a": [1]}), name)


def test_show_table_input_checks():
    with pytest.raises(report.ReportError, match="needs a pandas DataFrame"):
        report.table_bundle([[1, 2]], "t")
    with pytest.raises(report.ReportError, match="percent_columns not in the table"):
        report.table_bundle(pd.DataFrame({"a": [1]}), "t", percent_columns=["b"])
    with pytest.raises(report.ReportError, match="count_columns not in the table"):
        report.table_bundle(pd.DataFrame({"a": [1]}), "t", count_columns=["b"])


def test_show_table_takes_the_language_from_lang_or_a_catalog_caption():
    df = pd.DataFrame({"mean": [3.25]})
    bg, en = report.texts("common", "bg"), report.texts("common", "en")
    html_of = lambda **kw: report.table_bundle(df, "t", **kw)[0]["text/html"]  # noqa: E731
    assert "3,25" in html_of(caption=bg("label_n"))
    assert "3.25" in html_of(caption=en("label_n"))
    assert "3,25" in html_of(caption="plain", lang=bg)  # the catalog as lang
    assert "3.25" in html_of(caption=bg("label_n"), lang="en")  # lang= wins
    with pytest.raises(report.ReportError, match="show_table 't': no language given"):
        html_of(caption="plain")
    with pytest.raises(ParamsError, match="language 'de' is not supported"):
        html_of(lang="de")


# ======================================================================= figures
def make_figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["Служители", "НПО"], [3.2, 2.7], color="#0072B2")
    ax.set_title("Средна оценка")
    return fig


def test_figure_bytes_are_identical_run_to_run():
    first = report.figure_bytes(make_figure())
    second = report.figure_bytes(make_figure())
    plt.close("all")
    assert first[0] == second[0]
    assert first[1] == second[1]
    png, svg = first
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert b"<dc:date>" not in svg and b"<svg" in svg


def test_show_figure_bundle_and_closes(published):
    fig = make_figure()
    number = fig.number
    report.show_figure(fig, "mean_score", caption="Фигура 1. <i>Средна</i> оценка")
    assert not plt.fignum_exists(number)
    data, metadata = published[0]
    assert metadata["ruse"]["kind"] == "figure" and metadata["ruse"]["name"] == "mean_score"
    # the caption travels in the metadata (the report escapes it into <figcaption>) and the
    # alt text describes the chart: it is not the caption
    assert metadata["ruse"]["caption"] == "Фигура 1. <i>Средна</i> оценка"
    assert metadata["ruse"]["alt"] and metadata["ruse"]["alt"] != metadata["ruse"]["caption"]
    assert set(data) == {"image/png", "image/svg+xml", "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["image/svg+xml"].lstrip().startswith("<?xml")
    assert data["text/plain"] == "Фигура 1. <i>Средна</i> оценка"
    assert len(published) == 1  # no separate caption output


def test_show_figure_accepts_axes_and_refuses_other_things(published):
    fig = make_figure()
    report.show_figure(fig.axes[0], "from_axes")
    assert published[0][1]["ruse"]["name"] == "from_axes"
    assert not plt.fignum_exists(fig.number)
    with pytest.raises(report.ReportError, match="Figure, Axes or seaborn grid"):
        report.show_figure("not a figure", "x")
    with pytest.raises(report.ReportError, match="bad table/figure name"):
        report.figure_bundle(make_figure(), "Bad Name")
    plt.close("all")


# ================================================================ markdown, banners
def test_md_heading_findings(published):
    report.md("Some **text**")
    report.heading("Резултати\n", 2)
    report.findings(["First.", "Second."], title="Key findings")
    assert [d["text/markdown"] for d, _ in published] == [
        "Some **text**",
        "## Резултати",
        "**Key findings**\n\n- First.\n- Second.",
    ]
    t = report.texts("common", "bg")
    report.findings(["Едно."], lang="bg")
    report.findings(["One."], title="")
    report.findings([t("label_n")])  # the language of catalog sentences decides the title
    assert published[3][0]["text/markdown"] == "**Основни изводи**\n\n- Едно."
    assert published[4][0]["text/markdown"] == "- One."
    assert published[5][0]["text/markdown"] == "**Основни изводи**\n\n- n"
    with pytest.raises(report.ReportError, match="findings: no language given"):
        report.findings(["plain text, no title"])
    with pytest.raises(report.ReportError):
        report.heading("x", 7)
    with pytest.raises(report.ReportError):
        report.findings("one string")


def test_escape_md_makes_text_literal():
    assert report.escape_md("[a](http://x) *b* <i>c</i> $d$") == (
        r"\[a\]\(http://x\) \*b\* &lt;i&gt;c&lt;/i&gt; \$d\$"
    )


def test_data_banner_only_for_synthetic_data(tmp_path, published):
    real = tmp_path / "real"
    demo = tmp_path / "demo"
    real.mkdir()
    demo.mkdir()
    (real / "staff.csv").write_text("a\n1\n")
    (demo / "staff.csv").write_text("a\n1\n")
    (demo / "truth.json").write_text(json.dumps({"synthetic": True}))
    (real / "truth.json").write_text(json.dumps({"synthetic": False}))
    report.data_banner([real / "staff.csv"], "en")
    assert published == []
    report.data_banner([real / "staff.csv", demo / "staff.csv"], "bg")
    assert len(published) == 1
    data, metadata = published[0]
    assert metadata["ruse"]["kind"] == "banner"
    assert "Синтетични демонстрационни данни" in data["text/html"]
    assert "синтетични" in data["text/plain"]
    report.banner_synthetic("en")
    assert "Synthetic demonstration data" in published[1][0]["text/html"]


def test_quotes_are_scrubbed_escaped_and_need_ten_respondents(published):
    report.quote_list(
        [
            "Пишете на ivan@abv.bg <script>x</script>",
            "  ",
            None,
            "Питах г-н Петров, не отговаря $$",
        ],
        "bg",
        base_n=12,
    )
    data, _ = published[0]
    assert "ivan@abv.bg" not in data["text/html"] and "[EMAIL]" in data["text/html"]
    assert "<script>" not in data["text/html"] and "&lt;script&gt;" in data["text/html"]
    assert "Петров" not in data["text/plain"]
    assert data["text/plain"].count("\n") == 1  # blank and missing quotes dropped
    with pytest.raises(RuseError, match="at least 10"):
        report.quote_list(["ok"], "en", base_n=9)
    report.quote_list([], "en", base_n=30)
    assert "No comments can be quoted." in published[-1][0]["text/plain"]


def test_json_value_is_strict_json():
    values = [
        np.int64(3),
        np.float64("inf"),
        pd.NaT,
        pd.Timestamp("2020-01-02"),
        np.bool_(True),
        float("nan"),
        "x",
        (1, "a"),
        np.datetime64("NaT"),
    ]
    out = [output.json_value(v) for v in values]
    assert out == [3, None, None, "2020-01-02T00:00:00", True, None, "x", [1, "a"], None]
    json.dumps(out, allow_nan=False)
    assert not any(isinstance(v, float) and math.isnan(v) for v in out)


def test_default_matplotlib_svg_is_not_deterministic_so_the_salt_matters():
    """Positive control for the byte-identity test: without a fixed ``svg.hashsalt`` and
    date, matplotlib writes random clip-path ids and the current date into the SVG."""
    import io

    def default_svg() -> bytes:
        fig = make_figure()
        fig.axes[0].set_clip_on(True)
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": None}):
            fig.savefig(buffer, format="svg")
        plt.close(fig)
        return buffer.getvalue()

    assert default_svg() != default_svg()


@pytest.mark.slow  # two fresh interpreters draw the figures
def test_figure_bytes_are_identical_across_processes():
    import hashlib
    import subprocess
    import sys

    code = (
        "import hashlib, matplotlib; matplotlib.use('Agg');"
        "import matplotlib.pyplot as plt; from ruse_research.display import report;"
        "fig, ax = plt.subplots(figsize=(4, 3)); ax.bar(['Служители', 'НПО'], [3.2, 2.7]);"
        "png, svg = report.figure_bytes(fig);"
        "print(hashlib.sha256(png).hexdigest(), hashlib.sha256(svg).hexdigest())"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["Служители", "НПО"], [3.2, 2.7])
    png, svg = report.figure_bytes(fig)
    plt.close(fig)
    here = f"{hashlib.sha256(png).hexdigest()} {hashlib.sha256(svg).hexdigest()}"
    assert other.stdout.strip() == here


def test_every_bundled_catalog_loads_and_bg_is_translated():
    """All locale/*.yaml pass the load checks, and no Bulgarian text is an English copy."""
    import re

    files = sorted(catalog.LOCALE_DIR.glob("*.yaml"))
    assert any(f.stem == "common" for f in files)
    for path in files:
        entries = report.load_catalog_entries(path.stem)
        for key, texts in entries.items():
            latin_words = re.findall(r"[A-Za-z]{4,}", texts["bg"])
            has_cyrillic = re.search("[\u0400-\u04ff]", texts["bg"]) is not None
            assert has_cyrillic or not latin_words, f"{path.name}: {key} bg looks untranslated"


def test_show_table_handles_every_pandas_dtype():
    df = pd.DataFrame(
        {
            "label": pd.Series(["a", None], dtype="string"),
            "cat": pd.Categorical(["x", "y"]),
            "flag": [True, False],
            "when": pd.to_datetime(["2019-01-18", None]),
            "n": pd.array([10, None], dtype="Int64"),
            "score": pd.array([1.5, None], dtype="Float64"),
            "period": pd.period_range("2019Q1", periods=2, freq="Q"),
        }
    )
    data, _ = report.table_bundle(df, "dtypes", lang="bg")
    table = json.loads(json.dumps(data[report.TABLE_MIME], allow_nan=False))
    assert table["data"] == [
        ["a", "x", True, "2019-01-18T00:00:00", 10, 1.5, "2019Q1"],
        [None, "y", False, None, None, None, "2019Q2"],
    ]
    assert ">2019-01-18<" in data["text/html"] and ">1,50<" in data["text/html"]
    assert data["text/html"].count(">–<") == 4  # the four missing cells


def test_one_row_table_with_many_columns_is_shown_transposed():
    """A single result row with more than TRANSPOSE_ABOVE columns reads as one statistic per
    line (it fits a report column and a phone); the payload and exports keep the wide frame."""
    from ruse_research.display import tables

    wide = pd.DataFrame([[30, 3.1, 3.6, 0.5, 0.2, 0.8, 0.9, 3.2, 29, 0.003]],
                        columns=["n", "Mean before", "Mean after", "Mean change", "CI lower", "CI upper",
                                 "SD of change", "t", "df", "p value"])
    data, _ = tables.table_bundle(wide, "paired", "Paired test", "en", count_columns=["n", "df"])
    page = data["text/html"]
    assert "ruse-transposed" in page and "<thead>" not in page
    assert page.count('<th scope="row">') == 10
    assert '<th scope="row">Mean change</th><td class="num" style="text-align: right">0.50</td>' in page
    assert data["application/vnd.ruse.table+json"]["columns"] == list(wide.columns)
    narrow = wide.iloc[:, :tables.TRANSPOSE_ABOVE]
    assert "<thead>" in tables.table_bundle(narrow, "paired", "Paired test", "en")[0]["text/html"]
