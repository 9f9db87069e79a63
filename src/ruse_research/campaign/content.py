"""The campaign's content in one language: headline results, counts and actions, with sources.

Every number comes from a published table by name (``headlines.yaml``: study, table, row and
columns named by the study catalog's header keys) and carries its source (report, table,
caption and file). Texts come from ``locale/campaign.yaml``; no result is written in a text.
A suppressed cell (blank in the published table: fewer than ``disclosure.MIN_CELL`` people)
stays suppressed: the headline says so and shows no number, and no card is made of it.

Examples
--------
>>> spec = load_spec()
>>> [h["id"] for h in spec["headlines"]][:2]
['staff_training', 'citizens_role']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruse_research import _yaml
from ruse_research.campaign.results import STUDIES, CampaignError, Published, PublishedRun
from ruse_research.display.catalog import Catalog, texts
from ruse_research.stats.disclosure import MIN_CELL

SPEC_FILE = Path(__file__).with_name("headlines.yaml")
#: The campaign's language catalog (``locale/campaign.yaml``).
CATALOG = "campaign"
#: Fewer cases than this: the uncertainty sentence says the number is rough.
FEW_CASES = 30


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The campaign's headline specification (``headlines.yaml``)."""
    return _yaml.load_file(SPEC_FILE, dates=False)


@dataclass(frozen=True)
class Source:
    """Where a number comes from: the study's report and one of its published tables."""

    run: str
    report: str
    table: str
    caption: str
    number: int = 0  # the report's number in the summary's list (the order of ``STUDIES``)

    @property
    def path(self) -> str:
        """The table's CSV, relative to ``outputs/``."""
        return f"{self.run}/tables/{self.table}.csv"

    @property
    def report_path(self) -> str:
        return f"{self.run}/report.html"


@dataclass(frozen=True)
class Headline:
    """One headline result, its numbers and its sentences in the campaign's language."""

    id: str
    value: float | None
    low: float | None
    high: float | None
    n: float | None
    number: str          # the big number, formatted with its unit ("+0,56 т.", "57%")
    sentence: str        # the result in plain language
    uncertainty: str     # its uncertainty in words
    explanation: str     # the card's one line
    source: Source

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Count:
    """A "who answered" line: its number, sentence and source."""

    id: str
    value: float
    sentence: str
    source: Source


@dataclass(frozen=True)
class Content:
    """Everything a campaign product says, in one language."""

    lang: str
    synthetic: bool
    headlines: list[Headline]
    counts: list[Count]
    actions: list[str]
    actions_source: Source
    reports: list[Source]
    t: Catalog

    def card_headlines(self) -> list[Headline]:
        """The headlines shown as cards (``cards`` of the spec), suppressed ones left out."""
        by_id = {h.id: h for h in self.headlines}
        return [by_id[i] for i in load_spec()["cards"] if i in by_id and not by_id[i].suppressed]


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def column(run: PublishedRun, frame, key: str | int, catalog: Catalog) -> str:
    """The header of a published table named by a study-catalog key (or a 0-based position)."""
    header = frame.columns[key] if isinstance(key, int) else str(catalog(key))
    if header not in frame.columns:
        raise CampaignError(f"{run.name}: table has no column {header!r} (catalog key {key!r}); "
                            f"it has {', '.join(map(str, frame.columns))}")
    return header


def cell(published: Published, where: dict[str, Any], key: str | int, row: int | None = None) -> Any:
    """One cell of a published table: ``where`` names study, table and row, ``key`` the column."""
    run = published[where["study"]]
    frame = run.table(where["table"])
    row = where["row"] if row is None else row
    if not 0 <= row < len(frame):
        raise CampaignError(f"{run.name}: table {where['table']} has {len(frame)} rows, no row {row}")
    catalog = texts(load_spec()["catalogs"][where["study"]], published.lang)
    return frame.iloc[row][column(run, frame, key, catalog)]


def source(published: Published, study: str, table: str) -> Source:
    run = published[study]
    run.table_path(table)  # raises when the table is not published
    return Source(run.name, run.title, table, run.table_meta(table).caption, STUDIES.index(study) + 1)


