"""The participation-model study (questionnaire C): its pipeline, from the inputs to the findings' values.

``notebooks/03_participation_model.ipynb`` and the tests call these functions; the labelled,
translated tables the report shows are built from their results by
:mod:`ruse_research.studies.participation_tables`. The steps compose three domain modules,
whose public functions are re-exported here so callers need one import:

* :mod:`~ruse_research.studies.participation_model` -- the model YAML and coverage of today's
  practice against it;
* :mod:`~ruse_research.studies.participation_panel` -- the panel's criterion means, weights,
  composite scores, agreement and sensitivity (machinery in :mod:`ruse_research.stats.mcda`
  and :mod:`ruse_research.stats.agreement`);
* :mod:`~ruse_research.studies.participation_checklist` -- the good-practice checklist and the
  prioritised recommendations.

Pipeline steps: :func:`load` (the panel, its weights, the staff survey, the model and the
checklist), :func:`coverage_result`, :func:`panel_weights` (overall and, for groups large
enough to publish, by rater group -- the privacy filter), :func:`scores`,
:func:`agreement`, :func:`sensitivity` and :func:`findings`.

Examples
--------
>>> model = load_model()
>>> [lvl["key"] for lvl in model.levels]
['information', 'consultation', 'dialogue', 'partnership']
>>> len(model.mechanisms)
9
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ruse_research.data import io, profile
from ruse_research.stats import disclosure
from ruse_research.stats.differencing import Register
from ruse_research.stats.magnitude import CONVENTIONS, magnitude
from ruse_research.studies.participation_checklist import (
    CHECKLIST_SCORES,
    DEFAULT_CHECKLIST,
    checklist,
    checklist_summary,
    load_checklist,
    recommendations,
)
from ruse_research.studies.participation_model import (
    DEFAULT_MODEL,
    LANGS,
    Model,
    ModelError,
    coverage,
    coverage_gaps,
    coverage_index,
    load_model,
    model_placements,
    practice_matrix,
)
from ruse_research.studies.participation_panel import (
    AGGREGATIONS,
    CRITERION_PREFIX,
    MAX_BAND,
    NORMALISATIONS,
    POINTS_TOTAL,
    WEIGHT_PREFIX,
    composite_scores,
    criterion_means,
    group_weights,
    mean_weights,
    overall_score,
    rank_stability,
    rater_agreement,
    sensitivity_draws,
    sensitivity_indices,
    weight_tornado,
)

__all__ = [
    "AGGREGATIONS",
    "CHECKLIST_SCORES",
    "CRITERION_PREFIX",
    "DEFAULT_CHECKLIST",
    "DEFAULT_MODEL",
    "LANGS",
    "MAX_BAND",
    "NORMALISATIONS",
    "POINTS_TOTAL",
    "WEIGHT_PREFIX",
    "Agreement",
    "CoverageResult",
    "Model",
    "ModelError",
    "PanelWeights",
    "ParticipationData",
    "ParticipationFindings",
    "ICC_BANDS",
    "Scores",
    "Sensitivity",
    "agreement",
    "checklist",
    "checklist_summary",
    "composite_scores",
    "coverage",
    "coverage_gaps",
    "coverage_index",
    "coverage_result",
    "criterion_means",
    "findings",
    "group_weights",
    "load",
    "load_checklist",
    "load_model",
    "mean_weights",
    "model_placements",
    "overall_score",
    "panel_weights",
    "practice_matrix",
    "prioritised",
    "rank_stability",
    "rater_agreement",
    "recommendations",
    "scores",
    "sensitivity",
    "sensitivity_draws",
    "sensitivity_indices",
    "weight_tornado",
]

#: Codes of ``rater_group`` in the panel's weights export.
ADMIN, CIVIL = 1, 2


@dataclass(frozen=True)
class ParticipationData:
    """The study's inputs: the panel's ratings ("cannot judge" as ``<NA>``) and weight
    allocations, the staff survey (its practice grid), the model, the checklist and the data
    files read (for the synthetic-data banner)."""

    panel: pd.DataFrame
    weights: pd.DataFrame
    staff: pd.DataFrame
    model: Model
    checklist: dict
    files: tuple[Path, ...]


def load(
    panel_path: str | os.PathLike[str] = "data/raw/panel.csv",
    panel_weights_path: str | os.PathLike[str] = "data/raw/panel_weights.csv",
    staff_path: str | os.PathLike[str] = "data/raw/staff.csv",
    model_file: str | os.PathLike[str] = DEFAULT_MODEL,
    checklist_file: str | os.PathLike[str] = DEFAULT_CHECKLIST,
) -> ParticipationData:
    """Read the three exports against their codebooks and the two model files.

    Examples
    --------
    >>> d = load()
    >>> int(d.panel["rater_id"].nunique()) == len(d.weights), len(d.files)
    (True, 3)
    """
    files = tuple(profile.resolve(p) for p in (panel_path, panel_weights_path, staff_path))
    return ParticipationData(
        panel=io.read_survey(files[0], "panel"),
        weights=io.read_survey(files[1], "panel_weights"),
        staff=io.read_survey(files[2], "staff"),
        model=load_model(model_file),
        checklist=load_checklist(checklist_file),
        files=files,
    )


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of the model by today's practice: ``cells`` (:func:`coverage`), ``gaps``,
    the per-stage ``index`` frame and the two coverage indices, and the staff's ``n_staff``."""

    cells: pd.DataFrame
    gaps: pd.DataFrame
    index: pd.DataFrame
    target_index: float
    practice_index: float
    n_staff: int
    min_share: float


