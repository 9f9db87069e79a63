"""text: normalisation, tokens, lemmas, theme dictionary, coding, frequencies and quotes."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from bulstem.stem import BulStemmer

from ruse_research import paths
from ruse_research.errors import CodebookError, ParamsError, RuseError
from ruse_research.stats import quotes, text
from ruse_research.stats.disclosure import MIN_QUOTE

THEMES = text.load_themes("recommendation_themes")

# ---------------------------------------------------------------------------------------------
# normalise / tokens / lemmas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # decomposed "й" (и + combining breve) composes to one letter (NFC)
        (unicodedata.normalize("NFD", "Районна"), "районна"),
        # Latin A, E, O, C, P inside Cyrillic words -> Cyrillic
        ("Aдминистрацията", "администрацията"),
        ("EЛЕКТРОННИ УСЛУГИ", "електронни услуги"),
        ("пpoзpачнoст", "прозрачност"),
        # English words and e-mail-like strings keep their Latin letters
        ("Email и Facebook", "email и facebook"),
        # elongated letters and repeated whitespace
        ("мноооого   бавно\n\tобслужване", "много бавно обслужване"),
        # soft hyphen and zero-width space removed; typographic dash -> "-"
        ("адми\u00adнистра\u200bция – по\u2011бързо", "администрация - по-бързо"),
        # "ѝ" (accented и, the feminine pronoun) -> "и"
        ("на нея ѝ казаха", "на нея и казаха"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
    ],
)
def test_normalise(raw, expected):
    assert text.normalise(raw) == expected


def test_lookalike_mapping_only_in_cyrillic_words():
    # Every mapped Latin letter must be Cyrillic afterwards; a pure Latin word must not change.
    out = text.normalise("Cпиcък TOP kak")
    assert out == "списък top kak"
    assert all("\u0400" <= ch <= "\u04ff" for ch in out.split()[0])


def test_tokens():
    assert text.tokens("Повече е-услуги, по-бързо!!! 24/7 и online.") == [
        "повече",
        "е-услуги",
        "по-бързо",
        "и",
        "online",
    ]
    assert text.tokens("") == []
    assert text.tokens(None) == []


def test_stop_words_come_from_stopwords_iso():
    # stopwords-iso Bulgarian list has 259 entries (research notes, section 6).
    assert len(text.STOP_WORDS) == 259
    assert {"и", "на", "да", "се"} <= text.STOP_WORDS
    assert text.tokens("Да има повече информация за гражданите", drop_stop_words=True) == [
        "информация",
        "гражданите",
    ]


def test_lemmas_simplemma_reference_values():
    # simplemma 2.0.0 bg dictionary; "гражданите" -> "гражданин" is the value recorded in the
    # research notes (section 6) when the package was checked offline.
    assert text.lemmas(["гражданите", "услугите", "общините", "опашки"]) == [
        "гражданин",
        "услуга",
        "община",
        "опашка",
    ]


def test_lemmas_fall_back_to_bulstem_for_unknown_words():
    stemmer = BulStemmer.from_file("stem-context-1", min_freq=2, left_context=1)
    unknown = "адмнистрацията"  # a typo simplemma does not know
    assert text.lemmas([unknown]) == [stemmer.stem(unknown)]
    assert text.lemmas([unknown]) != [unknown]
    # Latin words pass through
    assert text.lemmas(["online"]) == ["online"]


# ---------------------------------------------------------------------------------------------
# Theme dictionary
# ---------------------------------------------------------------------------------------------


def test_theme_dictionary_content():
    ids = THEMES.ids
    assert len(ids) >= 10 and len(set(ids)) == len(ids)
    for required in [
        "e_services",
        "transparency_information",
        "consultation_participation",
        "speed_queues_deadlines",
        "staff_courtesy_competence",
        "corruption_integrity",
        "infrastructure_development",
        "accessibility",
        "municipalities",
        "youth_education",
    ]:
        assert required in ids
    for tid in ids:
        assert THEMES.label(tid, "bg") and THEMES.label(tid, "en")
        assert THEMES.label(tid, "bg") != THEMES.label(tid, "en")
    assert THEMES.label(text.NOT_CODED, "bg") == "Не е кодирано"
    assert THEMES.label(text.NOT_CODED, "en") == "Not coded"
    assert list(THEMES.labels("en"))[-1] == text.NOT_CODED


def test_theme_label_errors():
    with pytest.raises(text.TextError, match="unknown theme"):
        THEMES.label("nope")
    with pytest.raises(ParamsError, match="language 'de' is not supported; expected one of bg, en"):
        THEMES.label("e_services", "de")


def _write(tmp_path, body: str):
    p = tmp_path / "themes.yaml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD_HEAD = 'title: {bg: "Т", en: "T"}\nnot_coded: {bg: "Не е кодирано", en: "Not coded"}\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("themes: [", "not valid YAML"),
        (GOOD_HEAD + "themes: []\n", "non-empty 'themes'"),
        (
            GOOD_HEAD
            + "themes:\n  - {id: a, label: {bg: А, en: A}, patterns: [x]}\n"
            + "  - {id: a, label: {bg: Б, en: B}, patterns: [y]}\n",
            "duplicate theme id 'a'",
        ),
        (GOOD_HEAD + "themes:\n  - {id: a, label: {bg: А}, patterns: [x]}\n", "'bg' and 'en'"),
        (GOOD_HEAD + "themes:\n  - {id: a, label: {bg: А, en: A}, patterns: []}\n", "patterns"),
        (
            GOOD_HEAD + "themes:\n  - {id: a, label: {bg: А, en: A}, patterns: ['x1*']}\n",
            "letters",
        ),
        (GOOD_HEAD + "themes:\n  - {id: A-1, label: {bg: А, en: A}, patterns: [x]}\n", "id"),
        (
            'title: {bg: "Т", en: "T"}\nthemes:\n  - {id: a, label: {bg: А, en: A}, patterns: [x]}\n',
            "not_coded",
        ),
    ],
)
def test_load_themes_rejects_bad_files(tmp_path, body, message):
    with pytest.raises(CodebookError, match=message) as info:
        text.load_themes(_write(tmp_path, body))
    assert isinstance(info.value, RuseError)


def test_load_themes_missing_file(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        text.load_themes(tmp_path / "absent.yaml")


# ---------------------------------------------------------------------------------------------
# Coding against hand-coded answers
# ---------------------------------------------------------------------------------------------

# Answers written for this test and coded by hand from the theme descriptions in
# data/codebooks/recommendation_themes.yaml (the reference the dictionary must reproduce).
GOLD = [
    ("Повече електронни услуги и по-кратки опашки", {"e_services", "speed_queues_deadlines"}),
    (
        "Сайтът да се обновява редовно с информация за проектите",
        {"e_services", "transparency_information"},
    ),
    ("По-голяма прозрачност при решенията", {"transparency_information"}),
    (
        "Да провеждат истински обществени обсъждания и да чуват мнението на хората",
        {"consultation_participation"},
    ),
    ("Служителите да са по-учтиви и компетентни", {"staff_courtesy_competence"}),
    ("Лошо отношение към гражданите на гишето", {"staff_courtesy_competence"}),
    ("Борба с корупцията", {"corruption_integrity"}),
    (
        "Прозрачни обществени поръчки без шуробаджанащина",
        {"transparency_information", "corruption_integrity"},
    ),
    ("Ремонт на пътищата в областта", {"infrastructure_development"}),
    ("Рампа и асансьор за хора с увреждания", {"accessibility"}),
    ("Да помагат на възрастните хора", {"accessibility"}),
    ("По-добра координация с общините и кметовете", {"municipalities"}),
    ("Повече стажове за младежи и студенти", {"youth_education"}),
    ("По-малко документи и бюрокрация", {"red_tape"}),
    ("Да отговарят на сигналите в срок", {"communication_feedback", "speed_queues_deadlines"}),
    ("Страница във Фейсбук", {"communication_feedback"}),
    ("Срещу корупцията по отношение на поръчките", {"corruption_integrity"}),
    ("По електронен път да се подават заявленията", {"e_services"}),
    ("Нищо, всичко е наред", set()),
    ("Не знам", set()),
    ("Aдминистрацията да е по-прозрачна", {"transparency_information"}),  # Latin A
    ("ОПАШКИТЕ СА ОГРОМНИ", {"speed_queues_deadlines"}),
    ("корупцята", {"corruption_integrity"}),  # typo: missing letter
    ("повече информцаия", {"transparency_information"}),  # typo: swapped letters
    ("Online services please", {"e_services"}),
    ("Да се удължи работното време", {"speed_queues_deadlines"}),  # "време" is a stop word
    ("Да е по-прозрачна", {"transparency_information"}),  # comparative
    ("малките ообщини", {"municipalities"}),  # doubled-letter typo
    ("работните ггрупи да са отворени", {"consultation_participation"}),
    ("Недостатъчно служители и липса на обучение", {"administrative_capacity"}),
    ("Продължавайте в същия дух", {"praise_satisfaction"}),
]


def test_code_answers_reproduces_hand_coding():
    answers = pd.Series([a for a, _ in GOLD])
    coded = text.code_answers(answers, THEMES)
    assert list(coded.columns) == [*THEMES.ids, text.NOT_CODED]
    assert all(str(t) == "boolean" for t in coded.dtypes)
    for i, (answer, expected) in enumerate(GOLD):
        got = {c for c in THEMES.ids if coded.at[i, c]}
        assert got == expected, answer
        assert bool(coded.at[i, text.NOT_CODED]) == (not expected), answer


def test_dictionary_covers_the_bundled_demo_answers():
    # Coverage check on the synthetic stakeholder recommendations: fewer than 5% not coded.
    frame = pd.read_csv(paths.raw_dir() / "stakeholders.csv", dtype=str)
    coded = text.code_answers(frame["recommend"], THEMES)
    freq = text.theme_frequencies(coded).set_index("theme")
    assert freq.at[text.NOT_CODED, "share"] < 0.05
    assert freq.at[text.NOT_CODED, "n_answers"] == frame["recommend"].notna().sum()


def test_code_answers_keeps_index_and_marks_blank_answers_missing():
    answers = pd.Series(
        ["Повече онлайн услуги", None, "   ", "123", "Нищо"], index=[10, 7, 3, 99, 5]
    )
    coded = text.code_answers(answers, THEMES)
    assert coded.index.tolist() == [10, 7, 3, 99, 5]
    assert coded.loc[[7, 3, 99]].isna().all().all()
    assert bool(coded.at[10, "e_services"])
    assert bool(coded.at[5, text.NOT_CODED])


def test_code_answers_bad_input():
    with pytest.raises(text.TextError, match="Series"):
        text.code_answers(["a list"], THEMES)
    with pytest.raises(text.TextError, match="ThemeSet"):
        text.code_answers(pd.Series(["x"]), {"themes": []})


def test_theme_frequencies_overall_and_by_group():
    answers = pd.Series(
        [
            "Повече онлайн услуги",  # e_services
            "Онлайн услуги и по-кратки опашки",  # e_services, speed
            "Нищо",  # not coded
            None,  # blank: not counted
            "Опашки",  # speed
        ]
    )
    coded = text.code_answers(answers, THEMES)
    freq = text.theme_frequencies(coded)
    assert list(freq.columns) == ["theme", "n", "n_answers", "share"]
    row = freq.set_index("theme")
    assert row.loc["e_services", "n"] == 2
    assert row.loc["speed_queues_deadlines", "n"] == 2
    assert row.loc[text.NOT_CODED, "n"] == 1
    assert (row["n_answers"] == 4).all()
    assert row.loc["e_services", "share"] == pytest.approx(0.5)
    assert freq["theme"].tolist() == [*THEMES.ids, text.NOT_CODED]

    group = pd.Series(["ngo", "citizen", "citizen", "citizen", "ngo"], name="group")
    by = text.theme_frequencies(coded, by=group)
    assert list(by.columns) == ["group", "theme", "n", "n_answers", "share"]
    t = by.set_index(["group", "theme"])
    assert t.loc[("citizen", "e_services"), "n"] == 1
    assert t.loc[("citizen", "e_services"), "n_answers"] == 2
    assert t.loc[("ngo", "e_services"), "share"] == pytest.approx(0.5)
    assert by["group"].tolist()[0] == "citizen"  # sorted groups

    with_col = coded.assign(group=group)
    pd.testing.assert_frame_equal(text.theme_frequencies(with_col, by="group"), by)
    with pytest.raises(text.TextError, match="not in the coded frame"):
        text.theme_frequencies(coded, by="nope")
    with pytest.raises(text.TextError, match="row-aligned"):
        text.theme_frequencies(coded, by=group.set_axis(range(10, 15)))


# ---------------------------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------------------------


def _quote_data(n_theme: int):
    answers = [
        f"Повече онлайн услуги моля, обадете се на 0888 123 4{i:02d}" for i in range(n_theme)
    ]
    answers += ["Нищо не искам"] * 15
    s = pd.Series(answers)
    return s, text.code_answers(s, THEMES)


def test_quotes_only_from_themes_with_at_least_ten_answers():
    s, coded = _quote_data(MIN_QUOTE - 1)
    assert quotes.representative_quotes(s, coded, "e_services").empty
    s, coded = _quote_data(MIN_QUOTE)
    q = quotes.representative_quotes(s, coded, "e_services", k=3)
    assert list(q.columns) == ["theme", "quote"]
    assert len(q) == 3
    assert (q["theme"] == "e_services").all()


def test_quotes_are_scrubbed_and_from_the_theme():
    s, coded = _quote_data(12)
    q = quotes.representative_quotes(s, coded, "e_services", k=5, seed=3)
    for quote in q["quote"]:
        assert "0888" not in quote and "[PHONE]" in quote
        assert quote.startswith("Повече онлайн услуги")


def test_quotes_scrub_names_and_are_deterministic():
    answers = pd.Series([f"Иван Петров да пусне онлайн услуга номер {i}" for i in range(11)])
    coded = text.code_answers(answers, THEMES)
    a = quotes.representative_quotes(answers, coded, "e_services", seed=9, names=["Иван Петров"])
    b = quotes.representative_quotes(answers, coded, "e_services", seed=9, names=["Иван Петров"])
    pd.testing.assert_frame_equal(a, b)
    assert not a["quote"].str.contains("Петров").any()


def test_quotes_refuse_lower_threshold_and_bad_theme():
    s, coded = _quote_data(12)
    with pytest.raises(text.TextError, match="below the quote threshold"):
        quotes.representative_quotes(s, coded, "e_services", min_answers=3)
    with pytest.raises(text.TextError, match="unknown theme"):
        quotes.representative_quotes(s, coded, "nope")


def test_long_quotes_are_shortened_at_a_word():
    answers = pd.Series(["Онлайн услуги " + "много дълъг текст " * 40] * 10)
    coded = text.code_answers(answers, THEMES)
    q = quotes.representative_quotes(answers, coded, "e_services", k=1, max_chars=60)
    assert len(q.at[0, "quote"]) <= 61 and q.at[0, "quote"].endswith("…")


# ---------------------------------------------------------------------------------------------
# Agreement with hand coding
# ---------------------------------------------------------------------------------------------


def test_coding_agreement_matches_published_kappa_example():
    # Cohen's kappa worked example (Wikipedia, "Cohen's kappa", simple example): 50
    # proposals, both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> po = 0.7,
    # pe = 0.5, kappa = 0.4. Asymptotic CI from statsmodels' cohens_kappa: 0.1511-0.6489.
    auto = pd.DataFrame({"t": [True] * 25 + [False] * 25}, dtype="boolean")
    manual = pd.DataFrame({"t": [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15})
    row = text.coding_agreement(auto, manual).iloc[0]
    assert (row["both"], row["auto_only"], row["manual_only"], row["neither"]) == (20, 5, 10, 15)
    assert row["n"] == 50
    assert row["agreement"] == pytest.approx(0.7)
    assert row["kappa"] == pytest.approx(0.4)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.1511, 0.6489), abs=1e-4)
    assert row["precision"] == pytest.approx(20 / 25)
    assert row["recall"] == pytest.approx(20 / 30)


def test_coding_agreement_on_hand_coded_gold_answers():
    answers = pd.Series([a for a, _ in GOLD])
    auto = text.code_answers(answers, THEMES)
    manual = pd.DataFrame(
        {t: [t in expected for _, expected in GOLD] for t in THEMES.ids}, index=answers.index
    )
    result = text.coding_agreement(auto, manual.iloc[::2])  # a hand-coded half
    assert list(result.columns) == [
        "theme", "n", "both", "auto_only", "manual_only", "neither",
        "agreement", "kappa", "ci_low", "ci_high", "precision", "recall",
    ]  # fmt: skip
    assert (result["agreement"] == 1.0).all()
    assert (result["n"] == len(manual.iloc[::2])).all()
    # Themes nobody mentioned in the sample: kappa undefined, not a warning.
    absent = result[result["both"] + result["manual_only"] + result["auto_only"] == 0]
    assert absent["kappa"].isna().all()


def test_coding_agreement_bad_input():
    auto = text.code_answers(pd.Series(["онлайн"]), THEMES)
    with pytest.raises(text.TextError, match="not in the dictionary"):
        text.coding_agreement(auto, pd.DataFrame({"nope": [True]}))
    with pytest.raises(text.TextError, match="same index"):
        text.coding_agreement(auto, pd.DataFrame({"e_services": [True]}, index=[7]))
