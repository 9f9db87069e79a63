"""Population margins from a reference CSV (``data/reference/``) and raking to them.

Functions
---------
reference_margins
    ``{variable: {category: total}}`` margins and the survey-code recodes of one file.
rake_to_reference
    Rake a sample (by wave, say) to those margins through the recodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import RakingError, WeightingError
from ruse_research.stats.survey.raking import rake

__all__ = ["reference_margins", "rake_to_reference"]


def reference_margins(path, population: float | None = None) -> tuple[dict, dict]:
    """Raking margins and survey-code recodes from a reference margins CSV.

    The file has one row per category (``data/reference/population_margins.csv``):
    ``variable``, ``category``, ``population``, ``share``, ``survey_variable`` and
    ``survey_codes`` (space-separated survey codes that fall in the category). The
    margins of one file may describe different universes (all ages, 15+, another census
    year), so each margin is taken as its ``share`` times one common ``population``
    (default: the smallest margin total in the file, the narrowest universe).

    Returns
    -------
    (margins, recodes)
        ``margins = {variable: {category: total}}``;
        ``recodes = {variable: (survey_variable, {survey_code: category})}``.

    Examples
    --------
    >>> from ruse_research import paths
    >>> margins, recodes = reference_margins(paths.resolve("data/reference/population_margins.csv"))
    >>> sorted(margins)
    ['age_group', 'municipality', 'sex']
    >>> recodes["age_group"]
    ('age_band', {1: 1, 2: 1, 3: 1, 4: 2})
    """
    from ruse_research import paths

    file = paths.resolve(path)
    if not file.is_file():
        raise WeightingError(f"reference margins file {str(path)!r} does not exist")
    table = pd.read_csv(file, dtype={"survey_codes": str})
    needed = {"variable", "category", "population", "share", "survey_variable", "survey_codes"}
    if not needed <= set(table.columns):
        missing = ", ".join(sorted(needed - set(table.columns)))
        raise WeightingError(f"reference margins file {file.name} lacks column(s) {missing}")
    totals = table.groupby("variable", sort=False)["population"].sum()
    total = float(totals.min()) if population is None else float(population)
    margins: dict = {}
    recodes: dict = {}
    for variable, part in table.groupby("variable", sort=False):
        shares = part["share"].astype(float)
        shares = shares / shares.sum()  # shares are rounded to 6 dp; make each margin sum to 1
        margins[variable] = {
            int(c): float(s * total) for c, s in zip(part["category"], shares, strict=True)
        }
        survey_vars = part["survey_variable"].unique()
        if len(survey_vars) != 1:
            raise WeightingError(f"margin {variable!r} names more than one survey variable")
        code_map = {}
        for category, codes in zip(part["category"], part["survey_codes"], strict=True):
            for code in str(codes).split():
                code_map[int(code)] = int(category)
        recodes[variable] = (str(survey_vars[0]), dict(sorted(code_map.items())))
    return margins, recodes


def rake_to_reference(
    data: pd.DataFrame,
    path,
    population: float | None = None,
    weights=None,
    by: str | Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
    max_iter: int = 200,
    tol: float = 1e-8,
) -> pd.Series:
    """Rake ``data`` to the margins of a reference CSV, separately within each ``by`` group.

    Survey codes are mapped to margin categories with the file's ``survey_codes`` (for
    example ``age_band`` 1-3 -> ``age_group`` 1). Every ``by`` group (for example each
    wave, an independent cross-section) is raked to the full population margins.

    Returns
    -------
    Series
        Weights named ``"weight"`` on the index of ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research import paths
    >>> import itertools
    >>> d = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], range(1, 9))),
    ...                  columns=["sex", "age_band", "municipality"])
    >>> w = rake_to_reference(d, paths.resolve("data/reference/population_margins.csv"), population=1000)
    >>> round(float(w.sum())), round(float(w[d["sex"] == 2].sum()), 1)
    (1000, 521.7)
    """
    margins, recodes = reference_margins(path, population)
    derived = pd.DataFrame(index=data.index)
    for variable, (survey_variable, code_map) in recodes.items():
        source = cols.column(data, survey_variable, "margin survey")
        mapped = source.map(code_map)
        unknown = source.notna() & mapped.isna()
        if unknown.any():
            raise RakingError(
                f"column {survey_variable!r} has code(s) "
                f"{', '.join(map(str, sorted(source[unknown].unique())[:5]))} that the reference margins do not map"
            )
        derived[variable] = mapped
    by_cols = cols.as_list(by)
    start = cols.weights_array(data, weights, len(data))
    out = pd.Series(np.nan, index=data.index, name="weight")
    if by_cols:
        groups = [g.index for _, g in data.groupby(by_cols, sort=True, observed=True)]
    else:
        groups = [data.index]
    for index in groups:
        part = derived.loc[index]
        positions = data.index.get_indexer(index)
        out.loc[index] = rake(
            part, margins, weights=start[positions], max_iter=max_iter, tol=tol, bounds=bounds
        ).to_numpy()
    return out
