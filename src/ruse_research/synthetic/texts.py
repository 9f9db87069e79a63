"""Open-ended answers in natural Bulgarian, with typos, planted personal data and markup.

The answers are assembled from short phrases per theme, then roughened the way people type
(lower case starts, missing commas, swapped or dropped letters, repeated "!!!"). A small share
carries planted personal data (e-mail, phone numbers in three Bulgarian formats, a valid EGN,
a valid Bulgarian IBAN, a URL, a personal name) so that ``stats.scrub.scrub`` has something to find,
and a few carry HTML, ``<script>`` or markdown so that escaping is exercised.

Every planted item is recorded (respondent, kind, exact string) so tests can check that the
scrubber removes it.

Examples
--------
>>> import numpy as np
>>> egn = valid_egn(np.random.default_rng(3))
>>> len(egn), egn_is_valid(egn)
(10, True)
>>> iban_is_valid(valid_iban(np.random.default_rng(3)))
True
"""

from __future__ import annotations

import numpy as np

# Phrases by theme for recommendations to the Regional Administration (stakeholders).
RECOMMEND_THEMES: dict[str, list[str]] = {
    "information": [
        "да публикуват проектите на документи по-рано и на по-разбираем език",
        "повече информация на сайта, сега трудно се намира каквото и да е",
        "да обявяват обсъжданията поне месец предварително",
        "да има бюлетин или имейл абонамент за новите консултации",
        "информацията да стига и до селата, не всички ползват интернет",
    ],
    "feedback": [
        "да отговарят на предложенията, а не да ги пренебрегват",
        "да се публикува справка кои предложения са приети и защо другите не са",
        "когато подадем становище, да получаваме обратна връзка",
        "искаме да знаем какво става с нашите сигнали след като ги подадем",
    ],
    "meetings": [
        "да има обществен съвет към областния управител с граждани и организации",
        "повече срещи с хората на място в общините",
        "да организират открити дни и приемни на областния управител",
        "работните групи да са отворени и за малките организации",
    ],
    "services": [
        "по-бързо обслужване на гишето",
        "електронни услуги без да се ходи лично",
        "да се удължи работното време поне един ден в седмицата",
        "служителите да вдигат телефона",
        "по-малко документи и хартия",
    ],
    "integrity": [
        "повече прозрачност при обществените поръчки и разпределението на средства",
        "еднакво отношение към всички, без значение кой кого познава",
        "да се публикуват решенията и мотивите към тях",
    ],
    "villages": [
        "да не забравят малките общини като {small_1} и {small_2}",
        "транспортът до {centre} е проблем за възрастните хора от селата",
        "мобилни приемни в по-малките населени места",
    ],
    "praise": [
        "продължавайте в същия дух, има подобрение",
        "служителите бяха любезни и ми помогнаха",
        "доволен съм от обслужването",
    ],
}

# Phrases for the staff open questions.
STAFF_OBSTACLE_PHRASES = [
    "липса на време и натоварване с текуща работа",
    "гражданите не се интересуват, на обсъжданията идват едни и същи хора",
    "няма ясна процедура кой отговаря на предложенията",
    "недостатъчно служители за тази дейност",
    "липса на обучение как се води дискусия",
    "хората не разбират разликата между общината и областната администрация",
    "кратки срокове, идват указания в последния момент",
    "слаба обратна връзка от ръководството",
]
STAFF_CHANGE_PHRASES = [
    "вътрешни правила за консултациите с ясни срокове",
    "един служител да отговаря за връзките с НПО",
    "редовни срещи с общините и организациите",
    "по-добър сайт с раздел за обществени консултации",
    "обучения за комуникация и водене на срещи",
    "да се публикуват справките по чл. 26 навреме",
    "онлайн формуляр за предложения",
]

FIRST_NAMES = ["Иван", "Мария", "Георги", "Елена", "Димитър", "Петя", "Николай", "Цветелина",
               "Стоян", "Йорданка", "Калоян", "Десислава"]
