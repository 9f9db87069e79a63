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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import RakingError, WeightingError
from ruse_research.stats.survey.raking import rake

__all__ = ["MarginsTable", "read_margins", "reference_margins", "rake_to_reference"]


_NEEDED = ("variable", "category", "population", "share", "survey_variable", "survey_codes")
_OPTIONAL = ("label_bg", "label_en", "variable_bg", "variable_en")


@dataclass(frozen=True, eq=False)
class MarginsTable:
    """The margins of one reference file, checked.

    ``margins = {variable: {category: total}}`` (shares times the common population);
    ``recodes = {variable: (survey_variable, {survey_code: category})}``; ``codes`` the
    survey codes of each ``(variable, category)``; ``labels[lang][(variable, category)]``
    and ``variable_labels[lang][variable]`` the texts of the file's ``label_<lang>`` and
    ``variable_<lang>`` columns (blank when the file has none); ``file`` the file's name.
    """

    file: str
    margins: dict
    recodes: dict
    codes: dict
    labels: dict
    variable_labels: dict


def _fail(file: str, row, column, value, expected: str) -> WeightingError:
    where = ", ".join(
        [file, *([f"row {row}"] if row else []), *([f"column {column!r}"] if column else [])]
    )
    return WeightingError(f"{where}: found {value!r}, expected {expected} (fix the margins file)")


