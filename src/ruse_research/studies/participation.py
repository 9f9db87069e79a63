"""The participation model: coverage, composite scoring, agreement and sensitivity.

The model lives in data, not code (``data/model/participation_model.yaml``): the mechanisms a
regional administration can use, each placed on the Council of Europe levels (information,
consultation, dialogue, partnership) by decision stage, with an IAP2-style depth. An expert
panel (``data/codebooks/panel.yaml``) rates every mechanism against five criteria on the CAF
2020 bands 0-5 and allocates 100 points of weight over the criteria
(``data/codebooks/panel_weights.yaml``).

Composite indicators follow the JRC/OECD ten-step practice (Nardo et al. 2008, *Handbook on
Constructing Composite Indicators*, OECD/JRC): normalise, weight, aggregate, then test how
robust the ranking is to those choices by Monte Carlo.

Normalisations (per criterion, across mechanisms):

* ``band``: ``100 * x / 5``, the CAF band as a share of the top band (0-100);
* ``minmax``: ``1 + 99 * (x - min) / (max - min)``, COINr's ``n_minmax(1, 100)``;
* ``zscore``: ``10 + 2 * (x - mean) / sd`` (sample sd), COINr's ``n_zscore(10, 2)``.

The last two follow the COINr sensitivity vignette, whose positive ranges keep geometric
aggregation defined. Aggregations (weights sum to 1): ``arithmetic`` ``sum_k w_k x_k`` and
``geometric`` ``prod_k x_k ** w_k``.

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
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pingouin as pg
import yaml
from scipy.stats import rankdata

from ruse_research import paths
from ruse_research.errors import DataError, Problem, RuseError

__all__ = [
    "AGGREGATIONS",
    "NORMALISATIONS",
    "Model",
    "ModelError",
    "aggregate",
    "checklist",
    "checklist_summary",
    "composite_scores",
    "coverage",
    "coverage_gaps",
    "coverage_index",
    "criterion_means",
    "icc",
    "load_checklist",
    "load_model",
    "mean_weights",
    "model_placements",
    "normalise",
    "overall_score",
    "practice_matrix",
    "rank_stability",
    "rater_agreement",
    "recommendations",
    "sensitivity_draws",
    "sensitivity_indices",
    "weight_tornado",
]

NORMALISATIONS = ("band", "minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")
MAX_BAND = 5
CRITERION_PREFIX = "crit_"
WEIGHT_PREFIX = "w_"
POINTS_TOTAL = 100
CHECKLIST_SCORES = {"met": 1.0, "partly": 0.5, "not_met": 0.0}
DEFAULT_MODEL = "data/model/participation_model.yaml"
DEFAULT_CHECKLIST = "data/model/good_practice.yaml"
LANGS = ("bg", "en")


class ModelError(RuseError):
    """The participation model or good-practice checklist YAML is malformed."""


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Model:
    """The participation model read from YAML (see :func:`load_model`)."""

    title: dict[str, str]
    levels: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    depths: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    mechanisms: list[dict[str, Any]]
    practice_map: dict[str, Any]

    @property
    def level_keys(self) -> list[str]:
        return [lvl["key"] for lvl in self.levels]

    @property
    def stage_keys(self) -> list[str]:
        return [s["key"] for s in self.stages]

    @property
    def criterion_keys(self) -> list[str]:
        return [c["key"] for c in self.criteria]

    @property
    def mechanism_keys(self) -> list[str]:
        return [m["key"] for m in self.mechanisms]

    @property
    def level_rank(self) -> dict[str, int]:
        return {lvl["key"]: int(lvl["rank"]) for lvl in self.levels}

    def code_to_key(self) -> dict[int, str]:
        """Panel ``mechanism`` code -> mechanism key."""
        return {int(m["code"]): m["key"] for m in self.mechanisms}

    def label(self, kind: str, key: str, lang: str = "en") -> str:
        """Label of a level, stage, depth, criterion or mechanism in ``lang``."""
        lang = _lang(lang)
        table = {
            "level": self.levels,
            "stage": self.stages,
            "depth": self.depths,
            "criterion": self.criteria,
            "mechanism": self.mechanisms,
        }.get(kind)
        if table is None:
            raise ModelError(f"unknown label kind {kind!r}")
        for entry in table:
            if entry["key"] == key:
                return entry["label"][lang]
        raise ModelError(f"the participation model has no {kind} {key!r}")


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ModelError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _read_yaml(path: str | os.PathLike[str], what: str) -> dict:
    p = paths.resolve(path)
    if not p.is_file():
        raise ModelError(f"{what} file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelError(f"{p}: not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{p}: expected a mapping at the top level")
    return data


def _check_labels(entries: list, where: str, file: Path) -> None:
    for entry in entries:
        if not isinstance(entry, dict) or "key" not in entry:
            raise ModelError(f"{file}: every entry of {where} needs a key")
        label = entry.get("label")
        if not isinstance(label, dict) or any(not label.get(lang) for lang in LANGS):
            raise ModelError(f"{file}: {where} {entry['key']!r} needs label.bg and label.en")


def load_model(path: str | os.PathLike[str] = DEFAULT_MODEL) -> Model:
    """Read and check the participation model YAML.

    Parameters
    ----------
    path : str or path-like
        Model file, relative to the project root by default.

    Returns
    -------
    Model
        Levels, stages, depths, criteria, mechanisms (with placements) and the staff
        practice map.

    Raises
    ------
    ModelError
        When a section is missing, a label lacks bg or en, a placement names an unknown
        stage or level, or two mechanisms share a code.

    Examples
    --------
    >>> m = load_model()
    >>> m.criterion_keys
    ['clarity', 'accountability', 'transparency', 'inclusiveness', 'feasibility']
    >>> m.label("mechanism", "public_council", "bg")
    'Обществен съвет към областния управител'
    """
    file = paths.resolve(path)
    data = _read_yaml(file, "participation model")
    for section in ("levels", "stages", "depths", "criteria", "mechanisms", "practice_map"):
        if section not in data:
            raise ModelError(f"{file}: missing section {section!r}")
    for section in ("levels", "stages", "depths", "criteria", "mechanisms"):
        _check_labels(data[section], section, file)
    levels = {lvl["key"] for lvl in data["levels"]}
    stages = {s["key"] for s in data["stages"]}
    depths = {d["key"] for d in data["depths"]}
    codes: set[int] = set()
    for mech in data["mechanisms"]:
        key = mech["key"]
        code = mech.get("code")
        if not isinstance(code, int) or code in codes:
            raise ModelError(f"{file}: mechanism {key!r} needs a unique integer code")
        codes.add(code)
        if mech.get("depth") not in depths:
            raise ModelError(f"{file}: mechanism {key!r} has unknown depth {mech.get('depth')!r}")
        for place in mech.get("placements") or []:
            if place.get("stage") not in stages or place.get("level") not in levels:
                raise ModelError(
                    f"{file}: mechanism {key!r} has a placement outside the matrix: {place}"
                )
    pmap = data["practice_map"]
    for item, cell in (pmap.get("items") or {}).items():
        if cell.get("level") not in levels or not set(cell.get("stages") or []) <= stages:
            raise ModelError(f"{file}: practice_map item {item!r} maps outside the matrix")
    return Model(
        title=data.get("title", {}),
        levels=sorted(data["levels"], key=lambda lvl: lvl["rank"]),
        stages=list(data["stages"]),
        depths=sorted(data["depths"], key=lambda d: d["rank"]),
        criteria=list(data["criteria"]),
        mechanisms=list(data["mechanisms"]),
        practice_map=pmap,
    )


def model_placements(model: Model, lang: str = "en") -> pd.DataFrame:
    """The model's target cells: one row per mechanism x (stage, level) placement.

    Examples
    --------
    >>> p = model_placements(load_model())
    >>> list(p.columns)
    ['mechanism', 'mechanism_label', 'stage', 'level', 'level_rank', 'depth', 'depth_rank']
    >>> p.query("mechanism == 'public_council'")["level"].unique().tolist()
    ['dialogue']
    """
    lang = _lang(lang)
    depth_rank = {d["key"]: int(d["rank"]) for d in model.depths}
    rows = [
        {
            "mechanism": m["key"],
            "mechanism_label": m["label"][lang],
            "stage": p["stage"],
            "level": p["level"],
            "level_rank": model.level_rank[p["level"]],
            "depth": m["depth"],
            "depth_rank": depth_rank[m["depth"]],
        }
        for m in model.mechanisms
        for p in m.get("placements") or []
    ]
    out = pd.DataFrame(rows)
    out["_s"] = out["stage"].map({k: i for i, k in enumerate(model.stage_keys)})
    return (
        out.sort_values(["_s", "level_rank", "mechanism"]).drop(columns="_s").reset_index(drop=True)
    )


# --------------------------------------------------------------------------- coverage


def practice_matrix(staff: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Today's practice per level x stage cell from the staff survey's practice grid.

    Each practice item (mapping in ``model.practice_map``) counts answers of ``min_code`` or
    higher ("often"/"always" on FREQ5) among the valid answers; the cell is *practised* when
    that share reaches ``min_share``. A staff item that maps to two stages fills both.

    Parameters
    ----------
    staff : pandas.DataFrame
        Typed staff frame (``io.read_survey``), don't-know and missing as ``<NA>``.
    model : Model

    Returns
    -------
    pandas.DataFrame
        ``level, stage, item, n_valid, n_often, share_often, practised``, one row per cell.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> staff = pd.DataFrame({k: [4, 5, 2, 1] for k in m.practice_map["items"]})
    >>> pm = practice_matrix(staff, m)
    >>> float(pm["share_often"].iloc[0]), bool(pm["practised"].iloc[0])
    (0.5, True)
    """
    pmap = model.practice_map
    min_code = int(pmap.get("min_code", 4))
    min_share = float(pmap.get("min_share", 0.5))
    missing = [item for item in pmap["items"] if item not in staff.columns]
    if missing:
        raise DataError(
            [Problem("staff", None, item, "(absent)", "a practice-grid column") for item in missing]
        )
    rows = []
    for item, cell in pmap["items"].items():
        answers = pd.to_numeric(staff[item], errors="coerce").dropna()
        n_valid = int(len(answers))
        n_often = int((answers >= min_code).sum())
        share = n_often / n_valid if n_valid else np.nan
        for stage in cell["stages"]:
            rows.append(
                {
                    "level": cell["level"],
                    "stage": stage,
                    "item": item,
                    "n_valid": n_valid,
                    "n_often": n_often,
                    "share_often": share,
                    "practised": bool(share >= min_share) if n_valid else pd.NA,
                }
            )
    out = pd.DataFrame(rows)
    out["practised"] = out["practised"].astype("boolean")
    return _sort_cells(out, model)


