"""The staff attitude study (questionnaire A): its pipeline, from the export to the findings' values.

``notebooks/01_staff_attitudes.ipynb``, ``tests/test_staff_study.py`` and ``bench/recovery.py`` all
call these functions, so what is tested and benchmarked is what the report shows. Each step
returns a tidy DataFrame or a small frozen result; the labelled, translated tables the report
displays are built from them by :mod:`ruse_research.studies.staff_tables`.

Steps: :func:`load` (the export, read twice: "don't know" as missing for the statistics and kept
for the plots), :func:`sample_tables` (who answered, small cells suppressed),
:func:`reliability` (alpha, omega and item statistics of every construct), :func:`scored`
(scale scores beside the labelled grouping variables), :func:`group_comparisons` (Kruskal-Wallis
with Holm, pairwise Mann-Whitney where significant, group means), :func:`training` (the paired
before/after of the communication training), :func:`practice` (the levels x stages practice grid
and its correlation with the attitudes) and :func:`findings` (the values the findings quote).

Examples
--------
>>> data = load("data/raw/staff.csv")
>>> len(data.answers), data.answers_dk.shape == data.answers.shape
(98, True)
>>> ATTITUDE_SCALES[0], LEVELS[-1], STAGES[0]
('att_participation', 'partner', 'agenda')
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ruse_research.data import codebook, io, profile
from ruse_research.stats import compare, differencing, disclosure, paired, scales

__all__ = [
    "ATTITUDE_SCALES",
    "BACKGROUND",
    "COMPARED_SCALES",
    "GROUP_VARS",
    "LEVELS",
    "STAGES",
    "GroupComparisons",
    "Practice",
    "Sample",
    "StaffData",
    "StaffFindings",
    "Training",
    "findings",
    "from_answers",
    "group_comparisons",
    "load",
    "practice",
    "practice_items",
    "reliability",
    "sample_tables",
    "scale_means",
    "scored",
    "training",
]

#: The attitude scales correlated with practice and compared between groups.
ATTITUDE_SCALES = ("att_participation", "trust_citizens", "psm", "org_enablers")
#: Every scale compared between staff groups.
COMPARED_SCALES = (*ATTITUDE_SCALES, "practice", "admin_image")
#: The default grouping variables (the notebook's ``group_vars`` parameter).
GROUP_VARS = ("unit", "position", "tenure", "public_contact")
#: Background questions of the sample tables.
BACKGROUND = ("unit", "position", "tenure", "public_contact")
#: Council of Europe Code of Good Practice: levels x stages of the practice grid.
LEVELS = ("info", "consult", "dialogue", "partner")
STAGES = ("agenda", "draft", "decision", "implement", "monitor")
#: Code of the ``trained`` item that means "took part in the training".
TRAINED_YES = 1


@dataclass(frozen=True)
class StaffData:
    """The staff export read against its codebook.

    ``answers`` has "don't know" as ``<NA>`` (for the statistics), ``answers_dk`` keeps its code
    (for the item plots, which show "don't know" apart); ``keys`` are the constructs' items,
    reverse keys and bounds; ``path`` is the file read (``None`` for frames made in memory).
    """

    book: codebook.Codebook
    answers: pd.DataFrame
    answers_dk: pd.DataFrame
    keys: scales.ScaleKeys
    path: Path | None = None


def load(path: str | os.PathLike[str] = "data/raw/staff.csv") -> StaffData:
    """Read the staff export (any supported format) with the ``staff`` codebook.

    Examples
    --------
    >>> data = load()
    >>> sorted(data.keys.items)[:2]
    ['admin_image', 'att_participation']
    """
    book = codebook.load_codebook("staff")
    file = profile.resolve(path)
    answers = io.read_survey(file, book)
    answers_dk = io.read_survey(file, book, dont_know="keep")
    return StaffData(book, answers, answers_dk, scales.codebook_keys(book), file)


def from_answers(answers: pd.DataFrame, book: codebook.Codebook | None = None) -> StaffData:
    """A :class:`StaffData` from an already typed frame (``io.read_survey`` types, "don't know"
    as ``<NA>``), for simulations that generate data in memory; ``answers_dk`` is ``answers``.

    Examples
    --------
    >>> d = from_answers(load().answers)
    >>> d.answers_dk is d.answers
    True
    """
    book = codebook.load_codebook("staff") if book is None else book
    return StaffData(book, answers, answers, scales.codebook_keys(book))


# --------------------------------------------------------------------------- sample


@dataclass(frozen=True)
class Sample:
    """Who answered: ``n`` respondents, the unit x position crosstab and the one-way counts of
    tenure and contact with the public (small cells suppressed in both; labels in ``lang``)."""

    n: int
    by_unit: pd.DataFrame
    one_way: pd.DataFrame


def sample_tables(data: StaffData, lang: str = "en") -> Sample:
    """The sample tables; "no answer" is left out, so non-answers cannot be combined across tables.

    ``one_way`` has columns ``variable, category, n, suppressed`` (``variable`` is the item id).

    Examples
    --------
    >>> s = sample_tables(load())
    >>> s.n, list(s.one_way.columns)
    (98, ['variable', 'category', 'n', 'suppressed'])
    """
    background = data.book.labelled(data.answers[list(BACKGROUND)], lang)
    by_unit = disclosure.suppress(pd.crosstab(background["unit"], background["position"]))
    one_way = pd.concat(
        [background[v].value_counts(sort=False).rename_axis("category").reset_index(name="n")
         .assign(variable=v) for v in ("tenure", "public_contact")],
        ignore_index=True,
    )[["variable", "category", "n"]]
    one_way = disclosure.suppress(one_way, count_columns="n", group_columns=["variable", "category"])
    return Sample(len(data.answers), by_unit, one_way)


# --------------------------------------------------------------------------- reliability


def reliability(data: StaffData, ci: float = 0.95, missing: str = "pairwise") -> scales.Reliability:
    """Alpha (with its CI), standardised alpha, omega and item statistics of every construct.

    The negative-item warning is silenced: a negative item shows in ``items["negative"]`` and the
    report names it in its own language.

    Examples
    --------
    >>> rel = reliability(load())
    >>> bool((rel.summary["alpha"] > 0.7).all())
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scales.NegativeItemWarning)
        return scales.reliability(data.answers, **data.keys.kwargs(), ci=ci, missing=missing)


