"""ruse_research.stats.adjust: the one p-value adjustment, against pingouin and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from lazy_import import LazyModule

from ruse_research.errors import RuseError
from ruse_research.stats.adjust import METHODS, adjust, holm

pg = LazyModule("pingouin")  # imported on first use (seconds)



@pytest.mark.parametrize("method", [m for m in METHODS if m != "none"])
def test_adjust_equals_pingouin_multicomp(method):
    p = np.random.default_rng(7).uniform(size=23) ** 3
    np.testing.assert_allclose(adjust(p, method), pg.multicomp(p, method=method)[1], rtol=1e-12)


def test_holm_equals_statsmodels_and_keeps_nan():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.2])
    expected = multitest.multipletests(p[~np.isnan(p)], method="holm")[1]
    out = holm(p)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[~np.isnan(p)], expected)


def test_unknown_method_is_a_one_line_error():
    with pytest.raises(RuseError, match="padjust must be one of"):
        adjust([0.1], "bh")