def _sort_cells(df: pd.DataFrame, model: Model) -> pd.DataFrame:
    order_s = {k: i for i, k in enumerate(model.stage_keys)}
    order_l = model.level_rank
    df = df.assign(_s=df["stage"].map(order_s), _l=df["level"].map(order_l))
    return df.sort_values(["_l", "_s"]).drop(columns=["_s", "_l"]).reset_index(drop=True)


def coverage(model: Model, staff: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
    """Today's practice against the model's target, one row per level x stage cell.

    Parameters
    ----------
    model : Model
    staff : pandas.DataFrame, optional
        Typed staff frame with the practice grid; without it practice is unknown (``<NA>``).
    lang : {"bg", "en"}
        Language of the label columns.

    Returns
    -------
    pandas.DataFrame
        ``level, level_label, stage, stage_label, level_rank, target, mechanisms, n_valid,
        share_often, practised, status``. ``status`` is ``in_place`` (target and practised),
        ``gap`` (target, not practised), ``beyond_model`` (practised, not a target),
        ``not_targeted`` or ``unknown`` (no staff answers).

    Examples
    --------
    >>> cov = coverage(load_model())
    >>> cov.shape[0]
    24
    >>> cov.query("stage == 'drafting' and level == 'partnership'")["mechanisms"].item()
    'working_group'
    """
    lang = _lang(lang)
    placements = model_placements(model, lang)
    rows = []
    for level in model.levels:
        for stage in model.stages:
            here = placements[
                (placements["level"] == level["key"]) & (placements["stage"] == stage["key"])
            ]
            rows.append(
                {
                    "level": level["key"],
                    "level_label": level["label"][lang],
                    "stage": stage["key"],
                    "stage_label": stage["label"][lang],
                    "level_rank": int(level["rank"]),
                    "target": bool(len(here)),
                    "mechanisms": ", ".join(sorted(here["mechanism"])),
                }
            )
    cov = pd.DataFrame(rows)
    if staff is None:
        cov["n_valid"] = pd.array([pd.NA] * len(cov), dtype="Int64")
        cov["share_often"] = np.nan
        cov["practised"] = pd.array([pd.NA] * len(cov), dtype="boolean")
    else:
        pm = practice_matrix(staff, model)[
            ["level", "stage", "n_valid", "share_often", "practised"]
        ]
        cov = cov.merge(pm, on=["level", "stage"], how="left", validate="one_to_one")
        cov["n_valid"] = cov["n_valid"].astype("Int64")

    def status(row: pd.Series) -> str:
        if pd.isna(row["practised"]):
            return "unknown"
        if row["target"]:
            return "in_place" if row["practised"] else "gap"
        return "beyond_model" if row["practised"] else "not_targeted"

    cov["status"] = cov.apply(status, axis=1)
    return _sort_cells(cov, model)


def coverage_gaps(cov: pd.DataFrame) -> pd.DataFrame:
    """The target cells not practised today, deepest level first within each stage.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> staff = pd.DataFrame({k: [5, 5] if "info" in k else [1, 2] for k in m.practice_map["items"]})
    >>> gaps = coverage_gaps(coverage(m, staff))
    >>> bool((gaps["level"] != "information").all())
    True
    """
    gaps = cov[cov["status"] == "gap"].copy()
    gaps["_s"] = pd.Categorical(
        gaps["stage"], categories=list(dict.fromkeys(cov["stage"])), ordered=True
    )
    gaps = gaps.sort_values(["_s", "level_rank"], ascending=[True, False]).drop(columns="_s")
    return gaps.reset_index(drop=True)


def coverage_index(cov: pd.DataFrame) -> pd.DataFrame:
    """Coverage index C = mean over stages of (highest level rank reached) / 4.

    Computed for the model's target and for today's practice (research proposal, section 4.7
    of the domain report: C = (1/|S|) * sum over stages of max_level(stage) / 4, levels coded
    0 none .. 4 partnership).

    Returns
    -------
    pandas.DataFrame
        One row per stage: ``stage, target_level, practice_level`` (highest level rank
        reached, 0 when none), with the two indices in
        ``DataFrame.attrs["index"] = {"target": C_t, "practice": C_p}``. Practice values are
        NaN when today's practice is unknown (no staff data).

    Examples
    --------
    >>> ci = coverage_index(coverage(load_model()))
    >>> round(ci.attrs["index"]["target"], 4)   # (3 + 4 + 4 + 4 + 4 + 3) / 24
    0.9167
    """
    n_levels = int(cov["level_rank"].max())
    rows = []
    for stage, part in cov.groupby("stage", sort=False):
        target = int(part.loc[part["target"], "level_rank"].max()) if part["target"].any() else 0
        if part["practised"].isna().all():
            practice = np.nan
        else:
            done = part["practised"].fillna(False).astype(bool)
            practice = float(part.loc[done, "level_rank"].max()) if done.any() else 0.0
        rows.append({"stage": stage, "target_level": target, "practice_level": practice})
    out = pd.DataFrame(rows)
    out.attrs["index"] = {
        "target": float(out["target_level"].mean() / n_levels),
        "practice": float(out["practice_level"].mean() / n_levels)
        if out["practice_level"].notna().all()
        else float("nan"),
    }
    return out


# --------------------------------------------------------------------------- panel scores


def _criterion_columns(model: Model, prefix: str) -> list[str]:
    return [f"{prefix}{c}" for c in model.criterion_keys]


def _check_columns(df: pd.DataFrame, columns: list[str], file: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            [Problem(file, None, c, "(absent)", "a column of the codebook") for c in missing]
        )


def criterion_means(panel: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Mean CAF band per mechanism and criterion over the raters who could judge.

    Parameters
    ----------
    panel : pandas.DataFrame
        Typed panel frame (``io.read_survey`` with ``dont_know="na"``): ``rater_id``,
        ``mechanism`` codes and ``crit_<criterion>`` bands 0-5, ``<NA>`` for "cannot judge".
    model : Model

    Returns
    -------
    pandas.DataFrame
        ``mechanism, criterion, mean_band, sd_band, n_raters`` in model order.

    Raises
    ------
    DataError
        A band outside 0-5, a mechanism code not in the model, or a missing column.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> panel = pd.DataFrame({"rater_id": ["a", "b"], "mechanism": [2, 2],
    ...                       **{f"crit_{c}": [4, 5] for c in m.criterion_keys}})
    >>> row = criterion_means(panel, m).iloc[0]
    >>> row["mechanism"], row["criterion"], float(row["mean_band"])
    ('public_council', 'clarity', 4.5)
    """
    cols = _criterion_columns(model, CRITERION_PREFIX)
    _check_columns(panel, ["rater_id", "mechanism", *cols], "panel")
    codes = model.code_to_key()
    problems = []
    for i, code in enumerate(panel["mechanism"]):
        if pd.isna(code) or int(code) not in codes:
            problems.append(
                Problem("panel", i + 2, "mechanism", code, f"a mechanism code {sorted(codes)}")
            )
    for col in cols:
        values = pd.to_numeric(panel[col], errors="coerce")
        bad = values.notna() & ((values < 0) | (values > MAX_BAND))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    "panel",
                    int(i) + 2,
                    col,
                    panel[col].iloc[i],
                    "a CAF band 0-5 (read with io.read_survey)",
                )
            )
    if problems:
        raise DataError(problems)
    long = panel.assign(mechanism=panel["mechanism"].astype(int).map(codes)).melt(
        id_vars=["rater_id", "mechanism"], value_vars=cols, var_name="criterion", value_name="band"
    )
    long["criterion"] = long["criterion"].str.removeprefix(CRITERION_PREFIX)
    long["band"] = pd.to_numeric(long["band"], errors="coerce").astype(float)
    out = (
        long.groupby(["mechanism", "criterion"], sort=False)["band"]
        .agg(mean_band="mean", sd_band="std", n_raters="count")
        .reset_index()
    )
    out["mechanism"] = pd.Categorical(
        out["mechanism"], categories=model.mechanism_keys, ordered=True
    )
    out["criterion"] = pd.Categorical(
        out["criterion"], categories=model.criterion_keys, ordered=True
    )
    out = out.sort_values(["mechanism", "criterion"]).reset_index(drop=True)
    out["mechanism"] = out["mechanism"].astype(str)
    out["criterion"] = out["criterion"].astype(str)
    out["n_raters"] = out["n_raters"].astype(int)
    return out


def mean_weights(weights: pd.DataFrame, model: Model, by: str | None = None) -> pd.DataFrame:
    """Criterion weights from the raters' 100-point allocations, averaged over raters.

    Parameters
    ----------
    weights : pandas.DataFrame
        Typed ``panel_weights`` frame: one row per rater, ``w_<criterion>`` integer points.
    model : Model
    by : str, optional
        Column to average within (e.g. ``"rater_group"``); groups appear in a first column.

    Returns
    -------
    pandas.DataFrame
        ``[by,] criterion, mean_points, sd_points, n_raters, weight`` with ``weight`` =
        ``mean_points / 100`` (sums to 1 within a group).

    Raises
    ------
    DataError
        A row that does not sum to 100 points, a negative or blank allocation.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> w = pd.DataFrame({"rater_id": ["a", "b"], "w_clarity": [10, 20], "w_accountability": [40, 30],
    ...                   "w_transparency": [20, 20], "w_inclusiveness": [20, 20], "w_feasibility": [10, 10]})
    >>> mean_weights(w, m)[["criterion", "mean_points", "weight"]].head(2).values.tolist()
    [['clarity', 15.0, 0.15], ['accountability', 35.0, 0.35]]
    """
    cols = _criterion_columns(model, WEIGHT_PREFIX)
    _check_columns(weights, cols + ([by] if by else []), "panel_weights")
    points = weights[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    problems = []
    for i, row in enumerate(points.itertuples(index=False)):
        values = np.asarray(row, dtype=float)
        if np.isnan(values).any() or (values < 0).any():
            problems.append(
                Problem(
                    "panel_weights",
                    i + 2,
                    None,
                    list(values),
                    "non-negative points in every w_ column",
                )
            )
        elif not np.isclose(values.sum(), POINTS_TOTAL):
            problems.append(
                Problem("panel_weights", i + 2, None, float(values.sum()), "points summing to 100")
            )
    if problems:
        raise DataError(problems)
    frame = points.copy()
    if by:
        frame[by] = weights[by].to_numpy()
    groups = [(None, frame)] if not by else list(frame.groupby(by, sort=True))
    rows = []
    for key, part in groups:
        for crit, col in zip(model.criterion_keys, cols, strict=True):
            row = {} if by is None else {by: key}
            row.update(
                criterion=crit,
                mean_points=float(part[col].mean()),
                sd_points=float(part[col].std()) if len(part) > 1 else float("nan"),
                n_raters=int(len(part)),
                weight=float(part[col].mean() / POINTS_TOTAL),
            )
            rows.append(row)
    return pd.DataFrame(rows)


def _score_matrix(means: pd.DataFrame, model: Model) -> pd.DataFrame:
    wide = means.pivot(index="mechanism", columns="criterion", values="mean_band")
    return wide.reindex(
        index=[k for k in model.mechanism_keys if k in wide.index], columns=model.criterion_keys
    )


def normalise(scores: pd.DataFrame, method: str = "band") -> pd.DataFrame:
    """Normalise a mechanisms x criteria matrix of mean CAF bands, column by column.

    Parameters
    ----------
    scores : pandas.DataFrame
        Rows = mechanisms, columns = criteria, values = mean band 0-5.
    method : {"band", "minmax", "zscore"}
        ``band``: ``100 x / 5``; ``minmax``: ``1 + 99 (x - min) / (max - min)`` (a constant
        column maps to 50.5); ``zscore``: ``10 + 2 (x - mean) / sd`` with the sample sd
        (a constant column maps to 10).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=["x", "y", "z"])
    >>> normalise(s, "band")["a"].tolist()
    [20.0, 40.0, 60.0]
    >>> normalise(s, "minmax")["a"].tolist()
    [1.0, 50.5, 100.0]
    >>> normalise(s, "zscore")["a"].tolist()
    [8.0, 10.0, 12.0]
    """
    if method not in NORMALISATIONS:
        raise RuseError(f"normalisation must be one of {', '.join(NORMALISATIONS)}, not {method!r}")
    x = scores.astype(float)
    if method == "band":
        return 100.0 * x / MAX_BAND
    if method == "minmax":
        span = x.max() - x.min()
        out = 1.0 + 99.0 * (x - x.min()) / span.where(span > 0)
        return out.fillna({c: 50.5 for c in x.columns[span <= 0]})
    sd = x.std()
    out = 10.0 + 2.0 * (x - x.mean()) / sd.where(sd > 0)
    return out.fillna({c: 10.0 for c in x.columns[~(sd > 0)]})


def aggregate(
    normalised: pd.DataFrame, weights: pd.Series, method: str = "arithmetic"
) -> pd.Series:
    """Aggregate normalised criteria into one score per mechanism.

    Parameters
    ----------
    normalised : pandas.DataFrame
        Rows = mechanisms, columns = criteria (output of :func:`normalise`).
    weights : pandas.Series
        Criterion -> weight; rescaled to sum to 1.
    method : {"arithmetic", "geometric"}
        ``sum_k w_k x_k`` or ``prod_k x_k ** w_k`` (needs every value >= 0).

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [80.0, 20.0], "b": [20.0, 80.0]}, index=["p", "q"])
    >>> aggregate(x, pd.Series({"a": 0.75, "b": 0.25})).round(6).tolist()
    [65.0, 35.0]
    >>> aggregate(x, pd.Series({"a": 0.5, "b": 0.5}), "geometric").round(6).tolist()
    [40.0, 40.0]
    """
    if method not in AGGREGATIONS:
        raise RuseError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, not {method!r}")
    w = weights.reindex(normalised.columns).astype(float)
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise RuseError("weights must be non-negative, one per criterion, and not all zero")
    w = w / w.sum()
    x = normalised.astype(float)
    if method == "arithmetic":
        return (x * w).sum(axis=1, min_count=1).where(x.notna().all(axis=1))
    if (x < 0).any().any():
        raise RuseError(
            "geometric aggregation needs non-negative normalised values (use band or minmax)"
        )
    with np.errstate(divide="ignore"):
        logs = np.log(x)
    return pd.Series(np.exp((logs * w).sum(axis=1)), index=x.index).where(x.notna().all(axis=1))


def _rank(scores: pd.Series) -> pd.Series:
    return scores.rank(ascending=False, method="min").astype(int)


def composite_scores(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    normalisation: str = "band",
    aggregation: str = "arithmetic",
    lang: str = "en",
) -> pd.DataFrame:
    """Composite score and rank of every mechanism rated by the panel.

    With the defaults this is the research proposal's M = 100 * sum_k w_k * mean_band_k / 5.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, mechanism_label, score, rank`` sorted by rank then model order, plus one
        ``<criterion>`` column per criterion with its normalised value.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> frames, truth = generate(np.random.default_rng(20190118))
    >>> panel = frames["panel"].replace(97, pd.NA)
    >>> cs = composite_scores(panel, frames["panel_weights"], load_model())
    >>> cs["mechanism"].head(2).tolist() == truth["top_two_mechanisms"]
    True
    """
    lang = _lang(lang)
    matrix = _score_matrix(criterion_means(panel, model), model)
    w = mean_weights(weights, model).set_index("criterion")["weight"]
    norm = normalise(matrix, normalisation)
    score = aggregate(norm, w, aggregation)
    out = pd.DataFrame(
        {
            "mechanism": score.index,
            "mechanism_label": [model.label("mechanism", k, lang) for k in score.index],
            "score": score.to_numpy(),
            "rank": _rank(score).to_numpy(),
        }
    )
    out = pd.concat([out, norm.reset_index(drop=True)], axis=1)
    order = {k: i for i, k in enumerate(model.mechanism_keys)}
    out = out.assign(_o=out["mechanism"].map(order)).sort_values(["rank", "_o"]).drop(columns="_o")
    return out.reset_index(drop=True)


def overall_score(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    n_boot: int = 2000,
    seed: int = 20190118,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Overall model score: the mean band-arithmetic composite over all mechanisms (0-100).

    The confidence interval is a seeded percentile bootstrap over raters (each draw resamples
    raters with replacement, with their ratings and their weights together).

    Returns
    -------
    pandas.DataFrame
        One row: ``score, ci_low, ci_high, n_raters, n_mechanisms, n_boot``.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> o = overall_score(f["panel"].replace(97, pd.NA), f["panel_weights"], load_model(), n_boot=200)
    >>> bool(o["ci_low"].item() < o["score"].item() < o["ci_high"].item())
    True
    """
    base = composite_scores(panel, weights, model)["score"].mean()
    criterion_means(panel, model)  # validates the panel
    mean_weights(weights, model)  # validates the allocations
    raters = sorted(panel["rater_id"].astype(str).unique())
    wr = weights.assign(rater_id=weights["rater_id"].astype(str)).set_index("rater_id")
    missing = [r for r in raters if r not in wr.index]
    if missing:
        raise DataError(
            [
                Problem("panel_weights", None, "rater_id", r, "a weight row for every panel rater")
                for r in missing
            ]
        )
    cols = _criterion_columns(model, CRITERION_PREFIX)
    codes = model.code_to_key()
    mechs = [k for k in model.mechanism_keys if k in set(panel["mechanism"].astype(int).map(codes))]
    # bands[r, m, k]: rater r's band for mechanism m, criterion k (NaN = not rated)
    bands = np.full((len(raters), len(mechs), len(cols)), np.nan)
    r_index = {r: i for i, r in enumerate(raters)}
    m_index = {k: i for i, k in enumerate(mechs)}
    values = panel[cols].apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    for row, (rater, code) in enumerate(
        zip(panel["rater_id"].astype(str), panel["mechanism"].astype(int), strict=True)
    ):
        bands[r_index[rater], m_index[codes[code]]] = values[row]
    shares = (
        wr.loc[raters, _criterion_columns(model, WEIGHT_PREFIX)].astype(float).to_numpy()
        / POINTS_TOTAL
    )
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(raters), size=(n_boot, len(raters)))
    stats = np.empty(n_boot)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a criterion nobody drawn could judge
        for b, pick in enumerate(picks):
            means = np.nanmean(bands[pick], axis=0)  # mechanisms x criteria
            w = shares[pick].mean(axis=0)
            stats[b] = np.mean(100.0 * means @ w / MAX_BAND)
    stats = stats[np.isfinite(stats)]
    alpha = (1 - ci) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return pd.DataFrame(
        [
            {
                "score": float(base),
                "ci_low": float(low),
                "ci_high": float(high),
                "n_raters": len(raters),
                "n_mechanisms": int(panel["mechanism"].nunique()),
                "n_boot": int(n_boot),
            }
        ]
    )