# --------------------------------------------------------------------------- scores


def scored(data: StaffData, group_vars: Sequence[str] = GROUP_VARS, lang: str = "en") -> pd.DataFrame:
    """Scale scores (mean of the answered items, at least half answered) beside the grouping
    variables labelled in ``lang``.

    Examples
    --------
    >>> s = scored(load())
    >>> list(s.columns[:4]), "comm_pre" in s
    (['unit', 'position', 'tenure', 'public_contact'], True)
    """
    scores = scales.score(data.answers, **data.keys.kwargs())
    return pd.concat([data.book.labelled(data.answers[list(group_vars)], lang), scores], axis=1)


def scale_means(scored_frame: pd.DataFrame, columns: Sequence[str], ci: float = 0.95) -> pd.DataFrame:
    """Mean, t CI and n of scale scores over all staff (``compare.means``).

    Examples
    --------
    >>> m = scale_means(scored(load()), ["admin_image"])
    >>> list(m["column"])
    ['admin_image']
    """
    return compare.means(scored_frame, list(columns), ci=ci)


@dataclass(frozen=True)
class GroupComparisons:
    """Kruskal-Wallis tests of every scale by every grouping (``tests``, Holm-adjusted), the
    pairwise Mann-Whitney tests of the significant ones (``pairs``, empty when none) and the
    group means with small groups suppressed (``means``)."""

    tests: pd.DataFrame
    pairs: pd.DataFrame
    means: pd.DataFrame
    alpha: float

    @property
    def significant(self) -> pd.DataFrame:
        """The tests whose Holm-adjusted p is below ``alpha``."""
        return self.tests[self.tests["p_adj"] < self.alpha]


def group_comparisons(
    scored_frame: pd.DataFrame,
    group_vars: Sequence[str] = GROUP_VARS,
    dvs: Sequence[str] = COMPARED_SCALES,
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = 20190118,
    alpha: float = 0.05,
) -> GroupComparisons:
    """Rank-based group comparisons of the scale scores, groups below ``disclosure.MIN_CELL`` left out.

    Examples
    --------
    >>> g = group_comparisons(scored(load()), ["position"], ["psm"], n_boot=50)
    >>> len(g.tests), list(g.means["by"].unique())
    (1, ['position'])
    """
    group_vars, dvs = list(group_vars), list(dvs)
    tests = compare.rank_tests(scored_frame, dvs, group_vars, ci=ci, n_boot=n_boot, seed=seed,
                               min_group_size=disclosure.MIN_CELL)
    significant = tests[tests["p_adj"] < alpha]
    if len(significant):
        pairs = pd.concat([compare.pairwise_mann_whitney(scored_frame, row.dv, row.between, ci=ci,
                                                         min_group_size=disclosure.MIN_CELL)
                           for row in significant.itertuples()], ignore_index=True)
    else:
        pairs = pd.DataFrame(columns=["dv", "between", "group_1", "group_2", "n_1", "n_2", "U",
                                      "p", "p_adj", "r_rb", "ci_low", "ci_high"])
    means = pd.concat([compare.group_means(scored_frame, dv, g, ci=ci) for dv in dvs for g in group_vars],
                      ignore_index=True)
    means = disclosure.suppress(means, count_columns="n", group_columns=["dv", "by", "group"],
                                stat_columns=["mean", "sd", "se", "ci_low", "ci_high", "median"])
    # Across the tables: the test by position analyses 97 staff, by unit 95 -> 2 people
    # without a (shown) unit; such counts, and means that would recombine, are hidden.
    register = differencing.Register()
    tests = differencing.register_frame(tests, "group_tests", {"column": "dv"},
                                        register=register)
    means = differencing.register_frame(
        means, "group_means", {"column": "dv"}, breakdown=("by", "group"),
        stat_columns=["mean", "sd", "se", "ci_low", "ci_high", "median"], register=register,
    )
    return GroupComparisons(tests, pairs, means, alpha)


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Training:
    """The communication training's before/after among the trained staff: the scored rows of
    the trained (``trained``), the Wilcoxon signed-rank test and the paired t test."""

    trained: pd.DataFrame
    wilcoxon: pd.DataFrame
    paired: pd.DataFrame


