"""The survey Design object: construction, raking, subsets, and that no estimator drops it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ruse_research.errors import RuseError
from ruse_research.stats import survey as sv


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 400
    d = pd.DataFrame(
        {
            "wave": np.repeat([1, 2], n // 2),
            "sex": rng.choice(["f", "m"], n, p=[0.65, 0.35]),
            "group": rng.choice(["a", "b", "c"], n),
            "cat": rng.choice(["x", "y"], n),
        }
    )
    d["y"] = rng.normal(3, 1, n) + (d["sex"] == "m") * 0.8 + (d["group"] == "c") * 0.5
    d["stratum"] = d["wave"].astype(str) + d["group"]
    return d


MARGINS = {"sex": {"f": 500.0, "m": 500.0}}


def test_rake_by_group_meets_margins_and_carries_calibration(sample):
    design = sv.Design.from_frame(sample, strata="stratum").rake(MARGINS, by="wave")
    assert design.calibration == ("sex",) and design.calibration_group == "wave"
    assert design.is_calibrated and design.weights == "weight"
    sums = design.data.groupby(["wave", "sex"])["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 500.0)
    same = sv.rake_design(sv.Design.from_frame(sample, strata="stratum"), MARGINS, by="wave")
    np.testing.assert_allclose(same.weight_values, design.weight_values)
    with pytest.raises(sv.DesignError, match="rake the full-sample design"):
        design.subset(sample["wave"] == 1).rake(MARGINS)


def test_design_is_frozen_and_weights_may_be_numbers(sample):
    design = sv.Design.from_frame(sample, weights=np.full(len(sample), 2.0))
    assert design.weights == "_design_weight" and "_design_weight" not in sample
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.strata = "stratum"
    assert "n=400" in repr(design)


@pytest.mark.parametrize("projection", ["weighted", "unweighted"])
def test_subset_equals_the_subset_frame_when_strata_do_not_cross(sample, projection):
    """Strata and calibrated populations are within waves, so the domain of wave 1 in the
    full design and the design of the wave-1 rows alone give the same numbers."""
    full = sv.Design.from_frame(sample, strata="stratum").rake(
        MARGINS, by="wave", projection=projection
    )
    mask = full.data["wave"] == 1
    domain = full.subset(mask)
    alone = sv.Design.from_frame(full.data[mask], weights="weight", strata="stratum")
    alone = alone.with_calibration("sex", "wave", projection=projection)
    assert domain.n == int(mask.sum())
    pairs = [
        (sv.estimate(domain, "y", by="group"), sv.estimate(alone, "y", by="group")),
        (sv.compare_means(domain, "y", "group"), sv.compare_means(alone, "y", "group")),
        (sv.wald_test(domain, "y", "group"), sv.wald_test(alone, "y", "group")),
        (sv.rao_scott(domain, "cat", "group"), sv.rao_scott(alone, "cat", "group")),
        (sv.linear_model(domain, "y", ["group"]), sv.linear_model(alone, "y", ["group"])),
        (
            sv.estimate(domain, "cat", kind="proportion"),
            sv.estimate(alone, "cat", kind="proportion"),
        ),
    ]
    for got, expected in pairs:
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), rtol=1e-10
        )


def test_calibration_changes_the_omnibus_tests(sample):
    fixed = sv.Design.from_frame(sample, strata="stratum")
    raked = fixed.rake(MARGINS, by="wave")
    as_fixed = sv.Design.from_frame(raked.data, weights="weight", strata="stratum")
    for test, args in ((sv.wald_test, ("y", "sex")), (sv.rao_scott, ("cat", "sex"))):
        calibrated = test(raked, *args)["statistic"].iloc[0]
        uncalibrated = test(as_fixed, *args)["statistic"].iloc[0]
        assert abs(calibrated / uncalibrated - 1) > 1e-3, test.__name__


@pytest.mark.parametrize(
    "call",
    [
        lambda d: sv.estimate(d, "y"),
        lambda d: sv.compare_means(d, "y", "group"),
        lambda d: sv.wald_test(d, "y", "group"),
        lambda d: sv.rao_scott(d, "cat", "group"),
        lambda d: sv.linear_model(d, "y", ["group"]),
    ],
)
def test_estimators_take_a_design_not_a_frame(sample, call):
    with pytest.raises(RuseError, match="takes a survey Design") as info:
        call(sample)
    assert "\n" not in str(info.value)


def test_bad_design_input_is_a_one_line_error(sample):
    with pytest.raises(sv.DesignError, match="projection must be one of"):
        sv.Design.from_frame(sample).with_calibration("sex", projection="ols")
    with pytest.raises(sv.DesignError, match="subset mask has 3 values"):
        sv.Design.from_frame(sample).subset([True, False, True])
    with pytest.raises(sv.WeightingError, match="strata column 'nope' is not in the data"):
        sv.Design.from_frame(sample, strata="nope")
