"""The R reference data of the ``test_survey_r_*`` files: one reader and R's documented designs.

``tests/fixtures/r/README.md`` says where each CSV comes from (survey's ``data(api)``, R's own
bootstrap replicate weights ``rep1..rep50`` with their seed); each test file states the R call
behind every reference number next to the number.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from ruse_research.stats import survey as sv

R = Path(__file__).parent / "fixtures" / "r"
#: The bootstrap replicate-weight columns of ``<name>_boot50.csv``.
REPS = [f"rep{i}" for i in range(1, 51)]


@cache
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(R / f"{name}.csv")


def read(name: str, boot: bool = False) -> pd.DataFrame:
    """A fresh copy of ``fixtures/r/<name>.csv``, with its bootstrap replicate columns if ``boot``."""
    d = _csv(name).copy()
    if boot:
        d = d.merge(_csv(f"{name}_boot50"), on="snum", sort=False)
    return d


def api_design(key: str) -> sv.Design:
    """R's documented ``api`` designs: ``dstrat``, ``dclus1`` and ``dclus2`` (``?api``)."""
    if key == "dstrat":  # svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)
        return sv.Design.from_frame(read("apistrat"), weights="pw", strata="stype", fpc="fpc")
    if key == "dclus1":  # svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
        return sv.Design.from_frame(read("apiclus1"), weights="pw", psu="dnum", fpc="fpc")
    if key == "dclus2":  # svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
        return sv.Design.from_frame(read("apiclus2"), weights="pw", psu=["dnum", "snum"],
                                    fpc=["fpc1", "fpc2"])
    raise ValueError(f"unknown api design {key!r}: expected dstrat, dclus1 or dclus2")
