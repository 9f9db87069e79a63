"""The stakeholder study (questionnaire B, notebook 02): the whole pipeline, as functions.

Notebook ``02_stakeholder_opinions.ipynb``, ``tests/test_stakeholder_study.py`` and
``bench/recovery.py`` all call these functions, so the study that is published is the
one that is tested and whose coverage is measured.

Pipeline
--------
:func:`load` / :func:`prepare`
    Read the stakeholder and staff exports (``ruse_research.data.io``), add the
    construct scores (:func:`stakeholder_scores`), weight the sample
    (:func:`stakeholder_design`) and give the survey designs (:class:`StakeholderStudy`);
    :func:`prepare` does the same for frames already read (generated data).
:func:`stakeholder_design`
    Citizens raked wave by wave to the population margins, organisations weight 1,
    strata as sampled; a calibrated :class:`~ruse_research.stats.survey.Design`.
Analyses (tidy DataFrames with codes, small cells already suppressed)
    :func:`weighting_margins`, :func:`weight_diagnostics`, :func:`weighting_sensitivity`,
    :func:`estimates_by_group`, :func:`estimates_by_municipality`, :func:`rao_scott_tests`,
    :func:`wald_tests`, :func:`group_contrasts`, :func:`wave_change`,
    :func:`trust_slopes`, :func:`trust_model`, :func:`satisfaction_model`,
    :func:`importance_performance`, :func:`perception_gap`, :func:`recommendation_themes`
    (themes and the quotes that pass the disclosure rules); :func:`analyse` runs them all
    into one :class:`StakeholderResults`, :func:`key_findings` picks the numbers the
    findings state. The published layout of every table (columns, headers, labels) is in
    :mod:`ruse_research.studies.stakeholder_tables`.

Every design-based estimate uses the calibrated design (the citizens' raking margins
enter the standard errors), including the omnibus Rao-Scott and Wald tests.

Examples
--------
>>> from ruse_research.studies import stakeholders
>>> study = stakeholders.load("data/raw/stakeholders.csv", "data/raw/staff.csv")
>>> study.design.calibration
('rake_sex', 'rake_age_group', 'rake_municipality')
>>> stakeholders.wald_tests(study)[["wave", "variable", "ndf"]].head(2)
   wave      variable  ndf
0     1      trust_ra  3.0
1     1  public_image  3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ruse_research import paths
from ruse_research.data import codebook as codebook_
from ruse_research.data import io
from ruse_research.stats import disclosure, scales, text
from ruse_research.stats import survey as sv
from ruse_research.stats.adjust import holm
from ruse_research.stats.quotes import representative_quotes
from ruse_research.stats.survey._columns import column

__all__ = [
    "ASPECTS",
    "CATEGORICAL",
    "CHANGED",
    "CITIZEN",
    "INDICATORS",
    "MARGINS_PATH",
    "NUMERIC",
    "STAKEHOLDER_SCORES",
    "KeyFindings",
    "StakeholderDesign",
    "StakeholderResults",
    "StakeholderStudy",
    "ThemeQuotes",
    "Themes",
    "analyse",
    "estimates_by_group",
    "estimates_by_municipality",
    "group_contrasts",
    "importance_performance",
    "key_findings",
    "load",
    "prepare",
    "perception_gap",
    "rao_scott_tests",
    "recommendation_themes",
    "satisfaction_model",
    "stakeholder_design",
    "stakeholder_scores",
    "trust_model",
    "trust_slopes",
    "wald_tests",
    "wave_change",
    "weight_diagnostics",
    "weighting_margins",
    "weighting_sensitivity",
]

MARGINS_PATH = "data/reference/population_margins.csv"
#: Code of the citizens in the ``group`` column (the only group raked to a population).
CITIZEN = 1
#: Constructs of the stakeholder questionnaire scored as the mean of their answered items.
STAKEHOLDER_SCORES = (
    "public_image",
    "admin_image",
    "sat_services",
    "impartiality",
    "responsiveness",
)
#: Estimated by wave and group.
INDICATORS = (
    "trust_ra",
    "aware_yes",
    "public_image",
    "admin_image",
    "sat_services",
    "impartiality",
)
#: Categorical items tested against group (Rao-Scott).
CATEGORICAL = ("aware_role", "contact_12m", "will_council", "info_source")
#: Scores compared between groups (Wald test and contrasts against citizens).
NUMERIC = ("trust_ra", "public_image", "admin_image")
#: Indicators whose change between waves is estimated in every group.
CHANGED = ("aware_yes", "trust_ra", "public_image")
#: Service aspects rated for importance (``imp_*``) and satisfaction (``sat_*``).
ASPECTS = ("time", "clarity", "courtesy", "access", "competence")
#: Variables of the weighting sensitivity table.
SENSITIVITY = ("trust_ra", "aware_yes", "public_image")
_STATS = ["estimate", "se", "ci_low", "ci_high"]


# --------------------------------------------------------------------------------------
# data and design


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
    >>> answers = io.read_survey(paths.resolve("data/raw/stakeholders.csv"), book)
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
    out of the weighting (sex or age not given) by wave; ``population`` is the raked
    population of one wave; ``design`` is the calibrated survey design of ``data``
    (strata ``stratum``, every respondent a PSU, calibration on the ``rake_*`` columns
    within ``rake_group``) and ``fixed`` the same design with the weights taken as fixed
    (for contrasts only).
    """

    data: pd.DataFrame
    excluded: pd.DataFrame
    population: float
    design: sv.Design
    fixed: sv.Design

    @property
    def citizens(self) -> sv.Design:
        """The calibrated design's citizen domain."""
        return self.design.subset(self.data["group"] == CITIZEN)


