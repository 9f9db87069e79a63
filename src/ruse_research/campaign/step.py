"""The campaign step of ``ruse-research run``: after the studies, one campaign per language.

For each language whose four studies are published ok, :func:`build_campaign` reads their
published results (:mod:`ruse_research.campaign.results`) and writes ``outputs/campaign.<lang>/``:
``summary.html`` and ``summary.pdf`` (one A4 page), ``glossary.html``, ``cards/*.png`` (each
headline at 1200x630 and 1080x1080) with ``cards/cards.json`` (alt texts and sources),
``press_release.docx``, ``datapackage.json`` with ``data/<run>/<table>.csv``, and
``campaign.json`` (what it was made from). It is built in ``outputs/.staging`` and moved into
place in one rename. The step is cached: its key hashes every published file it reads, the
package source and the region profiles, and an unchanged key skips the language. A language
whose studies did not all succeed (failed, or not run) is skipped with the reason, and the
campaign already published for it, if any, is left as it was.

Examples
--------
>>> import tempfile
>>> [r.status for r in build_campaigns(Path(tempfile.mkdtemp()), echo=lambda s: None)]
['skipped', 'skipped']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ruse_research import paths
from ruse_research.campaign.results import Published, load_published, missing_studies
from ruse_research.i18n import LANGUAGES
from ruse_research.runner import cache, index, index_skip, pdf, publish

#: The files every built campaign has (besides cards and data); a missing one forces a rebuild.
PRODUCTS = ("summary.html", "glossary.html", "press_release.docx", "datapackage.json",
            "cards/cards.json", "campaign.json")


@dataclass(frozen=True)
class CampaignResult:
    """What the step did for one language: ``ok``, ``skipped-cached`` or ``skipped`` (and why)."""

    name: str
    status: str
    reason: str = ""


def campaign_name(lang: str) -> str:
    """``campaign.<lang>``: the campaign's folder under ``outputs/``."""
    return f"campaign.{lang}"


def cache_components(root: Path, outputs: Path, pub: Published,
                     store: cache.FileHashStore | None = None) -> dict[str, object]:
    """What the campaign of ``pub.lang`` is made from: published files, package source, profiles.

    ``store`` (default: the runner's, ``outputs/.cache/file-hashes.json``) reuses content hashes
    of unchanged files (:class:`~ruse_research.runner.cache.FileHashStore`)."""
    store = store or cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    regions = root / "data" / "regions"
    return {
        "format": 1,
        "lang": pub.lang,
        "published": pub.input_hashes(outputs, store.sha256),
        "package_source": cache.package_source_hash(root, store),
        "profiles": cache.tree_hashes(regions, store, root) if regions.is_dir() else {},
        "pdf": pdf.find_chromium() is not None,
    }


def _cached(target: Path, key: str) -> bool:
    try:
        record = json.loads((target / "campaign.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record.get("cache_key") == key and all((target / p).is_file() for p in PRODUCTS)


def write_products(outputs: Path, pub: Published, stage: Path) -> dict[str, object]:
    """Write every campaign product of ``pub`` into ``stage``; return what was written."""
    # imported here: a run whose campaign is cached or skipped loads no pandas or matplotlib
    from ruse_research.campaign import cards as _cards
    from ruse_research.campaign import content as _content
    from ruse_research.campaign import datapackage, press, summary

    content = _content.build_content(pub)
    (stage / "summary.html").write_text(summary.summary_html(content), encoding="utf-8")
    (stage / "glossary.html").write_text(summary.glossary_html(content), encoding="utf-8")
    (stage / "cards").mkdir()
    listing = []
    for name, (png, alt, headline) in _cards.cards(content).items():
        (stage / "cards" / name).write_bytes(png)
        listing.append({"file": name, "headline": headline.id, "alt": alt,
                        "value": headline.value, "source": headline.source.path,
                        "report": headline.source.report_path})
    (stage / "cards" / "cards.json").write_text(
        json.dumps(listing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (stage / "cards" / "index.html").write_text(summary.cards_html(content, listing), encoding="utf-8")
    (stage / "press_release.docx").write_bytes(press.press_docx(content))
    datapackage.write_datapackage(outputs, pub, stage, content)
    written: dict[str, object] = {
        "headlines": {h.id: {"value": h.value, "low": h.low, "high": h.high, "n": h.n,
                             "source": h.source.path} for h in content.headlines},
        "cards": [item["file"] for item in listing],
    }
    binary = pdf.find_chromium()
    if binary is None:
        written["pdf"] = {"file": None, "reason": "no Chromium found (RUSE_RESEARCH_CHROMIUM)"}
    else:
        pdf.print_pdf(stage / "summary.html", stage / "summary.pdf", binary)
        written["pdf"] = {"file": "summary.pdf"}
    return written


def build_campaign(root: Path, outputs: Path, lang: str, *, force: bool = False,
                   store: cache.FileHashStore | None = None) -> CampaignResult:
    """Build (or skip) the campaign of one language; see the module docstring."""
    name = campaign_name(lang)
    missing = missing_studies(outputs, lang)
    if missing:
        why = ", ".join(f"{run} {state}" for run, state in missing.items())
        return CampaignResult(name, "skipped", f"needs every study published ok: {why}")
    pub = load_published(outputs, lang)
    components = cache_components(root, outputs, pub, store)
    key = cache.cache_key(components)
    target = outputs / name
    if not force and _cached(target, key):
        return CampaignResult(name, "skipped-cached", "published results unchanged")
    with publish.staging(outputs, name) as stage:
        written = write_products(outputs, pub, stage)
        record = {"campaign": name, "lang": lang, "synthetic": pub.synthetic, "cache_key": key,
                  "cache_components": components, **written}
        (stage / "campaign.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        publish.publish(stage, target, ok=True, staging_root=outputs / publish.STAGING)
    return CampaignResult(name, "ok")


def build_campaigns(root: Path | None = None, *, force: bool = False,
                    echo: Callable[[str], None] = print,
                    results: Mapping[str, object] | None = None) -> list[CampaignResult]:
    """The campaign step for every language (``outputs`` = ``root/outputs``), holding the lock.

    When a campaign was built, ``outputs/index.html`` is written again so that it links it
    (``results``: the studies' results of this invocation, for the statuses the index shows).
    """
    root = (root or paths.project_root()).resolve()
    outputs = root / "outputs"
    done = []
    outputs.mkdir(parents=True, exist_ok=True)
    with publish.outputs_lock(outputs):
        store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
        for lang in LANGUAGES:
            result = build_campaign(root, outputs, lang, force=force, store=store)
            echo(f"{result.name}: {result.status}" + (f" ({result.reason})" if result.reason else ""))
            done.append(result)
        store.save()
        if any(r.status == "ok" for r in done) and (outputs / "index.html").is_file():
            index_skip.write_index(outputs, index.runs_for_index(root, [], store), dict(results or {}), store)
    return done
