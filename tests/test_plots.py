"""Tests of ruse_research.display.plots: what is drawn, Cyrillic glyphs, byte-identical output."""

from __future__ import annotations

import functools
import warnings

import matplotlib
import matplotlib.container
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ruse_research.display import plots, report  # noqa: E402
from ruse_research.errors import RuseError  # noqa: E402

AGREE5_BG = [
    "Напълно несъгласен",
    "Несъгласен",
    "Нито съгласен, нито несъгласен",
    "Съгласен",
    "Напълно съгласен",
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def likert_frame() -> pd.DataFrame:
    """Three items; agreement (share of categories 4-5 among substantive answers):
    "Срокове" 30/50 = .60, "Достъп" 20/50 = .40, "Участие" 10/50 = .20."""
    counts = {
        "Достъп": [5, 10, 15, 12, 8, 6],
        "Участие": [20, 10, 10, 6, 4, 0],
        "Срокове": [5, 5, 10, 20, 10, 12],
    }
    rows = []
    for item, values in counts.items():
        for cat, n in zip([*AGREE5_BG, "Не мога да преценя"], values, strict=True):
            rows.append((item, cat, cat == "Не мога да преценя", n))
    return pd.DataFrame(rows, columns=["item_label", "category", "dont_know", "count"])


def texts_of(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# ========================================================================== Likert
def test_likert_counts_from_the_staff_codebook():
    codebook = pytest.importorskip("ruse_research.data.codebook")
    book = codebook.load_codebook("staff")
    df = pd.DataFrame(
        {
            "att_ben_1": pd.array([1, 5, 5, 97, 99, None, 3], dtype="Int64"),
            "att_ben_2": pd.array([2, 2, 4, 4, 4, 97, 97], dtype="Int64"),
        }
    )
    out = plots.likert_counts(df, ["att_ben_1", "att_ben_2"], book, "bg")
    assert list(out.columns) == ["item", "item_label", "code", "category", "dont_know", "count"]
    first = out[out["item"] == "att_ben_1"]
    assert first["code"].tolist() == [1, 2, 3, 4, 5, 97]  # missing codes (98, 99) not drawn
    assert first["count"].tolist() == [1, 0, 1, 0, 2, 1]
    assert first["dont_know"].tolist() == [False] * 5 + [True]
    assert first["category"].iloc[0] == "Напълно несъгласен"
    assert first["item_label"].iloc[0] == book.label("att_ben_1", "bg")
    assert out.loc[out["item"] == "att_ben_2", "count"].tolist() == [0, 2, 0, 3, 0, 2]


def test_likert_counts_refuses_codes_outside_the_scale():
    class Book:
        def value_labels(self, item, lang):
            return {1: "No", 2: "Yes"}

        def dont_know_codes(self, item):
            return []

    df = pd.DataFrame({"q": pd.array([1, 2, 7], dtype="Int64")})
    with pytest.raises(plots.PlotError, match=r"codes \[7\]"):
        plots.likert_counts(df, ["q"], Book(), "en")
    with pytest.raises(plots.PlotError, match="columns not in data"):
        plots.likert_counts(df, ["nope"], Book(), "en")


def test_likert_bars_geometry():
    fig = plots.likert_bars(likert_frame(), lang="bg", dont_know_title="Не мога да преценя")
    assert isinstance(fig, Figure)
    main, dk = fig.axes[:2]
    # items sorted by agreement, highest on top
    assert [t.get_text() for t in main.get_yticklabels()] == ["Срокове", "Достъп", "Участие"]
    # 3 items x 5 categories in the main panel, 3 "don't know" bars apart
    assert len(main.patches) == 15 and len(dk.patches) == 3
    # n on every bar: substantive n in the main panel, all answers beside "don't know"
    assert sorted(t for t in texts_of(main) if t.startswith("n =")) == ["n = 50"] * 3
    assert sorted(t.split("\n")[1] for t in texts_of(dk)) == ["n = 50", "n = 56", "n = 62"]
    # centring: patches come category by category, items in sorted order (Срокове first)
    n_items = 3
    shares = {
        "Срокове": [5, 5, 10, 20, 10],
        "Достъп": [5, 10, 15, 12, 8],
        "Участие": [20, 10, 10, 6, 4],
    }
    for row, item in enumerate(["Срокове", "Достъп", "Участие"]):
        share = np.array(shares[item]) / 50
        neutral = main.patches[2 * n_items + row]
        assert neutral.get_x() + neutral.get_width() / 2 == pytest.approx(0.0)
        leftmost = main.patches[row]
        assert leftmost.get_x() == pytest.approx(-(share[0] + share[1] + share[2] / 2))
        assert leftmost.get_width() == pytest.approx(share[0])
    # "don't know" as a share of all answers: 12/62 for Срокове
    assert dk.patches[0].get_width() == pytest.approx(12 / 62)
    assert "19%" in dk.texts[0].get_text()
    # percentages inside segments use the language's format
    assert "40%" in texts_of(main)


def test_likert_shares_match_the_figure():
    table = plots.likert_shares(likert_frame())
    assert table["item"].tolist() == ["Срокове", "Достъп", "Участие"]  # same order as the bars
    first = table.iloc[0]
    # Срокове: 5, 5, 10, 20, 10 substantive answers (n = 50) and 12 "don't know" (of 62)
    assert (first["n_answers"], first["n_substantive"]) == (62, 50)
    assert first["disagree"] == pytest.approx(10 / 50)
    assert first["neutral"] == pytest.approx(10 / 50)
    assert first["agree"] == pytest.approx(30 / 50)
    assert first["dont_know"] == pytest.approx(12 / 62)
    assert first[AGREE5_BG].tolist() == pytest.approx([0.1, 0.1, 0.2, 0.4, 0.2])
    assert table[["disagree", "neutral", "agree"]].sum(axis=1).tolist() == pytest.approx([1, 1, 1])
    # publishable with the small-count guard: n columns are whole numbers
    assert table["n_answers"].dtype == "int64"
    data, _ = report.table_bundle(table, "likert_shares", lang="bg", percent_columns=["agree"])
    assert ">60,0%<" in data["text/html"]


def test_weighted_likert_shares_with_unweighted_n():
    frame = likert_frame()
    weights = np.where(frame["category"] == AGREE5_BG[4], 2.0, 1.0)  # strongly agree weighs 2
    weighted = frame.assign(weighted=frame["count"] * weights)
    table = plots.likert_shares(weighted, count="weighted", n_count="count", sort=False)
    first = table.iloc[0]  # Достъп: 5, 10, 15, 12, 8 (x2 = 16), 6 "don't know"
    assert first["item"] == "Достъп"
    assert (first["n_substantive"], first["n_answers"]) == (50, 56)  # unweighted
    assert first["agree"] == pytest.approx((12 + 16) / (5 + 10 + 15 + 12 + 16))
    assert first["dont_know"] == pytest.approx(6 / (58 + 6))
    fig = plots.likert_bars(weighted, count="weighted", n_count="count")
    assert "n = 50" in texts_of(fig.axes[0])


def test_likert_bars_refuses_few_substantive_answers_even_with_many_dont_know():
    frame = likert_frame()
    frame.loc[frame["item_label"] == "Участие", "count"] = [1, 1, 0, 1, 0, 30]
    with pytest.raises(RuseError, match="'Участие' has fewer than 5 substantive answers"):
        plots.likert_bars(frame)


def test_likert_bars_by_group_for_mirror_items():
    base = likert_frame()
    staff = base.assign(group="Служители")
    # citizens agree less with every item; "Участие" (lowest for staff) is shifted the most
    citizens = base.assign(group="Граждани")
    citizens.loc[citizens["item_label"] == "Участие", "count"] = [30, 10, 5, 3, 2, 4]
    counts = pd.concat([staff, citizens], ignore_index=True)
    fig = plots.likert_bars(counts, group="group", lang="bg")
    main = fig.axes[0]
    # 3 items x 2 groups = 6 bars per category
    assert len(main.patches) == 6 * 5
    assert [t.get_text() for t in main.get_yticklabels()] == ["Служители", "Граждани"] * 3
    headers = [t.get_text() for t in main.texts if t.get_fontweight() == "bold"]
    # items by mean agreement over groups: Срокове .60, Достъп .40, Участие (.20 + .10) / 2
    assert headers == ["Срокове", "Достъп", "Участие"]
    assert sorted(t for t in texts_of(main) if t.startswith("n =")).count("n = 50") == 6
    table = plots.likert_shares(counts, group="group")
    assert list(table.columns[:3]) == ["item", "group", "n_answers"]
    last = table.iloc[-1]
    assert (last["item"], last["group"]) == ("Участие", "Граждани")
    assert last["agree"] == pytest.approx(5 / 50)


def test_likert_bars_without_dont_know_has_one_panel_and_keeps_order():
    frame = likert_frame()
    frame = frame[~frame["dont_know"]]
    fig = plots.likert_bars(frame, dont_know=None, sort=False)
    assert len(fig.axes) == 1
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Достъп", "Участие", "Срокове"]


def test_likert_bars_refuses_items_with_fewer_than_five_answers():
    frame = likert_frame()
    frame.loc[frame["item_label"] == "Участие", "count"] = [1, 0, 1, 1, 0, 0]
    with pytest.raises(RuseError, match="'Участие' has fewer than 5 substantive answers"):
        plots.likert_bars(frame)


def test_likert_bars_input_errors():
    frame = likert_frame()
    with pytest.raises(plots.PlotError, match="categories not in order="):
        plots.likert_bars(frame, order=AGREE5_BG[:4])
    with pytest.raises(plots.PlotError, match="non-negative counts"):
        plots.likert_bars(frame.assign(count=-1))
    with pytest.raises(plots.PlotError, match="more than one row"):
        plots.likert_bars(pd.concat([frame, frame]))


# ===================================================================== other plots
def test_heatmap_matrix_annotates_every_cell_in_the_language():
    m = pd.DataFrame(
        [[0.25, 0.5, 1.0], [0.125, None, 0.75]],
        index=["Информиране", "Консултиране"],
        columns=["Планиране", "Изпълнение", "Мониторинг"],
    )
    ax = plots.heatmap_matrix(m, lang="bg", digits=2)
    assert sorted(texts_of(ax)) == [
        "0,13",
        "0,25",
        "0,50",
        "0,75",
        "1,00",
    ]  # NA blank; .125 half up
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Информиране", "Консултиране"]
    with pytest.raises(plots.PlotError, match="not numbers"):
        plots.heatmap_matrix(pd.DataFrame({"a": ["x"]}))


def test_paired_change_dumbbell_and_slope():
    d = pd.DataFrame(
        {
            "unit": list("abcde"),
            "before": [1.0, 2.0, 3.0, 4.0, 2.0],
            "after": [2.0, 2.5, 2.0, 4.0, np.nan],
        }
    )
    ax = plots.paired_change(
        d,
        before="before",
        after="after",
        unit="unit",
        labels=("Преди", "След"),
        mean_label="Средна промяна",
        lang="bg",
    )
    # "e" has no after value; the others are sorted by change, largest gain on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "d", "c"]
    assert len(ax.lines) == 4
    # mean change (1 + 0.5 + 0 - 1) / 4 = 0.125, shown rounded half up
    assert "Средна промяна: +0,13" in texts_of(ax)
    with pytest.raises(RuseError, match="fewer than 5 units"):
        plots.paired_change(d, before="before", after="after", kind="slope")
    d5 = pd.DataFrame({"before": [1.0, 2, 3, 4, 5], "after": [2.0, 2, 3, 5, 6]})
    ax = plots.paired_change(d5, before="before", after="after", kind="slope")
    assert len(ax.lines) == 6  # five units + the mean


def test_estimates_with_ci_two_waves():
    f = pd.DataFrame(
        {
            "group": ["Служители", "Служители", "НПО", "НПО", "Граждани", "Граждани"],
            "wave": ["Вълна 1", "Вълна 2"] * 3,
            "estimate": [3.1, 3.5, 2.6, 2.9, 2.4, 2.8],
        }
    )
    f["ci_low"], f["ci_high"] = f["estimate"] - 0.3, f["estimate"] + 0.2
    ax = plots.estimates_with_ci(f, wave="wave", lang="bg")
    assert len(ax.containers) == 2  # one errorbar set per wave
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Вълна 1", "Вълна 2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Служители", "НПО", "Граждани"]
    assert "3,50" in " ".join(texts_of(ax))
    bad = f.assign(ci_low=f["estimate"] + 1)
    with pytest.raises(plots.PlotError, match="ci_low <= estimate <= ci_high"):
        plots.estimates_with_ci(bad)


def test_importance_performance_labels_and_quadrants():
    f = pd.DataFrame(
        {
            "label": ["Достъп", "Срокове", "Учтивост"],
            "importance": [4.5, 4.0, 3.0],
            "performance": [2.5, 4.0, 4.2],
        }
    )
    quads = ["Съсредоточете", "Поддържайте", "Нисък", "Прекомерно"]
    ax = plots.importance_performance(f, quadrant_labels=quads)
    assert sorted(texts_of(ax)) == sorted(["Достъп", "Срокове", "Учтивост", *quads])
    # cross-hairs at the means (importance 3.8333, performance 3.5667)
    assert ax.lines[0].get_xdata()[0] == pytest.approx(np.mean([2.5, 4.0, 4.2]))
    assert ax.lines[1].get_ydata()[0] == pytest.approx(np.mean([4.5, 4.0, 3.0]))
    with pytest.raises(plots.PlotError, match="needs 4 texts"):
        plots.importance_performance(f, quadrant_labels=["a"])


def test_tornado_sorted_by_swing():
    f = pd.DataFrame(
        {
            "variable": ["тегло А", "тегло Б", "праг"],
            "low": [0.48, 0.40, 0.45],
            "high": [0.52, 0.65, 0.58],
        }
    )
    ax = plots.tornado(f, base=0.5, lang="bg")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["тегло Б", "праг", "тегло А"]
    assert len(ax.patches) == 6
    assert "0,65" in texts_of(ax)
    # base from a column, as participation.weight_tornado returns it
    ax = plots.tornado(f.assign(base=0.5), base="base")
    assert ax.lines[0].get_xdata()[0] == pytest.approx(0.5)
    with pytest.raises(plots.PlotError, match="one base value"):
        plots.tornado(f.assign(base=[0.5, 0.6, 0.5]), base="base")


def test_rank_stability_shares():
    # a: ranks 1,1,1,2 -> 75% / 25%; b: 2,2,2,1 -> 25% / 75%
    draws = pd.DataFrame({"unit": ["Русе", "Бяла"] * 4, "rank": [1, 2, 1, 2, 1, 2, 2, 1]})
    ax = plots.rank_stability(draws)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Русе", "Бяла"]
    assert sorted(texts_of(ax)) == ["25%", "25%", "75%", "75%"]
    summary = pd.DataFrame({"unit": ["x", "x"], "rank": [1, 2], "share": [1.0, 0.0]})
    ax = plots.rank_stability(summary, share="share")
    assert texts_of(ax) == ["100%"]  # never-reached ranks are left blank


def test_bar_with_ci_counts_bars_and_whiskers():
    f = pd.DataFrame(
        {"g": ["а", "б", "в"], "p": [0.2, 0.5, 0.7], "lo": [0.1, 0.4, 0.6], "hi": [0.3, 0.6, 0.8]}
    )
    ax = plots.bar_with_ci(f, x="g", y="p", low="lo", high="hi", percent=True, lang="bg")
    assert len(ax.patches) == 3
    bars = [c for c in ax.containers if isinstance(c, matplotlib.container.BarContainer)]
    assert len(bars) == 1 and bars[0].errorbar is not None  # whiskers drawn with the bars
    assert sorted(texts_of(ax)) == ["20%", "50%", "70%"]
    ax = plots.bar_with_ci(f, x="g", y="p", horizontal=True)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["а", "б", "в"]
    with pytest.raises(plots.PlotError, match="both low= and high="):
        plots.bar_with_ci(f, x="g", y="p", low="lo")


def test_status_timeline_cells_symbols_and_colours():
    f = pd.DataFrame(
        {
            "indicator": ["Достъп", "Достъп", "Срокове"],
            "period": ["2019-Q4", "2020-Q1", "2020-Q1"],
            "status": ["on_track", "off_track", "at_risk"],
        }
    )
    labels = {k: report.texts("common", "bg")(f"status_{k}") for k in plots.STATUS_ORDER}
    ax = plots.status_timeline(f, status_labels=labels)
    assert len(ax.patches) == 4  # 2 indicators x 2 periods, the missing one as "no data"
    assert sorted(texts_of(ax)) == sorted(["✓", "✗", "!", "–"])
    colours = sorted(matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in ax.patches)
    assert colours == sorted(plots.STATUS_COLOURS[k] for k in plots.STATUS_ORDER)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["✓ В срок", "! Под риск", "✗ Изоставане", "– Няма данни"]
    with pytest.raises(plots.PlotError, match="unknown status"):
        plots.status_timeline(f.assign(status="green"))
    assert plots.status_colour("off_track") == "#D55E00"


def test_palettes_are_colour_blind_safe_choices():
    colours = plots.diverging_palette(5)
    assert len(set(colours)) == 5 and colours[2] == plots.NEUTRAL_COLOUR
    assert plots.diverging_palette(4)[0] != plots.diverging_palette(4)[-1]
    with pytest.raises(plots.PlotError):
        plots.diverging_palette(1)


def test_missing_columns_are_named():
    with pytest.raises(plots.PlotError, match=r"columns not in data: \['estimate'\]"):
        plots.bar_with_ci(pd.DataFrame({"g": ["a"]}), x="g", y="estimate")


# ============================================================ glyphs and determinism
BUILDERS = {
    "likert": lambda: plots.likert_bars(
        likert_frame(),
        lang="bg",
        title="Нагласи към участието",
        xlabel="% от отговорилите по същество",
        dont_know_title="Не мога да преценя",
    ),
    "heatmap": lambda: plots.heatmap_matrix(
        pd.DataFrame(
            [[0.2, 0.4], [0.6, 0.8]],
            index=["Информиране", "Партньорство"],
            columns=["Планиране", "Изпълнение"],
        ),
        lang="bg",
        cbar_label="Покритие",
    ),
    "paired": lambda: plots.paired_change(
        pd.DataFrame({"u": ["Достъп", "Срокове"], "a": [2.0, 3.0], "b": [3.0, 2.5]}),
        before="a",
        after="b",
        unit="u",
        labels=("Преди", "След"),
        mean_label="Средна промяна",
    ),
    "estimates": lambda: plots.estimates_with_ci(
        pd.DataFrame(
            {
                "group": ["Служители", "Граждани"],
                "estimate": [3.0, 2.0],
                "ci_low": [2.5, 1.5],
                "ci_high": [3.5, 2.5],
            }
        ),
        xlabel="Средна стойност",
    ),
    "ipa": lambda: plots.importance_performance(
        pd.DataFrame(
            {"label": ["Достъп", "Срокове"], "importance": [4.0, 3.0], "performance": [3.0, 4.0]}
        ),
        quadrant_labels=["Съсредоточете", "Поддържайте", "Нисък приоритет", "Прекомерно"],
        xlabel="Изпълнение",
        ylabel="Значимост",
    ),
    "tornado": lambda: plots.tornado(
        pd.DataFrame({"variable": ["тегло", "праг"], "low": [0.4, 0.45], "high": [0.6, 0.5]}),
        low_label="Ниска",
        high_label="Висока",
        xlabel="Обща оценка",
    ),
    "rank": lambda: plots.rank_stability(
        pd.DataFrame({"unit": ["Русе", "Бяла"] * 2, "rank": [1, 2, 2, 1]}), xlabel="Място"
    ),
    "bar": lambda: plots.bar_with_ci(
        pd.DataFrame(
            {"g": ["Служители", "НПО"], "v": [0.4, 0.6], "lo": [0.3, 0.5], "hi": [0.5, 0.7]}
        ),
        x="g",
        y="v",
        low="lo",
        high="hi",
        percent=True,
        ylabel="Дял",
    ),
    "status": lambda: plots.status_timeline(
        pd.DataFrame({"indicator": ["Прозрачност"], "period": ["2020-Q1"], "status": ["at_risk"]}),
        status_labels={"at_risk": "Под риск"},
        legend_title="Състояние",
    ),
}


@functools.cache
def first_render(kind: str) -> tuple[bytes, bytes, tuple[str, ...]]:
    """``(png, svg, glyph warnings)`` of the first rendering of ``BUILDERS[kind]`` in this process.

    The glyph test reads its warnings and the byte-identity test compares a second rendering
    with it, so each figure is built and rendered twice, not three times.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png, svg = report.figure_bytes(BUILDERS[kind]())
    plt.close("all")
    return png, svg, tuple(str(w.message) for w in caught if "Glyph" in str(w.message))


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_cyrillic_renders_without_missing_glyphs(kind):
    assert first_render(kind)[2] == ()


def test_the_glyph_check_can_fail():
    """Positive control: a CJK character DejaVu Sans lacks does raise a Glyph warning."""
    with plots.style():
        fig, ax = plt.subplots()
        ax.set_title("漢字")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.figure_bytes(fig)
    assert any("Glyph" in str(w.message) for w in caught)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_same_figure_gives_identical_svg_and_png_bytes(kind):
    png_1, svg_1, _ = first_render(kind)  # built, rendered and closed before
    png_2, svg_2 = report.figure_bytes(BUILDERS[kind]())
    assert svg_1 == svg_2
    assert png_1 == png_2
    assert b"<dc:date>" not in svg_1


def test_default_labels_come_from_the_common_catalog_in_the_language():
    fig = plots.likert_bars(likert_frame(), lang="bg")
    assert fig.axes[0].get_xlabel() == "% от отговорилите по същество"
    assert fig.axes[1].get_title() == "Не мога да преценя"
    d = pd.DataFrame({"u": list("abcde"), "x": [1.0, 2, 3, 4, 5], "y": [2.0, 2, 3, 5, 6]})
    ax = plots.paired_change(d, before="x", after="y", kind="slope", lang="bg")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Преди", "След"]
    assert any(t.startswith("Средна промяна: +") for t in texts_of(ax))
    f = pd.DataFrame({"variable": ["а"], "low": [0.4], "high": [0.6]})
    legend = plots.tornado(f, base=0.5, lang="bg").get_legend().get_texts()
    assert [t.get_text() for t in legend] == ["Ниска стойност", "Висока стойност"]
    s = pd.DataFrame({"indicator": ["A"], "period": ["Q1"], "status": ["on_track"]})
    legend = plots.status_timeline(s, lang="en").get_legend().get_texts()
    assert [t.get_text() for t in legend] == ["✓ On track"]
