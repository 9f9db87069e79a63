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
    :func:`trust_slopes`, :func:`trust_model` (and its ordinal model, ``stakeholder_models``),
    :func:`satisfaction_model`,
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

import pandas as pd

from ruse_research.data import codebook as codebook_
from ruse_research.data import io, profile
from ruse_research.stats import disclosure, scales
from ruse_research.stats import survey as sv
from ruse_research.stats.adjust import holm
from ruse_research.studies import stakeholder_models
from ruse_research.studies.stakeholder_themes import ThemeQuotes, Themes, recommendation_themes  # noqa: F401 (re-exported)
from ruse_research.studies.stakeholders_design import (
    CITIZEN,
    MARGINS_PATH,
    MIN_CELL,
    STAKEHOLDER_SCORES,
    StakeholderDesign,
    stakeholder_design,
    stakeholder_scores,
)

__all__ = [
    "ASPECTS",
    "CATEGORICAL",
    "CHANGED",
    "CITIZEN",
    "INDICATORS",
    "MARGINS_PATH",
    "NUMERIC",
    "STAKEHOLDER_SCORES",
    "GROUPS",
    "KeyFindings",
    "MIN_CELL",
    "Note",
    "StakeholderDesign",
    "StakeholderResults",
    "StakeholderStudy",
    "ThemeQuotes",
    "Themes",
    "analyse",
    "check_analysis_parameters",
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
    "reference_group",
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


@dataclass(frozen=True, eq=False)
class StakeholderStudy:
    """The study's inputs, read and weighted: codebooks, answers, designs, staff sample.

    ``sample`` is the :class:`StakeholderDesign`; ``design`` its calibrated survey design;
    ``staff`` the staff answers with the ``admin_image`` score and ``staff_design`` their
    (unweighted, simple random) design, for the perception gap (both ``None`` without a
    staff file); ``margins_path`` the reference margins the citizens were raked to.
    """

    book: codebook_.Codebook
    staff_book: codebook_.Codebook
    sample: StakeholderDesign
    staff: pd.DataFrame | None
    staff_design: sv.Design | None
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

    @property
    def waves(self) -> list[int]:
        """The waves in the data, in order."""
        return [int(w) for w in sorted(self.data["wave"].dropna().unique())]

    @property
    def groups(self) -> list[int]:
        """The stakeholder groups in the data, in code order."""
        return [int(g) for g in sorted(self.data["group"].dropna().unique())]


def load(stakeholders_path, staff_path=None, margins_path=MARGINS_PATH,
         weight_column: str | None = None, codebook=None) -> StakeholderStudy:
    """Read both exports with their codebooks (``ruse_research.data.io``) and
    :func:`prepare` them; ``staff_path=None`` reads no staff file (no perception gap);
    ``codebook`` (a name or path) replaces the bundled stakeholders codebook."""
    book = codebook_.load_codebook(codebook or "stakeholders")
    staff_book = codebook_.load_codebook("staff")
    answers = io.read_survey(profile.resolve(stakeholders_path), book)
    staff = None if staff_path is None else io.read_survey(profile.resolve(staff_path), staff_book)
    return prepare(answers, staff, margins_path, book, staff_book, weight_column)


def prepare(
    answers: pd.DataFrame,
    staff: pd.DataFrame | None,
    margins_path=MARGINS_PATH,
    book: codebook_.Codebook | None = None,
    staff_book: codebook_.Codebook | None = None,
    weight_column: str | None = None,
) -> StakeholderStudy:
    """Score and weight typed answers (as ``io.read_survey`` returns them).

    Adds :func:`stakeholder_scores` to the stakeholder answers, weights them
    (:func:`stakeholder_design`) and scores the staff's ``admin_image`` (replacing a
    column of that name). ``bench/recovery.py`` calls it on generated frames.
    """
    book = book or codebook_.load_codebook("stakeholders")
    staff_book = staff_book or codebook_.load_codebook("staff")
    answers = pd.concat([answers, stakeholder_scores(answers, book)], axis=1)
    sample = stakeholder_design(answers, margins_path, weight_column=weight_column)
    staff_design = None
    if staff is not None:
        staff_keys = scales.codebook_keys(staff_book, ["admin_image"])
        staff = pd.concat(
            [
                staff.drop(columns=["admin_image"], errors="ignore"),
                scales.score(staff, **staff_keys.kwargs()),
            ],
            axis=1,
        )
        staff_design = sv.Design.from_frame(staff)
    return StakeholderStudy(book, staff_book, sample, staff, staff_design, margins_path)


def _waves(study: StakeholderStudy) -> list:
    return study.waves


def _in(study: StakeholderStudy, **values) -> pd.Series:
    mask = pd.Series(True, index=study.data.index)
    for name, value in values.items():
        mask &= study.data[name] == value
    return mask


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


def _groups_in_wave(study: StakeholderStudy, wave) -> list[int]:
    return [int(g) for g in sorted(study.data.loc[_in(study, wave=wave), "group"].unique())]


def reference_group(study: StakeholderStudy) -> int | None:
    """The group the others are compared with: citizens, else the first group present."""
    groups = study.groups
    if not groups:
        return None
    return CITIZEN if CITIZEN in groups else groups[0]


# --------------------------------------------------------------------------------------
# weighting

_MARGINS_COLUMNS = ("wave", "variable", "category", "n", "population", "unweighted", "estimate")


def weighting_margins(study: StakeholderStudy) -> pd.DataFrame:
    """Citizens' sample, population and weighted shares on every raking margin, by wave.

    Columns ``wave``, ``variable`` (margin), ``category`` (margin category code), ``n``,
    ``population``, ``unweighted``, ``estimate`` (weighted share); cells of fewer than 5
    citizens are suppressed (``disclosure.suppress``, with a ``suppressed`` column then).
    Empty when the citizens were not raked (own weights, no citizens).
    """
    table = study.sample.margins
    if table is None:
        return _empty(*_MARGINS_COLUMNS)
    margins, recodes = table.margins, table.recodes
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
    out = pd.concat(rows, ignore_index=True)[list(_MARGINS_COLUMNS)]
    # a category with fewer than 5 citizens in a wave: hidden with a complement, not an error
    out = disclosure.suppress(out, count_columns="n", group_columns=["wave", "variable", "category"],
                              stat_columns=["unweighted", "estimate"])
    return out if out["n"].isna().any() else out[list(_MARGINS_COLUMNS)]


def weight_diagnostics(study: StakeholderStudy) -> pd.DataFrame:
    """Kish design effect, efficiency and effective n of the citizens' weights by wave."""
    if not study.sample.has_citizens:
        return _empty("wave", "n", "weight_min", "weight_max", "max_min_ratio", "deff",
                      "efficiency", "n_effective")
    return sv.weight_diagnostics(study.sample.citizens.frame, "weight", by="wave")


def weighting_sensitivity(
    study: StakeholderStudy, bounds: Sequence[float] | None, ci: float = 0.95
) -> pd.DataFrame:
    """Citizens' means by wave with no weights, the raked weights and bounded weights.

    ``version`` is ``"unweighted"`` (weight 1, strata only), ``"weighted"`` (the raked
    or the team's own weights, calibrated variance when raked) or ``"trimmed"`` (re-raked
    with the weights bounded to ``bounds`` times the mean weight, calibrated variance;
    only when raked and ``bounds`` is given); ``deff_weights`` is Kish's design effect of
    that version's weights in the wave. When the bounded raking cannot converge (e.g. a
    municipality of 3 citizens in a wave) the ``"trimmed"`` version is left out and
    ``attrs["trim_failed"]`` holds the bounds: the study goes on and a note says so.
    """
    columns = ("wave", "variable", "version", "n", "estimate", "ci_low", "ci_high",
               "deff_weights")
    if not study.sample.has_citizens:
        return _empty(*columns)
    data, citizen = study.data, _in(study, group=CITIZEN)
    versions = {
        "unweighted": sv.Design.from_frame(data.assign(weight=1.0), "weight", strata="stratum",
                                           lonely_psu=study.design.lonely_psu),
        "weighted": study.design,
    }
    trim_failed = None
    if study.sample.method == "raked" and bounds is not None:
        trimmed_weights = data["weight"].copy()
        try:
            trimmed_weights[citizen] = sv.rake_to_reference(
                data[citizen],
                profile.resolve(study.margins_path),
                population=study.sample.population,
                by="wave",
                bounds=tuple(bounds),
            )
        except sv.RakingError:
            trim_failed = tuple(bounds)
        else:
            calibration = (study.design.calibration, study.design.calibration_group)
            versions["trimmed"] = sv.Design.from_frame(
                data.assign(weight=trimmed_weights), "weight", strata="stratum",
                lonely_psu=study.design.lonely_psu,
            ).with_calibration(*calibration)
    parts = []
    for version, design in versions.items():
        domain = design.subset(citizen)
        est = sv.estimate(domain, list(SENSITIVITY), by="wave", ci=ci).assign(version=version)
        frame = domain.frame
        deff = frame.groupby("wave")["weight"].apply(sv.design_effect)
        est["deff_weights"] = est["wave"].map(deff)
        parts.append(est)
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update({"trim_failed": trim_failed} if trim_failed else {})
    return out


# --------------------------------------------------------------------------------------
# estimates and comparisons


def estimates_by_group(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """:data:`INDICATORS` by wave and group (calibrated SEs), cells under 5 suppressed."""
    out = sv.estimate(study.design, list(INDICATORS), by=["wave", "group"], ci=ci)
    return disclosure.suppress(
        out, count_columns="n", group_columns=["variable", "wave", "group"], stat_columns=_STATS
    )


def estimates_by_municipality(study: StakeholderStudy, wave: int, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' trust and image by municipality in ``wave``, cells under 5 suppressed
    (empty without citizens in that wave)."""
    mask = _in(study, group=CITIZEN, wave=wave)
    if not mask.any():
        return _empty("variable", "municipality", "n", *_STATS, "wave")
    domain = study.design.subset(mask)
    out = sv.estimate(domain, ["trust_ra", "public_image"], by="municipality", ci=ci)
    return disclosure.suppress(
        out, count_columns="n", group_columns=["variable", "municipality"], stat_columns=_STATS
    ).assign(wave=wave)


def _omnibus(study: StakeholderStudy, test, variables) -> pd.DataFrame:
    parts = [
        test(study.design.subset(_in(study, wave=w)), v, "group").assign(wave=w)
        for w in _waves(study)
        if len(_groups_in_wave(study, w)) >= 3
        for v in variables
    ]
    if not parts:
        return _empty("wave", "variable", "row", "n", "statistic", "ndf", "ddf", "p_value",
                      "p_holm", "cramers_v", "eta_squared")
    out = pd.concat(parts, ignore_index=True)
    out["p_holm"] = holm(out["p_value"].to_numpy())
    return out


def rao_scott_tests(study: StakeholderStudy) -> pd.DataFrame:
    """Rao-Scott F of every :data:`CATEGORICAL` item x group, per wave with at least three
    groups (two groups are compared by :func:`group_contrasts`), on the calibrated design;
    ``p_holm`` over the whole family."""
    return _omnibus(study, sv.rao_scott, CATEGORICAL)


def wald_tests(study: StakeholderStudy) -> pd.DataFrame:
    """Wald F of equal group means of every :data:`NUMERIC` score, per wave with at least
    three groups, on the calibrated design; ``p_holm`` over the whole family."""
    return _omnibus(study, sv.wald_test, NUMERIC)


def group_contrasts(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Every group minus the :func:`reference_group` (citizens when present) on each
    :data:`NUMERIC` score, per wave with at least two groups; ``p_holm`` over the whole
    family."""
    reference = reference_group(study)
    parts = [
        sv.compare_means(
            study.design.subset(_in(study, wave=w)), v, "group", reference=reference, ci=ci
        ).assign(wave=w)
        for w in _waves(study)
        if reference in _groups_in_wave(study, w) and len(_groups_in_wave(study, w)) >= 2
        for v in NUMERIC
    ]
    if not parts:
        return _empty("wave", "variable", "group", "reference", "n_group", "difference",
                      "ci_low", "ci_high", "p_value", "p_holm", "std_diff")
    out = pd.concat(parts, ignore_index=True)
    out["p_holm"] = holm(out["p_value"].to_numpy())
    # a group of fewer than 5 in a wave (4 NGOs in the second wave): hidden with a complement, not an error
    return disclosure.suppress(out, count_columns=["n_group"], group_columns=["wave", "variable", "group"],
                               stat_columns=["difference", "ci_low", "ci_high", "p_value", "p_holm", "std_diff"])


def wave_change(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Latest minus first wave of each :data:`CHANGED` indicator in every group
    (``group_code``) that answered in both; empty with one wave."""
    waves = _waves(study)
    if len(waves) < 2:
        return _empty("group_code", "variable", "n_reference", "n_group", "estimate_reference",
                      "estimate_group", "difference", "ci_low", "ci_high", "p_value")
    first, latest = waves[0], waves[-1]
    both = study.data["wave"].isin([first, latest])
    parts = [
        sv.compare_means(
            study.design.subset(_in(study, group=g) & both), v, "wave", reference=first, ci=ci
        ).assign(group_code=g)
        for g in study.groups
        if {first, latest} <= set(study.data.loc[_in(study, group=g), "wave"])
        for v in CHANGED
    ]
    # a group of fewer than 5 in one of the waves: its change is hidden (both counts)
    return disclosure.hide_small_rows(
        pd.concat(parts, ignore_index=True), ["n_reference", "n_group"],
        ["estimate_reference", "estimate_group", "difference", "ci_low", "ci_high", "p_value"])


def _citizen_model(study: StakeholderStudy, outcome: str, terms: list[str], ci: float) -> pd.DataFrame:
    if not study.sample.has_citizens:
        return _empty("term", "estimate", "ci_low", "ci_high", "p_value", "n")
    if len(_waves(study)) > 1:
        return sv.linear_model(study.sample.citizens, outcome, [*terms, "wave"],
                               categorical=["wave"], ci=ci)
    return sv.linear_model(study.sample.citizens, outcome, terms, ci=ci)


def trust_slopes(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' regression of trust on responsiveness, one model per wave (all terms)."""
    parts = [
        sv.linear_model(
            study.design.subset(_in(study, group=CITIZEN, wave=w)),
            "trust_ra",
            ["responsiveness"],
            ci=ci,
        ).assign(wave=w)
        for w in _waves(study)
        if _in(study, group=CITIZEN, wave=w).any()
    ]
    if not parts:
        return _empty("term", "estimate", "ci_low", "ci_high", "p_value", "wave", "n")
    return pd.concat(parts, ignore_index=True)


def trust_model(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' trust on responsiveness, impartiality, contact and wave (all waves; no
    wave term with one wave)."""
    return _citizen_model(study, "trust_ra", ["responsiveness", "impartiality", "contact_yes"], ci)


def satisfaction_model(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Citizens' overall satisfaction on the five aspect ratings and wave."""
    return _citizen_model(study, "sat_overall", [f"sat_{a}" for a in ASPECTS], ci)


def importance_performance(study: StakeholderStudy, ci: float = 0.95) -> pd.DataFrame:
    """Importance and satisfaction of every aspect among citizens with contact.

    Citizens with contact are a domain of the citizen sample (estimated ``by=``, not
    subset). Columns ``aspect``, ``importance``, ``importance_low``, ``importance_high``,
    ``n_importance``, ``performance``, ``performance_low``, ``performance_high``,
    ``n_performance``; empty without citizens.
    """
    names = [f"{n}{s}" for n in ("importance", "performance") for s in ("", "_low", "_high")]
    if not study.sample.has_citizens:
        return _empty("aspect", *names, "n_importance", "n_performance")
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
    per wave; cells with fewer than 5 stakeholders suppressed; empty without staff."""
    if study.staff_design is None:
        return _empty("variable", "group", "wave", "n_first", "estimate_first", "n_second",
                      "estimate_second", "difference", "se", "ci_low", "ci_high", "p_value")
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
# everything, and the numbers the findings state


@dataclass(frozen=True)
class Note:
    """What could not be estimated (or was changed) and why: the report section, the
    catalog key of the sentence and the values it states."""

    section: str
    key: str
    values: tuple = ()


@dataclass(frozen=True, eq=False)
class StakeholderResults:
    """Every table of the study (see the functions of the same names), the waves and
    groups in the data, the contrasts' reference group and the :class:`Note` list."""

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
    trust_ordinal: pd.DataFrame
    satisfaction_ordinal: pd.DataFrame
    ipa: pd.DataFrame
    gaps: pd.DataFrame
    themes: Themes
    latest_wave: int
    waves: tuple = ()
    groups: tuple = ()
    reference: int | None = CITIZEN
    notes: tuple = ()

    def notes_for(self, section: str) -> list[Note]:
        """The notes of one report section."""
        return [n for n in self.notes if n.section == section]


#: Stakeholder groups the questionnaire knows (codes of the codebook's ``group`` scale).
GROUPS = (1, 2, 3, 4)


def check_analysis_parameters(study: StakeholderStudy, trim_bounds, latest_wave) -> int:
    """``latest_wave`` (``None`` = the last wave in the data) checked against the data, and
    ``trim_bounds``; one line naming the parameter otherwise."""
    waves = study.waves
    if latest_wave is None:
        latest_wave = waves[-1]
    if latest_wave not in waves:
        raise sv.WeightingError(
            f"parameter latest_wave = {latest_wave!r}: no such wave in the data; expected one "
            f"of {', '.join(map(str, waves))} (or null for the last one)"
        )
    if trim_bounds is not None:
        bounds = list(trim_bounds)
        if len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds) or not (
            0 <= bounds[0] < 1 < bounds[1]
        ):
            raise sv.WeightingError(
                f"parameter trim_bounds = {trim_bounds!r}: expected [lower, upper] with "
                "0 <= lower < 1 < upper, for example [0.5, 2.0] (or null for no check)"
            )
    return int(latest_wave)


def _notes(study: StakeholderStudy, results: dict, latest: int) -> list[Note]:
    sample, waves, groups = study.sample, study.waves, study.groups
    notes = []
    known = [int(g) for g in study.book.scale("group").values] or list(GROUPS)
    absent = tuple(g for g in known if g not in groups)
    if absent:
        notes.append(Note("estimates", "note_groups_absent", absent))
    if sample.method == "none":
        for section in ("weighting", "estimates", "drivers", "ipa"):
            notes.append(Note(section, "note_no_citizens"))
    elif sample.method == "own":
        notes.append(Note("weighting", "note_own_weights", (sample.weight_column,)))
    if sample.pooled:
        notes.append(Note("estimates", "note_pooled_strata", sample.pooled))
    by_m = results["by_municipality"]
    hidden = tuple(sorted(by_m.loc[by_m["n"].isna(), "municipality"].astype(int).unique()))
    if hidden:
        notes.append(Note("estimates", "note_sparse_municipalities", (latest, hidden)))
    if len(groups) < 3:
        notes.append(Note("compare", "note_no_omnibus" if len(groups) == 2 else "note_no_comparison"))
    reference = reference_group(study)
    if reference is not None and reference != CITIZEN and len(groups) >= 2:
        notes.append(Note("compare", "note_contrast_reference", (reference,)))
    if len(waves) < 2:
        notes.append(Note("change", "note_one_wave", (waves[0],)))
    elif len(waves) > 2:
        notes.append(Note("change", "note_first_latest", (waves[0], waves[-1])))
    if study.staff_design is None:
        notes.append(Note("gap", "note_no_staff"))
    if "trim_failed" in results["sensitivity"].attrs:
        notes.append(Note("weighting", "note_trim_failed", results["sensitivity"].attrs["trim_failed"]))
    ordinal = [results[k] for k in ("trust_ordinal", "satisfaction_ordinal") if k in results]
    return notes + [Note("drivers", k) for k in stakeholder_models.note_keys(study, *ordinal)]


def analyse(
    study: StakeholderStudy,
    ci: float = 0.95,
    trim_bounds: Sequence[float] | None = (0.5, 2.0),
    latest_wave: int | None = None,
    min_quote: int = 10,
    quotes_per_theme: int = 2,
    seed: int = 20190118,
) -> StakeholderResults:
    """Run the whole study (the notebook's parameters as arguments); ``latest_wave=None``
    is the last wave in the data. Tables the design cannot give are empty and a
    :class:`Note` says why."""
    latest = check_analysis_parameters(study, trim_bounds, latest_wave)
    tables = dict(
        margins=weighting_margins(study),
        diagnostics=weight_diagnostics(study),
        sensitivity=weighting_sensitivity(study, trim_bounds, ci),
        estimates=estimates_by_group(study, ci),
        by_municipality=estimates_by_municipality(study, latest, ci),
        rao_scott=rao_scott_tests(study),
        wald=wald_tests(study),
        contrasts=group_contrasts(study, ci),
        change=wave_change(study, ci),
        slopes=trust_slopes(study, ci),
        trust_model=trust_model(study, ci),
        satisfaction_model=satisfaction_model(study, ci),
        trust_ordinal=stakeholder_models.trust_ordinal(study, ci),
        satisfaction_ordinal=stakeholder_models.satisfaction_ordinal(study, ci),
        ipa=importance_performance(study, ci),
        gaps=perception_gap(study, ci),
        themes=recommendation_themes(study, min_quote, quotes_per_theme, seed),
    )
    return StakeholderResults(
        **tables,
        latest_wave=latest,
        waves=tuple(study.waves),
        groups=tuple(study.groups),
        reference=reference_group(study),
        notes=tuple(_notes(study, tables, latest)),
    )


@dataclass(frozen=True)
class KeyFindings:
    """The numbers the findings sentences state; intervals are ``(estimate, low, high)``.

    ``top_group``/``low_group`` have the highest and lowest trust in the latest wave,
    ``top_contrast`` is the top group minus the reference group (``None`` when the top
    group is the reference), ``citizen_gap`` and ``municipality_gap`` the staff-minus-group
    gaps in admin_image, ``top_theme`` the most frequent recommendation theme and its
    share. A number the design cannot give (no citizens, one wave, no staff file) is
    ``None``; ``first_wave`` and ``latest_wave`` are the waves the sentences speak of;
    ``trust_odds`` the ordinal model's odds ratio of responsiveness;
    ``n`` the sample sizes behind each finding and ``std`` the standardised differences
    (d), each only for the numbers the design gives.
    """

    unweighted_trust: float | None
    weighted_trust: float | None
    top_group: int
    top: tuple[float, float, float]
    low_group: int
    low: tuple[float, float, float]
    top_contrast: tuple[float, float, float] | None
    image_change: tuple[float, float, float] | None
    aware_change: tuple[float, float, float] | None
    slope: tuple[float, float, float] | None
    citizen_gap: tuple[float, float, float] | None
    municipality_gap: tuple[float, float, float] | None
    top_theme: str
    top_theme_share: float
    trust_odds: tuple[float, float, float] | None = None
    first_wave: int = 1
    latest_wave: int = 2
    n: dict[str, int] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)


def _interval(row, estimate: str = "estimate") -> tuple[float, float, float]:
    return (float(row[estimate]), float(row["ci_low"]), float(row["ci_high"]))


def _sizes(first_trust, top, low, change, slope, gap, theme) -> dict[str, int]:
    """The sample sizes behind the findings, for the numbers the design gives."""
    n = {"top": int(top["n"]), "low": int(low["n"]), "theme": int(theme["n_answers"])}
    if first_trust is not None:
        n["weighting"] = int(first_trust.loc["weighted", "n"])
    if "public_image" in change.index:
        n["change_1"] = int(change.loc["public_image", "n_reference"])
        n["change_2"] = int(change.loc["public_image", "n_group"])
    if len(slope):
        n["slope"] = int(slope.iloc[0]["n"])
    if CITIZEN in gap.index:
        n["staff"] = int(gap.loc[CITIZEN, "n_first"])
        n["citizens"] = int(gap.loc[CITIZEN, "n_second"])
    return n


def key_findings(results: StakeholderResults) -> KeyFindings:
    """The numbers of the findings, taken from the results (never typed in)."""
    latest = results.latest_wave
    first = results.waves[0] if results.waves else 1
    sens = results.sensitivity
    first_trust = sens[(sens["wave"] == first) & (sens["variable"] == "trust_ra")].set_index("version")
    has_weights = {"unweighted", "weighted"} <= set(first_trust.index)
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
    slope = slopes[(slopes["term"] == "responsiveness") & (slopes["wave"] == latest)]
    gaps = results.gaps
    gap = gaps[(gaps["wave"] == latest) & (gaps["variable"] == "admin_image")]
    gap = gap.dropna(subset=["difference"]).set_index("group")
    shares = results.themes.shares
    theme = (
        shares[shares["theme"] != "not_coded"]
        .sort_values("share", ascending=False, kind="stable")
        .iloc[0]
    )

    trust_odds, n_ordinal = stakeholder_models.ordinal_finding(results)

    def at(frame, key, estimate="difference"):
        return _interval(frame.loc[key], estimate) if key in frame.index else None

    return KeyFindings(
        unweighted_trust=float(first_trust.loc["unweighted", "estimate"]) if has_weights else None,
        weighted_trust=float(first_trust.loc["weighted", "estimate"]) if has_weights else None,
        top_group=int(top["group"]),
        top=_interval(top),
        low_group=int(low["group"]),
        low=_interval(low),
        top_contrast=_interval(top_contrast.iloc[0], "difference") if len(top_contrast) else None,
        image_change=at(change, "public_image"),
        aware_change=at(change, "aware_yes"),
        slope=_interval(slope.iloc[0]) if len(slope) else None,
        citizen_gap=at(gap, CITIZEN),
        municipality_gap=at(gap, 4),
        top_theme=str(theme["theme"]),
        top_theme_share=float(theme["share"]),
        trust_odds=trust_odds,
        first_wave=int(first),
        latest_wave=int(latest),
        n={**_sizes(first_trust if has_weights else None, top, low, change, slope, gap, theme),
           **n_ordinal},
        std={**({"image_change": float(change.loc["public_image", "std_diff"])}
                if "public_image" in change.index else {}),
             **({"top_contrast": float(top_contrast.iloc[0]["std_diff"])} if len(top_contrast) else {})},
    )
