"""Scrubbing personal data from respondent text before it is quoted (:func:`scrub`).

:func:`scrub` replaces e-mails (also obfuscated, "ivan [at] abv [dot] bg"), phone numbers,
EGN/LNCh personal numbers (checksum-tested), IBANs (mod-97-tested), URLs and personal
names (given, titled or listed) by typed placeholders (:data:`PLACEHOLDERS`).
:func:`ruse_research.stats.quotes.representative_quotes` scrubs every quote it returns and
``ruse_research.display.report.quote_list`` scrubs again (it is idempotent).

Examples
--------
>>> from ruse_research.stats.scrub import scrub
>>> scrub("Пишете на ivan.petrov@abv.bg или 0888 123 456")
'Пишете на [EMAIL] или [PHONE]'
>>> scrub("Г-жа Петрова беше любезна")
'Г-жа [NAME] беше любезна'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from ruse_research.data import profile as region_profile
from ruse_research.stats import names as names_list
from ruse_research.stats.text import _HAS_CYRILLIC, _INVISIBLE, _TOKEN, TextError, normalise

__all__ = ["PLACEHOLDERS", "quote_problems", "scrub"]

PLACEHOLDERS = (
    "[EMAIL]", "[PHONE]", "[EGN]", "[IBAN]", "[URL]", "[NAME]", "[ADDRESS]", "[PLATE]", "[ID]"
)  # fmt: skip
"""The typed placeholders :func:`scrub` writes."""

_URL = re.compile(
    # any scheme with "//" (https://, viber://, ftp://) and the schemes written without it
    r"(?<![\w.])(?:[a-z][a-z0-9+.-]{1,15}://|(?:tg|viber|skype|mailto|tel|sms|callto|sip|"
    r"whatsapp|signal|fb|msteams|zoommtg|geo|xmpp):|www\.)[^\s<>\"'«»„“”]+"
    # a bare domain followed by a path ("facebook.com/ivan.petrov"): the path names a page,
    # often a person's profile; a bare domain alone ("strategy.bg") is kept
    r"|(?<![\w@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:bg|com|net|org|eu|info|io|me|tv|ly|co|cc|app|link|site|online|ru|de|uk|gr|ro)/[^\s<>\"'«»„“”]+",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", re.UNICODE)
# Spaced addresses ("ivan.petrov @ abv.bg", "ivan @abv . bg"): Latin domain parts only.
_EMAIL_SPACED = re.compile(
    r"[\w.+%-]+\s{0,3}@\s{0,3}[A-Za-z0-9-]+(?:\s{0,2}\.\s{0,2}[A-Za-z0-9-]+)*\s{0,2}\.\s{0,2}[A-Za-z]{2,}\b"
)
# Full-width and small forms (＠, ﹫, ０-９, Ａ-Ｚ) read as their ASCII letters (same length).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0xFE6B: ord("@")}
# Obfuscated addresses: "ivan at abv.bg", "ivan [at] abv [dot] bg", "ivan(at)abv.bg",
# "ivan маймунка abv точка bg". To stay safe with ordinary words, the local part must be
# Latin/digits/._- and the domain must end in a known top-level domain.
_TLDS = r"(?:bg|com|net|org|eu|info|biz|io|de|uk|ru|gr|ro|me|co|edu|gov)"
_AT = (
    r"(?:\s*[\[\(\{<]\s*(?:at|ат|маймунка|кльомба|@)\s*[\]\)\}>]\s*"
    r"|\s+(?:at|ат|маймунка|кльомба)\s+)"
)
_DOT = r"(?:\s*[\[\(\{<]\s*(?:dot|точка)\s*[\]\)\}>]\s*|\s+(?:dot|точка)\s+|\.)"
_EMAIL_OBFUSCATED = re.compile(
    rf"(?<![\w.])[A-Za-z0-9][A-Za-z0-9._-]*(?:{_DOT}[A-Za-z0-9_-]+)*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}{_TLDS}\b",
    re.IGNORECASE,
)

# EGN: 10 digits not glued to other digits, also split 6+4 or written in date groups
# ("800101 1236", "800101-1236", "80 01 01 1236").
_TEN_DIGITS = re.compile(
    r"(?<![\d])(?:\d{10}|\d{6}[ \-/.]{1,3}\d{4}|\d{2}[ .-]\d{2}[ .-]\d{2}[ \-/.]{0,3}\d{4})(?![\d])"
)
_EGN_CONTEXT = re.compile(r"(?:ЕГН|ЛНЧ|EGN)[^\d]{0,12}$", re.IGNORECASE)

# IBAN: country code, check digits, then 11-30 letters/digits optionally in groups.
_IBAN_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ .-]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"
)
_BG_IBAN_SHAPE = re.compile(r"^BG\d{2}[A-Z]{4}\d{6}[A-Z0-9]{8}$")

# Phone candidates: national (0...) or international (+359 / 00359 / +CC) digit runs with the
# separators people use: spaces, "-", "/", "." and parentheses around the area code.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+/.-])(?:\+|00)?\(?\d{1,4}\)?(?:[ \-/.]{0,2}\(?\d{1,4}\)?){1,6}(?![\w])"
)


_DATE = re.compile(r"\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{2,4}")

# ID-card (and passport) numbers: nine digits after "лична карта", "л.к.", "ЛК", "паспорт".
_ID_CARD = re.compile(
    r"(?i)((?<![\w])(?:лична(?:та)?\s+(?:ми\s+)?карта|л\.\s?к\.|лк|паспорт\w*|id(?:\s*card)?)"
    r"[\s.:,-]{0,4}(?:№|no\.?|номер)?\s{0,3})\d(?:\s?\d){8}(?!\d)"
)

# Bulgarian number plates: region code, four digits, one or two series letters; the letters
# are those shared by both scripts (А В Е К М Н О Р С Т У Х), written in either.
_PLATE_LETTERS = dict(zip("АВЕКМНОРСТУХ", "ABEKMHOPCTYX", strict=True))
_PLATE_REGIONS = (
    "А В ВН ВР ВТ Е ЕВ ЕН К КН М Н ОВ Р РА РВ РК РР С СА СВ СН СМ СО СС СТ Т ТХ Х У".split()
)


def _either_script(code: str) -> str:
    return "".join(f"[{ch}{_PLATE_LETTERS[ch]}]" for ch in code)


_PLATE = re.compile(
    r"(?<![\w])(?:"
    + "|".join(_either_script(c) for c in sorted(_PLATE_REGIONS, key=len, reverse=True))
    + r")[ -]?\d{4}[ -]?[АВЕКМНОРСТУХABEKMHOPCTYX]{1,2}(?![\w])"
)
# The same in small letters ("р 1234 ав", "р1234ав"): only with two series letters or no
# spaces, so that "в 1999 е" (in 1999 it was) stays text.
_PLATE_SMALL = re.compile(
    r"(?<![\w])(?:"
    + "|".join(_either_script(c) for c in sorted(_PLATE_REGIONS, key=len, reverse=True))
    + r")(?:[ -]?\d{4}[ -]?[АВЕКМНОРСТУХABEKMHOPCTYX]{2}|\d{4}[АВЕКМНОРСТУХABEKMHOPCTYX]{1,2})(?![\w])",
    re.IGNORECASE,
)

# Street addresses with a number: "ул. „Александровска“ 57", "бул. Липник 12, вх. Б",
# "ж.к. Дружба бл. 5, вх. А, ап. 12", "бл. 12 ап. 34".
_ADDRESS = re.compile(
    r"(?i:(?<![\w])(?:ул\.|улица|бул\.|булевард|ж\.\s?к\.|жк|к-с|кв\.|квартал|пл\.|площад|бл\.|блок))"
    r"\s*(?:[„\"«“'][^\d\n„\"«»“”]{0,40}[“”\"»']|[^\d\n,;:!?„\"«»“”()]{0,40}?)"
    r"\s*(?:№\s*)?\d+[А-Яа-яA-Za-z]?(?![\w])"
    r"(?:\s*,?\s*(?i:бл|блок|вх|вход|ет|етаж|ап|№)\.?\s*[\dА-Яа-яA-Za-z]{1,4}(?![\w]))*"
)


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _valid_egn(digits: str) -> bool:
    from stdnum.bg import egn

    return egn.is_valid(digits)


def _valid_iban(compact: str) -> bool:
    from stdnum import iban

    return iban.is_valid(compact)


def _sub_iban(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        # Try the longest prefix (ending on a letter/digit) that validates: the candidate may
        # run into a following code or word in capitals.
        positions = [i + 1 for i, ch in enumerate(raw) if ch.isalnum()]
        for end in reversed(positions):
            compact = re.sub(r"[ .-]", "", raw[:end]).upper()
            if len(compact) < 15:
                break
            if _valid_iban(compact) or _BG_IBAN_SHAPE.match(compact):
                return "[IBAN]" + raw[end:]
        return raw

    return _IBAN_CANDIDATE.sub(repl, s)


def _sub_egn(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        if _valid_egn(_digits(raw)) or _EGN_CONTEXT.search(s[max(0, m.start() - 20) : m.start()]):
            return "[EGN]"
        return raw

    return _TEN_DIGITS.sub(repl, s)


def _phone_ok(candidate: str) -> bool:
    import phonenumbers

    digits = _digits(candidate)
    stripped = candidate.strip()
    international = stripped.startswith("+") or stripped.startswith("00")
    # Phone numbers are written starting with 0 (national) or +/00 (international); this
    # keeps amounts ("1 250 000"), years and postal codes out.
    if not (international or digits.startswith("0")) or len(digits) < 7:
        return False
    # A date like 08.12.2019 or 08/12/2019 is not a phone number.
    if _DATE.fullmatch(stripped):
        return False
    try:
        number = phonenumbers.parse(stripped.replace("(", " ").replace(")", " "), "BG")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _phones_in_run(run: str) -> list[tuple[int, int]]:
    """Spans of valid phone numbers inside one run of digit groups.

    A run may hold several numbers ("0888 123 456 082 123 456"): from each group, the longest
    run of groups that is a valid number is taken. A number may start or end only where
    groups are separated by whitespace, never inside "94-00-123" or "123/15.03.2020".
    """
    groups = list(re.finditer(r"(?:\+|\(?)\d+\)?", run))

    def boundary(g: int) -> bool:
        return g in (0, len(groups)) or bool(
            re.search(r"\s", run[groups[g - 1].end() : groups[g].start()])
        )

    spans = []
    i = 0
    while i < len(groups):
        if boundary(i):
            for j in range(len(groups) - 1, i - 1, -1):
                a, b = groups[i].start(), groups[j].end()
                if boundary(j + 1) and _phone_ok(run[a:b]):
                    spans.append((a, b))
                    i = j
                    break
        i += 1
    return spans


# A number right after a word that announces a phone ("тел.0888123456", "GSM: 888 123 456",
# "Viber 359888123456") is a phone whatever its shape; "359…" without "+" is read as "+359…".
_PHONE_CONTEXT = re.compile(
    r"(?i:(?<![\w])(?:тел|телефон\w*|gsm|моб|мобилен|мобилния|phone|tel|mob|viber|вайбър|whatsapp"
    r"|уатсап|сигнал|signal|факс|fax|номер(?:а|ът)? ми|звънете|обадете се))"
    r"[\s.:;,=-]{0,4}(?:на\s+)?(?:\+|00)?\(?\d(?:[ \-./()]{0,2}\d){5,13}(?!\d)"
)
_PHONE_DIGITS = re.compile(r"(?:\+|00)?\(?\d(?:[ \-./()]{0,2}\d){5,13}$")
_BG_359 = re.compile(r"(?<![\d+])359[ \-./]?\(?\d{1,3}\)?(?:[ \-./]?\d){5,8}(?![\d])")


def _sub_phone(s: str) -> str:
    import phonenumbers

    spans: list[tuple[int, int]] = []
    for m in _PHONE_CONTEXT.finditer(s):
        tail = _PHONE_DIGITS.search(m.group(0))
        if tail is not None and not _DATE.fullmatch(tail.group(0).strip()):
            spans.append((m.start() + tail.start(), m.end()))
    for m in _BG_359.finditer(s):
        try:
            number = phonenumbers.parse("+" + _digits(m.group(0)), None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            spans.append(m.span())
    for m in phonenumbers.PhoneNumberMatcher(s, "BG", leniency=phonenumbers.Leniency.VALID):
        raw = m.raw_string
        lead = len(raw) - len(raw.lstrip())
        start = m.start + lead
        if (
            _DATE.fullmatch(raw.strip())  # 08.12.2019 is also a valid landline number
            or not raw.lstrip().startswith(("0", "+", "("))  # numbers are written 0…, +…, 00…
            or (start > 0 and (s[start - 1].isalnum() or s[start - 1] in "-/."))  # "№ 94-00-123/…"
        ):
            continue
        spans.append((start, m.end))
    for m in _PHONE_CANDIDATE.finditer(s):
        spans.extend((m.start() + x, m.start() + y) for x, y in _phones_in_run(m.group(0)))
    return _replace_spans(s, spans, "[PHONE]")


def _replace_spans(s: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    """Replace the union of ``spans`` (start, end) in ``s`` by ``placeholder``."""
    if not spans:
        return s
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, last = [], 0
    for a, b in merged:
        out.append(s[last:a])
        out.append(placeholder)
        last = b
    out.append(s[last:])
    return "".join(out)


# Streamlined System of Bulgarian transliteration (Transliteration Act 2009, art. 3).
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht",
    "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip


def _transliterate(word: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in word.casefold())


def _name_variants(word: str) -> set[str]:
    """Spelling variants of one name word: inflected Cyrillic forms and Latin transliteration."""
    w = normalise(word)
    forms = {w}
    if re.search("[ая]$", w):  # Мария, Иванова, Петя: vocative -о/-е/-йо, plural/colloquial -и
        base = w[:-1]
        forms |= {base + e for e in ("а", "я", "о", "е", "и", "йо", "ьо", "ке")}
    elif re.search("(ов|ев|ин)$", w):  # surnames Петров, Георгиев, Калин: -а (f), -и (pl), -е (voc)
        forms |= {w + e for e in ("а", "и", "е", "ия", "ата", "ите", "ите")}
    elif re.search("[бвгджзклмнпрстфхцчшщ]$", w):  # Иван -> Иване, Ивана, Иванчо
        forms |= {w + e for e in ("е", "а", "у", "ът", "чо", "ко")}
    elif re.search("[ий]$", w):  # Георги -> Георгийо? keep Георги, Георгия
        forms |= {w + e for e in ("я", "е")}
    latin = {_transliterate(f) for f in forms if _HAS_CYRILLIC.search(f)}
    return forms | latin


@lru_cache(maxsize=64)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    variants: set[str] = set()
    for entry in names:
        if not isinstance(entry, str):
            raise TextError(f"names must be strings, got {entry!r}")
        for word in _TOKEN.findall(normalise(entry)):
            if len(word) >= 2:
                variants |= _name_variants(word)
    if not variants:
        return None
    alternatives = "|".join(sorted((re.escape(v) for v in variants), key=len, reverse=True))
    one = rf"(?<![\w-])(?:{alternatives})(?![\w-])"
    # A run of listed names ("Иван Петров", "Петров, Иван") becomes one placeholder.
    return re.compile(rf"{one}(?:\s+{one})*", re.IGNORECASE)


# Honorifics and titles followed by a capitalised word: "г-н Петров", "г-жа Иванова",
# "инж. Колев", "д-р Маринова"; and role nouns directly followed by a capitalised word:
# "служителката Мария Иванова", "кмета Пламен Стоилов". The title stays; the name goes.
# Capitalised words that are not names: the polite "Ви/Вас/Ваш…" and institutions/places
# that follow role nouns ("експертите Областна администрация", "кмета <town>"); the towns are
# the region profiles' centres and municipalities (ruse_research.data.profile.place_names).
_NOT_NAME = (
    r"(?!(?:Ви|Вас|Вие|Вам|Ваш\w*|Твоят|Областн\w*|Общин\w*|Администраци\w*{places}|България"
    r"|София|Министерств\w*|Дирекци\w*|Отдел\w*|Закон\w*|Държавн\w*|Европейск\w*"
    r"|Регионалн\w*|Национал\w*|Народн\w*)(?![\w-]))"
)
_CAP = _NOT_NAME + r"[А-ЯЀЍ][а-яѐѝ]+(?:-[А-Я][а-яѝ]+)?"
_TITLE = (
    r"г-н|г-жа|г-ца|господин|госпожа|госпожица|инж\.|д-р|доц\.|проф\.|адв\.|арх\."
    r"|(?i:служител\w*|колег\w*|колежк\w*|шеф\w*|началник\w*|началничк\w*|директор\w*"
    r"|управител\w*|кмет\w*|деловодител\w*|юрист\w*|експерт\w*|секретар\w*|чиновни\w*"
    r"|заместни\w*|служебни\w*|консултант\w*|специалист\w*|инспектор\w*)"
)

# Common Bulgarian given names, compiled for this package after the National Statistical
# Institute's yearly lists of the most frequent names (not exhaustive). Used without a
# names list, so that "Мария Иванова беше груба" is caught even when nobody supplied names.
_GIVEN_NAMES = """
Александър Алекси Ангел Антон Асен Атанас Бисер Благой Божидар Борис Борислав Бойко Боян
Валентин Васил Венцислав Веселин Виктор Владимир Владислав Гаврил Георги Герасим Делян Деян
Десислав Димитър Дончо Евгени Емил Здравко Иван Ивайло Илия Йордан Йосиф Калин Калоян Камен
Кирил Константин Красимир Кристиан Кристиян Любомир Людмил Марин Мартин Методи Милен Митко
Михаил Младен Момчил Николай Никола Огнян Пенчо Петко Петър Пламен Радослав Радостин Райко
Румен Светослав Симеон Славчо Спас Станимир Станислав Стефан Стойко Стоян Тодор Томислав
Трифон Христо Цветан Цветомир Чавдар Явор Янко
Анна Ана Анелия Антония Ани Бистра Биляна Блага Богдана Борислава Валентина Ваня Вела
Венета Весела Веселина Виолета Габриела Галина Галя Гергана Генка Грета Даниела Дарина Денислава
Десислава Диана Донка Дора Елена Елисавета Елица Емилия Еми Жана Зорница Иванка Ивана Илияна
Ирина Йорданка Катя Катерина Красимира Кремена Лилия Лили Люба Людмила Магдалена Маргарита
Мариана Марина Мария Марияна Милена Миглена Михаела Невена Нели Никол Николета Пенка Петя
Петранка Пламена Радка Радостина Райна Румяна Росица Сашка Силвия Симона Соня Станка Стефка
Стела Таня Теодора Теменужка Тодорка Христина Цветана Цветелина Цвета Юлия Яна Янка
"""
# Given names that are also ordinary words ("Вяра" = faith, "Ангел" = angel): only replaced
# when a capitalised word follows.
_AMBIGUOUS_GIVEN = {"Ангел", "Бисер", "Блага", "Бистра", "Вела", "Весела", "Дора", "Люба",
                    "Зорница", "Пламен", "Пламена", "Цвета", "Кремена", "Спас", "Еми", "Ани",
                    "Лилия", "Маргарита", "Виолета", "Теменужка", "Невена", "Явор"}  # fmt: skip


def _given_pattern(names: Iterable[str], exclude: Iterable[str] = ()) -> str:
    forms: set[str] = set()
    for n in names:
        for v in _name_variants(n):
            if _HAS_CYRILLIC.search(v):
                forms.add(v[0].upper() + v[1:])
    forms -= set(exclude)  # e.g. "Лилия" (lily), also an inflected form of "Лили"
    alts = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    return rf"(?<![\w-])(?:{alts})(?![\w-])"


_ALL_GIVEN = _GIVEN_NAMES.split()
_GIVEN_ANY = _given_pattern(_ALL_GIVEN)
_GIVEN_CLEAR = _given_pattern(
    (n for n in _ALL_GIVEN if n not in _AMBIGUOUS_GIVEN), exclude=_AMBIGUOUS_GIVEN
)
# A given name followed by a capitalised word (surname or second name), or a non-ambiguous
# given name alone; the ALL-CAPS forms ("МАРИЯ ИВАНОВА") are not guessed.
_GIVEN_ALONE = re.compile(_GIVEN_CLEAR)
# A capitalised surname-shaped word (-ов/-ова/-ев/-ева and their plurals) in mid-sentence,
# i.e. right after a lower-case word: "говорих с Петрова", "питайте Колев".
_SURNAME_MID = re.compile(r"(?<=[а-яѝ,] )[А-Я][а-я]{2,}(?:ов|ев)(?:а|и)?(?![\w-])")
_NAME_RUN = re.compile(r"\[NAME\](?:[\s]+\[NAME\])+")
# Capitalised words that are never personal names before a surname-shaped word.
_NOT_NAME_WORDS = frozenset(
    w.casefold()
    for w in ("България", "София", "Областна", "Областния",
              "Община", "Общината", "Министерство", "Дирекция", "Отдел", "Улица", "Булевард",
              "Площад", "Квартал", "Мост", "Град", "Село", "Река", "Дунав", "Театър", "Училище",
              "Читалище", "Център", "Парк", "Ул", "Бул", "Св", "Пл", "Гр", "Ж")
)


@lru_cache(maxsize=1)
def _with_places() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """The name patterns that must not take a town for a name, built on first use (not at
    import, so that a run that scrubs nothing reads no region profile): the titled-name and
    given-name-plus-surname patterns, and the words that are never names."""
    places = region_profile.place_names("bg")
    cap = _CAP.replace("{places}", "".join(f"|{re.escape(name)}" for name in places))
    titled = re.compile(rf"(?<![\w-])({_TITLE})(\s*)({cap}(?:\s+{cap})?)")
    given_and_surname = re.compile(rf"{_GIVEN_ANY}(?:\s+{cap})+")
    return titled, given_and_surname, _NOT_NAME_WORDS | {p.casefold() for p in places}


def _guess_names(out: str) -> str:
    # names.name_spans reads ALL-CAPS words title-cased ("ИВАН ПЕТРОВ"); the patterns here
    # read the text as written (a shouted sentence is not a run of capitalised names).
    titled, given_and_surname, not_names = _with_places()
    spans = [m.span(3) for m in titled.finditer(out)]
    for pattern in (given_and_surname, _GIVEN_ALONE, _SURNAME_MID):
        spans += [m.span() for m in pattern.finditer(out)]
    spans += names_list.name_spans(out, not_names=not_names)
    return _NAME_RUN.sub("[NAME]", _replace_spans(out, spans, "[NAME]"))


def scrub(s: object, names: Iterable[str] | None = None, *, guess_names: bool = True) -> str:
    """Replace personal data in a respondent's text by typed placeholders.

    Replaced, in this order:

    * ``[URL]`` — ``http://``, ``https://``, ``ftp://`` and ``www.`` addresses, and bare
      domains followed by a path ("facebook.com/ivan.petrov"); a bare domain alone
      ("strategy.bg") stays.
    * ``[EMAIL]`` — e-mail addresses, also obfuscated ones ("ivan at abv.bg",
      "ivan [at] abv [dot] bg", "ivan маймунка abv.bg"; domain must end in a common TLD).
    * ``[IBAN]`` — IBANs of any country, spaced or not, with a valid mod-97 check
      (``stdnum.iban``); a Bulgarian-shaped IBAN (``BGkk AAAA 9999 99XX XXXX XX``) is
      replaced even when the check fails, because a mistyped account still identifies its
      holder.
    * ``[EGN]`` — ten-digit numbers that are a valid EGN (``stdnum.bg.egn``: date with the
      +20/+40 month encoding and the weights 2,4,8,5,10,9,7,3,6 mod 11 check). A ten-digit
      number that fails the check is replaced too when "ЕГН"/"ЛНЧ" stands just before it
      (a mistyped EGN is still personal data); other ten-digit numbers go on to the phone
      check.
    * ``[PHONE]`` — numbers that ``phonenumbers`` accepts as valid for Bulgaria (mobile
      ``0888 123 456``, ``+359 88 812 3456``, ``00359…``, landlines ``082 123 456``,
      ``082/123-456``, ``(082) 82 12 34``) or as valid international numbers written with
      ``+``/``00``. A candidate must start with 0, + or 00, so amounts, years and postal
      codes stay; after "тел."/"GSM"/"Viber" any run of 6-14 digits is a phone, and
      "359…" without "+" is read as "+359…".
    * ``[ID]`` — nine digits after "лична карта", "л.к.", "ЛК", "паспорт" (the word stays).
    * ``[PLATE]`` — Bulgarian number plates ("Р 1234 АВ", "P1234AB", "р 1234 ав"; either script).
    * ``[ADDRESS]`` — "ул.", "бул.", "ж.к.", "кв.", "бл." with a name and a number, and the
      "бл./вх./ет./ап." parts that follow.
    * EGNs are also found split 6+4 or in date groups ("800101-1236", "80 01 01 1236"),
      e-mails spaced ("ivan @ abv.bg"), with "＠" or "(маймунка)", IBANs with dots, and URLs
      of any scheme ("viber://", "tg:", "skype:").
    * ``[NAME]`` — names from ``names`` (whole words, case-insensitive, also common
      inflected forms such as vocative "Иване", feminine/plural surnames "Петрова",
      "Петрови", and the official Latin transliteration "Ivan Petrov"). With
      ``guess_names`` (default) also, without any list: capitalised words after a title or
      role ("г-жа Петрова", "д-р Колев", "служителката Мария Иванова", "кмета Стоилов");
      a common Bulgarian given name followed by capitalised words ("Мария Иванова"); a
      common given name alone ("питайте Стоян"); a capitalised -ов/-ев/-ова/-ева word after
      a lower-case word ("говорих с Петрова"); and every name, surname or diminutive of
      the bundled list (:mod:`ruse_research.stats.names`), also in capitals ("ИВАН
      ПЕТРОВ") and in Latin letters ("Tsvetelina Georgieva", "Georgiew"), and a
      capitalised word before a surname-shaped one ("Благун Кьосеиванов"). Guessing errs
      on the side of privacy: a public figure's name in a street or institution ("Христо
      Ботев") is replaced too.

    Parameters
    ----------
    s : object
        The text; missing values give ``""``.
    names : iterable of str, optional
        Personal names to remove (e.g. staff list, names of the respondent's contacts).
    guess_names : bool, default True
        Also replace names found by the rules above without a list.

    Returns
    -------
    str
        The text with personal data replaced; everything else unchanged (not normalised,
        except that full-width letters and digits, "＠", are read as ASCII). What it cannot
        classify as safe is reported by :func:`quote_problems`.

    Examples
    --------
    >>> scrub("ЕГН 7523169263, сметка BG80 BNBG 9661 1020 3456 78, www.example.bg")
    'ЕГН [EGN], сметка [IBAN], [URL]'
    >>> scrub("Благодаря на Иване и на г-жа Петрова!", names=["Иван"])
    'Благодаря на [NAME] и на г-жа [NAME]!'
    >>> scrub("служителката Мария Иванова беше груба")
    'служителката [NAME] беше груба'
    >>> scrub("чл. 26, ал. 4 от ЗНА; 30 дни; 1250 лв.; 7000 София")
    'чл. 26, ал. 4 от ЗНА; 30 дни; 1250 лв.; 7000 София'
    """
    if s is None or (not isinstance(s, str) and pd.isna(s)):
        return ""
    if names is not None:
        names = (names,) if isinstance(names, str) else tuple(names)
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise TextError(f"names must be strings, got {bad[0]!r}")
    return _scrub(str(s), names, bool(guess_names))


@lru_cache(maxsize=16384)
def _scrub(s: str, names: tuple[str, ...] | None, guess_names: bool) -> str:
    # cached: quotes scrub every answer of a theme, and an answer has several themes
    out = unicodedata.normalize("NFC", s)
    out = _INVISIBLE.sub("", out).translate(_FULLWIDTH)
    out = _URL.sub(lambda m: "[URL]" + _trailing_punct(m.group(0)), out)
    out = _EMAIL.sub("[EMAIL]", out)
    out = _EMAIL_SPACED.sub("[EMAIL]", out)
    out = _EMAIL_OBFUSCATED.sub("[EMAIL]", out)
    out = _sub_iban(out)
    out = _ID_CARD.sub(lambda m: m.group(1) + "[ID]", out)
    out = _sub_egn(out)
    out = _PLATE_SMALL.sub("[PLATE]", _PLATE.sub("[PLATE]", out))
    out = _sub_phone(out)
    out = _ADDRESS.sub("[ADDRESS]", out)
    if names is not None:
        pattern = _name_pattern(names)
        if pattern is not None:
            out = pattern.sub("[NAME]", out)
    if guess_names:
        out = _guess_names(out)
    return out


def _trailing_punct(url: str) -> str:
    """Sentence punctuation the URL regex swallowed, to put back after the placeholder."""
    m = re.search(r"[.,;:!?)\]]+$", url)
    return m.group(0) if m else ""


# ---------------------------------------------------------------------------------------------
# What scrub cannot classify as safe: such a quote is held back, not published
# ---------------------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ \-.]?\d){6,}(?![\d])")
_AMOUNT_AFTER = re.compile(
    r"^\s*(?:лв|лева|евро|€|eur|bgn|%|души|човека|жители|хил|млн|млрд|г\.|година|години)",
    re.IGNORECASE,
)
_PUBLIC_ID_BEFORE = re.compile(r"(?:ЕИК|БУЛСТАТ|Булстат|EIK)\W{0,4}$")
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s?[-.]\s?(?:19|20)\d{2}")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\n„“\"«(\[-])\s*$")
_LEFTOVER_EMAIL = re.compile(r"[@＠﹫]|\((?:at|маймунка)\)", re.IGNORECASE)
_LEFTOVER_URL = re.compile(r"://|(?<![\w])www\.|(?<![\w])[a-z0-9-]+\.(?:bg|com|net|org|eu)/", re.I)


def _known_word(low: str) -> bool:
    import simplemma

    return (
        simplemma.is_known(low, lang="bg")
        or simplemma.lemmatize(low, lang="bg") != low
        or simplemma.is_known(low, lang="en")
    )


def quote_problems(text: str) -> list[str]:
    """What in a scrubbed text :func:`scrub` could not classify as safe (empty: quotable).

    A quote with any of these is held back (not published), because it may still identify
    someone: ``"digits"`` — a run of seven or more digits (spaces, dashes or dots between
    them) that is not a date, a year range, an amount or count ("1 234 567 лв.") or an
    organisation's ЕИК/БУЛСТАТ; ``"email"`` or ``"url"`` — an "@", "(маймунка)", "://" or
    "www." left over; ``"capitalised"`` — a capitalised word that no dictionary knows
    (``simplemma``'s Bulgarian and English word lists, the bundled names, the region
    profiles' place names) in mid-sentence or next to a ``[NAME]``, e.g. an uncommon name.

    Examples
    --------
    >>> quote_problems(scrub("Питайте Благун на гишето"))
    ['capitalised']
    >>> from ruse_research.data import profile  # place names of the region profiles pass
    >>> town = profile.load().text("region_centre", "bg")
    >>> quote_problems(scrub(f"Служителите на Община {town} бяха любезни, таксата е 1 250 000 лв."))
    []
    >>> quote_problems("Номерът ми е 12 34 56 78 90")
    ['digits']
    """
    problems = []
    for m in _DIGIT_RUN.finditer(text):
        run = m.group(0)
        if (
            _DATE.fullmatch(run)
            or _YEAR_RANGE.fullmatch(run)
            or _AMOUNT_AFTER.match(text[m.end() :])
            or _PUBLIC_ID_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
        ):
            continue
        problems.append("digits")
        break
    if _LEFTOVER_EMAIL.search(text):
        problems.append("email")
    if _LEFTOVER_URL.search(text):
        problems.append("url")
    for m in names_list.WORD.finditer(text):
        word = m.group(0)
        if names_list.placeholder_at(text, m) or not word[:1].isupper():
            continue
        if word.isupper() and len(word) > 1:  # acronyms (ЕГН, ОП) and shouting
            continue
        low = word.casefold()
        before = text[: m.start()]
        next_to_name = before.rstrip().endswith("[NAME]") or text[m.end() :].lstrip().startswith(
            "[NAME]"
        )
        if _SENTENCE_START.search(before) and not next_to_name:
            continue
        if low in _with_places()[2] or _known_word(low) or _known_word(low.split("-")[0]):
            continue
        problems.append("capitalised")
        break
    return problems