LAST_NAMES_M = ["Петров", "Иванов", "Георгиев", "Стоянов", "Николов", "Колев", "Димитров"]
LAST_NAMES_F = ["Петрова", "Иванова", "Георгиева", "Стоянова", "Николова", "Колева", "Димитрова"]
FEMALE_FIRST = {"Мария", "Елена", "Петя", "Цветелина", "Йорданка", "Десислава"}
TRANSLIT = {"Иван": "ivan", "Мария": "maria", "Георги": "georgi", "Елена": "elena",
            "Димитър": "dimitar", "Петя": "petya", "Николай": "nikolay", "Цветелина": "tsveti",
            "Стоян": "stoyan", "Йорданка": "dani", "Калоян": "kaloyan", "Десислава": "desi"}
MAIL_DOMAINS = ["abv.bg", "gmail.com", "mail.bg", "yahoo.com", "dir.bg"]
BANK_CODES = ["UNCR", "STSA", "FINV", "UBBS", "RZBB", "BPBI"]

MARKUP_SNIPPETS = [
    "<script>alert('xss')</script>",
    "<b>ВАЖНО:</b> никой не чете това",
    "**спешно** да се оправи сайтът",
    "вижте [тук](javascript:alert(1)) какво пише",
    "<img src=x onerror=alert(1)> снимка на дупката на пътя",
    "<a href=\"http://example.org\">линк</a> към жалбата ми",
]

PII_KINDS = ("email", "phone", "egn", "iban", "url", "name")


# ----------------------------------------------------------------- valid identifiers
_EGN_WEIGHTS = np.array([2, 4, 8, 5, 10, 9, 7, 3, 6])


def egn_is_valid(egn: str) -> bool:
    """True when ``egn`` has 10 digits and the check digit of the Bulgarian EGN algorithm."""
    if len(egn) != 10 or not egn.isdigit():
        return False
    digits = np.array([int(c) for c in egn])
    check = int((digits[:9] * _EGN_WEIGHTS).sum() % 11) % 10
    return bool(check == digits[9])


def valid_egn(rng: np.random.Generator) -> str:
    """A random EGN with a valid date (1940-1999) and check digit (weights 2,4,8,5,10,9,7,3,6)."""
    year = int(rng.integers(40, 100))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    region = int(rng.integers(0, 1000))
    body = f"{year:02d}{month:02d}{day:02d}{region:03d}"
    digits = np.array([int(c) for c in body])
    check = int((digits * _EGN_WEIGHTS).sum() % 11) % 10
    return body + str(check)


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban_is_valid(iban: str) -> bool:
    """True when ``iban`` passes the ISO 13616 mod-97 check."""
    s = iban.replace(" ", "")
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def valid_iban(rng: np.random.Generator) -> str:
    """A random 22-character Bulgarian IBAN (BGkk BBBB SSSS TT AAAAAAAA) with valid check digits."""
    bank = BANK_CODES[int(rng.integers(len(BANK_CODES)))]
    rest = "".join(str(int(d)) for d in rng.integers(0, 10, 14))
    bban = bank + rest
    return "BG" + _iban_check("BG", bban) + bban


def recommend_themes(region) -> dict[str, list[str]]:
    """:data:`RECOMMEND_THEMES` with the region's places (``{centre}``, ``{small_1}``, ...) filled in.

    ``region`` is a :class:`ruse_research.synthetic.region.Region`: its centre and its two
    least populous municipalities, smallest first.
    """
    small = [region.label(m) for m in region.smallest(2)]
    places = {"centre": region.label(region.centre), "small_1": small[0], "small_2": small[-1]}
    return {theme: [p.format(**places) for p in pool] for theme, pool in RECOMMEND_THEMES.items()}


def _phone(rng: np.random.Generator, prefix: str) -> str:
    kind = int(rng.integers(3))
    op = ["87", "88", "89", "98"][int(rng.integers(4))]
    d = "".join(str(int(x)) for x in rng.integers(0, 10, 7))
    if kind == 0:
        return f"0{op}{d[0]} {d[1:4]} {d[4:7]}"          # 0888 123 456
    if kind == 1:
        return f"+359 {op} {d[0:3]} {d[3:7]}"             # +359 88 812 3456
    return f"{prefix} {d[0:3]} {d[3:6]}"                   # area code + 123 456 (landline)


def _name(rng: np.random.Generator) -> str:
    first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
    last_pool = LAST_NAMES_F if first in FEMALE_FIRST else LAST_NAMES_M
    return f"{first} {last_pool[int(rng.integers(len(last_pool)))]}"