# --------------------------------------------------------------------------- agreement

_SHROUT_FLEISS = {
    "ICC(1,1)": "ICC1",
    "ICC(A,1)": "ICC2",
    "ICC(C,1)": "ICC3",
    "ICC(1,k)": "ICC1k",
    "ICC(A,k)": "ICC2k",
    "ICC(C,k)": "ICC3k",
}


def icc(data: pd.DataFrame, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """Six intraclass correlations (Shrout & Fleiss 1979) via ``pingouin.intraclass_corr``.

    Targets with a missing rating are dropped (listwise), as in ``psych::ICC``.

    Returns
    -------
    pandas.DataFrame
        ``type, shrout_fleiss, icc, f, df1, df2, p, ci_low, ci_high, n_targets, n_raters``.

    Examples
    --------
    Shrout & Fleiss (1979) 6 targets x 4 judges; ICC(2,1) = 0.29 in their Table 4:

    >>> import pandas as pd
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> d = pd.DataFrame([(t, j, sf[t][j]) for t in range(6) for j in range(4)], columns=["t", "j", "x"])
    >>> round(float(icc(d, "t", "j", "x").set_index("shrout_fleiss").loc["ICC2", "icc"]), 4)
    0.2898
    """
    clean = data[[targets, raters, ratings]].copy()
    clean[ratings] = pd.to_numeric(clean[ratings], errors="coerce").astype(float)
    complete = clean.groupby(targets)[ratings].transform(lambda s: s.notna().all())
    clean = clean[complete.astype(bool)]
    n_t, n_r = clean[targets].nunique(), clean[raters].nunique()
    if n_t < 3 or n_r < 2:
        raise RuseError(
            f"ICC needs at least 3 fully rated targets and 2 raters, got {n_t} and {n_r}"
        )
    with warnings.catch_warnings():
        # pingouin 0.7.0 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
        warnings.filterwarnings("ignore", message=".*inplace keyword.*", category=Warning)
        res = pg.intraclass_corr(data=clean, targets=targets, raters=raters, ratings=ratings)
    ci = np.vstack(res["CI95"].to_numpy())
    return pd.DataFrame(
        {
            "type": res["Type"].to_numpy(),
            "shrout_fleiss": res["Type"].map(_SHROUT_FLEISS).to_numpy(),
            "icc": res["ICC"].to_numpy(dtype=float),
            "f": res["F"].to_numpy(dtype=float),
            "df1": res["df1"].to_numpy(dtype=int),
            "df2": res["df2"].to_numpy(dtype=int),
            "p": res["pval"].to_numpy(dtype=float),
            "ci_low": ci[:, 0].astype(float),
            "ci_high": ci[:, 1].astype(float),
            "n_targets": n_t,
            "n_raters": n_r,
        }
    )


def rater_agreement(
    panel: pd.DataFrame, model: Model, types: tuple[str, ...] = ("ICC2", "ICC2k")
) -> pd.DataFrame:
    """Inter-rater agreement on the mechanisms, per criterion and for the criterion mean.

    Targets are mechanisms, raters are panel members. ``ICC2`` (absolute agreement, single
    rater) and ``ICC2k`` (absolute agreement of the panel mean, the quantity the composite
    uses) are returned by default; pass more Shrout-Fleiss names in ``types``.

    Returns
    -------
    pandas.DataFrame
        ``scope`` (criterion key or ``"mean"``) then the columns of :func:`icc`.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> ra = rater_agreement(f["panel"].replace(97, pd.NA), load_model())
    >>> ra["scope"].unique().tolist()[-1]
    'mean'
    """
    cols = _criterion_columns(model, CRITERION_PREFIX)
    criterion_means(panel, model)  # validates bands and codes
    frame = panel[["rater_id", "mechanism", *cols]].copy()
    frame[cols] = frame[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    frame["mean"] = frame[cols].mean(axis=1)
    parts = []
    for scope, col in [*zip(model.criterion_keys, cols, strict=True), ("mean", "mean")]:
        res = icc(frame, "mechanism", "rater_id", col)
        parts.append(res[res["shrout_fleiss"].isin(types)].assign(scope=scope))
    out = pd.concat(parts, ignore_index=True)
    return out[["scope", *[c for c in out.columns if c != "scope"]]]


# --------------------------------------------------------------------------- sensitivity


def _dirichlet_concentration(weights: pd.DataFrame, model: Model) -> float:
    """Method-of-moments Dirichlet concentration of the raters' shares.

    For a Dirichlet with mean w and concentration c, Var(w_k) = w_k (1 - w_k) / (c + 1), so
    c + 1 = sum_k w_k (1 - w_k) / sum_k Var(w_k).
    """
    cols = _criterion_columns(model, WEIGHT_PREFIX)
    shares = weights[cols].apply(pd.to_numeric, errors="coerce").astype(float) / POINTS_TOTAL
    mean, var = shares.mean(), shares.var()
    if len(shares) < 2 or var.sum() <= 0:
        raise RuseError("the raters' weights do not vary: pass concentration= explicitly")
    return float((mean * (1 - mean)).sum() / var.sum() - 1)


def sensitivity_draws(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    n_draws: int = 1000,
    seed: int = 20190118,
    concentration: float | None = None,
    normalisations: tuple[str, ...] = NORMALISATIONS,
    aggregations: tuple[str, ...] = AGGREGATIONS,
) -> pd.DataFrame:
    """Monte Carlo uncertainty analysis of the composite ranking (JRC/OECD practice).

    Each draw takes weights from a Dirichlet centred on the panel's mean weights
    (``alpha = concentration * mean_weights``; by default the concentration is estimated from
    the raters' own allocations by the method of moments), and a normalisation and an
    aggregation chosen uniformly from those given. Criteria with zero mean weight stay at 0.

    Returns
    -------
    pandas.DataFrame
        Long: ``draw, normalisation, aggregation, mechanism, score, rank`` plus one
        ``w_<criterion>`` column per criterion (the draw's weights). ``attrs["concentration"]``
        holds the concentration used.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> p = f["panel"].replace(97, pd.NA)
    >>> a = sensitivity_draws(p, f["panel_weights"], load_model(), n_draws=50, seed=1)
    >>> b = sensitivity_draws(p, f["panel_weights"], load_model(), n_draws=50, seed=1)
    >>> a.equals(b), len(a)
    (True, 450)
    """
    if n_draws < 1:
        raise RuseError("n_draws must be at least 1")
    for method in normalisations:
        if method not in NORMALISATIONS:
            raise RuseError(f"unknown normalisation {method!r}")
    for method in aggregations:
        if method not in AGGREGATIONS:
            raise RuseError(f"unknown aggregation {method!r}")
    matrix = _score_matrix(criterion_means(panel, model), model)
    w_mean = (
        mean_weights(weights, model).set_index("criterion")["weight"].reindex(model.criterion_keys)
    )
    c = _dirichlet_concentration(weights, model) if concentration is None else float(concentration)
    if c <= 0:
        raise RuseError(f"concentration must be positive, got {c}")
    active = (w_mean > 0).to_numpy()
    normalised = {m: normalise(matrix, m) for m in normalisations}
    for m in normalisations:
        if "geometric" in aggregations and (normalised[m] < 0).any().any():
            raise RuseError(
                f"{m} normalisation gives negative values; geometric aggregation is undefined"
            )
    rng = np.random.default_rng(seed)
    w_draws = np.zeros((n_draws, len(model.criterion_keys)))
    w_draws[:, active] = rng.dirichlet(c * w_mean.to_numpy()[active], size=n_draws)
    norm_pick = rng.integers(len(normalisations), size=n_draws)
    agg_pick = rng.integers(len(aggregations), size=n_draws)
    mechs = list(matrix.index)
    scores = np.empty((n_draws, len(mechs)))
    with np.errstate(divide="ignore"):
        for i, norm in enumerate(normalisations):
            x = normalised[norm].to_numpy(dtype=float)
            for j, agg in enumerate(aggregations):
                sel = (norm_pick == i) & (agg_pick == j)
                if not sel.any():
                    continue
                if agg == "arithmetic":
                    scores[sel] = w_draws[sel] @ x.T
                else:
                    scores[sel] = np.exp(w_draws[sel] @ np.log(x).T)
    # rank 1 = highest score, ties share the best rank (as pandas method="min")
    ranks = np.vstack([rankdata(-row, method="min") for row in scores]).astype(int)
    n_m = len(mechs)
    out = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n_draws), n_m),
            "normalisation": np.repeat(np.asarray(normalisations, dtype=object)[norm_pick], n_m),
            "aggregation": np.repeat(np.asarray(aggregations, dtype=object)[agg_pick], n_m),
            "mechanism": np.tile(np.asarray(mechs, dtype=object), n_draws),
            "score": scores.ravel(),
            "rank": ranks.ravel(),
        }
    )
    for k, crit in enumerate(model.criterion_keys):
        out[f"{WEIGHT_PREFIX}{crit}"] = np.repeat(w_draws[:, k], n_m)
    out.attrs["concentration"] = c
    return out


