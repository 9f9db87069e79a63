"""Every model codes its predictors and takes its factor levels the same way
(``stats.survey._modelframe``): levels among the complete cases, whatever the order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruse_research.stats import survey as sv


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 60
    d = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], size=n),
            "y": rng.normal(size=n),
            "t": rng.choice([1, 2, 3, 4], size=n),
        }
    )
    d["b"] = (d["y"] + rng.normal(size=n) > 0).astype(int)
    # level "z" of g only in rows that drop out (x missing in one, every outcome in another)
    d.loc[0, ["g", "x"]] = ["z", np.nan]
    d.loc[1, ["g", "y", "b", "t"]] = ["z", np.nan, np.nan, np.nan]
    return d


@pytest.mark.parametrize("model", ["linear", "logistic", "ordinal"])
def test_levels_come_from_the_fitted_rows_in_any_order(data, model):
    design = sv.Design.from_frame(data)
    fit = {
        "linear": lambda p: sv.linear_model(design, "y", p),
        "logistic": lambda p: sv.logistic_model(design, "b", p),
        "ordinal": lambda p: sv.ordinal_model(design, "t", p),
    }[model]
    one, two = fit(["x", "g"]), fit(["g", "x"])
    assert "g[z]" not in set(one["term"]) and set(one["term"]) == set(two["term"])
    assert {"g[b]", "g[c]"} <= set(one["term"])
    a, b = one.set_index("term"), two.set_index("term").loc[one["term"]]
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-9)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9)
    assert (one["n"] == 58).all()


def test_ordinal_outcome_levels_are_those_of_the_fitted_rows():
    d = pd.DataFrame({"t": [1, 2, 3, 2, 3, 1, 2, 3, 1, 2, 4], "x": [0, 1, 2, 1, 2, 0, 1, 1, 0, 2,
                                                                  None]})
    out = sv.ordinal_model(sv.Design.from_frame(d), "t", ["x"])
    assert out.loc[out["kind"] == "threshold", "term"].tolist() == ["1|2", "2|3"]