def scaled(value: float, kind: str) -> float:
    """A value in the unit its kind is said in (shares as percentage points)."""
    return value * 100 if kind == "pp" else value


def fmt(value: float, kind: str, t: Catalog) -> str:
    """A value as the campaign says it (no unit)."""
    if kind == "points":
        return t.num(value, 2)
    if kind == "pp":
        return t.num(scaled(value, kind), 1)
    if kind == "percent":
        return t.pct(value / 100, 0)
    return t.num(value, 0)


def _headline(published: Published, spec: dict[str, Any], t: Catalog) -> Headline:
    kind, hid = spec["kind"], spec["id"]
    value = _float(cell(published, spec, spec["value"]))
    low, high, n = (_float(cell(published, spec, spec[k])) if k in spec else None
                    for k in ("low", "high", "n"))
    label = str(cell(published, spec, spec["label"])) if "label" in spec else ""
    src = source(published, spec["study"], spec["table"])
    if value is None:
        text = t("suppressed", min_cell=t.int(MIN_CELL))
        return Headline(hid, None, None, None, n, "—", t(f"headline_{hid}_suppressed"), text, text, src)
    x = fmt(value, kind, t)
    signed = ("+" + x) if value > 0 and kind in ("points", "pp") else x
    number = t(f"number_{kind}", x=signed)
    values = {"x": x, "label": label, "n": t.int(n) if n is not None else ""}
    needed = set(_fields(t.template(f"headline_{hid}")))
    sentence = t(f"headline_{hid}", **{k: v for k, v in values.items() if k in needed})
    if "extra" in spec:
        extra = _float(cell(published, spec["extra"], spec["extra"]["value"]))
        uncertainty = t(f"uncertainty_{hid}", share=t.pct(extra) if extra is not None else "—")
    elif low is not None and high is not None:
        uncertainty = t("uncertainty_ci", low=t(f"value_{kind}", x=fmt(low, kind, t)),
                        high=t(f"value_{kind}", x=fmt(high, kind, t)))
        if n is not None and n < FEW_CASES:
            uncertainty += " " + t("uncertainty_few", n=t.int(n))
    else:
        uncertainty = t("uncertainty_none")
    needed = set(_fields(t.template(f"card_{hid}")))
    explanation = t(f"card_{hid}", **{k: v for k, v in values.items() if k in needed})
    return Headline(hid, value, low, high, n, number, sentence, uncertainty, explanation, src)


def _fields(template: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _count(published: Published, spec: dict[str, Any], t: Catalog) -> Count:
    run = published[spec["study"]]
    frame = run.table(spec["table"])
    if spec["agg"] == "rows":
        value = float(len(frame))
    else:
        catalog = texts(load_spec()["catalogs"][spec["study"]], published.lang)
        values = frame[column(run, frame, spec["column"], catalog)].astype(float)
        value = float(values.max() if spec["agg"] == "max" else values.sum())
    return Count(spec["id"], value, t(f"count_{spec['id']}", n=t.int(value)),
                 source(published, spec["study"], spec["table"]))


def build_content(published: Published) -> Content:
    """The campaign's content in the language of ``published`` (raises :class:`CampaignError`
    naming the run, table and column when a result the spec names is not published)."""
    spec, t = load_spec(), texts(CATALOG, published.lang)
    headlines = [_headline(published, h, t) for h in spec["headlines"]]
    counts = [_count(published, c, t) for c in spec["counts"]]
    rec = spec["recommendations"]
    run = published[rec["study"]]
    frame = run.table(rec["table"])
    catalog = texts(spec["catalogs"][rec["study"]], published.lang)
    actions = [str(a) for a in frame[column(run, frame, rec["column"], catalog)].head(rec["rows"])]
    reports = [Source(published[s].name, published[s].title, "", "", i)
               for i, s in enumerate(STUDIES, 1)]
    return Content(published.lang, published.synthetic, headlines, counts, actions,
                   source(published, rec["study"], rec["table"]), reports, t)