def rank_stability(
    draws: pd.DataFrame, baseline: pd.DataFrame, lang: str = "en", model: Model | None = None
) -> pd.DataFrame:
    """How often each mechanism keeps its baseline rank across the Monte Carlo draws.

    Parameters
    ----------
    draws : pandas.DataFrame
        Output of :func:`sensitivity_draws`.
    baseline : pandas.DataFrame
        Output of :func:`composite_scores` (``mechanism, rank``).
    lang, model : optional
        With a model, a ``mechanism_label`` column in ``lang`` is added.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, baseline_rank, share_same_rank, median_rank, rank_p05, rank_p95,
        share_top`` (share of draws ranked first), sorted by baseline rank.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"draw": [0, 0, 1, 1], "mechanism": ["a", "b", "a", "b"], "rank": [1, 2, 2, 1]})
    >>> rank_stability(d, pd.DataFrame({"mechanism": ["a", "b"], "rank": [1, 2]}))["share_same_rank"].tolist()
    [0.5, 0.5]
    """
    base = baseline.set_index("mechanism")["rank"]
    rows = []
    for mech, part in draws.groupby("mechanism", sort=False):
        ranks = part["rank"].to_numpy()
        rows.append(
            {
                "mechanism": mech,
                "baseline_rank": int(base[mech]),
                "share_same_rank": float(np.mean(ranks == base[mech])),
                "median_rank": float(np.median(ranks)),
                "rank_p05": float(np.quantile(ranks, 0.05, method="inverted_cdf")),
                "rank_p95": float(np.quantile(ranks, 0.95, method="inverted_cdf")),
                "share_top": float(np.mean(ranks == 1)),
            }
        )
    out = pd.DataFrame(rows).sort_values(["baseline_rank", "mechanism"]).reset_index(drop=True)
    if model is not None:
        out.insert(
            1, "mechanism_label", [model.label("mechanism", k, lang) for k in out["mechanism"]]
        )
    return out


