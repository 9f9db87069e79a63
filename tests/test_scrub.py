"""stats.scrub.scrub: planted personal data must go, ordinary numbers and words must stay."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ruse_research import paths
from ruse_research.stats.scrub import PLACEHOLDERS, scrub


def egn_check_digit(first9: str) -> int:
    """EGN check digit computed here independently of stdnum.

    Source: GRAO description of the EGN (Единен граждански номер): weights
    2, 4, 8, 5, 10, 9, 7, 3, 6; remainder mod 11; a remainder of 10 gives 0.
    """
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6)
    r = sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11
    return 0 if r == 10 else r


def make_egn(yy: int, mm: int, dd: int, region: int) -> str:
    """EGN for a date; months +20 for births 1800-1899, +40 for 2000-2099."""
    first9 = f"{yy:02d}{mm:02d}{dd:02d}{region:03d}"
    return first9 + str(egn_check_digit(first9))


EGN_1975 = "7523169263"  # python-stdnum docs example: 16 Mar 1875 (month 23 = 03 + 20)
EGN_1980 = make_egn(80, 1, 1, 123)  # 1 Jan 1980
EGN_2005 = make_egn(5, 43, 21, 40)  # 21 Mar 2005 (month 03 + 40)
EGN_1899 = make_egn(99, 32, 31, 999)  # 31 Dec 1899 (month 12 + 20)
EGN_BAD = EGN_1980[:-1] + str((int(EGN_1980[-1]) + 1) % 10)  # checksum broken

# Valid IBANs from the registry examples (SWIFT IBAN Registry / ECBS): checksum mod 97 == 1.
IBAN_BG = "BG80BNBG96611020345678"
IBAN_DE = "DE89370400440532013000"
IBAN_GB = "GB82WEST12345698765432"
IBAN_FR = "FR1420041010050500013M02606"
IBAN_NL = "NL91ABNA0417164300"


def spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# (input, substring that must not survive, placeholder that must appear)
PLANTED = [
    # --- e-mail -------------------------------------------------------------------------
    ("Пишете на ivan.petrov@abv.bg за повече", "ivan.petrov", "[EMAIL]"),
    ("e-mail: Maria_Ivanova+survey@mail.bg.", "Maria_Ivanova", "[EMAIL]"),
    ("адрес: someone@ruse.bg", "someone@", "[EMAIL]"),
    ("пишете ми: georgi.k@sub.domain.co.uk", "georgi.k", "[EMAIL]"),
    ("поща: ivan at abv.bg", "ivan at abv", "[EMAIL]"),
    ("поща: ivan [at] abv [dot] bg", "ivan [at]", "[EMAIL]"),
    ("поща: ivan(at)gmail.com", "ivan(at)", "[EMAIL]"),
    ("поща: ivan маймунка abv.bg", "ivan маймунка", "[EMAIL]"),
    ("поща: petya {at} yahoo {dot} com", "petya", "[EMAIL]"),
    ("кирилица в адреса: иван@abv.bg", "иван@", "[EMAIL]"),
    ("ГЛАВНИ: IVAN@ABV.BG", "IVAN@", "[EMAIL]"),
    ("кирилски домейн: иван@абв.бг", "иван@абв", "[EMAIL]"),
    # --- phones: mobile -----------------------------------------------------------------
    ("Обадете се на 0888 123 456 утре", "123 456", "[PHONE]"),
    ("GSM 0888123456", "0888123456", "[PHONE]"),
    ("тел. 088 812 3456", "812 3456", "[PHONE]"),
    ("тел. +359 88 812 3456", "812 3456", "[PHONE]"),
    ("тел. +359888123456", "359888123456", "[PHONE]"),
    ("тел. 00359 888 123 456", "888 123 456", "[PHONE]"),
    ("тел. 00359888123456", "00359888123456", "[PHONE]"),
    ("моб. 0899-12-34-56", "12-34-56", "[PHONE]"),
    ("моб. 0877/123 456", "123 456", "[PHONE]"),
    ("моб. 0988 765 432", "765 432", "[PHONE]"),
    ("моб. 0888.123.456", "0888.123", "[PHONE]"),
    ("(+359) 887 654 321", "654 321", "[PHONE]"),
    ("тел. +359 (0) 888 123 456", "888 123 456", "[PHONE]"),
    ("тел. 0888 - 123 - 456", "123 - 456", "[PHONE]"),
    ("тел:0888123456,0899123456", "0899123456", "[PHONE]"),
    # --- phones: landlines --------------------------------------------------------------
    ("Ruse: 082 123 456", "123 456", "[PHONE]"),
    ("Ruse: 082/123-456", "123-456", "[PHONE]"),
    ("Ruse: (082) 82 12 34", "82 12 34", "[PHONE]"),
    ("Ruse: 082 82 12 34", "82 12 34", "[PHONE]"),
    ("София: 02 987 6543", "987 6543", "[PHONE]"),
    ("София: 02/987 65 43", "987 65 43", "[PHONE]"),
    ("Бяла: 0817 7 23 45", "7 23 45", "[PHONE]"),
    ("Русе +359 82 812 345", "812 345", "[PHONE]"),
    # --- phones: foreign ----------------------------------------------------------------
    ("London +44 20 7946 0958", "7946 0958", "[PHONE]"),
    ("Bucharest +40 21 305 5500", "305 5500", "[PHONE]"),
    # --- EGN ----------------------------------------------------------------------------
    (f"ЕГН {EGN_1980}", EGN_1980, "[EGN]"),
    (f"моето е {EGN_2005}!", EGN_2005, "[EGN]"),
    (f"роден 1899: {EGN_1899}", EGN_1899, "[EGN]"),
    (f"личен номер {EGN_1975}", EGN_1975, "[EGN]"),
    # a mistyped EGN right after the word ЕГН is still personal data
    (f"ЕГН: {EGN_BAD}", EGN_BAD, "[EGN]"),
    (f"ЕГН-то ми е {EGN_BAD}", EGN_BAD, "[EGN]"),
    # --- IBAN ---------------------------------------------------------------------------
    (f"сметка {IBAN_BG}", "BNBG9661", "[IBAN]"),
    (f"сметка {spaced(IBAN_BG)}.", "BNBG 9661", "[IBAN]"),
    (f"сметка {IBAN_BG.lower()}", "bnbg9661", "[IBAN]"),
    (f"сметка {spaced(IBAN_BG).lower()}", "bnbg 9661", "[IBAN]"),
    (f"Konto {spaced(IBAN_DE)}", "3704 0044", "[IBAN]"),
    (f"account {IBAN_GB}", "WEST1234", "[IBAN]"),
    (f"compte {spaced(IBAN_FR)}", "2004 1010", "[IBAN]"),
    (f"rekening {IBAN_NL}", "ABNA0417", "[IBAN]"),
    # BG-shaped IBAN with a typo in the check: still an account number
    ("сметка BG80BNBG96611020345679", "BNBG9661", "[IBAN]"),
    # --- URLs ---------------------------------------------------------------------------
    ("вижте https://www.facebook.com/ivan.petrov.1975 там", "ivan.petrov.1975", "[URL]"),
    ("http://example.bg/profile?id=42.", "example.bg", "[URL]"),
    ("www.my-blog.bg/за-мен", "my-blog", "[URL]"),
    ("(https://t.me/ivan_ruse)", "ivan_ruse", "[URL]"),
    ("профил: facebook.com/ivan.petrov.75", "ivan.petrov", "[URL]"),
]

NAMES = ["Иван Петров", "Мария Колева", "Георги"]

PLANTED_NAMES = [
    ("Благодаря на Иван Петров за помощта", "Петров", "[NAME]"),
    ("Иване, благодаря!", "Иване", "[NAME]"),
    ("г-жа Петрова беше много любезна", "Петрова", "[NAME]"),
    ("семейство Петрови", "Петрови", "[NAME]"),
    ("ИВАН ПЕТРОВ е чудесен", "ПЕТРОВ", "[NAME]"),
    ("Ivan Petrov helped", "Petrov", "[NAME]"),
    ("Марийо, обади се", "Марийо", "[NAME]"),
    ("колегата Колева", "Колева", "[NAME]"),
    ("Георги от деловодството", "Георги", "[NAME]"),
    # a capitalised word after a title is a name even when it is not on the list
    ("г-н Стоянов отказа", "Стоянов", "[NAME]"),
    ("инж. Димитрова ни помогна", "Димитрова", "[NAME]"),
    ("д-р Маринов", "Маринов", "[NAME]"),
]

# Names found without a list (guess_names=True, the default).
GUESSED_NAMES = [
    ("служителката Мария Иванова беше много груба", "Иванова", "[NAME]"),
    ("Служителят Стоян ми помогна", "Стоян", "[NAME]"),
    ("благодарим на Цветелина Георгиева", "Георгиева", "[NAME]"),
    ("кмета Пламен Стоилов не отговаря", "Стоилов", "[NAME]"),
    ("говорих с Петрова от деловодството", "Петрова", "[NAME]"),
    ("питайте Десислава на гишето", "Десислава", "[NAME]"),
    ("Иване, благодаря", "Иване", "[NAME]"),
    ("началникът Колев", "Колев", "[NAME]"),
]

# Must survive untouched.
NEGATIVES = [
    "На 27.11.2026 г. подадох заявлението.",
    "Срещата е на 08.12.2019 г. от 9:00 до 17:30 ч.",
    "Таксата е 1250 лв., а глобата 12,50 лв.",
    "Проектът е за 1 234 567 лв. по ОП „Добро управление“.",
    "В периода 2019-2020 г. анкетирахме 300 души.",
    "Пощенски код 7000 Русе, на ул. „Александровска“.",
    "Съгласно чл. 26, ал. 4 от Закона за нормативните актове консултацията е 30 дни.",
    "Решение № 1234/2019 на Областния управител.",
    "Спешен телефон 112.",
    "ЕИК 000530632 на администрацията.",
    "Около 10 000 души живеят там; 0,5% са против.",
    "Оценка 4 от 5, средно 3.75.",
    "Чакахме 45 минути, номерът ми беше 127.",
    "Кметът на Русе и служителите на общината.",
    "Новият мост е на Дунав мост.",
    "meet at home and at 5 pm",
    "Година на раждане 1975, възраст 45.",
    "Служители: 25 души в 3 дирекции.",
    "Сайтът strategy.bg трябва да е по-ясен.",
    "Писмо с вх. № 94-00-123/15.03.2020.",
    "Областна администрация Русе и Община Русе.",
    "Вяра и надежда в институциите.",
    "Готов съм да помогна. Нов сайт, нова мода.",
    "Кметът на Борово и кмета на Ценово.",
    "Служителите от Областната администрация са любезни.",
    "МНОГО СЪМ ДОВОЛЕН ОТ ОБСЛУЖВАНЕТО",
    "Благодаря на колегите Ви и на служителите Ваши.",
    "Експертите Областна администрация Русе помагат; кмета Русе също.",
]


@pytest.mark.parametrize(("text_in", "secret", "placeholder"), PLANTED)
def test_planted_personal_data_is_replaced(text_in, secret, placeholder):
    out = scrub(text_in)
    assert secret not in out, out
    assert placeholder in out, out


@pytest.mark.parametrize(("text_in", "secret", "placeholder"), PLANTED_NAMES)
def test_planted_names_are_replaced(text_in, secret, placeholder):
    out = scrub(text_in, names=NAMES)
    assert secret.casefold() not in out.casefold(), out
    assert placeholder in out, out


@pytest.mark.parametrize("text_in", NEGATIVES)
def test_ordinary_text_survives(text_in):
    assert scrub(text_in, names=NAMES) == text_in


@pytest.mark.parametrize(("text_in", "secret", "placeholder"), GUESSED_NAMES)
def test_names_are_guessed_without_a_list(text_in, secret, placeholder):
    out = scrub(text_in)
    assert secret not in out, out
    assert placeholder in out, out
    assert scrub(text_in, guess_names=False) == text_in


def test_bundled_synthetic_answers_lose_every_planted_datum():
    """The demo data plant e-mails, phones, EGNs, IBANs, URLs and names (truth.json)."""
    truth_path = paths.raw_dir() / "truth.json"
    if not truth_path.is_file():
        pytest.fail(
            "data/raw/truth.json missing: run python -m ruse_research.synthetic --out data/raw"
        )
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    checked = 0
    for instrument in ("staff", "stakeholders"):
        planted = truth[instrument]["planted_text"]
        frame = pd.read_csv(paths.raw_dir() / f"{instrument}.csv", dtype=str)
        by_id = frame.set_index("resp_id")
        for item in planted["items"]:
            if item["kind"] == "markup":
                continue
            raw = by_id.at[item["resp_id"], item.get("column", planted.get("column"))]
            assert item["value"] in raw
            assert item["value"] not in scrub(raw), item
            checked += 1
    assert checked >= 20


def test_at_least_fifty_planted_cases():
    assert len(PLANTED) + len(PLANTED_NAMES) >= 50
    assert {p for _, _, p in PLANTED + PLANTED_NAMES} == set(PLACEHOLDERS) - {
        "[ADDRESS]", "[PLATE]", "[ID]"  # in tests/test_privacy_corpus.py
    }


def test_egn_generator_matches_published_example():
    # python-stdnum's documented valid EGN (stdnum.bg.egn docstring): 752316926 + check 3.
    assert egn_check_digit("752316926") == 3
    assert EGN_1975[-1] == "3"


def test_ten_digit_number_failing_egn_check_without_context_is_kept():
    # Not a valid EGN, not a phone number, no "ЕГН" before it: e.g. a document number.
    assert (
        scrub("Входящ номер 8001010000 от деловодството")
        == "Входящ номер 8001010000 от деловодството"
    )


def test_invalid_foreign_iban_is_kept():
    # Outside Bulgaria only checksum-valid IBANs are removed (product codes look alike).
    text_in = "Код GB82WEST12345698765433"
    assert scrub(text_in) == text_in


def test_surrounding_text_and_punctuation_preserved():
    out = scrub("Тел.: 0888 123 456, поща ivan@abv.bg; сайт https://x.bg/a.")
    assert out == "Тел.: [PHONE], поща [EMAIL]; сайт [URL]."


def test_several_numbers_in_a_row_are_each_replaced():
    assert scrub("0888 123 456 082 123 456") == "[PHONE] [PHONE]"
    assert scrub("(082) 82 12 34 / 082/123-456") == "[PHONE] / [PHONE]"


def test_names_are_whole_words_only():
    # "Иван" must not eat into "Иванов мост" ... but the listed name's forms go.
    out = scrub("Иванчовата градина и Иван", names=["Иван"])
    assert out == "Иванчовата градина и [NAME]"


def test_missing_and_non_string_input():
    assert scrub(None) == ""
    assert scrub(float("nan")) == ""
    assert scrub(12345) == "12345"


def test_scrub_is_idempotent():
    once = scrub(f"ЕГН {EGN_1980}, 0888 123 456, ivan@abv.bg, {IBAN_BG}", names=NAMES)
    assert scrub(once, names=NAMES) == once
