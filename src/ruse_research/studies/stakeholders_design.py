"""Weights, strata and the survey design of the stakeholder sample, as the data give them.

:func:`stakeholder_design` weights whatever the export holds: any number of waves, any
subset of the stakeholder groups, the margins of any reference file (any variables, any
names) or the team's own weight column. Citizens (``group == CITIZEN``) are raked wave by
wave to the margins (``method == "raked"``), or carry the team's weights (``"own"``); a
sample without citizens is not weighted (``"none"``). Organisations weigh 1.

:func:`stakeholder_scores` adds the construct scores and 0/1 indicators the analyses use.

Examples
--------
>>> import itertools
>>> codes = [m.code for m in profile.load().municipalities]  # the active profile's
>>> citizens = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], codes)),
...                         columns=["sex", "age_band", "municipality"]).assign(wave=1, group=1)
>>> stakeholder_design(citizens).method
'raked'
>>> stakeholder_design(citizens.assign(group=2)).method
'none'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ruse_research.data import profile
from ruse_research.stats import scales
from ruse_research.stats import survey as sv
from ruse_research.stats.survey._columns import column
from ruse_research.stats.survey.reference import MarginsTable, read_margins

__all__ = [
    "CITIZEN",
    "MARGINS_PATH",
    "MIN_CELL",
    "STAKEHOLDER_SCORES",
    "StakeholderDesign",
    "check_weights",
    "stakeholder_design",
    "stakeholder_scores",
]

MARGINS_PATH = "data/reference/population_margins.csv"
#: Code of the citizens in the ``group`` column (the only group weighted to a population).
CITIZEN = 1
#: Cells (municipalities, groups) with fewer respondents than this are not shown.
MIN_CELL = 5
#: Constructs of the stakeholder questionnaire scored as the mean of their answered items.
STAKEHOLDER_SCORES = (
    "public_image",
    "admin_image",
    "sat_services",
    "impartiality",
    "responsiveness",
)


def stakeholder_scores(answers: pd.DataFrame, codebook) -> pd.DataFrame:
    """Analysis columns of the stakeholder questionnaire, one row per respondent.

    Construct scores (:data:`STAKEHOLDER_SCORES`, mean of the answered items with
    reverse keys, at least half of the items answered; ``ruse_research.stats.scales.score``)
    and 0/1 indicators with missing kept missing: ``aware_yes`` (knows the
    administration's role: 1 = yes, 0 = no) and ``contact_yes`` (contact in the last 12
    months).

    Examples
    --------
    >>> from ruse_research.data import codebook, io
    >>> book = codebook.load_codebook("stakeholders")
    >>> answers = io.read_survey(profile.resolve("data/raw/stakeholders.csv"), book)
    >>> list(stakeholder_scores(answers, book).columns)
    ['public_image', 'admin_image', 'sat_services', 'impartiality', 'responsiveness', 'aware_yes', 'contact_yes']
    """
    parts = []
    for construct in STAKEHOLDER_SCORES:
        keys = scales.codebook_keys(codebook, [construct])
        parts.append(scales.score(answers, **keys.kwargs()))
    out = pd.concat(parts, axis=1)
    for source, target in (("aware_role", "aware_yes"), ("contact_12m", "contact_yes")):
        codes = column(answers, source, "stakeholder").astype("Float64")
        out[target] = (codes == 1).astype("Float64").where(codes.isin([1, 2]))
    return out


@dataclass(frozen=True, eq=False)
class StakeholderDesign:
    """The stakeholder sample ready for design-based estimation.

    ``data`` holds the kept respondents with ``weight``, ``weight_population`` and
    ``stratum`` columns, and the raking categories of the citizens (``rake_<margin>``,
    ``rake_group`` = wave; missing for organisations); ``excluded`` counts citizens left
    out of the weighting (a raking variable not given) by wave; ``population`` is the
    raked population of one wave (``nan`` when nothing was raked); ``design`` is the
    survey design of ``data`` (strata ``stratum``, every respondent a PSU, calibration on
    the ``rake_*`` columns within ``rake_group`` when raked) and ``fixed`` the same design
    with the weights taken as fixed (for contrasts only). ``method`` is ``"raked"``,
    ``"own"`` (the team's ``weight_column``) or ``"none"`` (no citizens); ``margins`` the
    reference margins when raked; ``pooled`` the ``(wave, municipality)`` citizen strata
    with fewer than :data:`MIN_CELL` respondents, pooled into one stratum per wave.
    """

    data: pd.DataFrame
    excluded: pd.DataFrame
    population: float
    design: sv.Design
    fixed: sv.Design
    method: str = "raked"
    margins: MarginsTable | None = None
    weight_column: str | None = None
    pooled: tuple = ()

    @property
    def has_citizens(self) -> bool:
        return bool((self.data["group"] == CITIZEN).any())

    @property
    def citizens(self) -> sv.Design:
        """The calibrated design's citizen domain."""
        return self.design.subset(self.data["group"] == CITIZEN)


def check_weights(answers: pd.DataFrame, weight_column: str, where: str = "stakeholders") -> pd.Series:
    """The citizens' own weights of ``weight_column``: positive and finite, else one line
    naming the column and the first bad row (spreadsheet row = index + 2).

    Examples
    --------
    >>> check_weights(pd.DataFrame({"group": [1, 2], "w": [1.5, None]}), "w").tolist()
    [1.5, 1.0]
    >>> check_weights(pd.DataFrame({"group": [1, 1], "w": [1.5, 0]}), "w")
    Traceback (most recent call last):
    ruse_research.stats.survey.errors.WeightingError: stakeholders, row 3, column 'w': found 0.0, expected a positive, finite weight for every citizen (parameter weight_column)
    """
    if weight_column not in answers.columns:
        raise sv.WeightingError(
            f"{where}: parameter weight_column names {weight_column!r}, which is not a column "
            "of the export; expected a numeric item of the stakeholders codebook, or null"
        )
    values = pd.to_numeric(answers[weight_column], errors="coerce").astype(float)
    citizen = (answers["group"] == CITIZEN).to_numpy()
    bad = citizen & ~(np.isfinite(values.to_numpy()) & (values.to_numpy() > 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise sv.WeightingError(
            f"{where}, row {first + 2}, column {weight_column!r}: found "
            f"{float(values.iloc[first])!r}, expected a positive, finite weight for every "
            "citizen (parameter weight_column)"
        )
    return values.where(citizen, 1.0).fillna(1.0)


def stakeholder_design(
    answers: pd.DataFrame,
    margins_path=MARGINS_PATH,
    citizen_code: int = CITIZEN,
    population: float | None = None,
    bounds: tuple[float, float] | None = None,
    weight_column: str | None = None,
) -> StakeholderDesign:
    """Weights, strata and the calibrated design of the stakeholder questionnaire.

    Adds ``weight_population`` (citizens: raked weights summing to the population in each
    wave, or the team's ``weight_column``; organisations: 1), ``weight`` (the same rescaled
    to mean 1 within wave x group, for analysis) and ``stratum``.

    Citizens (``group == citizen_code``) are raked, wave by wave, to the one-way margins of
    ``margins_path`` (every margin of the file, through its ``survey_variable`` and
    ``survey_codes``; :func:`ruse_research.stats.survey.rake_to_reference`); citizens who
    did not answer a raking variable cannot be raked and are left out (counted in
    ``excluded``). With ``weight_column`` the citizens keep that column's weights (checked
    by :func:`check_weights`) and nothing is raked. NGOs, businesses and municipal
    administrations are their own groups, not weighted to a population: weight 1. Strata
    follow the sampling: wave x group x municipality for citizens (municipality quotas;
    municipalities with fewer than :data:`MIN_CELL` citizens in a wave are pooled into one
    stratum), wave x group for organisations; every respondent is a PSU.

    Examples
    --------
    >>> import itertools
    >>> codes = [m.code for m in profile.load().municipalities]  # the active profile's
    >>> citizens = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], codes)),
    ...                         columns=["sex", "age_band", "municipality"]).assign(wave=1, group=1)
    >>> ngos = pd.DataFrame({"sex": [1, None], "age_band": [2, None], "municipality": [1, 1],
    ...                      "wave": 1, "group": 2})
    >>> sd = stakeholder_design(pd.concat([citizens, ngos], ignore_index=True))
    >>> sd.data["weight"].tolist()[-2:], sd.excluded["n_excluded"].tolist()
    ([1.0, 1.0], [0])
    >>> sd.data["stratum"].iloc[[0, -1]].tolist()
    ['1-1-1', '1-2']
    """
    for name in ("wave", "group", "municipality"):
        column(answers, name, "stakeholder design")
    citizen = answers["group"] == citizen_code
    method = "raked" if citizen.any() and weight_column is None else (
        "own" if citizen.any() else "none")
    table = read_margins(profile.resolve(margins_path), population) if method == "raked" else None
    unraked = pd.Series(False, index=answers.index)
    if table is not None:
        for survey_variable, _ in table.recodes.values():
            unraked |= citizen & column(answers, survey_variable, "margin survey").isna()
    excluded = (
        unraked.groupby(answers["wave"])
        .sum()
        .rename("n_excluded")
        .rename_axis("wave")
        .reset_index()
    )
    excluded["n_excluded"] = excluded["n_excluded"].astype(np.int64)
    data = answers[~unraked].copy()
    citizens = data["group"] == citizen_code
    weight = pd.Series(1.0, index=data.index)
    if method == "raked":
        weight[citizens] = sv.rake_to_reference(
            data[citizens], profile.resolve(margins_path), population=population, by="wave",
            bounds=bounds,
        )
    elif method == "own":
        weight = check_weights(data, weight_column)
    data["weight_population"] = weight
    # Analysis weight: mean 1 within wave x group. Domain means, their SEs and group
    # differences do not change with a constant factor inside a group, but tables that
    # pool groups (Rao-Scott, Cramer's V, eta squared) then count every group with its
    # sample size instead of letting the population-sized citizen weights swamp the rest.
    data["weight"] = weight / weight.groupby([data["wave"], data["group"]]).transform("mean")
    stratum = data["wave"].astype(str) + "-" + data["group"].astype(str)
    municipality = data["municipality"].astype(str)
    sizes = municipality[citizens].groupby([data["wave"][citizens], municipality[citizens]]).size()
    small = sizes[sizes < MIN_CELL]
    pooled = tuple((w, m) for w, m in small.index)
    if pooled:
        is_small = pd.Series(list(zip(data["wave"], municipality, strict=True)),
                             index=data.index).isin(set(pooled))
        municipality = municipality.where(~(citizens & is_small), "pooled")
    data["stratum"] = stratum.where(~citizens, stratum + "-" + municipality)
    # the categories each citizen was raked on, and the raked population (one per wave)
    rake_columns = []
    if table is not None:
        for variable, (survey_variable, code_map) in table.recodes.items():
            data[f"rake_{variable}"] = (
                data[survey_variable].map(code_map).where(citizens).astype("Int64")
            )
            rake_columns.append(f"rake_{variable}")
        data["rake_group"] = data["wave"].where(citizens).astype("Int64")
    data = data.reset_index(drop=True)
    if table is not None:
        pop = float(sum(next(iter(table.margins.values())).values()))
    elif method == "own":
        pop = float(data.loc[data["group"] == citizen_code].groupby("wave")["weight_population"]
                    .sum().mean())
    else:
        pop = float("nan")
    lonely = data.groupby("stratum").size().min() < 2
    fixed = sv.Design.from_frame(data, weights="weight", strata="stratum",
                                 lonely_psu="adjust" if lonely else "fail")
    design = fixed.with_calibration(rake_columns, "rake_group") if rake_columns else fixed
    return StakeholderDesign(data, excluded, pop, design, fixed, method, table, weight_column,
                             pooled)