def stakeholder_design(
    answers: pd.DataFrame,
    margins_path=MARGINS_PATH,
    citizen_code: int = CITIZEN,
    population: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> StakeholderDesign:
    """Weights, strata and the calibrated design of the stakeholder questionnaire.

    Adds ``weight_population`` (citizens: raked weights summing to the population in each
    wave; organisations: 1), ``weight`` (the same rescaled to mean 1 within wave x group,
    for analysis) and ``stratum``.

    Citizens (``group == citizen_code``) are raked, wave by wave, to the one-way sex,
    age group and municipality margins of ``margins_path``
    (:func:`ruse_research.stats.survey.rake_to_reference`); citizens who did not give sex
    or age cannot be raked and are left out (counted in ``excluded``). NGOs, businesses
    and municipal administrations are their own groups, not weighted to a population:
    weight 1. Strata follow the sampling: wave x group x municipality for citizens
    (municipality quotas), wave x group for organisations; every respondent is a PSU.

    Examples
    --------
    >>> import itertools
    >>> citizens = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], range(1, 9))),
    ...                         columns=["sex", "age_band", "municipality"]).assign(wave=1, group=1)
    >>> ngos = pd.DataFrame({"sex": [1, None], "age_band": [2, None], "municipality": [1, 1],
    ...                      "wave": 1, "group": 2})
    >>> sd = stakeholder_design(pd.concat([citizens, ngos], ignore_index=True))
    >>> sd.data["weight"].tolist()[-2:], sd.excluded["n_excluded"].tolist()
    ([1.0, 1.0], [0])
    >>> sd.data["stratum"].iloc[[0, -1]].tolist()
    ['1-1-1', '1-2']
    """
    for name in ("wave", "group", "sex", "age_band", "municipality"):
        column(answers, name, "stakeholder design")
    margins_file = paths.resolve(margins_path)
    margins, recodes = sv.reference_margins(margins_file, population)
    citizen = answers["group"] == citizen_code
    unraked = citizen & (answers["sex"].isna() | answers["age_band"].isna())
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
    if citizens.any():
        weight[citizens] = sv.rake_to_reference(
            data[citizens], margins_file, population=population, by="wave", bounds=bounds
        )
    data["weight_population"] = weight
    # Analysis weight: mean 1 within wave x group. Domain means, their SEs and group
    # differences do not change with a constant factor inside a group, but tables that
    # pool groups (Rao-Scott, Cramer's V, eta squared) then count every group with its
    # sample size instead of letting the population-sized citizen weights swamp the rest.
    data["weight"] = weight / weight.groupby([data["wave"], data["group"]]).transform("mean")
    stratum = data["wave"].astype(str) + "-" + data["group"].astype(str)
    data["stratum"] = stratum.where(~citizens, stratum + "-" + data["municipality"].astype(str))
    # the categories each citizen was raked on, and the raked population (one per wave)
    rake_columns = []
    for variable, (survey_variable, code_map) in recodes.items():
        data[f"rake_{variable}"] = (
            data[survey_variable].map(code_map).where(citizens).astype("Int64")
        )
        rake_columns.append(f"rake_{variable}")
    data["rake_group"] = data["wave"].where(citizens).astype("Int64")
    data = data.reset_index(drop=True)
    pop = float(sum(next(iter(margins.values())).values()))
    fixed = sv.Design.from_frame(data, weights="weight", strata="stratum")
    design = fixed.with_calibration(rake_columns, "rake_group")
    return StakeholderDesign(data, excluded, pop, design, fixed)


@dataclass(frozen=True, eq=False)
class StakeholderStudy:
    """The study's inputs, read and weighted: codebooks, answers, designs, staff sample.

    ``sample`` is the :class:`StakeholderDesign`; ``design`` its calibrated survey design;
    ``staff`` the staff answers with the ``admin_image`` score and ``staff_design`` their
    (unweighted, simple random) design, for the perception gap; ``margins_path`` the
    reference margins the citizens were raked to.
    """

    book: codebook_.Codebook
    staff_book: codebook_.Codebook
    sample: StakeholderDesign
    staff: pd.DataFrame
    staff_design: sv.Design
    margins_path: object

    @property
    def data(self) -> pd.DataFrame:
        return self.sample.data

    @property
    def design(self) -> sv.Design:
        return self.sample.design

    @property
    def mirror(self) -> list[str]:
        """Stakeholder items worded as staff items (the perception gap's items)."""
        return [*self.book.mirror_pairs(self.staff_book)]


def load(stakeholders_path, staff_path, margins_path=MARGINS_PATH) -> StakeholderStudy:
    """Read both exports with their codebooks (``ruse_research.data.io``) and
    :func:`prepare` them."""
    book = codebook_.load_codebook("stakeholders")
    staff_book = codebook_.load_codebook("staff")
    answers = io.read_survey(paths.resolve(stakeholders_path), book)
    staff = io.read_survey(paths.resolve(staff_path), staff_book)
    return prepare(answers, staff, margins_path, book, staff_book)


def prepare(
    answers: pd.DataFrame,
    staff: pd.DataFrame,
    margins_path=MARGINS_PATH,
    book: codebook_.Codebook | None = None,
    staff_book: codebook_.Codebook | None = None,
) -> StakeholderStudy:
    """Score and weight typed answers (as ``io.read_survey`` returns them).

    Adds :func:`stakeholder_scores` to the stakeholder answers, weights them
    (:func:`stakeholder_design`) and scores the staff's ``admin_image`` (replacing a
    column of that name). ``bench/recovery.py`` calls it on generated frames.
    """
    book = book or codebook_.load_codebook("stakeholders")
    staff_book = staff_book or codebook_.load_codebook("staff")
    answers = pd.concat([answers, stakeholder_scores(answers, book)], axis=1)
    sample = stakeholder_design(answers, margins_path)
    staff_keys = scales.codebook_keys(staff_book, ["admin_image"])
    staff = pd.concat(
        [
            staff.drop(columns=["admin_image"], errors="ignore"),
            scales.score(staff, **staff_keys.kwargs()),
        ],
        axis=1,
    )
    return StakeholderStudy(
        book, staff_book, sample, staff, sv.Design.from_frame(staff), margins_path
    )


def _waves(study: StakeholderStudy) -> list:
    return sorted(study.data["wave"].unique())


def _in(study: StakeholderStudy, **values) -> pd.Series:
    mask = pd.Series(True, index=study.data.index)
    for name, value in values.items():
        mask &= study.data[name] == value
    return mask


# --------------------------------------------------------------------------------------
# weighting


def weighting_margins(study: StakeholderStudy) -> pd.DataFrame:
    """Citizens' sample, population and weighted shares on every raking margin, by wave.

    Columns ``wave``, ``variable`` (margin), ``category`` (margin category code), ``n``,
    ``population``, ``unweighted``, ``estimate`` (weighted share).
    """
    margins, recodes = sv.reference_margins(paths.resolve(study.margins_path))
    citizens = study.sample.citizens
    frame = citizens.frame
    rows = []
    for variable in recodes:
        rake_column = f"rake_{variable}"
        weighted = sv.estimate(citizens, rake_column, by="wave", kind="proportion")
        counts = frame.groupby(["wave", rake_column]).size().rename("n").reset_index()
        merged = weighted.drop(columns="n").merge(
            counts, left_on=["wave", "category"], right_on=["wave", rake_column]
        )
        merged["unweighted"] = merged["n"] / merged.groupby("wave")["n"].transform("sum")
        total = sum(margins[variable].values())
        merged["population"] = merged["category"].map(
            lambda c, m=margins[variable], total=total: m[c] / total
        )
        merged["variable"] = variable
        rows.append(merged)
    out = pd.concat(rows, ignore_index=True)
    return out[["wave", "variable", "category", "n", "population", "unweighted", "estimate"]]


def weight_diagnostics(study: StakeholderStudy) -> pd.DataFrame:
    """Kish design effect, efficiency and effective n of the citizens' weights by wave."""
    return sv.weight_diagnostics(study.sample.citizens.frame, "weight", by="wave")


def weighting_sensitivity(
    study: StakeholderStudy, bounds: Sequence[float], ci: float = 0.95
) -> pd.DataFrame:
    """Citizens' means by wave with no weights, the raked weights and bounded weights.

    ``version`` is ``"unweighted"`` (weight 1, strata only), ``"weighted"`` (the raked
    weights, calibrated variance) or ``"trimmed"`` (re-raked with the weights bounded to
    ``bounds`` times the mean weight, calibrated variance); ``deff_weights`` is Kish's
    design effect of that version's weights in the wave.
    """
    data, citizen = study.data, _in(study, group=CITIZEN)
    trimmed_weights = data["weight"].copy()
    trimmed_weights[citizen] = sv.rake_to_reference(
        data[citizen],
        paths.resolve(study.margins_path),
        population=study.sample.population,
        by="wave",
        bounds=tuple(bounds),
    )
    calibration = (study.design.calibration, study.design.calibration_group)
    versions = {
        "unweighted": sv.Design.from_frame(data.assign(weight=1.0), "weight", strata="stratum"),
        "weighted": study.design,
        "trimmed": sv.Design.from_frame(
            data.assign(weight=trimmed_weights), "weight", strata="stratum"
        ).with_calibration(*calibration),
    }
    parts = []
    for version, design in versions.items():
        domain = design.subset(citizen)
        est = sv.estimate(domain, list(SENSITIVITY), by="wave", ci=ci).assign(version=version)
        frame = domain.frame
        deff = frame.groupby("wave")["weight"].apply(sv.design_effect)
        est["deff_weights"] = est["wave"].map(deff)
        parts.append(est)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------
# estimates and comparisons


def estimates_by_group(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """:data:`INDICATORS` by wave and group (calibrated SEs), cells under 5 suppressed."""
    out = sv.estimate(study.design, list(INDICATORS), by=["wave", "group"], ci=ci)
    return disclosure.suppress(
        out, count_columns="n", group_columns=["variable", "wave", "group"], stat_columns=_STATS
    )


def estimates_by_municipality(study: StakeholderStudy, wave: int, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' trust and image by municipality in ``wave``, cells under 5 suppressed."""
    domain = study.design.subset(_in(study, group=CITIZEN, wave=wave))
    out = sv.estimate(domain, ["trust_ra", "public_image"], by="municipality", ci=ci)
    return disclosure.suppress(
        out, count_columns="n", group_columns=["variable", "municipality"], stat_columns=_STATS
    )


def rao_scott_tests(study: StakeholderStudy) -> pd.DataFrame:
    """Rao-Scott F of every :data:`CATEGORICAL` item x group, per wave, on the calibrated
    design; ``p_holm`` over the whole family."""
    out = pd.concat(
        [
            sv.rao_scott(study.design.subset(_in(study, wave=w)), item, "group").assign(wave=w)
            for w in _waves(study)
            for item in CATEGORICAL
        ],
        ignore_index=True,
    )
    out["p_holm"] = holm(out["p_value"].to_numpy())
    return out


def wald_tests(study: StakeholderStudy) -> pd.DataFrame:
    """Wald F of equal group means of every :data:`NUMERIC` score, per wave, on the
    calibrated design; ``p_holm`` over the whole family."""
    out = pd.concat(
        [
            sv.wald_test(study.design.subset(_in(study, wave=w)), v, "group").assign(wave=w)
            for w in _waves(study)
            for v in NUMERIC
        ],
        ignore_index=True,
    )
    out["p_holm"] = holm(out["p_value"].to_numpy())
    return out


def group_contrasts(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Every group minus citizens on each :data:`NUMERIC` score, per wave; ``p_holm`` over
    the whole family."""
    out = pd.concat(
        [
            sv.compare_means(
                study.design.subset(_in(study, wave=w)), v, "group", reference=CITIZEN, ci=ci
            ).assign(wave=w)
            for w in _waves(study)
            for v in NUMERIC
        ],
        ignore_index=True,
    )
    out["p_holm"] = holm(out["p_value"].to_numpy())
    return out


def wave_change(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Wave 2 minus wave 1 of each :data:`CHANGED` indicator in every group (``group_code``)."""
    return pd.concat(
        [
            sv.compare_means(
                study.design.subset(_in(study, group=g)), v, "wave", reference=1, ci=ci
            ).assign(group_code=g)
            for g in sorted(study.data["group"].unique())
            for v in CHANGED
        ],
        ignore_index=True,
    )


def trust_slopes(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' regression of trust on responsiveness, one model per wave (all terms)."""
    return pd.concat(
        [
            sv.linear_model(
                study.design.subset(_in(study, group=CITIZEN, wave=w)),
                "trust_ra",
                ["responsiveness"],
                ci=ci,
            ).assign(wave=w)
            for w in _waves(study)
        ],
        ignore_index=True,
    )


def trust_model(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' trust on responsiveness, impartiality, contact and wave (both waves)."""
    return sv.linear_model(
        study.sample.citizens,
        "trust_ra",
        ["responsiveness", "impartiality", "contact_yes", "wave"],
        categorical=["wave"],
        ci=ci,
    )


def satisfaction_model(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' overall satisfaction on the five aspect ratings and wave."""
    return sv.linear_model(
        study.sample.citizens,
        "sat_overall",
        [*(f"sat_{a}" for a in ASPECTS), "wave"],
        categorical=["wave"],
        ci=ci,
    )


def importance_performance(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Importance and satisfaction of every aspect among citizens with contact.

    Citizens with contact are a domain of the citizen sample (estimated ``by=``, not
    subset). Columns ``aspect``, ``importance``, ``importance_low``, ``importance_high``,
    ``n_importance``, ``performance``, ``performance_low``, ``performance_high``,
    ``n_performance``.
    """
    importance, performance = (
        sv.estimate(
            study.sample.citizens, [f"{kind}_{a}" for a in ASPECTS], by="contact_yes", ci=ci
        )
        .query("contact_yes == 1")
        .reset_index(drop=True)
        for kind in ("imp", "sat")
    )
    out = pd.DataFrame({"aspect": list(ASPECTS)})
    for name, part in (("importance", importance), ("performance", performance)):
        out[name] = part["estimate"].to_numpy()
        out[f"{name}_low"] = part["ci_low"].to_numpy()
        out[f"{name}_high"] = part["ci_high"].to_numpy()
        out[f"n_{name}"] = part["n"].to_numpy()
    return out


def perception_gap(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Staff mean minus each group's mean on the mirror items and the admin_image score,
    per wave; cells with fewer than 5 stakeholders suppressed."""
    gaps = pd.concat(
        [
            sv.difference_between_samples(
                study.staff_design,
                study.design.subset(_in(study, wave=w)),
                [*study.mirror, "admin_image"],
                by="group",
                ci=ci,
            ).assign(wave=w)
            for w in _waves(study)
        ],
        ignore_index=True,
    )
    return disclosure.suppress(
        gaps,
        count_columns="n_second",
        group_columns=["wave", "variable", "group"],
        stat_columns=["estimate_second", "difference", "se", "ci_low", "ci_high"],
    )


# --------------------------------------------------------------------------------------
# open answers


@dataclass(frozen=True)
class ThemeQuotes:
    """Scrubbed quotes of one theme that has at least ``min_quote`` answers."""

    theme: str
    n: int
    quotes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Themes:
    """Coded recommendations: ``coded`` (0/1 per theme), ``frequencies`` by group (small
    cells suppressed), ``shares`` over everyone, ``quotes`` per quotable theme."""

    themes: text.ThemeSet
    coded: pd.DataFrame
    frequencies: pd.DataFrame
    shares: pd.DataFrame
    quotes: tuple[ThemeQuotes, ...]


def recommendation_themes(
    study: StakeholderStudy, min_quote: int = 10, quotes_per_theme: int = 2, seed: int = 20190118
) -> Themes:
    """Code the open recommendations into themes, tabulate them by group and pick quotes.

    Frequencies by group are suppressed below 5 answers; quotes come only from themes
    with at least ``min_quote`` answers (the privacy rule: 10) and are scrubbed of
    personal data by :func:`ruse_research.stats.quotes.representative_quotes`.
    """
    themes = text.load_themes()
    answers = study.data["recommend"]
    coded = text.code_answers(answers, themes)
    frequencies = disclosure.suppress(
        text.theme_frequencies(coded, by=study.data["group"]),
        count_columns=["n", "n_answers"],
        group_columns=["group", "theme"],
        stat_columns=["share"],
    )
    totals = coded.drop(columns="not_coded").sum().sort_values(ascending=False, kind="stable")
    quotes = []
    for theme, n_theme in totals[totals >= min_quote].items():
        picked = representative_quotes(
            answers, coded, theme, k=quotes_per_theme, min_answers=min_quote, seed=seed
        )
        quotes.append(ThemeQuotes(str(theme), int(n_theme), tuple(picked["quote"].tolist())))
    return Themes(themes, coded, frequencies, text.theme_frequencies(coded), tuple(quotes))


# --------------------------------------------------------------------------------------
# everything, and the numbers the findings state


@dataclass(frozen=True, eq=False)
class StakeholderResults:
    """Every table of the study (see the functions of the same names)."""

    margins: pd.DataFrame
    diagnostics: pd.DataFrame
    sensitivity: pd.DataFrame
    estimates: pd.DataFrame
    by_municipality: pd.DataFrame
    rao_scott: pd.DataFrame
    wald: pd.DataFrame
    contrasts: pd.DataFrame
    change: pd.DataFrame
    slopes: pd.DataFrame
    trust_model: pd.DataFrame
    satisfaction_model: pd.DataFrame
    ipa: pd.DataFrame
    gaps: pd.DataFrame
    themes: Themes
    latest_wave: int


def analyse(
    study: StakeholderStudy,
    ci: float = 0.95,
    trim_bounds: Sequence[float] = (0.5, 2.0),
    latest_wave: int = 2,
    min_quote: int = 10,
    quotes_per_theme: int = 2,
    seed: int = 20190118,
) -> StakeholderResults:
    """Run the whole study (the notebook's parameters as arguments)."""
    return StakeholderResults(
        margins=weighting_margins(study),
        diagnostics=weight_diagnostics(study),
        sensitivity=weighting_sensitivity(study, trim_bounds, ci),
        estimates=estimates_by_group(study, ci),
        by_municipality=estimates_by_municipality(study, latest_wave, ci),
        rao_scott=rao_scott_tests(study),
        wald=wald_tests(study),
        contrasts=group_contrasts(study, ci),
        change=wave_change(study, ci),
        slopes=trust_slopes(study, ci),
        trust_model=trust_model(study, ci),
        satisfaction_model=satisfaction_model(study, ci),
        ipa=importance_performance(study, ci),
        gaps=perception_gap(study, ci),
        themes=recommendation_themes(study, min_quote, quotes_per_theme, seed),
        latest_wave=latest_wave,
    )


@dataclass(frozen=True)
class KeyFindings:
    """The numbers the findings sentences state; intervals are ``(estimate, low, high)``.

    ``top_group``/``low_group`` have the highest and lowest trust in the latest wave,
    ``top_contrast`` is the top group minus citizens (``None`` when the top group is the
    citizens), ``citizen_gap`` and ``municipality_gap`` the staff-minus-group gaps in
    admin_image, ``top_theme`` the most frequent recommendation theme and its share; ``n``
    the sample sizes behind each finding and ``std`` the standardised differences (d).
    """

    unweighted_trust: float
    weighted_trust: float
    top_group: int
    top: tuple[float, float, float]
    low_group: int
    low: tuple[float, float, float]
    top_contrast: tuple[float, float, float] | None
    image_change: tuple[float, float, float]
    aware_change: tuple[float, float, float]
    slope: tuple[float, float, float]
    citizen_gap: tuple[float, float, float]
    municipality_gap: tuple[float, float, float]
    top_theme: str
    top_theme_share: float
    n: dict[str, int] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)


def _interval(row, estimate: str = "estimate") -> tuple[float, float, float]:
    return (float(row[estimate]), float(row["ci_low"]), float(row["ci_high"]))


def key_findings(results: StakeholderResults) -> KeyFindings:
    """The numbers of the findings, taken from the results (never typed in)."""
    latest = results.latest_wave
    sens = results.sensitivity
    wave1_trust = sens[(sens["wave"] == 1) & (sens["variable"] == "trust_ra")].set_index("version")
    est = results.estimates
    trust = est[(est["variable"] == "trust_ra") & (est["wave"] == latest)]
    trust = trust.dropna(subset=["estimate"]).sort_values("estimate", kind="stable")
    top, low = trust.iloc[-1], trust.iloc[0]
    con = results.contrasts
    top_contrast = con[
        (con["variable"] == "trust_ra") & (con["wave"] == latest) & (con["group"] == top["group"])
    ]
    change = results.change[results.change["group_code"] == CITIZEN].set_index("variable")
    slopes = results.slopes
    slope = slopes[(slopes["term"] == "responsiveness") & (slopes["wave"] == latest)].iloc[0]
    gaps = results.gaps
    gap = gaps[(gaps["wave"] == latest) & (gaps["variable"] == "admin_image")].set_index("group")
    shares = results.themes.shares
    theme = (
        shares[shares["theme"] != "not_coded"]
        .sort_values("share", ascending=False, kind="stable")
        .iloc[0]
    )
    return KeyFindings(
        unweighted_trust=float(wave1_trust.loc["unweighted", "estimate"]),
        weighted_trust=float(wave1_trust.loc["weighted", "estimate"]),
        top_group=int(top["group"]),
        top=_interval(top),
        low_group=int(low["group"]),
        low=_interval(low),
        top_contrast=_interval(top_contrast.iloc[0], "difference") if len(top_contrast) else None,
        image_change=_interval(change.loc["public_image"], "difference"),
        aware_change=_interval(change.loc["aware_yes"], "difference"),
        slope=_interval(slope),
        citizen_gap=_interval(gap.loc[CITIZEN], "difference"),
        municipality_gap=_interval(gap.loc[4], "difference"),
        top_theme=str(theme["theme"]),
        top_theme_share=float(theme["share"]),
        n={"weighting": int(wave1_trust.loc["weighted", "n"]), "top": int(top["n"]), "low": int(low["n"]),
           "change_1": int(change.loc["public_image", "n_reference"]),
           "change_2": int(change.loc["public_image", "n_group"]), "slope": int(slope["n"]),
           "staff": int(gap.loc[CITIZEN, "n_first"]), "citizens": int(gap.loc[CITIZEN, "n_second"]),
           "theme": int(theme["n_answers"])},
        std={"image_change": float(change.loc["public_image", "std_diff"]),
             **({"top_contrast": float(top_contrast.iloc[0]["std_diff"])} if len(top_contrast) else {})},
    )