def coverage_result(data: ParticipationData, lang: str = "en") -> CoverageResult:
    """Today's practice (the staff's practice grid) against the model's target cells.

    Examples
    --------
    >>> c = coverage_result(load())
    >>> round(c.target_index, 4), int(c.cells["target"].sum()) >= len(c.gaps)
    (0.9167, True)
    """
    cov = coverage(data.model, data.staff, lang)
    index = coverage_index(cov)
    return CoverageResult(
        cells=cov,
        gaps=coverage_gaps(cov),
        index=index,
        target_index=index.attrs["index"]["target"],
        practice_index=index.attrs["index"]["practice"],
        n_staff=len(data.staff),
        min_share=data.model.practice_map["min_share"],
    )


@dataclass(frozen=True)
class PanelWeights:
    """The panel and its weights: ``overall`` (:func:`mean_weights`), ``by_group`` (only the
    rater groups with at least ``disclosure.MIN_CELL`` raters -- smaller groups are not
    published, nor a group whose means the others and the overall means would give), the
    number of raters overall and in each group (``None`` when one group has fewer than
    ``disclosure.MIN_CELL``: say them with ``Catalog.count``), and of rated mechanisms."""

    overall: pd.DataFrame
    by_group: pd.DataFrame
    n_raters: int
    n_admin: int | None
    n_civil: int | None
    n_mechanisms: int
    min_raters: int


def panel_weights(data: ParticipationData) -> PanelWeights:
    """Mean criterion weights overall and by rater group (privacy-filtered).

    Examples
    --------
    >>> w = panel_weights(load())
    >>> bool((w.by_group.groupby("rater_group")["n_raters"].first() >= w.min_raters).all())
    True
    """
    groups = data.weights["rater_group"].value_counts().sort_index()
    by_group = group_weights(data.weights, data.model, by="rater_group",
                             min_raters=disclosure.MIN_CELL)
    # Across the tables: the overall means and the shown groups' means must not recombine to
    # a hidden group of fewer than 5 (overall minus administration = the 2 civil raters).
    register = Register()
    register.register("panel_weights", "panel raters", {}, len(data.weights))
    shown = [g for g, part in by_group.groupby("rater_group", sort=True)
             if register.register("panel_weights", "panel raters", {"rater_group": g},
                                  int(part["n_raters"].iloc[0]))]
    by_group = by_group[by_group["rater_group"].isin(shown)]
    n_admin, n_civil = int(groups.get(ADMIN, 0)), int(groups.get(CIVIL, 0))
    if 0 < min(n_admin, n_civil) < disclosure.MIN_CELL:  # the other is the total minus it
        n_admin = n_civil = None
    return PanelWeights(
        overall=mean_weights(data.weights, data.model),
        by_group=by_group,
        n_raters=int(data.panel["rater_id"].nunique()),
        n_admin=n_admin,
        n_civil=n_civil,
        n_mechanisms=int(data.panel["mechanism"].nunique()),
        min_raters=disclosure.MIN_CELL,
    )


@dataclass(frozen=True)
class Scores:
    """Composite score and rank of every mechanism (``table``) and the overall score with its
    rater-bootstrap CI (``overall``: ``score, ci_low, ci_high, n_raters, n_mechanisms, n_boot``)."""

    table: pd.DataFrame
    overall: pd.Series


def scores(data: ParticipationData, n_boot: int = 2000, seed: int = 20190118, lang: str = "en") -> Scores:
    """Composite scores (band normalisation, arithmetic weighting) and the overall score.

    Examples
    --------
    >>> s = scores(load(), n_boot=100)
    >>> list(s.table["rank"])[:1], bool(s.overall["ci_low"] < s.overall["score"] < s.overall["ci_high"])
    ([1], True)
    """
    return Scores(
        table=composite_scores(data.panel, data.weights, data.model, lang=lang),
        overall=overall_score(data.panel, data.weights, data.model, n_boot=n_boot, seed=seed).iloc[0],
    )


@dataclass(frozen=True)
class Agreement:
    """ICC2 and ICC2k per criterion and for the criterion mean (``table``); ``icc2``,
    ``icc2k`` and its CI are the criterion mean's."""

    table: pd.DataFrame
    icc2: float
    icc2k: float
    icc2k_low: float
    icc2k_high: float


