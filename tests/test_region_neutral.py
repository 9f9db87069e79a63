"""Nothing of one region is written in the code or the notebooks: it all comes from a profile.

The package serves any regional administration by data alone (``data/regions/<id>/``). This
test reads every profile under ``data/regions/`` and fails when the name of its region centre,
administration or any municipality, or the year of any of its waves, appears in the source of
``src/`` (code, catalogs, templates) or in the cell sources of ``notebooks/*.ipynb``. A second
check reads the notebooks' stored outputs: they must record the fictional ``demo`` profile and
show no other profile's names, project or wave years. Allowed: the package's own names (``ruse_research``,
``ruse-research``, ``RuseError``, ``RUSE_RESEARCH_*``), the lower-case ``ruse`` namespace of the
notebook-output contract (metadata key, mime type, template folder) and dates written as dates
in docstring examples (``2019-01-18``, ``08.12.2019``).

Also here: the synthetic generator and the codebooks follow whichever profile is active
(``RUSE_RESEARCH_PROFILE``), so these checks pass with any profile selected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbval_numeric import read_sanitizers, sanitized

from ruse_research import paths
from ruse_research.data import profile

ROOT = paths.project_root()
SOURCE_SUFFIXES = {".py", ".yaml", ".yml", ".j2", ".html", ".css", ".js", ".tpl", ".txt", ".md"}

# The package's own names, and the lower-case namespace of the output contract.
ALLOWED = re.compile(r"ruse[_-]research|RUSE_RESEARCH\w*|Ruse[A-Z]\w*|\bruse\b|\bruse_\w+|\w+_ruse_\w*")
# Dates are dates (doctest examples of date arithmetic), not wave years.
DATES = re.compile(r"(?<!\d)(?:\d{4}-\d{2}-\d{2}|\d{2}[./]\d{2}[./]\d{4}|\d{4}Q\d|\d{8})(?!\d)")
# Years of published standards the texts cite (not fieldwork): CAF 2020, the CoE Code revised 2019.
CITED = re.compile(r"CAF 2020|(?:revised|преработен) 2019|2009/2019|Code \(2019\)"
                   # the standards the participation model cites, as its tables name them
                   r"|(?:CoE Code|Кодекс на СЕ) 2019|2019 Standards|Стандартите от 2019")
# The reference list cites publications by year (Lumley 2004/2024): years there are not waves,
# but place names still are region-specific.
CITATIONS = "src/ruse_research/locale/references.yaml"


def _profiles() -> list[profile.Profile]:
    return [profile.load(p.parent.name) for p in sorted((ROOT / profile.REGIONS_DIR).glob("*/profile.yaml"))]


def _pattern(profiles: list[profile.Profile], *, project: bool = False,
             allowed: list[profile.Profile] = ()) -> re.Pattern:
    """The names of ``profiles`` (region centre, municipalities; with ``project`` also the
    administration, the project's title and code) and their wave years, less those of
    ``allowed``. A year counts only as a whole number (not the digits of ``0.2024``)."""
    def words_of(prof: profile.Profile) -> set[str]:
        keys = ("region_centre", "administration") if project else ("region_centre",)
        words = {prof.text(key, lang) for key in keys for lang in ("bg", "en")}
        words.update(m.label(lang) for m in prof.municipalities for lang in ("bg", "en"))
        if project:
            words.update(prof.project_text("title", lang) for lang in ("bg", "en"))
            words.add(str(prof.project.get("code") or ""))
        return words - {""}

    def years_of(prof: profile.Profile) -> set[str]:
        return {str(w.year) for w in prof.waves if w.year}

    words = set().union(*(words_of(p) for p in profiles)) - set().union(*(words_of(p) for p in allowed))
    years = set().union(*(years_of(p) for p in profiles)) - set().union(*(years_of(p) for p in allowed))
    names = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "$^"
    wave_years = "|".join(sorted(years)) or "$^"
    return re.compile(rf"(?<!\w)(?:{names})(?!\w)|(?<!\d)(?<!\d[.,])(?:{wave_years})(?!\d|[.,]\d)")


def _forbidden() -> re.Pattern:
    return _pattern(_profiles())


def _lines():
    for path in sorted((ROOT / "src").rglob("*")):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                yield f"{path.relative_to(ROOT)}:{i}", line
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for c, cell in enumerate(nb.cells):
            for i, line in enumerate(cell.source.splitlines(), start=1):
                yield f"{path.relative_to(ROOT)} cell {c} line {i}", line


def test_there_are_at_least_two_profiles():
    ids = [p.id for p in _profiles()]
    assert len(ids) >= 2 and profile.DEFAULT_PROFILE in ids, ids


def test_no_region_names_or_wave_years_in_src_or_notebooks():
    pattern = _forbidden()
    hits = []
    for where, line in _lines():
        text = CITED.sub("", DATES.sub("", ALLOWED.sub("", line)))
        if where.startswith(CITATIONS + ":"):
            text = re.sub(r"(?<!\d)(?:19|20)\d{2}(?!\d)", "", text)
        match = pattern.search(text)
        if match:
            hits.append(f"{where}: {match.group(0)!r} in {line.strip()[:100]!r}")
    assert not hits, ("region-specific text in src/ or notebooks/; move it into the region profile "
                      "(data/regions/<id>/profile.yaml) and use a catalog placeholder:\n" + "\n".join(hits))


#: The profile the bundled notebooks' stored outputs are written under: fictional, so that
#: notebooks/ names no real region (data/regions/demo/README.md). A team that stores its own
#: region's outputs (`ruse-research refresh --profile ID`) changes this line with them.
BUNDLED_NOTEBOOK_PROFILE = "demo"
#: matplotlib writes every text of an SVG figure as a comment before its glyphs.
_SVG_TEXT = re.compile(r"<!-- (.*?) -->", re.S)


def _stored_texts(nb):
    """Every text a notebook's stored outputs show: streams, errors, every non-image MIME
    type, the texts of SVG figures, and the outputs' metadata (alt texts, captions); the
    volatile text nbval ignores (tests/nbval_sanitize.cfg: the run date, paths) left out."""
    sanitizers = read_sanitizers()

    def clean(text: str) -> str:
        return sanitized(text, sanitizers)

    for c, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if "text" in output:
                yield c, "stream", clean(output["text"])
            if output.get("output_type") == "error":
                yield c, "error", clean(f"{output.get('ename')}: {output.get('evalue')}")
            if output.get("metadata"):
                yield c, "metadata", clean(json.dumps(output["metadata"], ensure_ascii=False))
            for mime, value in (output.get("data") or {}).items():
                if mime == "image/svg+xml":
                    yield c, mime, clean("\n".join(_SVG_TEXT.findall(value)))
                elif not mime.startswith("image/"):
                    yield c, mime, clean(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _recorded(nb) -> str | None:
    from ruse_research.runner.refresh import recorded_profile

    return recorded_profile(nb)


def test_the_bundled_notebooks_record_the_fictional_profile():
    recorded = {p.name: _recorded(nbformat.read(p, as_version=4)) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    assert recorded and set(recorded.values()) == {BUNDLED_NOTEBOOK_PROFILE}, (
        f"the notebooks' stored outputs must be written under the fictional {BUNDLED_NOTEBOOK_PROFILE!r} "
        f"profile, found {recorded}; refresh them with "
        f"`ruse-research refresh --profile {BUNDLED_NOTEBOOK_PROFILE}` (or `nox -s refresh`)")


@pytest.mark.parametrize("notebook", [p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))])
def test_stored_outputs_show_only_the_profile_they_record(notebook):
    """The outputs stored in a notebook were written under one profile, which the notebook
    records (``metadata.ruse.profile``, written by ``ruse-research refresh``; nbval executes it
    under that profile). They name no other profile's region, administration, municipality,
    project or wave year. The bundled notebooks record the fictional ``demo`` profile
    (``nox -s refresh``), so they name no real region at all."""
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    recorded = _recorded(nb)
    assert recorded, f"{notebook}: no metadata.ruse.profile; refresh it with `nox -s refresh`"
    own = profile.load(recorded)
    others = [p for p in _profiles() if p.source.resolve() != own.source.resolve()]
    pattern = _pattern(others, project=True, allowed=[own])
    hits = []
    for cell, mime, text in _stored_texts(nb):
        text = CITED.sub("", DATES.sub("", ALLOWED.sub("", text)))
        for match in pattern.finditer(text):
            hits.append(f"cell {cell} {mime}: {match.group(0)!r} in {text[max(0, match.start() - 40):match.end() + 40]!r}")
    assert not hits, (f"{notebook} records profile {recorded!r} but its stored outputs show another "
                      "profile's text; refresh it under one profile (`nox -s refresh`):\n" + "\n".join(hits[:20]))


def test_the_stored_output_check_sees_another_profiles_name():
    ruse, demo = profile.load("ruse"), profile.load("demo")
    pattern = _pattern([ruse], project=True, allowed=[demo])
    assert pattern.search(f"<td>{ruse.municipalities[-1].label('en')}</td>")
    assert pattern.search(ruse.project_text("title", "bg"))
    assert pattern.search(f"wave 1 ({ruse.waves[0].year}).")
    assert not pattern.search(f"<td>{demo.municipalities[-1].label('en')}</td> {demo.waves[0].year}")
    assert not pattern.search(f"0.{ruse.waves[0].year}1 and 0,{ruse.waves[0].year}")  # digits, not years
    assert not _pattern([], project=True).search("x, y")  # no names: nothing matches
    svg = f'<svg><!-- {ruse.municipalities[1].label("bg")} --><path d="M 0 0"/></svg>'
    nb = nbformat.from_dict({"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                                        "outputs": [{"output_type": "display_data", "metadata": {},
                                                     "data": {"image/svg+xml": svg}}]}]})
    assert any(pattern.search(text) for _, _, text in _stored_texts(nb))


def test_the_check_sees_a_planted_name(tmp_path: Path):
    pattern = _forbidden()
    prof = _profiles()[0]
    assert pattern.search(f"транспортът до {prof.municipalities[-1].label('bg')} е проблем")
    assert pattern.search(f"wave 2 in {max(w.year for w in prof.waves if w.year)}")
    assert not pattern.search(ALLOWED.sub("", "from ruse_research.errors import RuseError"))


# ---------------------------------------------------------------- the active profile decides
def test_stakeholder_codebook_lists_the_active_profiles_municipalities_and_waves():
    from ruse_research.data.codebook import load_codebook

    prof = profile.load()
    book = load_codebook("stakeholders")
    for lang in ("bg", "en"):
        assert book.value_labels("municipality", lang) == {m.code: m.label(lang) for m in prof.municipalities}
        assert book.value_labels("wave", lang) == {w.wave: w.label(lang) for w in prof.waves}


def test_catalog_fills_profile_fields():
    from ruse_research.display.catalog import texts

    prof = profile.load()
    for lang in ("bg", "en"):
        t = texts("common", lang)
        assert prof.text("administration", lang) in t("banner_synthetic_text")


@pytest.mark.parametrize("name", [p.id for p in _profiles()])
def test_synthetic_region_follows_the_profile_and_its_margins(name):
    import pandas as pd

    from ruse_research.synthetic.region import Region

    prof = profile.load(name)
    region = Region.from_profile(name)
    margins = pd.read_csv(paths.resolve(prof.margins))
    mun = margins[margins["variable"] == "municipality"].set_index("category")["population"]
    assert region.codes == tuple(m.code for m in prof.municipalities)
    assert region.municipality_population == {int(k): int(v) for k, v in mun.items()}
    assert set(region.citizen_quota) == set(region.codes)
    assert region.citizen_quota[region.centre] == max(region.citizen_quota.values())


def test_active_profiles_demo_data_match_its_municipalities():
    from ruse_research.data.io import read_survey

    prof = profile.load()
    df = read_survey(paths.resolve(prof.data_path("data/raw/stakeholders.csv")), "stakeholders")
    codes = {m.code for m in prof.municipalities}
    assert set(df["municipality"].dropna().astype(int)) == codes
    assert set(df["wave"].dropna().astype(int)) == {w.wave for w in prof.waves}
