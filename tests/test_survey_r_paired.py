"""Wilcoxon signed-rank with ties and zeros against R's ``wilcox.test(paired = TRUE)``.

R 4.2.2 (2022-11-10 r83330), printed with ``sprintf("%.15g")``; data
``tests/fixtures/r/sleep.csv`` (``datasets::sleep``, Cushny & Peebles' hyoscine data)::

    g1 <- sleep$extra[sleep$group == 1]; g2 <- sleep$extra[sleep$group == 2]
    wilcox.test(g1, g2, paired = TRUE)$p.value                   # 0.00909069801592506
    wilcox.test(g1, g2, paired = TRUE, correct = FALSE)$p.value  # 0.00763244164820552
    u <- USJudgeRatings
    wilcox.test(round(u$INTG), round(u$DMNR), paired = TRUE)$p.value   # 0.000252832324693443
    wilcox.test(round(u$INTG), round(u$DMNR), paired = TRUE, correct = FALSE)$p.value
                                                                       # 0.000224144032931701
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ruse_research.stats import paired

R = Path(__file__).parent / "fixtures" / "r"


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    d = pd.read_csv(R / "sleep.csv")
    return pd.DataFrame(
        {
            "drug1": d.loc[d.group == 1, "extra"].to_numpy(),
            "drug2": d.loc[d.group == 2, "extra"].to_numpy(),
        }
    )


def test_sleep_with_ties_and_zero_uses_normal_approximation(sleep):
    res = paired.wilcoxon_paired(sleep, "drug1", "drug2").iloc[0]
    assert res["method"] == "normal"
    assert res["p"] == pytest.approx(0.00909069801592506, abs=1e-9)
    assert res["n_nonzero"] == 9 and res["W"] == 0


def test_sleep_without_continuity_correction(sleep):
    res = paired.wilcoxon_paired(sleep, "drug1", "drug2", correction=False).iloc[0]
    assert res["p"] == pytest.approx(0.00763244164820552, abs=1e-9)


def test_direction_does_not_change_p(sleep):
    res = paired.wilcoxon_paired(sleep, "drug2", "drug1").iloc[0]
    assert res["p"] == pytest.approx(0.00909069801592506, abs=1e-9)
    assert res["r_rb"] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    "correction, expected", [(True, 0.000252832324693443), (False, 0.000224144032931701)]
)
def test_judges_many_ties(correction, expected):
    u = pd.read_csv(R / "USJudgeRatings.csv")
    d = pd.DataFrame({"intg": u["INTG"].round(), "dmnr": u["DMNR"].round()})
    # R rounds half to even as numpy does; no .5 values here make the two disagree
    res = paired.wilcoxon_paired(d, "intg", "dmnr", correction=correction).iloc[0]
    assert res["p"] == pytest.approx(expected, abs=1e-9)