def read_margins(path, population: float | None = None) -> MarginsTable:
    """Read and check a reference margins file (CSV in UTF-8 or Windows-1251 with ``,`` or
    ``;``, or XLSX; the survey exports' reader, :func:`ruse_research.data.tables.read_table`).

    Checked, each problem a one-line :class:`WeightingError` naming file, row and column:
    the columns of :func:`reference_margins`, whole-number categories, positive shares and
    population counts, whole-number survey codes, one survey variable per margin, no
    category twice and no survey code in two categories of a margin.

    Examples
    --------
    >>> from ruse_research import paths
    >>> table = read_margins(paths.resolve("data/reference/population_margins.csv"))
    >>> table.labels["en"][("age_group", 2)], table.codes[("age_group", 1)]
    ('65 years or older', (1, 2, 3))
    """
    from ruse_research import paths
    from ruse_research.data.tables import read_table

    file = paths.resolve(path)
    if not file.is_file():
        raise WeightingError(f"reference margins file {str(path)!r} does not exist")
    table = read_table(file, (), optional=_OPTIONAL, what="the margins file", kind="margins")
    name, frame = table.file, table.frame
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise WeightingError(f"reference margins file {name} lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise WeightingError(f"reference margins file {name} has no rows")
    margins: dict = {}
    recodes: dict = {}
    codes: dict = {}
    labels: dict = {"bg": {}, "en": {}}
    variable_labels: dict = {"bg": {}, "en": {}}
    counts: dict = {}
    seen_code: dict = {}
    for row, record in zip(table.rows, frame.to_dict("records"), strict=True):
        variable = record["variable"]
        if not variable:
            raise _fail(name, row, "variable", "", "the name of the margin")
        category = table.number(record["category"])
        if category is None or category != int(category):
            raise _fail(name, row, "category", record["category"], "a whole-number category code")
        category = int(category)
        values = {}
        for column in ("population", "share"):
            number = table.number(record[column])
            if number is None or not np.isfinite(number) or number <= 0:
                raise _fail(name, row, column, record[column], "a positive number")
            values[column] = number
        survey_codes = []
        for code in record["survey_codes"].replace(",", " ").split():
            number = table.number(code)
            if number is None or number != int(number):
                raise _fail(
                    name,
                    row,
                    "survey_codes",
                    record["survey_codes"],
                    "whole-number survey codes separated by spaces, e.g. '3 4'",
                )
            survey_codes.append(int(number))
        if not survey_codes:
            raise _fail(
                name, row, "survey_codes", "", "the survey codes of the category, e.g. '3 4'"
            )
        survey_variable = record["survey_variable"]
        if not survey_variable:
            raise _fail(name, row, "survey_variable", "", "the survey column of the margin")
        known = recodes.get(variable)
        if known is None:
            recodes[variable] = (survey_variable, {})
            margins[variable], counts[variable] = {}, 0.0
        elif known[0] != survey_variable:
            raise _fail(
                name,
                row,
                "survey_variable",
                survey_variable,
                f"{known[0]!r} like the other rows of margin {variable!r}",
            )
        if category in margins[variable]:
            raise _fail(
                name,
                row,
                "category",
                record["category"],
                f"each category of margin {variable!r} once",
            )
        for code in survey_codes:
            if (variable, code) in seen_code:
                raise _fail(
                    name,
                    row,
                    "survey_codes",
                    record["survey_codes"],
                    f"each survey code in one category of margin {variable!r} "
                    f"(code {code} is also in row {seen_code[(variable, code)]})",
                )
            seen_code[(variable, code)] = row
            recodes[variable][1][code] = category
        margins[variable][category] = values["share"]
        counts[variable] += values["population"]
        codes[(variable, category)] = tuple(survey_codes)
        for lang in ("bg", "en"):
            labels[lang][(variable, category)] = record[f"label_{lang}"]
            if record[f"variable_{lang}"]:
                variable_labels[lang].setdefault(variable, record[f"variable_{lang}"])
    total = float(min(counts.values())) if population is None else float(population)
    for variable, margin in margins.items():
        share_sum = sum(margin.values())  # shares are rounded; make each margin sum to 1
        margins[variable] = {c: float(s / share_sum * total) for c, s in margin.items()}
        recodes[variable] = (recodes[variable][0], dict(sorted(recodes[variable][1].items())))
    return MarginsTable(name, margins, recodes, codes, labels, variable_labels)


def reference_margins(path, population: float | None = None) -> tuple[dict, dict]:
    """Raking margins and survey-code recodes from a reference margins CSV.

    The file has one row per category (``data/reference/population_margins.csv``):
    ``variable``, ``category``, ``population``, ``share``, ``survey_variable`` and
    ``survey_codes`` (space-separated survey codes that fall in the category); optional
    ``label_bg``/``label_en`` (category labels) and ``variable_bg``/``variable_en`` (the
    margin's name). The margins of one file may describe different universes (all ages,
    15+, another census year), so each margin is taken as its ``share`` times one common
    ``population`` (default: the smallest margin total in the file, the narrowest universe).
    The file is read and checked by :func:`read_margins`.

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
    table = read_margins(path, population)
    return table.margins, table.recodes


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
    table = read_margins(path, population)
    margins, recodes = table.margins, table.recodes
    derived = pd.DataFrame(index=data.index)
    for variable, (survey_variable, code_map) in recodes.items():
        source = cols.column(data, survey_variable, "margin survey")
        mapped = source.map(code_map)
        unknown = source.notna() & mapped.isna()
        if unknown.any():
            raise RakingError(
                f"column {survey_variable!r} has code(s) "
                f"{', '.join(map(str, sorted(source[unknown].unique())[:5]))} that the reference "
                f"margins do not map; add them to the survey_codes of margin {variable!r} in "
                f"{table.file}"
            )
        derived[variable] = mapped
    by_cols = cols.as_list(by)
    start = cols.weights_array(data, weights, len(data))
    out = pd.Series(np.nan, index=data.index, name="weight")
    if by_cols:
        groups = [(k, g.index) for k, g in data.groupby(by_cols, sort=True, observed=True)]
    else:
        groups = [(None, data.index)]
    for key, index in groups:
        part = derived.loc[index]
        positions = data.index.get_indexer(index)
        try:
            weights_part = rake(
                part, margins, weights=start[positions], max_iter=max_iter, tol=tol, bounds=bounds
            )
        except RakingError as err:
            key = key if isinstance(key, tuple) or key is None else (key,)
            where = (
                ""
                if key is None
                else " (" + ", ".join(f"{b} {k}" for b, k in zip(by_cols, key, strict=True)) + ")"
            )
            raise RakingError(f"raking to {table.file}{where}: {err}") from None
        out.loc[index] = weights_part.to_numpy()
    return out