def sensitivity_indices(
    draws: pd.DataFrame, model: Model, output: str = "rank", n_bins: int = 10
) -> pd.DataFrame:
    """First-order sensitivity index of each uncertain input, per mechanism (given-data estimate).

    ``S_i = Var(E[Y | X_i]) / Var(Y)``: the share of the output's variance across the Monte
    Carlo draws explained by input ``X_i`` alone (Saltelli et al. 2008, *Global Sensitivity
    Analysis: The Primer*; the variance-based analysis of the JRC/OECD Handbook, step 8). The
    conditional means are taken within the levels of the categorical inputs (normalisation,
    aggregation) and within ``n_bins`` equal-count bins of each criterion weight; binning
    biases small indices upwards by roughly ``(n_bins - 1) / n_draws``.

    Parameters
    ----------
    draws : pandas.DataFrame
        Output of :func:`sensitivity_draws`.
    model : Model
    output : {"rank", "score"}
        The output ``Y``. Scores from different normalisations are on different scales, so
        ``rank`` is the meaningful default when normalisation varies.
    n_bins : int
        Bins for the continuous weight inputs.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, input, first_order`` (``input``: ``normalisation``, ``aggregation`` or
        ``w_<criterion>``); ``first_order`` is NaN when the output does not vary.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> d = pd.DataFrame({"draw": range(4), "mechanism": "x", "rank": [1, 1, 2, 2],
    ...                   "normalisation": ["band", "band", "zscore", "zscore"],
    ...                   "aggregation": ["arithmetic", "geometric"] * 2,
    ...                   **{f"w_{c}": [0.2] * 4 for c in m.criterion_keys}})
    >>> s = sensitivity_indices(d, m, n_bins=2).set_index("input")["first_order"]
    >>> float(s["normalisation"]), float(s["aggregation"])
    (1.0, 0.0)
    """
    if output not in ("rank", "score"):
        raise RuseError(f"output must be 'rank' or 'score', not {output!r}")
    if n_bins < 2:
        raise RuseError("n_bins must be at least 2")
    inputs = ["normalisation", "aggregation", *_criterion_columns(model, WEIGHT_PREFIX)]
    missing = [c for c in [*inputs, "mechanism", output] if c not in draws.columns]
    if missing:
        raise RuseError(f"draws lack column(s) {missing}: pass the output of sensitivity_draws")
    rows = []
    for mech, part in draws.groupby("mechanism", sort=False):
        y = part[output].astype(float)
        total = float(y.var(ddof=0))
        for name in inputs:
            if total <= 0:
                share = float("nan")
            else:
                x = part[name]
                if name.startswith(WEIGHT_PREFIX):
                    x = pd.qcut(x.rank(method="first"), q=min(n_bins, len(x)), labels=False)
                means = y.groupby(x.to_numpy()).transform("mean")
                share = float(means.var(ddof=0) / total)
            rows.append({"mechanism": mech, "input": name, "first_order": share})
    return pd.DataFrame(rows)


