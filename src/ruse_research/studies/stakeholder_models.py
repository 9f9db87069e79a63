"""The stakeholder study's ordinal model of trust, with the linear model as its check.

Trust in the administration (``trust_ra``) is an answer on a 0-10 scale: ordered
categories, not a measurement with equal steps. :func:`trust_ordinal` fits the
citizens' proportional-odds (cumulative logit) model of it on the terms of
:func:`~ruse_research.studies.stakeholders.trust_model` -- responsiveness, impartiality,
contact and, with several waves, the wave -- on the calibrated design, and sets the
linear model's coefficients beside its odds ratios as a sensitivity check: if both say
the same about every predictor, the equal-steps assumption of the linear model does not
drive the conclusions; :func:`satisfaction_ordinal` does the same for overall satisfaction
with the service (1-5). :func:`ordinal_finding` gives the numbers of the key sentence
(the odds ratio of responsiveness) and :func:`note_keys` what could not be fitted.

Examples
--------
>>> from ruse_research.studies import stakeholders, stakeholder_models
>>> study = stakeholders.load("data/raw/stakeholders.csv")
>>> table = stakeholder_models.trust_ordinal(study)
>>> table.loc[table["kind"] == "coefficient", "term"].tolist()
['responsiveness', 'impartiality', 'contact_yes', 'wave[2]']
>>> bool((table["odds_ratio"].dropna() > 0).all())
True
"""

from __future__ import annotations

import pandas as pd

from ruse_research.stats import survey as sv

__all__ = ["SATISFACTION_TERMS", "TERMS", "note_keys", "ordinal_finding",
           "satisfaction_ordinal", "trust_ordinal"]

#: Predictors of trust in both trust models (with ``wave`` added for several waves).
TERMS = ("responsiveness", "impartiality", "contact_yes")
#: Predictors of overall satisfaction (1-5): the five aspect ratings, as ``satisfaction_model``.
SATISFACTION_TERMS = ("sat_time", "sat_clarity", "sat_courtesy", "sat_access", "sat_competence")
#: The predictor the key sentence speaks of.
KEY_TERM = "responsiveness"
_COLUMNS = ("term", "kind", "estimate", "se", "ci_low", "ci_high", "p_value", "n",
            "odds_ratio", "or_low", "or_high", "linear_estimate", "linear_low", "linear_high")


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in _COLUMNS})
    return frame.astype({"term": object, "kind": object})


def _with_check(study, outcome: str, predictors, ci: float, link: str) -> pd.DataFrame:
    """The citizens' ordinal model of ``outcome`` and, beside it, the linear model's
    coefficient and CI of every term (``linear_*`` columns)."""
    if not study.sample.has_citizens:
        return _empty()
    several = len(study.waves) > 1
    terms = [*predictors, "wave"] if several else list(predictors)
    wave = ["wave"] if several else None
    citizens = study.sample.citizens
    try:
        out = sv.ordinal_model(citizens, outcome, terms, categorical=wave, link=link, ci=ci)
    except sv.WeightingError:
        return _empty()
    linear = sv.linear_model(citizens, outcome, terms, categorical=wave, ci=ci)
    check = linear.set_index("term")[["estimate", "ci_low", "ci_high"]]
    check.columns = ["linear_estimate", "linear_low", "linear_high"]
    out = out.join(check, on="term")
    return out[list(_COLUMNS)]


def trust_ordinal(study, ci: float = 0.95, link: str = "logit") -> pd.DataFrame:
    """Citizens' trust (0-10, ordered answers) on :data:`TERMS` and the wave: a
    proportional-odds model on the calibrated design (R ``svyolr``).

    ``study`` is a :class:`~ruse_research.studies.stakeholders.StakeholderStudy` (this
    module does not import the study module, which imports it). Rows are the
    coefficients (``kind = "coefficient"``: ``estimate`` in log odds, ``odds_ratio`` with
    ``or_low``/``or_high`` for the logit link) and the thresholds (``"threshold"``, terms
    ``"0|1"`` ...); ``linear_estimate``, ``linear_low``, ``linear_high`` are the same
    term's coefficient and CI in the linear model of the same terms
    (:func:`~ruse_research.studies.stakeholders.trust_model`), the sensitivity check.
    Empty without citizens or when the model cannot be fitted (too few answers;
    :func:`note_keys` says so).
    """
    return _with_check(study, "trust_ra", TERMS, ci, link)


def satisfaction_ordinal(study, ci: float = 0.95, link: str = "logit") -> pd.DataFrame:
    """Citizens' overall satisfaction with the service (1-5, ordered answers) on the five
    aspect ratings (:data:`SATISFACTION_TERMS`) and the wave, as :func:`trust_ordinal`
    (the linear check is :func:`~ruse_research.studies.stakeholders.satisfaction_model`);
    only citizens with contact answer these items."""
    return _with_check(study, "sat_overall", SATISFACTION_TERMS, ci, link)


def ordinal_finding(results) -> tuple[tuple[float, float, float] | None, dict[str, int]]:
    """The odds ratio of :data:`KEY_TERM` with its CI, ``(or, low, high)``, and the model's
    n as ``{"ordinal": n}``; ``(None, {})`` when the model was not fitted. ``results`` is
    a :class:`~ruse_research.studies.stakeholders.StakeholderResults`."""
    table = getattr(results, "trust_ordinal", None)
    if table is None or table.empty:
        return None, {}
    row = table[table["term"] == KEY_TERM]
    if row.empty or pd.isna(row["odds_ratio"].iloc[0]):
        return None, {}
    r = row.iloc[0]
    return (float(r["odds_ratio"]), float(r["or_low"]), float(r["or_high"])), {"ordinal": int(r["n"])}


def note_keys(study, *tables: pd.DataFrame) -> list[str]:
    """The catalog key of the drivers section's note when the citizens' answers were there
    but an ordinal model could not be fitted (other notes say when there are no citizens)."""
    if study.sample.has_citizens and any(table.empty for table in tables):
        return ["note_no_ordinal"]
    return []
