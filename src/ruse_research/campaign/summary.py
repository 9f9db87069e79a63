"""The one-page public summary and the plain-language glossary, as HTML (and the summary as PDF).

The summary says what was studied, who answered (counts), the headline results with their
uncertainty in words, what the administration will do (the first prioritised recommendations of
the participation model) and where to read more; every number names its report and table. It
prints on one A4 page (its own ``@page`` rule; :func:`ruse_research.runner.pdf.print_pdf`).
The glossary explains margin of error, weighting and median; the summary shows the short form
of each term and links the long one.

Examples
--------
>>> "@page" in SUMMARY_CSS
True
"""

from __future__ import annotations

from ruse_research.campaign.content import Content
from ruse_research.stats.disclosure import MIN_CELL

#: The glossary's terms, in the order the summary shows them.
TERMS = ("margin", "weighting", "median")

SUMMARY_CSS = """
@page { size: A4; margin: 10mm 12mm; }
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0 auto; max-width: 48rem; padding: .8rem; font: 9.2pt/1.25 "DejaVu Sans", Arial,
  sans-serif; color: #1b1b1f; background: #fff; }
h1 { font-size: 14pt; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 10.5pt; margin: .4rem 0 .15rem; color: #0b3d6e; border-bottom: 1px solid #c9d3de; }
p, li { margin: .12rem 0; }
ul, ol { margin: .1rem 0; padding-left: 1.2rem; }
a { color: #0b5cad; overflow-wrap: anywhere; }
.flag { background: #fff3e0; border: 1px solid #b35806; color: #3b1f00; border-radius: 4px;
  padding: .25rem .5rem; font-weight: 600; margin: .2rem 0 .3rem; }
.results li { margin: .15rem 0; }
.number { font-weight: 700; color: #0b3d6e; }
.why { color: #33333a; }
.src { color: #55555f; font-size: 7.6pt; }
.src a { color: inherit; }
.bottom { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; align-items: start; }
.reports { font-size: 8.6pt; }
.glossary { border: 1px solid #c9d3de; border-radius: 4px; padding: .2rem .5rem; margin-top: .55rem;
  font-size: 8.6pt; }
.glossary p { margin: .08rem 0; }
footer { font-size: 8pt; color: #55555f; margin-top: .35rem; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
@media (max-width: 30rem) { .bottom { grid-template-columns: 1fr; } }
"""

_SUMMARY = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><style>{{ css | safe }}</style></head>
<body>
<h1>{{ title }}</h1>
{%- if synthetic %}<p class="flag">{{ t('summary_flag') }}</p>{% endif %}
<h2>{{ t('summary_studied_title') }}</h2>
<p>{{ t('summary_studied') }}</p>
<h2>{{ t('summary_who_title') }}</h2>
<p>{% for c in counts %}{{ c.sentence }}{% if not loop.last %}; {% else %}.{% endif %} {% endfor %}
<span class="src">{% for c in counts %}<a href="../{{ c.source.path }}">{{ t('source_ref', n=c.source.number, caption=c.source.caption) }}</a>{% if not loop.last %}; {% endif %}{% endfor %}</span></p>
<h2>{{ t('summary_results_title') }}</h2>
<ol class="results">
{%- for h in headlines %}
<li id="result-{{ h.id }}" data-value="{{ h.value if h.value is not none else '' }}"><span class="number">{{ h.number }}</span> {{ h.sentence }}
<span class="why">{{ h.uncertainty }}</span>
<a class="src" href="../{{ h.source.path }}">{{ t('source_ref', n=h.source.number, caption=h.source.caption) }}</a></li>
{%- endfor %}
</ol>
<h2>{{ t('summary_actions_title') }}</h2>
<p>{{ t('summary_actions_intro') }}</p>
<ol>{% for a in actions %}<li>{{ a }}</li>{% endfor %}</ol>
<p><a class="src" href="../{{ actions_source.path }}">{{ t('source_ref', n=actions_source.number, caption=actions_source.caption) }}</a></p>
<div class="bottom">
<section class="glossary"><p><strong>{{ t('glossary_title') }}</strong></p>
{%- for term in terms %}<p><strong>{{ t('term_' + term) }}</strong> – {{ t('term_' + term + '_short') }}</p>{% endfor %}</section>
<section><h2>{{ t('summary_more_title') }}</h2>
<p>{{ t('summary_more') }}</p>
<ol class="reports">{% for r in reports %}<li><a href="../{{ r.report_path }}">{{ r.report }}</a></li>{% endfor %}</ol>
<p><a href="../index.html">{{ t('summary_index') }}</a>; <a href="datapackage.json">{{ t('summary_datapackage') }}</a>;
<a href="glossary.html">{{ t('summary_glossary_link') }}</a>; <a href="cards/index.html">{{ t('summary_cards') }}</a>;
<a href="press_release.docx">{{ t('summary_press') }}</a>.</p>
<footer>{{ t('summary_footer', min_cell=min_cell) }}</footer></section>
</div>
</body>
</html>
"""

_GLOSSARY = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('glossary_title') }}</title><style>{{ css | safe }}</style></head>
<body>
<h1>{{ t('glossary_title') }}</h1>
{%- if synthetic %}<p class="flag">{{ t('summary_flag') }}</p>{% endif %}
<p>{{ t('glossary_intro') }}</p>
{%- for term in terms %}
<h2 id="{{ term }}">{{ t('term_' + term) }}</h2>
<p>{{ t('term_' + term + '_long') }}</p>
{%- endfor %}
<p><a href="summary.html">{{ t('summary_title') }}</a></p>
</body>
</html>
"""


_CARDS = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('summary_cards') }}</title><style>{{ css | safe }} img { max-width: 100%; height: auto;
 border: 1px solid #c9d3de; margin: .4rem 0; }</style></head>
<body>
<h1>{{ t('summary_cards') }}</h1>
{%- if synthetic %}<p class="flag">{{ t('summary_flag') }}</p>{% endif %}
{%- for item in listing %}
<figure><img src="{{ item.file }}" alt="{{ item.alt }}"><figcaption class="src">{{ item.alt }}</figcaption></figure>
{%- endfor %}
<p><a href="../summary.html">{{ t('summary_title') }}</a></p>
</body>
</html>
"""


def _render(template: str, content: Content, **extra) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(template).render(
        lang=content.lang, t=content.t, css=SUMMARY_CSS, synthetic=content.synthetic,
        terms=TERMS, **extra)


def summary_html(content: Content) -> str:
    """The one-page summary as a self-contained HTML page."""
    return _render(_SUMMARY, content, title=content.t("summary_title"), counts=content.counts,
                   headlines=content.headlines, actions=content.actions,
                   actions_source=content.actions_source, reports=content.reports,
                   min_cell=content.t.int(MIN_CELL))


def glossary_html(content: Content) -> str:
    """The plain-language glossary (margin of error, weighting, median) as an HTML page."""
    return _render(_GLOSSARY, content)


def cards_html(content: Content, listing: list[dict]) -> str:
    """The cards' gallery page (``cards/index.html``): every card with its alt text."""
    return _render(_CARDS, content, listing=listing)
