"""Listing runs: the rows of ``ruse-research list`` and the outputs index, ``outputs/index.html``.

Nothing here starts a kernel or imports pandas, so ``ruse-research list`` stays fast.

The index is one bilingual page, titled with the administration's name (region profile): a
section per study (notebook) with its runs, one per language, each with the first key findings
(read from the run's executed notebook, the output ``{"ruse": {"kind": "key_findings"}}``),
its report, ``report.pdf`` when it exists, the notebook, the provenance and the data files.
It is one column on a phone (390 px) and nothing is wider than the screen.

Examples
--------
>>> rows = list_runs()
>>> all({"run", "notebook", "lang", "title", "status"} <= set(r) for r in rows)
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ruse_research import _yaml, paths
from ruse_research.data import profile as _profile
from ruse_research.errors import ParamsError, RuseError
from ruse_research.i18n import LANGUAGES
from ruse_research.runner import cache, matrix, provenance
from ruse_research.runner.params import Run
from ruse_research.runner.plan import Plan
from ruse_research.runner.spec import RunFailure, RunResult, describe_failure
from ruse_research.runner.words import seconds_text

#: Key findings shown per run on the index page.
INDEX_FINDINGS = 3


def list_runs(root: Path | None = None) -> list[dict[str, str]]:
    """One row per params file: run, notebook, language, title and last status.

    A params file that does not check out is listed with status ``invalid: <message>``.
    """
    root = (root or paths.project_root()).resolve()
    outputs = root / "outputs"
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    rows = []
    for source in matrix.all_sources(root):  # a run matrix lists each expanded run
        name = source.name
        try:
            if source.error:
                raise ParamsError(source.error)
            run = matrix.load(source, store, root)
        except RuseError as exc:
            rows.append({"run": name, "notebook": "?", "lang": "?", "title": "", "status": f"invalid: {exc}"})
            continue
        record = provenance.read_json(outputs / name / "provenance.json")
        if (outputs / name / "failed" / "failure.json").is_file():
            status = "failed"
        elif record is None:
            status = "not run"
        else:
            status = f"{record.get('status')} ({record.get('end_time', '')[:19].replace('T', ' ')} UTC)"
        rows.append({"run": name, "notebook": run.notebook_rel, "lang": run.lang, "title": run.title, "status": status})
    return rows


def runs_for_index(root: Path, plans: list[Plan], store: cache.FileHashStore) -> list[Run]:
    """Every run of the project for the index: the planned ones plus the others that load.

    Examples
    --------
    >>> import tempfile
    >>> runs_for_index(Path(tempfile.mkdtemp()), [], cache.FileHashStore())
    []
    """
    planned = {item.run.name: item.run for item in plans}
    runs = []
    for source in matrix.all_sources(root):
        if source.name in planned:
            runs.append(planned[source.name])
            continue
        try:
            if source.error:
                continue
            runs.append(matrix.load(source, store, root))
        except RuseError:
            continue  # `ruse-research list` shows why; the index lists runs that can run
    return runs


# --------------------------------------------------------------------------- the index page


class IndexedRun(Protocol):
    """What the index needs to know of a run (``ruse_research.runner.params.Run`` has it)."""

    name: str
    lang: str
    notebook_rel: str
    titles: dict[str, str]

    @property
    def title(self) -> str: ...


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    return _yaml.load_file(Path(__file__).resolve().parents[1] / "locale" / "runner.yaml", dates=False)


def label(key: str, lang: str, **values: str) -> str:
    """An index label from ``locale/runner.yaml`` in ``lang``.

    Examples
    --------
    >>> label("index_report", "bg"), label("index_report", "en")
    ('Доклад', 'Report')
    """
    text = _labels()[key][lang if lang in LANGUAGES else "en"]
    return text.format(**values) if values else text


def run_findings(notebook: Path) -> list[str]:
    """The key-finding sentences a run's executed notebook displayed ([] if none or unreadable).

    Examples
    --------
    >>> run_findings(Path("/nonexistent/notebook.ipynb"))
    []
    """
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            meta = (output.get("metadata") or {}).get("ruse") or {}
            if meta.get("kind") == "key_findings":
                return [str(s) for s in meta.get("sentences", [])]
    return []


def index_rows(outputs: Path, runs: Sequence[IndexedRun], results: Mapping[str, RunResult],
               findings: Callable[[Path], list[str]] = run_findings) -> list[dict[str, object]]:
    """One row per run for the index: status of this invocation, else of the stored outputs
    (``findings``: reads a run's key findings from its executed notebook).

    Examples
    --------
    >>> index_rows(Path("/nonexistent"), [], {})
    []
    """
    rows = []
    for run in runs:
        run_dir, lang = outputs / run.name, run.lang
        record = provenance.read_json(run_dir / "provenance.json")
        failure = provenance.read_json(run_dir / "failed" / "failure.json")
        result = results.get(run.name)
        status = result.status if result is not None else ("failed" if failure else ("ok" if record else "not run"))
        shown = failure if status == "failed" and failure else record
        links = []
        if record:
            links.append((label("index_report", lang), f"{run.name}/report.html"))
            if (run_dir / "report.pdf").is_file():
                links.append((label("index_pdf", lang), f"{run.name}/report.pdf"))
            links += [(label("index_notebook", lang), f"{run.name}/notebook.ipynb"),
                      (label("index_provenance", lang), f"{run.name}/provenance.json")]
        if status == "failed" and failure:
            links = [(label("index_failed_report", lang), f"{run.name}/failed/report.html"),
                     (label("index_failed_notebook", lang), f"{run.name}/failed/notebook.ipynb")] + [
                (label("index_last_good", lang), href) for _, href in links[:1]]
        detail = ""
        if status == "failed":
            found = result.failure if result is not None and result.failure is not None else None
            detail = describe_failure(found or RunFailure.from_dict((failure or {}).get("error")))
        elif status == "skipped-cached":
            detail = label("index_detail_cached", lang)
        found = findings(run_dir / "notebook.ipynb") if record else []
        rows.append({
            "run": run.name,
            "notebook": run.notebook_rel,
            "title": run.title,
            "titles": dict(run.titles),
            "lang": lang,
            "status": status,
            "status_text": label(f"index_status_{status.replace('-', '_').replace(' ', '_')}", lang),
            "css": "failed" if status == "failed" else "ok",
            "detail": detail,
            "duration": (f"{seconds_text(shown['duration_s'], lang)} {label('index_seconds', lang)}"
                         if shown and shown.get("duration_s") is not None else ""),
            "finished": (shown or {}).get("end_time", "")[:19].replace("T", " "),
            "links": links,
            "findings": found[:INDEX_FINDINGS],
            "more": max(0, len(found) - INDEX_FINDINGS),
            "tables": (record or {}).get("tables", []) if status != "failed" else [],
            "figures": (record or {}).get("figures", []) if status != "failed" else [],
            "synthetic": bool((shown or {}).get("synthetic")),
        })
    return rows


#: The campaign products the index links, per language (``outputs/campaign.<lang>/``), and their labels.
CAMPAIGN_LINKS = (("index_campaign_summary", "summary.html"), ("index_pdf", "summary.pdf"),
                  ("index_campaign_cards", "cards/index.html"), ("index_campaign_press", "press_release.docx"),
                  ("index_campaign_data", "datapackage.json"), ("index_campaign_glossary", "glossary.html"))


def campaign_rows(outputs: Path) -> list[dict[str, object]]:
    """One row per language whose campaign is published (``outputs/campaign.<lang>/``).

    Examples
    --------
    >>> campaign_rows(Path("/nonexistent"))
    []
    """
    rows = []
    for lang in LANGUAGES:
        folder = outputs / f"campaign.{lang}"
        if not (folder / "campaign.json").is_file():
            continue
        links = [(label(key, lang), f"{folder.name}/{href}") for key, href in CAMPAIGN_LINKS
                 if (folder / href.rstrip("/")).exists()]
        rows.append({"lang": lang, "links": links})
    return rows


def studies(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows grouped by notebook (one study), in notebook order; Bulgarian runs first.

    Examples
    --------
    >>> [s["notebook"] for s in studies([{"notebook": "b", "lang": "en", "run": "x.en"},
    ...                                  {"notebook": "a", "lang": "bg", "run": "y.bg"}])]
    ['a', 'b']
    """
    groups: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        groups.setdefault(str(row["notebook"]), []).append(row)
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    return [{"notebook": nb, "titles": dict(group[0].get("titles") or {}),
             "runs": sorted(group, key=lambda r: (order.get(str(r["lang"]), 99), str(r["run"])))}
            for nb, group in sorted(groups.items())]


INDEX_CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI",
  "DejaVu Sans", Arial, sans-serif; color: #1b1b1f; background: #fff; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #d0d0d7; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
a { color: #0b5cad; } a:visited { color: #5a3d99; }
a, code, li, p, small { overflow-wrap: anywhere; }
.lede p { margin: .3rem 0; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); gap: 1rem; }
.run { border: 1px solid #d0d0d7; border-radius: 6px; padding: .8rem 1rem; min-width: 0; }
.run ul { padding-left: 1.2rem; margin: .4rem 0; }
.links a { white-space: nowrap; }
.meta { color: #4a4a55; font-size: .9rem; margin: .2rem 0 .5rem; }
.status-ok { color: #1e6b2e; } .status-failed { color: #a3190b; font-weight: 600; }
.synthetic-tag { background: #fff3e0; border: 1px solid #b35806; color: #3b1f00; border-radius: 4px; padding: 0 .3em; }
p.synthetic-tag { padding: .5rem .8rem; }
details { margin-top: .4rem; font-size: .9rem; }
"""

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="bg">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ titles.bg }} / {{ titles.en }}</title>
<style>{{ css | safe }}</style>
</head>
<body>
<header>
<h1>{{ titles.bg }}<br><span lang="en">{{ titles.en }}</span></h1>
<div class="lede"><p>{{ label('index_intro', 'bg') }}</p><p lang="en">{{ label('index_intro', 'en') }}</p></div>
{%- if any_synthetic %}
<p class="synthetic-tag">{{ label('index_synthetic', 'bg') }} <span lang="en">{{ label('index_synthetic', 'en') }}</span></p>
{%- endif %}
</header>
<main>
{%- for study in studies %}
<section class="study">
<h2>{{ study.titles.get('bg', study.notebook) }}{% if study.titles.get('en') %} <span lang="en">/ {{ study.titles.en }}</span>{% endif %}</h2>
<div class="runs">
{%- for row in study.runs %}
<article class="run" lang="{{ row.lang }}">
<h3>{{ row.title }} ({{ label('index_language', row.lang) }}){% if row.synthetic %} <span class="synthetic-tag">{{ label('index_synthetic_tag', row.lang) }}</span>{% endif %}</h3>
<p class="meta"><code>{{ row.run }}</code> &middot; <span class="status-{{ row.css }}">{{ row.status_text }}</span>
{%- if row.detail %} <small>{{ row.detail }}</small>{% endif %}
{%- if row.finished %} &middot; {{ label('index_finished', row.lang) }} {{ row.finished }} UTC{% endif %}
{%- if row.duration %} &middot; {{ row.duration }}{% endif %}</p>
{%- if row.findings %}
<ul class="summary">
{%- for sentence in row.findings %}<li>{{ sentence }}</li>{% endfor %}
</ul>
{%- if row.more %}<p class="meta">{{ label('index_more_findings', row.lang, n=row.more|string) }}</p>{% endif %}
{%- elif row.status != 'failed' %}<p class="meta">{{ label('index_no_findings', row.lang) }}</p>
{%- endif %}
<p class="links">
{%- for text, href in row.links %}<a href="{{ href }}">{{ text }}</a>{% if not loop.last %} &middot; {% endif %}{% endfor %}
{%- if row.tables or row.figures %} &middot; {{ label('index_data', row.lang) }}:
{%- if row.tables %} <a href="{{ row.run }}/tables/">{{ row.tables|length }} {{ label('index_tables', row.lang) }}</a>{% endif %}
{%- if row.figures %} <a href="{{ row.run }}/figures/">{{ row.figures|length }} {{ label('index_figures', row.lang) }}</a>{% endif %}
{%- endif %}</p>
{%- if row.tables or row.figures %}
<details><summary>{{ label('index_files', row.lang) }}</summary>
{%- if row.tables %}<p>{{ label('index_tables', row.lang) }}: {% for t in row.tables %}{{ t }} (<a href="{{ row.run }}/tables/{{ t }}.csv">csv</a>, <a href="{{ row.run }}/tables/{{ t }}.xlsx">xlsx</a>){% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
{%- if row.figures %}<p>{{ label('index_figures', row.lang) }}: {% for f in row.figures %}{{ f }} (<a href="{{ row.run }}/figures/{{ f }}.png">png</a>, <a href="{{ row.run }}/figures/{{ f }}.svg">svg</a>){% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
</details>
{%- endif %}
</article>
{%- endfor %}
</div>
</section>
{%- endfor %}
{%- if campaign %}
<section class="study campaign">
<h2>{{ label('index_campaign', 'bg') }} <span lang="en">/ {{ label('index_campaign', 'en') }}</span></h2>
<div class="runs">
{%- for row in campaign %}
<article class="run" lang="{{ row.lang }}"><h3>{{ label('index_campaign', row.lang) }} ({{ label('index_language', row.lang) }})</h3>
<p class="links">{% for text, href in row.links %}<a href="{{ href }}">{{ text }}</a>{% if not loop.last %} &middot; {% endif %}{% endfor %}</p></article>
{%- endfor %}
</div>
</section>
{%- endif %}
</main>
</body>
</html>
"""


def write_index(outputs: Path, runs: Sequence[IndexedRun], results: Mapping[str, RunResult],
                findings: Callable[[Path], list[str]] = run_findings, target: Path | None = None) -> Path:
    """Write ``outputs/index.html`` (or ``target``): every study, its runs, their findings,
    reports and data (``runner.index_skip`` skips it when nothing it shows changed).

    Examples
    --------
    >>> import tempfile
    >>> write_index(Path(tempfile.mkdtemp()), [], {}).name
    'index.html'
    """
    import jinja2

    rows = index_rows(outputs, runs, results, findings)
    try:
        prof = _profile.load()
        titles = {lang: label("index_title", lang, administration=prof.text("administration", lang))
                  for lang in LANGUAGES}
    except RuseError:  # no usable profile: the title names the studies only
        titles = {lang: label("index_title", lang, administration="").lstrip(": ") for lang in LANGUAGES}
    page = jinja2.Environment(autoescape=True).from_string(_INDEX_TEMPLATE).render(
        titles=titles, studies=studies(rows), css=INDEX_CSS, label=label,
        any_synthetic=any(r["synthetic"] for r in rows), campaign=campaign_rows(outputs),
    )
    target = target or outputs / "index.html"
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, target)
    return target