def training(data: StaffData, scored_frame: pd.DataFrame, ci: float = 0.95) -> Training:
    """Paired comparison of the ``comm_pre`` and ``comm_post`` scores of the trained staff.

    Examples
    --------
    >>> data = load()
    >>> tr = training(data, scored(data))
    >>> int(tr.paired["n"].iloc[0]) == int(tr.wilcoxon["n"].iloc[0])
    True
    """
    trained = scored_frame[data.answers["trained"] == TRAINED_YES]
    return Training(
        trained,
        paired.wilcoxon_paired(trained, "comm_pre", "comm_post", ci=ci),
        paired.paired_t(trained, "comm_pre", "comm_post", ci=ci),
    )


# --------------------------------------------------------------------------- practice


@dataclass(frozen=True)
class Practice:
    """The practice grid (``cells``: one row per level x stage item with ``column, n, mean,
    ci_low, ci_high, level, stage``; ``grid``: levels x stages of means) and the Spearman
    correlations of the attitude scales with the practice score (``correlations``, Holm)."""

    cells: pd.DataFrame
    grid: pd.DataFrame
    correlations: pd.DataFrame


def practice_items() -> list[str]:
    """Column names of the practice grid, level by level.

    Examples
    --------
    >>> practice_items()[:2]
    ['prac_info_agenda', 'prac_info_draft']
    """
    return [f"prac_{lv}_{st}" for lv in LEVELS for st in STAGES]


def practice(data: StaffData, scored_frame: pd.DataFrame, ci: float = 0.95,
             attitude_scales: Sequence[str] = ATTITUDE_SCALES) -> Practice:
    """Item means of the practice grid and the attitude-practice correlations.

    Examples
    --------
    >>> data = load()
    >>> p = practice(data, scored(data))
    >>> p.grid.shape, list(p.correlations["x"])[:1]
    ((4, 5), ['att_participation'])
    """
    cells = compare.means(data.answers, practice_items(), ci=ci)
    cells[["level", "stage"]] = cells["column"].str.split("_", expand=True)[[1, 2]]
    grid = cells.pivot(index="level", columns="stage", values="mean").loc[list(LEVELS), list(STAGES)]
    correlations = compare.spearman(scored_frame, list(attitude_scales), "practice", ci=ci)
    return Practice(cells, grid, correlations)


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class StaffFindings:
    """The values the findings quote (every number of the findings comes from a result).

    ``training`` and ``ranks`` are the paired t and Wilcoxon rows; ``link`` the correlation of
    ``att_participation`` with practice and ``link_direction`` ``positive``, ``negative`` or
    ``none`` (its CI excludes 0 above, below, or not); ``largest`` the test with the largest
    epsilon squared, ``n_tests`` and ``n_significant`` the numbers of tests and of tests below
    alpha after Holm; ``top``/``bottom`` the most and least practised grid cells; the alpha and
    omega ranges over ``n_scales`` scales.
    """

    training: pd.Series
    ranks: pd.Series
    link: pd.Series
    link_direction: str
    largest: pd.Series
    n_tests: int
    n_significant: int
    top: pd.Series
    bottom: pd.Series
    n_scales: int
    alpha_min: float
    alpha_max: float
    omega_min: float
    omega_max: float
    #: the reliability row of the scale with the lowest alpha (its n and the CI of alpha)
    lowest: pd.Series | None = None


def findings(rel: scales.Reliability, groups: GroupComparisons, train: Training,
             prac: Practice) -> StaffFindings:
    """Collect the values of the findings from the results.

    Examples
    --------
    >>> data = load()
    >>> s = scored(data)
    >>> f = findings(reliability(data), group_comparisons(s, ["position"], ["psm"], n_boot=50),
    ...              training(data, s), practice(data, s))
    >>> f.link_direction, f.n_tests
    ('positive', 1)
    """
    link = prac.correlations.set_index("x").loc["att_participation"]
    direction = "positive" if link["ci_low"] > 0 else "negative" if link["ci_high"] < 0 else "none"
    tests = groups.tests
    cells = prac.cells
    summary = rel.summary
    return StaffFindings(
        training=train.paired.iloc[0],
        ranks=train.wilcoxon.iloc[0],
        link=link,
        link_direction=direction,
        largest=tests.sort_values("epsilon_sq", ascending=False).iloc[0],
        n_tests=len(tests),
        n_significant=int((tests["p_adj"] < groups.alpha).sum()),
        top=cells.loc[cells["mean"].idxmax()],
        bottom=cells.loc[cells["mean"].idxmin()],
        n_scales=len(summary),
        alpha_min=float(summary["alpha"].min()),
        alpha_max=float(summary["alpha"].max()),
        omega_min=float(summary["omega_total"].min()),
        omega_max=float(summary["omega_total"].max()),
        lowest=summary.loc[summary["alpha"].idxmin()],
    )