def weight_tornado(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    target: str = "overall",
    change: float = 0.5,
    normalisation: str = "band",
    aggregation: str = "arithmetic",
    lang: str = "en",
) -> pd.DataFrame:
    """One-at-a-time weight changes for a tornado chart.

    Each criterion's weight is multiplied by ``1 - change`` and ``1 + change`` (capped at 1);
    the other weights are rescaled proportionally so the weights still sum to 1. The score of
    ``target`` (a mechanism key, or ``"overall"`` = the mean over mechanisms) is recomputed.

    Returns
    -------
    pandas.DataFrame
        ``criterion, criterion_label, weight_base, weight_low, weight_high, score_base,
        score_low, score_high, swing`` sorted by ``swing`` descending (largest bar on top).

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> t = weight_tornado(f["panel"].replace(97, pd.NA), f["panel_weights"], load_model())
    >>> bool((t["swing"].diff().dropna() <= 0).all())
    True
    """
    if not 0 < change < 1:
        raise RuseError(f"change must lie strictly between 0 and 1, got {change}")
    lang = _lang(lang)
    matrix = _score_matrix(criterion_means(panel, model), model)
    if target != "overall" and target not in matrix.index:
        raise RuseError(f"target must be 'overall' or a rated mechanism, not {target!r}")
    norm = normalise(matrix, normalisation)
    w = mean_weights(weights, model).set_index("criterion")["weight"].reindex(model.criterion_keys)

    def score_with(wts: pd.Series) -> float:
        s = aggregate(norm, wts, aggregation)
        return float(s.mean() if target == "overall" else s[target])

    def shifted(crit: str, factor: float) -> pd.Series:
        new = min(1.0, w[crit] * factor)
        rest = 1.0 - w[crit]
        out = w * ((1.0 - new) / rest) if rest > 0 else w * 0.0
        out[crit] = new
        return out

    base = score_with(w)
    rows = []
    for crit in model.criterion_keys:
        lo, hi = shifted(crit, 1 - change), shifted(crit, 1 + change)
        s_lo, s_hi = score_with(lo), score_with(hi)
        rows.append(
            {
                "criterion": crit,
                "criterion_label": model.label("criterion", crit, lang),
                "weight_base": float(w[crit]),
                "weight_low": float(lo[crit]),
                "weight_high": float(hi[crit]),
                "score_base": base,
                "score_low": s_lo,
                "score_high": s_hi,
                "swing": abs(s_hi - s_lo),
            }
        )
    return (
        pd.DataFrame(rows)
        .sort_values(["swing", "criterion"], ascending=[False, True])
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- checklist


def load_checklist(path: str | os.PathLike[str] = DEFAULT_CHECKLIST) -> dict:
    """Read and check the good-practice checklist YAML.

    Examples
    --------
    >>> cl = load_checklist()
    >>> {item["status"] for item in cl["items"]} <= {"met", "partly", "not_met"}
    True
    """
    file = paths.resolve(path)
    data = _read_yaml(file, "good-practice checklist")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ModelError(f"{file}: needs a non-empty list 'items'")
    keys = set()
    for item in items:
        key = item.get("key")
        if not key or key in keys:
            raise ModelError(f"{file}: every item needs a unique key (got {key!r})")
        keys.add(key)
        if item.get("status") not in CHECKLIST_SCORES:
            raise ModelError(
                f"{file}: item {key!r} status must be met, partly or not_met, not {item.get('status')!r}"
            )
        for field in ("principle", "evidence", "recommendation"):
            if any(not (item.get(field) or {}).get(lang) for lang in LANGS):
                raise ModelError(f"{file}: item {key!r} needs {field}.bg and {field}.en")
        for field in ("impact", "feasibility"):
            if item.get(field) not in (1, 2, 3, 4, 5):
                raise ModelError(f"{file}: item {key!r} {field} must be an integer 1-5")
    return data


def checklist(data: dict | None = None, lang: str = "en") -> pd.DataFrame:
    """The good-practice checklist as a table, in checklist order.

    Returns
    -------
    pandas.DataFrame
        ``key, framework, principle, status, score, evidence`` (``score``: met 1, partly 0.5,
        not met 0).

    Examples
    --------
    >>> checklist(lang="bg").columns.tolist()
    ['key', 'framework', 'principle', 'status', 'score', 'evidence']
    """
    lang = _lang(lang)
    data = load_checklist() if data is None else data
    return pd.DataFrame(
        [
            {
                "key": it["key"],
                "framework": it.get("framework", ""),
                "principle": it["principle"][lang],
                "status": it["status"],
                "score": CHECKLIST_SCORES[it["status"]],
                "evidence": it["evidence"][lang],
            }
            for it in data["items"]
        ]
    )


def checklist_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Counts by status and the mean score per framework, plus an ``all`` row last.

    Examples
    --------
    >>> s = checklist_summary(checklist())
    >>> s["framework"].iloc[-1], int(s["n_items"].iloc[-1]) == len(checklist())
    ('all', True)
    """

    def summarise(part: pd.DataFrame, name: str) -> dict:
        return {
            "framework": name,
            "n_items": int(len(part)),
            "n_met": int((part["status"] == "met").sum()),
            "n_partly": int((part["status"] == "partly").sum()),
            "n_not_met": int((part["status"] == "not_met").sum()),
            "score": float(part["score"].mean()),
        }

    rows = [summarise(part, fw) for fw, part in table.groupby("framework", sort=True)]
    rows.append(summarise(table, "all"))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- recommendations


def _quadrant(impact: float, feasibility: float) -> str:
    if impact >= 0.5:
        return "quick_win" if feasibility >= 0.5 else "major_project"
    return "fill_in" if feasibility >= 0.5 else "deprioritise"


def recommendations(
    model: Model,
    cov: pd.DataFrame,
    means: pd.DataFrame,
    checklist_data: dict | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Prioritised recommendations (impact x feasibility), from coverage gaps and the checklist.

    * A mechanism that fills at least one coverage gap: impact = gap cells it fills / the most
      any mechanism fills; feasibility = the panel's mean ``feasibility`` band / 5.
    * A checklist item not fully met: impact and feasibility = the review team's 1-5 scores / 5.

    ``priority = impact * feasibility``; quadrants split both axes at 0.5 (``quick_win``,
    ``major_project``, ``fill_in``, ``deprioritise``).

    Returns
    -------
    pandas.DataFrame
        ``rank, source, key, recommendation, impact, feasibility, priority, quadrant`` sorted
        by priority (descending), then source and key.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from ruse_research.synthetic.panel import generate
    >>> m = load_model()
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> staff = pd.DataFrame({k: [5, 5] if "info" in k else [1, 2] for k in m.practice_map["items"]})
    >>> rec = recommendations(m, coverage(m, staff), criterion_means(f["panel"].replace(97, pd.NA), m))
    >>> rec["rank"].tolist()[:3]
    [1, 2, 3]
    """
    lang = _lang(lang)
    rows = []
    gaps = cov[cov["status"] == "gap"]
    placements = model_placements(model)
    filled = (
        placements.merge(gaps[["level", "stage"]], on=["level", "stage"], how="inner")
        .groupby("mechanism")
        .size()
    )
    feas = means[means["criterion"] == "feasibility"].set_index("mechanism")["mean_band"]
    if len(filled):
        most = filled.max()
        for mech in model.mechanism_keys:
            if mech not in filled.index or mech not in feas.index:
                continue
            entry = next(m for m in model.mechanisms if m["key"] == mech)
            rows.append(
                {
                    "source": "coverage_gap",
                    "key": mech,
                    "recommendation": entry["recommendation"][lang],
                    "impact": float(filled[mech] / most),
                    "feasibility": float(feas[mech] / MAX_BAND),
                }
            )
    data = load_checklist() if checklist_data is None else checklist_data
    for item in data["items"]:
        if item["status"] == "met":
            continue
        rows.append(
            {
                "source": "checklist",
                "key": item["key"],
                "recommendation": item["recommendation"][lang],
                "impact": item["impact"] / 5,
                "feasibility": item["feasibility"] / 5,
            }
        )
    out = pd.DataFrame(rows, columns=["source", "key", "recommendation", "impact", "feasibility"])
    out["priority"] = out["impact"] * out["feasibility"]
    out["quadrant"] = [
        _quadrant(i, f) for i, f in zip(out["impact"], out["feasibility"], strict=True)
    ]
    out = out.sort_values(["priority", "source", "key"], ascending=[False, True, True]).reset_index(
        drop=True
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
