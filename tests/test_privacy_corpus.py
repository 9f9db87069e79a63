"""The planted-answers corpus (tests/fixtures/privacy_corpus.yaml): nothing of it is published.

Every planted datum either goes from :func:`scrub`'s output or makes
:func:`quote_problems` hold the quote back; the ordinary answers survive unchanged and stay
quotable; on the bundled demo open answers (no planted data) the scrubber changes nothing and
holds back at most 1%.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ruse_research import _yaml, paths
from ruse_research.stats.names import latin_variants, load_names, transliterate
from ruse_research.stats.scrub import quote_problems, scrub

CORPUS = _yaml.load_file(Path(__file__).parent / "fixtures" / "privacy_corpus.yaml")
PLANTED = CORPUS["planted"]


@pytest.mark.parametrize("key", sorted(PLANTED))
def test_planted_datum_is_not_published(key):
    item = PLANTED[key]
    out = scrub(item["text"])
    problems = quote_problems(out)
    if item.get("held"):
        assert problems, out
    else:
        for secret in item["secrets"]:
            assert secret not in out, out
        assert "[" in out, out
    assert scrub(out) == out  # idempotent


@pytest.mark.parametrize("text_in", CORPUS["safe"])
def test_safe_answer_survives_and_is_quotable(text_in):
    assert scrub(text_in) == text_in
    assert quote_problems(text_in) == []


def test_corpus_covers_every_kind():
    kinds = {key.split("_")[0] for key in PLANTED}
    assert kinds == {"egn", "phone", "email", "iban", "url", "name", "address", "plate", "id",
                     "long"}


def test_placeholders_for_the_new_kinds():
    assert scrub("лична карта 645123456") == "лична карта [ID]"
    assert scrub("колата Р 1234 АВ пречи") == "колата [PLATE] пречи"
    assert scrub("на бул. Липник 5, вх. Б, ап. 12 е") == "на [ADDRESS] е"
    assert scrub("ЕГН 800101-1236") == "ЕГН [EGN]"
    assert scrub("тел.0888123456") == "тел.[PHONE]"


def test_transliteration_follows_the_act():
    # Закон за транслитерацията, чл. 3: "щ" -> sht, "ъ" -> a, "ю" -> yu, final "ия" -> ia
    assert transliterate("Щерю") == "Shteryu"
    assert transliterate("Ъглев") == "Aglev"
    assert transliterate("Мария") == "Maria"
    assert transliterate("Юлия") == "Yulia"
    assert transliterate("Цветелина") == "Tsvetelina"
    assert transliterate("Жечо") == "Zhecho"
    assert {"georgiev", "georgiew"} <= latin_variants("Георгиев")


def test_bundled_names_have_forms_in_both_scripts():
    names = load_names()
    for form in ("гошо", "georgieva", "петрови", "ivanova", "иване"):
        assert form in names.clear, form
    for word in ("като", "вяра", "роза", "добри"):
        assert word not in names.clear, word


def _demo_answers() -> list[str]:
    truth = json.loads((paths.raw_dir() / "truth.json").read_text(encoding="utf-8"))
    out = []
    for instrument, columns in (("stakeholders", ["recommend"]),
                                ("staff", ["open_obstacles", "open_change"])):
        frame = pd.read_csv(paths.raw_dir() / f"{instrument}.csv", dtype=str)
        planted = {i["resp_id"] for i in truth[instrument]["planted_text"]["items"]}
        clean = frame[~frame["resp_id"].isin(planted)]
        for col in columns:
            out += [a for a in clean[col].dropna() if a.strip()]
    return out


def test_false_positive_rate_on_demo_answers():
    answers = _demo_answers()
    assert len(answers) > 800
    changed = sum(scrub(a) != a for a in answers)
    held = sum(bool(quote_problems(scrub(a))) for a in answers)
    # measured when written: 0 changed and 2 held back (typos "РРусе", "Боово") of 905
    assert changed / len(answers) <= 0.005, changed
    assert held / len(answers) <= 0.01, held


def test_unclassifiable_answers_are_held_back_and_counted():
    from ruse_research.display.blocks import quote_bundle
    from ruse_research.stats.quotes import representative_quotes
    from ruse_research.stats.text import code_answers, load_themes

    answers = pd.Series(
        [f"Повече онлайн услуги, питайте Благун{i}ски" for i in range(12)]
        + [f"Повече онлайн услуги, номер 1234567{i:04d}" for i in range(3)]
        + ["Повече онлайн услуги, моля"] * 2
    )
    coded = code_answers(answers, load_themes("recommendation_themes"))
    q = representative_quotes(answers, coded, "e_services", k=3, seed=1)
    assert q["quote"].tolist() == ["Повече онлайн услуги, моля"] * 2
    assert q.attrs["held_back"] == 15
    data, _ = quote_bundle(q["quote"].tolist(), "en", base_n=17, held_back=q.attrs["held_back"])
    assert "15 answers were not quoted" in data["text/plain"]
    data, _ = quote_bundle(["питайте Благун тук"], "en", base_n=17)
    assert "Благун" not in data["text/plain"]
    assert "Some answers were not quoted" in data["text/plain"]
