"""Bulgarian personal names for the scrubber: the bundled list, inflected forms and Latin spellings.

The list ``bg_names.yaml`` (beside this module; its header names the source) holds given
names, surnames (masculine form), diminutives ("Гошо" for Георги) and the names that are
also ordinary words ("Вяра", "Ангел"). :func:`transliterate` writes a Cyrillic word in Latin
letters by the Transliteration Act (Закон за транслитерацията, 2009, art. 3: the
"streamlined system", with final "-ия" written "-ia"); :func:`latin_variants` adds the usual
non-official spellings (Georgiew, Christo, Dimiter, Tzvetan). :func:`name_spans` finds names
by the list and by shape, also in capitals ("ИВАН ПЕТРОВ") and in Latin ("Ivan Petrov").

Examples
--------
>>> transliterate("София"), transliterate("Щерю"), transliterate("Георгиев")
('Sofia', 'Shteryu', 'Georgiev')
>>> {"tsvetan", "tzvetan", "cvetan"} <= latin_variants("Цветан")
True
>>> s = "Жоро и IVAN PETROV, Светлозар Дочев"
>>> [s[a:b] for a, b in name_spans(s)]
['Жоро', 'IVAN', 'PETROV', 'Светлозар', 'Дочев']
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ruse_research import _yaml
from ruse_research.stats.text import STOP_WORDS

__all__ = [
    "NAMES_FILE", "NameList", "latin_variants", "load_names", "name_spans", "title_view",
    "transliterate",
]  # fmt: skip

NAMES_FILE = Path(__file__).with_name("bg_names.yaml")
"""The bundled list of Bulgarian given names, surnames and diminutives."""

# Transliteration Act 2009, art. 3, para 1 (letters) and para 2 ("ия" at the end of a word).
_OFFICIAL = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht",
    "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "ѝ": "i", "ѐ": "e",
}  # fmt: skip
# Spellings people use besides the official one (older systems, German/French habits).
_LOOSE = {
    "в": ("v", "w"), "ж": ("zh", "j"), "й": ("y", "i", "j"), "х": ("h", "kh", "ch"),
    "ц": ("ts", "c", "tz"), "ч": ("ch", "tch"), "ш": ("sh", "sch"), "щ": ("sht", "st"),
    "ъ": ("a", "u", "e", "y"), "ю": ("yu", "iu", "ju"), "я": ("ya", "ia", "ja"),
}  # fmt: skip
_MAX_VARIANTS = 48

_CYR_UPPER = "А-ЯЀЍ"
_CYR_LOWER = "а-яѐѝ"
WORD = re.compile(rf"[{_CYR_UPPER}{_CYR_LOWER}A-Za-z]+(?:-[{_CYR_UPPER}{_CYR_LOWER}A-Za-z]+)?")
"""A word of Cyrillic or Latin letters (one hyphen allowed)."""
_SURNAME_SHAPE_CYR = re.compile(rf"^[{_CYR_UPPER}][{_CYR_LOWER}]{{2,}}(?:ов|ев)(?:а|и)?$")
_SURNAME_SHAPE_LAT = re.compile(r"^[A-Z][a-z]{2,}(?:ov|ev|off|ow|ew)(?:a|i)?$")


def transliterate(word: str) -> str:
    """``word`` in Latin letters by the Transliteration Act (capitalised like the input)."""
    low = word.casefold()
    out = "".join(_OFFICIAL.get(ch, ch) for ch in low)
    if low.endswith("ия"):
        out = out[: -len("iya")] + "ia"
    return out.capitalize() if word[:1].isupper() else out


def latin_variants(word: str) -> set[str]:
    """Lower-case Latin spellings of a Cyrillic word: the official one and common others."""
    low = word.casefold()
    choices = [_LOOSE.get(ch, (_OFFICIAL.get(ch, ch),)) for ch in low]
    out = {transliterate(low)}
    for combo in itertools.islice(itertools.product(*choices), _MAX_VARIANTS):
        out.add("".join(combo))
    if low.endswith("ия"):
        out |= {v[: -len("iya")] + "ia" for v in out if v.endswith("iya")}
    return out


def _forms(word: str, surname: bool) -> set[str]:
    """Inflected Cyrillic forms (lower case): vocative, feminine/plural surnames, articles."""
    w = word.casefold()
    forms = {w}
    if surname:
        if re.search("(ов|ев|ин)$", w):
            forms |= {w + e for e in ("а", "и", "е", "ия", "ата", "ите")}
        elif w.endswith("ски"):
            forms |= {w[:-1] + "а", w}
        return forms
    if re.search("[ая]$", w):
        base = w[:-1]
        forms |= {base + e for e in ("а", "я", "о", "е", "и", "йо", "ьо", "ке")}
    elif re.search("[бвгджзклмнпрстфхцчшщ]$", w):
        forms |= {w + e for e in ("е", "а", "у", "ът", "чо", "ко", "чето")}
    elif re.search("[ий]$", w):
        forms |= {w + e for e in ("я", "е")}
    elif re.search("[оу]$", w):  # Гошо, Жоро, Ицо: Гошка? keep the form, add -то
        forms |= {w + "то"}
    return forms


@dataclass(frozen=True)
class NameList:
    """Lower-case forms (Cyrillic and Latin) of the bundled names."""

    clear: frozenset[str]
    """Forms that are names wherever they stand capitalised."""
    ambiguous: frozenset[str]
    """Forms that are also ordinary words: names only next to another name-like word."""


@lru_cache(maxsize=1)
def load_names() -> NameList:
    """The bundled names (:data:`NAMES_FILE`) with inflected forms and Latin spellings."""
    data = _yaml.load_file(NAMES_FILE, name="bg_names.yaml")
    given = data["given_male"].split() + data["given_female"].split()
    dims = [d for forms in data["diminutives"].values() for d in forms]
    surnames = data["surnames"].split()
    ambiguous_words = set(data["ambiguous"].split())
    clear: set[str] = set()
    ambiguous: set[str] = set()
    for word, is_surname in [*((g, False) for g in given + dims), *((s, True) for s in surnames)]:
        target = ambiguous if word in ambiguous_words else clear
        for form in _forms(word, is_surname):
            target.add(form)
            target.update(latin_variants(form))
    ambiguous_lower = {w.casefold() for w in ambiguous_words}
    clear -= ambiguous_lower
    clear -= {v for w in ambiguous_lower for v in latin_variants(w)}
    common = _COMMON_WORDS | STOP_WORDS  # "Като" is a form of "Катя" and the word "as"
    return NameList(frozenset(clear - common), frozenset(ambiguous | (common & clear)))


# Inflected name forms that are everyday words (or common Latin words): never names alone.
_COMMON_WORDS = frozenset(
    "добри добре мира вяра роса роси слава славе мила мили мило мая мае злато дара веси ради "
    "дани али ина ана ани ива иве мара маре лора рада раде сава саве пена пеня ели красива "
    "ela ana ina dora dara vera mira rosa maya lili vali nina mila rada dani ali dean sava "
    "radi eli alex".split()
)


def title_view(text: str) -> str:
    """``text`` with ALL-CAPS words title-cased (same length), so "ИВАН" reads as "Иван"."""
    return WORD.sub(lambda m: m.group(0).title() if m.group(0).isupper() and len(m.group(0)) > 1
                     else m.group(0), text)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or not word[1:2].isupper())


def name_spans(text: str, not_names: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of words in ``text`` that are personal names by the bundled list or by shape.

    A capitalised word (or an ALL-CAPS word, read title-cased; Cyrillic or Latin) is a name
    when it is a listed name, surname or diminutive form; a listed word that is also an
    ordinary word ("Вяра", "Роза") is a name next to another name; any capitalised word not
    in ``not_names`` is a name before a surname-shaped word (-ов/-ев/-ова/-ева, Latin
    -ov/-ev/-ova), and that word after it.
    """
    names = load_names()
    view = title_view(text)
    words = list(WORD.finditer(view))
    spans: list[tuple[int, int]] = []
    kinds = []
    for m in words:
        w = m.group(0)
        low = w.casefold()
        placeholder = text[m.start() - 1 : m.start()] == "[" and text[m.end() : m.end() + 1] == "]"
        if placeholder:
            kinds.append("name" if w == "Name" else "")
        elif not _capitalised(w) or low in not_names:
            kinds.append("")
        elif low in names.clear:
            kinds.append("name")
        elif _SURNAME_SHAPE_CYR.match(w) or _SURNAME_SHAPE_LAT.match(w):
            kinds.append("shape")
        elif low in names.ambiguous:
            kinds.append("ambiguous")
        else:
            kinds.append("cap")
    for i, m in enumerate(words):
        kind = kinds[i]
        if not kind:
            continue
        nxt = kinds[i + 1] if i + 1 < len(words) and _adjacent(view, m, words[i + 1]) else ""
        prv = kinds[i - 1] if i > 0 and _adjacent(view, words[i - 1], m) else ""
        if placeholder_at(text, m):
            continue
        if (
            kind == "name"
            or (nxt == "shape" and kind in ("ambiguous", "cap", "shape"))
            or (nxt == "name" and kind == "ambiguous")
            or (kind == "shape" and prv in ("name", "ambiguous", "cap"))
            or (kind == "ambiguous" and prv == "name")
        ):
            spans.append(m.span())
    return spans


def placeholder_at(text: str, m: re.Match[str]) -> bool:
    """Whether the word ``m`` is a ``[PLACEHOLDER]`` that the scrubber wrote."""
    return text[m.start() - 1 : m.start()] == "[" and text[m.end() : m.end() + 1] == "]"


def _adjacent(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    return text[a.end() : b.start()].strip(" ") == ""
