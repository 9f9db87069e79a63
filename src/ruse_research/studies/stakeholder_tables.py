"""The published layout of the stakeholder study's tables: columns, headers and labels.

Each table of notebook 02 is a :class:`TableLayout` in :data:`TABLES`: which result
columns it shows, in which order, under which catalog header, which columns carry codes
to be replaced by labels, and its caption, note and number formats. :func:`published`
applies a layout to a result frame of :mod:`ruse_research.studies.stakeholders` and gives
the frame and the keyword arguments of ``ruse_research.display.report.show_table``, so
the notebook only displays. The texts come from the study's language catalog (any
callable ``t(key) -> str`` with a ``lang`` attribute, as ``report.texts`` returns) and the
codebooks; this module imports no display code.

Header templates are catalog keys in braces (``"{label_n} (1)"``); ``{wave_<k>}`` is the
codebook's label of wave *k*, ``{wave_first}`` and ``{wave_latest}`` those of the first and
the last wave in the data.

Examples
--------
>>> from ruse_research.studies.stakeholder_tables import TABLES
>>> [c for c, _ in TABLES["group_wald"].columns][:3]
['wave', 'variable', 'n']
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from ruse_research.contract import COUNT_CELLS, POPULATION, STAT_COLUMNS
from ruse_research.studies.stakeholders import (
    ASPECTS,
    CATEGORICAL,
    CITIZEN,
    INDICATORS,
    StakeholderStudy,
)

__all__ = ["Labels", "TableLayout", "TABLES", "labels", "published"]


@dataclass(frozen=True)
class TableLayout:
    """How one result frame is published (see the module docstring).

    ``columns`` are ``(result column, header template)`` pairs in display order;
    ``labels`` maps result columns to a label set of :class:`Labels` (a pair ``(set,
    key column)`` labels by ``(row[key column], value)``); ``percent``, ``counts``, ``stat``
    (test statistics and degrees of freedom, shown without trailing zeros) and ``digits`` name
    result columns.
    """

    caption: str
    columns: tuple[tuple[str, str], ...]
    labels: Mapping[str, str | tuple[str, str]] = field(default_factory=dict)
    note: str | None = None
    percent: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    digits: int | Mapping[str, int] = 2
    stat: tuple[str, ...] = ()
    #: count column -> {label header template: value template}: the cell a count column
    #: describes beyond its row (``n (1)`` counts the first wave), for the runner's check
    count_cells: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: whom the counts count, for the same check (``contract.POPULATION`` with result
    #: columns for headers): ``{"who": ..., "cell": [column or (dimension, value)], "stats": [...]}``
    population: Mapping[str, object] | None = None


def _cols(*pairs: str) -> tuple[tuple[str, str], ...]:
    """``"column=header"`` or ``"column"`` (header ``{label_<column>}``) -> pairs."""
    out = []
    for pair in pairs:
        name, _, header = pair.partition("=")
        out.append((name, header or f"{{label_{name}}}"))
    return tuple(out)


_COEF = _cols("term", "estimate={label_coefficient}", "ci_low", "ci_high", "p_value")
#: An ordinal model's odds ratios with the linear model's coefficients beside them.
_ORDINAL = _cols(
    "term",
    "odds_ratio={label_odds_ratio}",
    "or_low={label_ci_low}",
    "or_high={label_ci_high}",
    "p_value",
    "linear_estimate={label_linear_check}",
    "linear_low={label_linear_check}: {label_ci_low}",
    "linear_high={label_linear_check}: {label_ci_high}",
)
_TESTS = ("statistic={label_statistic_f}", "ndf", "ddf", "p_value", "p_holm")
_TEST_STATS = ("statistic", "ndf", "ddf")

TABLES: dict[str, TableLayout] = {
    "weighting_margins": TableLayout(
        "margins_caption",
        _cols(
            "wave",
            "variable",
            "category",
            "n",
            "population={label_population_share}",
            "unweighted={label_unweighted_share}",
            "estimate={label_weighted_share}",
        ),
        {"wave": "wave", "variable": "margin", "category": ("margin_category", "variable")},
        percent=("population", "unweighted", "estimate"),
        # a margin's categories are a breakdown of the wave's citizens (weight_diagnostics' n):
        # with it, a suppressed municipality of 3 would be the wave's n minus the others; the
        # sample share is n over the wave's n, so it goes with a hidden count
        population={"who": "citizens", "cell": ["wave", ("variable", "category")],
                    "stats": ("unweighted", "estimate")},
    ),
    "weight_diagnostics": TableLayout(
        "weights_caption",
        _cols(
            "wave",
            "n",
            "weight_min",
            "weight_max",
            "max_min_ratio={label_max_min}",
            "deff",
            "efficiency",
            "n_effective",
        ),
        {"wave": "wave"},
        percent=("efficiency",),
        digits={"n_effective": 0, "weight_min": 1, "weight_max": 1},
        population={"who": "citizens", "cell": ["wave"],
                    "stats": ("weight_min", "weight_max", "max_min_ratio", "deff", "efficiency",
                              "n_effective")},
    ),
    "weighting_sensitivity": TableLayout(
        "trimming_caption",
        _cols(
            "wave",
            "variable",
            "version={label_weights}",
            "n",
            "estimate={label_mean}",
            "ci_low",
            "ci_high",
            "deff_weights={label_deff}",
        ),
        {"wave": "wave", "variable": "indicator", "version": "version"},
    ),
    "estimates_by_group": TableLayout(
        "estimates_caption",
        _cols("variable", "wave", "group", "n", "estimate", "ci_low", "ci_high", "deff"),
        {"variable": "indicator", "wave": "wave", "group": "group"},
        note="table_note_suppressed",
    ),
    "estimates_by_municipality": TableLayout(
        "municipality_caption",
        _cols("variable", "municipality", "n", "estimate", "ci_low", "ci_high"),
        {"variable": "indicator", "municipality": "municipality"},
        note="municipality_note",
        # the citizens of one wave: the municipalities are a breakdown of their estimates' n
        count_cells={"n": {"{label_wave}": "{wave_table}", "{label_group}": "{group_citizen}"}},
    ),
    "group_rao_scott": TableLayout(
        "rao_scott_caption",
        _cols("wave", "row={label_item}", "n", *_TESTS, "cramers_v"),
        {"wave": "wave", "row": "item"},
        digits=3,
        stat=_TEST_STATS,
    ),
    "group_wald": TableLayout(
        "wald_caption",
        _cols("wave", "variable", "n", *_TESTS, "eta_squared"),
        {"wave": "wave", "variable": "indicator"},
        digits=3,
        stat=_TEST_STATS,
    ),
    "group_contrasts": TableLayout(
        "contrast_caption",
        _cols(
            "wave",
            "variable",
            "group",
            "n_group={label_n}",
            "difference",
            "ci_low",
            "ci_high",
            "p_holm",
            "std_diff",
        ),
        {"wave": "wave", "variable": "indicator", "group": "group"},
    ),
    "change_between_waves": TableLayout(
        "change_caption",
        _cols(
            "group_code={label_group}",
            "variable",
            "n_reference={label_n} (1)",
            "n_group={label_n} (2)",
            "estimate_reference={wave_first}",
            "estimate_group={wave_latest}",
            "difference={label_change}",
            "ci_low",
            "ci_high",
            "p_value",
        ),
        {"group_code": "group", "variable": "indicator"},
        counts=("n_reference", "n_group"),
        count_cells={"n_reference": {"{label_wave}": "{wave_first}"},
                     "n_group": {"{label_wave}": "{wave_latest}"}},
    ),
    "driver_trust_slope": TableLayout(
        "driver_simple_caption",
        (*_COEF, *_cols("wave", "n")),
        {"term": "term", "wave": "wave"},
        digits=3,
    ),
    "driver_trust_ordinal": TableLayout(
        "driver_ordinal_caption", _ORDINAL, {"term": "term"}, note="driver_ordinal_note",
        digits=3,
    ),
    "driver_trust_full": TableLayout("driver_full_caption", _COEF, {"term": "term"}, digits=3),
    "driver_satisfaction": TableLayout("driver_sat_caption", _COEF, {"term": "term"}, digits=3),
    "driver_satisfaction_ordinal": TableLayout(
        "driver_sat_ordinal_caption", _ORDINAL, {"term": "term"}, note="driver_ordinal_note",
        digits=3,
    ),
    "importance_performance": TableLayout(
        "ipa_caption",
        _cols(
            "aspect={label_item}",
            "importance",
            "importance_low={label_importance}: {label_ci_low}",
            "importance_high={label_importance}: {label_ci_high}",
            "n_importance={label_n} ({label_importance})",
            "performance",
            "performance_low={label_performance}: {label_ci_low}",
            "performance_high={label_performance}: {label_ci_high}",
            "n_performance={label_n} ({label_performance})",
        ),
        {"aspect": "aspect"},
        counts=("n_importance", "n_performance"),
    ),
    "perception_gap": TableLayout(
        "gap_caption",
        _cols(
            "variable={label_item}",
            "group",
            "n_first={label_n} ({label_staff_mean})",
            "estimate_first={label_staff_mean}",
            "n_second={label_n} ({label_group_mean})",
            "estimate_second={label_group_mean}",
            "difference={label_gap}",
            "ci_low",
            "ci_high",
            "p_value",
        ),
        {"variable": "gap_item", "group": "group"},
        counts=("n_first", "n_second"),
    ),
    "recommendation_themes": TableLayout(
        "themes_caption",
        _cols("group", "theme", "n_answers", "n", "share"),
        {"group": "group", "theme": "theme"},
        note="table_note_suppressed",
        percent=("share",),
        counts=("n_answers",),
    ),
}


@dataclass(frozen=True, eq=False)
class Labels:
    """Label sets (``{set: {code: text}}``) and the catalog they came from."""

    t: Callable[..., str]
    sets: Mapping[str, Mapping]

    def __getitem__(self, name: str) -> Mapping:
        return self.sets[name]

    def apply(self, frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
        """``frame`` with the codes of each ``column=set`` replaced by their labels."""
        return frame.assign(**{c: frame[c].map(self.sets[s]) for c, s in columns.items()})

    def header(self, template: str, **given: str) -> str:
        """A header template with its catalog keys (and ``wave_<k>``, ``group_citizen``, and
        the ``given`` fields) filled in."""
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        values = {}
        waves = sorted(self.sets["wave_present"]) or sorted(self.sets["wave"])
        for f in fields:
            if f in given:
                values[f] = given[f]
            elif f == "group_citizen":
                values[f] = self.sets["group"].get(CITIZEN, str(CITIZEN))
            elif f.startswith("wave_") and f[5:].isdigit():
                values[f] = self.sets["wave"][int(f[5:])]
            elif f in ("wave_first", "wave_latest"):
                values[f] = self.sets["wave"][waves[0 if f == "wave_first" else -1]]
            else:
                values[f] = self.t(f)
        return template.format(**values)


def _margin_texts(study: StakeholderStudy, t) -> tuple[dict, dict]:
    """Names of the raking margins and labels of their categories, from the margins file.

    A margin is named by the file's ``variable_<lang>`` column, else the catalog's
    ``label_<variable>``, else the codebook's label of its survey variable. A category is
    labelled by the catalog's ``<variable>_<category>`` when it has one, else by the
    codebook's label of its one survey code, else by the file's ``label_<lang>``; a category
    that merges several codes of a coded survey variable (``survey_codes`` "7 8") and whose
    label is blank or only one code's label is labelled with every merged code's label,
    joined by " + ".
    """
    table = study.sample.margins
    if table is None:
        return {}, {}
    lang, book = t.lang, study.book
    names, categories = {}, {}
    for variable, (survey_variable, _) in table.recodes.items():
        given = table.variable_labels[lang].get(variable)
        if given:
            names[variable] = given
        elif f"label_{variable}" in t:
            names[variable] = t(f"label_{variable}")
        elif survey_variable in book.item_ids:
            names[variable] = book.label(survey_variable, lang)
        else:
            names[variable] = variable
        try:
            coded = book.value_labels(survey_variable, lang)
        except Exception:  # not a coded item: no code labels to merge
            coded = {}
        for category in table.margins[variable]:
            label = table.labels[lang][(variable, category)]
            codes = table.codes[(variable, category)]
            own = [coded[c] for c in codes if c in coded]
            if f"{variable}_{category}" in t:  # the study's own wording of the category
                label = t(f"{variable}_{category}")
            elif len(codes) == 1 and own:
                label = own[0]  # the questionnaire's wording of the answer
            elif len(codes) > 1 and len(own) == len(codes) and (not label or label in own):
                label = " + ".join(own)
            elif not label:
                label = " + ".join(own) if own else str(category)
            categories[(variable, category)] = label
    return names, categories


def _wave_short(t, waves) -> dict:
    return {w: t(f"wave_short_{w}") if f"wave_short_{w}" in t else str(w) for w in waves}


def labels(study: StakeholderStudy, t, themes=None) -> Labels:
    """Every label set of the study's tables and figures in the catalog's language."""
    lang, book = t.lang, study.book
    indicator = {v: t(f"label_{v}") for v in [*INDICATORS, "responsiveness"]}
    municipality = book.value_labels("municipality", lang)
    margin, categories = _margin_texts(study, t)
    waves = dict(book.value_labels("wave", lang))
    waves.update({w: str(w) for w in study.waves if w not in waves})
    wave_terms = {f"wave[{w}]": (t("label_wave2") if w == 2 else t("label_wave") + f" {w}")
                  for w in study.waves}
    sets = {
        "group": book.value_labels("group", lang),
        "wave": waves,
        "wave_present": {w: waves[w] for w in study.waves},
        "wave_short": _wave_short(t, waves),
        "municipality": municipality,
        "indicator": indicator,
        "item": {i: book.label(i, lang) for i in CATEGORICAL},
        "gap_item": {
            **({m: book.label(m, lang) for m in study.mirror} if study.staff is not None else {}),
            "admin_image": t("label_admin_image_score"),
        },
        "margin": margin,
        "margin_category": categories,
        "version": {v: t(f"label_{v}") for v in ("unweighted", "weighted", "trimmed")},
        "aspect": {a: t(f"aspect_{a}") for a in ASPECTS},
        "term": {
            "Intercept": t("label_intercept"),
            "responsiveness": indicator["responsiveness"],
            "impartiality": indicator["impartiality"],
            "contact_yes": t("label_contact"),
            **wave_terms,
            **{f"sat_{a}": t(f"aspect_{a}") for a in ASPECTS},
        },
        "theme": {} if themes is None else themes.labels(lang),
    }
    return Labels(t, sets)


def published(name: str, frame: pd.DataFrame, names: Labels) -> tuple[pd.DataFrame, dict]:
    """The table ``name`` as published: ``(frame, show_table keyword arguments)``."""
    layout = TABLES[name]
    out = frame.copy()
    for col, spec in layout.labels.items():
        if isinstance(spec, tuple):
            label_set, key = names[spec[0]], spec[1]
            out[col] = [label_set.get((k, v)) for k, v in zip(frame[key], frame[col], strict=True)]
        else:
            out[col] = frame[col].map(names[spec])
    headers = {col: names.header(template) for col, template in layout.columns}
    out = out[[c for c, _ in layout.columns]].rename(columns=headers)
    if layout.stat:
        out.attrs[STAT_COLUMNS] = [headers[c] for c in layout.stat]
    # a table of one wave ("wave" a result column it does not show): {wave_table} is its wave
    given = ({"wave_table": str(names["wave"].get(frame["wave"].iloc[0], frame["wave"].iloc[0]))}
             if "wave" in frame and len(frame) and frame["wave"].nunique() == 1 else {"wave_table": ""})
    if layout.count_cells:
        out.attrs[COUNT_CELLS] = {headers[c]: {names.header(k): names.header(v, **given)
                                               for k, v in cell.items()}
                                  for c, cell in layout.count_cells.items()}
    if layout.population:
        spec = layout.population
        out.attrs[POPULATION] = {
            "who": spec["who"],
            "cell": [(headers[c[0]], headers[c[1]]) if isinstance(c, tuple) else headers[c]
                     for c in spec.get("cell", ())],
            "stats": [headers[c] for c in spec.get("stats", ())]}
    t = names.t
    if "{wave}" in t.template(layout.caption) and "wave" in frame and len(frame):
        wave = frame["wave"].iloc[0]  # a table of one wave: its caption names it
        kwargs: dict = {"caption": t(layout.caption, wave=names["wave_short"].get(wave, wave))}
    else:
        kwargs = {"caption": t(layout.caption)}
    if name == "group_contrasts" and len(frame) and (frame["reference"] != CITIZEN).any():
        reference = names["group"].get(int(frame["reference"].iloc[0]), frame["reference"].iloc[0])
        kwargs["caption"] = t("contrast_caption_reference", reference=reference)
    if layout.note:
        kwargs["note"] = t(layout.note)
    if layout.percent:
        kwargs["percent_columns"] = [headers[c] for c in layout.percent]
    if layout.counts:
        kwargs["count_columns"] = [headers[c] for c in layout.counts]
    if isinstance(layout.digits, Mapping):
        kwargs["digits"] = {headers[c]: d for c, d in layout.digits.items()}
    elif layout.digits != 2:
        kwargs["digits"] = layout.digits
    return out, kwargs

