"""Design-based survey estimation on a :class:`Design` (R ``survey`` in Python).

Build the design once -- ``Design.from_frame(data, weights=..., strata=..., psu=...,
fpc=...)``, then ``.rake(margins)`` (or ``rake_design``) for calibrated weights and
``.subset(mask)`` for domains -- and give it to every estimator, so no part of it
(calibration in particular) can be left out of one call.

Modules (one job each)
----------------------
design      the frozen :class:`Design` and :func:`rake_design`
raking      :func:`rake`, :func:`trim_weights`, :func:`design_effect`, :func:`weight_diagnostics`
reference   :func:`reference_margins`, :func:`rake_to_reference` (``data/reference`` margins)
estimate    :func:`estimate`, :func:`compare_means`, :func:`difference_between_samples`
tests       :func:`wald_test`, :func:`rao_scott`
models      :func:`linear_model`
logistic    :func:`logistic_model` (R ``svyglm(family = quasibinomial())``)
ordinal     :func:`ordinal_model` (cumulative logit/probit, R ``svyolr``)
replicate   :class:`ReplicateDesign` (JK1, JKn, bootstrap, BRR/Fay, columns), :func:`replicate_vcov`
hadamard    :func:`~.hadamard.hadamard` (R's Hadamard matrices for BRR)
quantiles   :func:`quantile` (R ``svyquantile``), :func:`weighted_quantile`
ciprop      :func:`ciprop` (R ``svyciprop``: logit, Korn-Graubard beta)
ranktest    :func:`rank_test` (R ``svyranktest``)
totals      :func:`mean`, :func:`total`, :func:`ratio`, :func:`contrast` (:class:`Estimates`)
variance    the linearisation and calibration machinery (internal)
errors      :class:`WeightingError`, :class:`RakingError`, :class:`DesignError`

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import survey
>>> d = pd.DataFrame({"sex": ["f", "f", "m", "m"], "score": [3.0, 4.0, 2.0, None]})
>>> design = survey.Design.from_frame(d).rake({"sex": {"f": 60, "m": 40}})
>>> survey.estimate(design, "score")[["estimate", "n"]]
   estimate  n
0     3.125  3
"""

from ruse_research.stats.survey.ciprop import ciprop
from ruse_research.stats.survey.design import Design, rake_design
from ruse_research.stats.survey.errors import DesignError, RakingError, WeightingError
from ruse_research.stats.survey.estimate import (
    compare_means,
    difference_between_samples,
    estimate,
)
from ruse_research.stats.survey.logistic import logistic_model
from ruse_research.stats.survey.models import linear_model
from ruse_research.stats.survey.ordinal import ordinal_model
from ruse_research.stats.survey.quantiles import quantile, weighted_quantile
from ruse_research.stats.survey.raking import design_effect, rake, trim_weights, weight_diagnostics
from ruse_research.stats.survey.ranktest import rank_test
from ruse_research.stats.survey.reference import rake_to_reference, reference_margins
from ruse_research.stats.survey.replicate import ReplicateDesign, replicate_vcov
from ruse_research.stats.survey.tests import rao_scott, wald_test
from ruse_research.stats.survey.totals import Estimates, contrast, mean, ratio, total

__all__ = [
    "Design",
    "DesignError",
    "Estimates",
    "ReplicateDesign",
    "RakingError",
    "WeightingError",
    "ciprop",
    "compare_means",
    "contrast",
    "design_effect",
    "difference_between_samples",
    "estimate",
    "linear_model",
    "logistic_model",
    "ordinal_model",
    "mean",
    "rake",
    "rake_design",
    "rake_to_reference",
    "quantile",
    "rank_test",
    "rao_scott",
    "ratio",
    "reference_margins",
    "replicate_vcov",
    "total",
    "trim_weights",
    "wald_test",
    "weight_diagnostics",
    "weighted_quantile",
]