def agreement(data: ParticipationData) -> Agreement:
    """Inter-rater agreement on the mechanisms.

    Examples
    --------
    >>> a = agreement(load())
    >>> a.table["scope"].iloc[-1], bool(a.icc2k >= a.icc2)
    ('mean', True)
    """
    table = rater_agreement(data.panel, data.model)
    mean = table[table["scope"] == "mean"].set_index("shrout_fleiss")
    return Agreement(table, float(mean.loc["ICC2", "icc"]), float(mean.loc["ICC2k", "icc"]),
                     float(mean.loc["ICC2k", "ci_low"]), float(mean.loc["ICC2k", "ci_high"]))


@dataclass(frozen=True)
class Sensitivity:
    """The Monte Carlo ``draws``, the ``stability`` of each baseline rank, the first-order
    ``indices`` of the inputs and the one-at-a-time weight ``tornado``."""

    draws: pd.DataFrame
    stability: pd.DataFrame
    indices: pd.DataFrame
    tornado: pd.DataFrame
    concentration: float


def sensitivity(
    data: ParticipationData,
    baseline: Scores,
    n_draws: int = 1000,
    seed: int = 20190118,
    concentration: float | None = None,
    n_bins: int = 10,
    change: float = 0.5,
    lang: str = "en",
) -> Sensitivity:
    """How robust the ranking is to the weights, normalisation and aggregation.

    Examples
    --------
    >>> d = load()
    >>> s = sensitivity(d, scores(d, n_boot=50), n_draws=100)
    >>> len(s.draws) == 100 * len(s.stability), s.tornado["swing"].is_monotonic_decreasing
    (True, True)
    """
    draws = sensitivity_draws(data.panel, data.weights, data.model, n_draws=n_draws, seed=seed,
                              concentration=concentration)
    return Sensitivity(
        draws=draws,
        stability=rank_stability(draws, baseline.table, lang, data.model),
        indices=sensitivity_indices(draws, data.model, n_bins=n_bins),
        tornado=weight_tornado(data.panel, data.weights, data.model, change=change, lang=lang),
        concentration=float(draws.attrs["concentration"]),
    )


def prioritised(data: ParticipationData, cov: CoverageResult, lang: str = "en") -> pd.DataFrame:
    """The prioritised recommendations from the coverage gaps and the checklist.

    Examples
    --------
    >>> d = load()
    >>> prioritised(d, coverage_result(d))["rank"].iloc[0]
    np.int64(1)
    """
    return recommendations(data.model, cov.cells, criterion_means(data.panel, data.model),
                           data.checklist, lang)


#: Koo & Li (2016) bands, best first (thresholds from their one home, stats.magnitude).
ICC_BANDS = tuple(zip((*reversed(CONVENTIONS["icc"].thresholds), float("-inf")),
                      reversed(CONVENTIONS["icc"].labels), strict=True))


@dataclass(frozen=True)
class ParticipationFindings:
    """The values the findings quote: the two best mechanisms (``top``, ``second``) and the
    share of draws in which the best keeps its rank; the two heaviest criteria (rows of the
    overall weights); the accountability points of the civil-society and administration raters
    (``None`` when either group is too small to publish); the panel's ICC2k and its band (Koo &
    Li 2016); and
    the first recommendation."""

    top: pd.Series
    second: pd.Series
    top_keeps_rank: float
    heaviest: tuple[pd.Series, pd.Series]
    accountability_civil: float | None
    accountability_admin: float | None
    icc2k: float
    icc_band: str
    first_recommendation: str


def findings(weights: PanelWeights, score: Scores, agree: Agreement, sens: Sensitivity,
             rec: pd.DataFrame) -> ParticipationFindings:
    """Collect the findings' values from the results.

    Examples
    --------
    >>> band_of = lambda icc: next(b for cut, b in ICC_BANDS if icc > cut)
    >>> band_of(0.8), band_of(0.2)
    ('good', 'poor')
    """
    heaviest = weights.overall.sort_values("weight", ascending=False).iloc[:2]
    by = weights.by_group
    acc = by[by["criterion"] == "accountability"].set_index("rater_group")["mean_points"]
    both = {ADMIN, CIVIL} <= set(acc.index)
    top = score.table.iloc[0]
    return ParticipationFindings(
        top=top,
        second=score.table.iloc[1],
        top_keeps_rank=float(sens.stability.set_index("mechanism").loc[top["mechanism"], "share_same_rank"]),
        heaviest=(heaviest.iloc[0], heaviest.iloc[1]),
        accountability_civil=float(acc[CIVIL]) if both else None,
        accountability_admin=float(acc[ADMIN]) if both else None,
        icc2k=agree.icc2k,
        icc_band=magnitude("icc", agree.icc2k),
        first_recommendation=str(rec.iloc[0]["recommendation"]),
    )
