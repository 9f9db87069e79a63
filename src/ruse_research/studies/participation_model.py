"""The participation model: its YAML (levels, stages, depths, criteria, mechanisms) and coverage.

The model lives in data, not code (``data/model/participation_model.yaml``): the mechanisms a
regional administration can use, each placed on the Council of Europe levels (information,
consultation, dialogue, partnership) by decision stage, with an IAP2-style depth. This module
reads and checks it (:func:`load_model`), lists its target cells (:func:`model_placements`) and
sets today's practice from the staff survey's practice grid against them (:func:`coverage`,
:func:`coverage_gaps`, :func:`coverage_index`).

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
from typing import Any

import numpy as np
import pandas as pd

from ruse_research import _yaml, paths
from ruse_research.data import region_text
from ruse_research.errors import DataError, Problem, RuseError
from ruse_research.i18n import LANGUAGES, check_language

__all__ = [
    "DEFAULT_MODEL",
    "LANGS",
    "Model",
    "ModelError",
    "check_lang",
    "coverage",
    "coverage_gaps",
    "coverage_index",
    "load_model",
    "model_placements",
    "read_yaml",
    "practice_matrix",
]

DEFAULT_MODEL = "data/model/participation_model.yaml"
LANGS = LANGUAGES


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
        lang = check_lang(lang)
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


def check_lang(lang: str) -> str:
    """``lang`` when it is a report language (:func:`ruse_research.i18n.check_language`)."""
    return check_language(lang, where="participation model labels")


def read_yaml(path: str | os.PathLike[str], what: str) -> dict:
    """The top-level mapping of a model YAML file (``what`` names it in errors), its bilingual
    texts with the region profile's ``{fields}`` filled in (:mod:`ruse_research.data.region_text`)."""
    p = paths.resolve(path)
    if not p.is_file():
        raise ModelError(f"{what} file not found: {p}")
    try:
        data = _yaml.load_file(p, name=str(p), kind="model")
    except _yaml.YamlError as exc:
        raise ModelError(str(exc)) from None
    if not isinstance(data, dict):
        raise ModelError(f"{p}: expected a mapping at the top level")
    try:  # bilingual texts may name the region through the profile's {fields}
        return region_text.fill_texts(data)
    except region_text.PlaceholderError as exc:
        raise ModelError(f"{p}: {exc}") from None


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
    data = read_yaml(file, "participation model")
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
    lang = check_lang(lang)
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
    lang = check_lang(lang)
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