def _pii(rng: np.random.Generator, kind: str, local) -> tuple[str, str]:
    """(sentence carrying the planted datum, the datum itself); ``local``: the Region."""
    if kind == "email":
        first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
        value = f"{TRANSLIT[first]}.{int(rng.integers(10, 99))}@{MAIL_DOMAINS[int(rng.integers(len(MAIL_DOMAINS)))]}"
        return f"пишете ми на {value}", value
    if kind == "phone":
        value = _phone(rng, local.phone_prefix)
        return f"моят телефон е {value}, звънете след 17ч", value
    if kind == "egn":
        value = valid_egn(rng)
        return f"подадох заявление с ЕГН {value} и още нямам отговор", value
    if kind == "iban":
        value = valid_iban(rng)
        return f"върнете ми таксата по сметка {value}", value
    if kind == "url":
        value = f"https://www.facebook.com/groups/{local.url_slug}{int(rng.integers(100, 999))}"
        return f"вижте групата ни {value}", value
    value = _name(rng)
    return f"служителката {value} беше много груба с мен", value


# ----------------------------------------------------------------------- roughening
def _typo(rng: np.random.Generator, s: str) -> str:
    """One human typo: swap two neighbouring letters, drop one, or double one."""
    letters = [i for i, c in enumerate(s[:-1]) if c.isalpha() and s[i + 1].isalpha()]
    if not letters:
        return s
    i = letters[int(rng.integers(len(letters)))]
    kind = int(rng.integers(3))
    if kind == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if kind == 1:
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def _finish(rng: np.random.Generator, parts: list[str]) -> str:
    joiner = [". ", ", ", " и ", "; "][int(rng.integers(4))]
    text = joiner.join(parts)
    u = rng.random()
    if u < 0.55:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.35:
        text = _typo(rng, text)
    if rng.random() < 0.15:
        text = _typo(rng, text)
    end = rng.random()
    if end < 0.6:
        text += "."
    elif end < 0.7:
        text += "!!!"
    elif end < 0.75:
        text = text.upper()
    return text


def open_answers(rng: np.random.Generator, n: int, *, empty: float, themes: dict[str, list[str]],
                 theme_probs: np.ndarray | None = None, pii_rate: float = 0.0,
                 markup_rate: float = 0.0, local=None) -> tuple[list[str | None], list[tuple[int, str, str]]]:
    """``n`` open answers (``None`` = left empty) and the list of planted (row, kind, value).

    ``local`` (a :class:`ruse_research.synthetic.region.Region`) gives the planted phone
    numbers' area code and web addresses; needed when ``pii_rate`` > 0.

    ``theme_probs`` is an ``(n, k)`` array of per-respondent theme probabilities (rows sum to 1)
    so that the themes people raise can depend on who they are; default uniform.
    """
    names = list(themes)
    k = len(names)
    answers: list[str | None] = []
    planted: list[tuple[int, str, str]] = []
    for i in range(n):
        if rng.random() < empty:
            answers.append(None)
            continue
        p = np.full(k, 1.0 / k) if theme_probs is None else theme_probs[i]
        n_parts = 1 if rng.random() < 0.6 else 2
        chosen = rng.choice(k, size=n_parts, replace=False, p=p)
        parts = []
        for t in chosen:
            pool = themes[names[t]]
            parts.append(pool[int(rng.integers(len(pool)))])
        text = _finish(rng, parts)
        if rng.random() < pii_rate:
            # appended after the roughening so the planted datum stays exact
            kind = PII_KINDS[int(rng.integers(len(PII_KINDS)))]
            sentence, value = _pii(rng, kind, local)
            text = f"{text} {sentence[0].upper()}{sentence[1:]}."
            planted.append((i, kind, value))
        if rng.random() < markup_rate:
            snippet = MARKUP_SNIPPETS[int(rng.integers(len(MARKUP_SNIPPETS)))]
            text = f"{text} {snippet}"
            planted.append((i, "markup", snippet))
        answers.append(text)
    return answers, planted


def staff_answers(rng: np.random.Generator, n: int, phrases: list[str], *, empty: float,
                  pii_rate: float = 0.0, local=None) -> tuple[list[str | None], list[tuple[int, str, str]]]:
    """Short staff answers from ``phrases`` (one theme per phrase)."""
    themes = {f"t{i}": [p] for i, p in enumerate(phrases)}
    return open_answers(rng, n, empty=empty, themes=themes, pii_rate=pii_rate, local=local)
