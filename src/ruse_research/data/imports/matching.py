"""Fuzzy matching of an export's headers and answers to a codebook's wording, in bg or en.

Scores are RapidFuzz ratios (0-100) of normalised texts (case, quotes, punctuation and
spacing ignored), the best over an item's Bulgarian text, English text and id; an answer
is matched to a code by its label (either language), its number, or LimeSurvey's ``Y``/``N``.
Each header goes to at most one item, the best pairs first, ties in file and codebook order
(so two items worded alike, such as a scale asked before and after a training, take the
export's columns in turn).

Examples
--------
>>> score("Пол", "пол"), score("Q8[SQ001]", "Начин на контакт") < 50
(100.0, True)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from ruse_research.data.codebook import CODED_TYPES, Codebook, Item

ACCEPT = 75.0
"""Lowest score (of 100) at which a header or an answer is matched at all."""

SURE = 90.0
"""Score from which a match needs no second look."""

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_YES = {"y", "yes", "да", "true", "1"}
_NO = {"n", "no", "не", "false", "0"}
_SELECTED = {"y", "yes", "да", "1", "true", "x"}
_NOT_SELECTED = {"", "n", "no", "не", "0", "false"}


def normalise(text: str) -> str:
    """Case-folded text without punctuation, quotes or repeated spaces.

    >>> normalise("Дирекция „Административно-правно обслужване“ [A1]")
    'дирекция административно правно обслужване a1'
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("_", " ")
    return " ".join(_PUNCT.sub(" ", text).split())


def score(a: str, b: str) -> float:
    """Similarity of two texts from 0 to 100 (100: the same once normalised)."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if na == nb or na.replace(" ", "") == nb.replace(" ", ""):
        return 100.0
    return float(max(fuzz.ratio(na, nb), fuzz.token_sort_ratio(na, nb)))


def score_matrix(queries: list[str], choices: list[str]):
    """:func:`score` of every query (rows) against every choice (columns), as a float array.

    The same numbers as calling :func:`score` on each pair, computed by RapidFuzz's ``cdist``
    on texts normalised once (a starter mapping compares a few hundred headers with a few
    hundred item texts: in Python, pair by pair, that was seconds).

    >>> scores = score_matrix(["Пол", "Age"], ["пол", "Sex", ""])
    >>> scores.round(1).tolist()
    [[100.0, 0.0, 0.0], [0.0, 33.3, 0.0]]
    >>> float(scores[1, 1]) == score("Age", "Sex")
    True
    """
    import numpy as np
    from rapidfuzz import process

    nq, nc = [normalise(q) for q in queries], [normalise(c) for c in choices]
    if not nq or not nc:
        return np.zeros((len(nq), len(nc)))
    scores = np.maximum(process.cdist(nq, nc, scorer=fuzz.ratio, dtype=np.float64, workers=1),
                        process.cdist(nq, nc, scorer=fuzz.token_sort_ratio, dtype=np.float64, workers=1))
    despaced = {}
    for j, text in enumerate(nc):
        despaced.setdefault(text.replace(" ", ""), []).append(j)
    for i, text in enumerate(nq):
        for j in despaced.get(text.replace(" ", ""), ()):
            scores[i, j] = 100.0
    scores[[i for i, text in enumerate(nq) if not text], :] = 0.0
    scores[:, [j for j, text in enumerate(nc) if not text]] = 0.0
    return scores


def item_texts(item: Item, codebook: Codebook | None = None) -> list[str]:
    """What a header naming ``item`` may say: its texts in both languages and its id, and
    for an item of a construct also ``"Construct label [text]"`` (a grid question's header)."""
    texts = [item.text.get("bg", ""), item.text.get("en", ""), item.id]
    if codebook is not None and item.construct:
        label = codebook.constructs[item.construct].label
        texts += [f"{label.get(lang, '')} [{item.text.get(lang, '')}]" for lang in ("bg", "en")]
    return texts


@dataclass(frozen=True)
class CheckboxGroup:
    """Items answered by one checkbox question: ``stem`` text and each option's item."""

    stems: tuple[str, ...]
    options: dict[str, str]
    """option text (bg or en) -> item id"""

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(self.options.values()))


def is_flag(codebook: Codebook, item: Item) -> bool:
    """Whether ``item`` is a 0/1 "selected" item (one option of a multiple-choice question)."""
    if item.type not in CODED_TYPES:
        return False
    return sorted(codebook.scales[item.response_scale].values) == [0, 1]  # type: ignore[index]


def checkbox_groups(codebook: Codebook) -> list[CheckboxGroup]:
    """The codebook's multiple-choice questions: 0/1 items worded ``"Stem: option"``.

    >>> from ruse_research.data.codebook import load_codebook
    >>> groups = checkbox_groups(load_codebook("stakeholders"))
    >>> groups[0].stems[0], groups[0].items
    ('Начин на контакт', ['ch_person', 'ch_phone', 'ch_email', 'ch_online'])
    """
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for item in codebook.items:
        if not is_flag(codebook, item):
            continue
        parts = [item.text.get(lang, "").split(": ", 1) for lang in ("bg", "en")]
        if not all(len(p) == 2 for p in parts):
            continue
        stems = tuple(p[0].strip() for p in parts)
        options = found.setdefault(stems, {})
        for p in parts:
            options[p[1].strip()] = item.id
    return [CheckboxGroup(stems, options) for stems, options in found.items()]


def assign(headers: list[str | list[str]], candidates: dict[str, list[str]],
           accept: float = ACCEPT) -> dict[int, tuple[str, float]]:
    """Match headers to targets one to one: ``{header index: (target, score)}``.

    A header is a text or a list of texts it may stand for; ``candidates`` maps each target
    to the texts that name it. Best pairs go first; ties go in header order, then target
    order.

    >>> assign(["Age", "Sex", "Sex"], {"sex": ["Sex"], "sex2": ["Sex"], "age": ["Age"]})
    {0: ('age', 100.0), 1: ('sex', 100.0), 2: ('sex2', 100.0)}
    """
    pairs = []
    order = {t: i for i, t in enumerate(candidates)}
    variants = [[header] if isinstance(header, str) else list(header) for header in headers]
    texts = [[t for t in candidates[target] if t] for target in candidates]
    scores = score_matrix([v for vs in variants for v in vs], [t for ts in texts for t in ts])
    row = 0
    for h, header_variants in enumerate(variants):
        rows = scores[row:row + len(header_variants)]
        row += len(header_variants)
        column = 0
        for target, target_texts in zip(candidates, texts, strict=True):
            block = rows[:, column:column + len(target_texts)]
            column += len(target_texts)
            best = float(block.max()) if block.size else 0.0
            if best >= accept:
                pairs.append((-best, h, order[target], target))
    pairs.sort()
    used_h: set[int] = set()
    used_t: set[str] = set()
    result: dict[int, tuple[str, float]] = {}
    for neg, h, _, target in pairs:
        if h in used_h or target in used_t:
            continue
        used_h.add(h)
        used_t.add(target)
        result[h] = (target, -neg)
    return dict(sorted(result.items()))


def match_value(text: str, codebook: Codebook, item: Item,
                accept: float = ACCEPT) -> tuple[int | None, float]:
    """The code an answer stands for and how sure: ``(code, score)``, ``(None, best)`` if none.

    A label in either language, the code itself, LimeSurvey's ``Y``/``N`` for a yes/no
    item, else the nearest label when it scores at least ``accept``.

    >>> from ruse_research.data.codebook import load_codebook
    >>> cb = load_codebook("staff")
    >>> match_value("Съгласен", cb, cb.item("att_ben_1")), match_value("4", cb, cb.item("att_ben_1"))
    ((4, 100.0), (4, 100.0))
    >>> match_value("Напълно сагласен", cb, cb.item("att_ben_1"))[0]
    5
    """
    scale = codebook.scales[item.response_scale]  # type: ignore[index]
    codes = scale.all_codes()
    folded = normalise(text)
    for code, labels in codes.items():
        if folded in {normalise(v) for v in labels.values()}:
            return code, 100.0
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text.strip()) and int(float(text)) in codes:
        return int(float(text)), 100.0
    yes_no = _YES if folded in _YES else _NO if folded in _NO else None
    if yes_no is not None:
        for code, labels in codes.items():
            if {normalise(v) for v in labels.values()} & yes_no:
                return code, 100.0
    best_code, best = nearest(text, codebook, item)
    return (best_code, best) if best >= accept else (None, best)


def nearest(text: str, codebook: Codebook, item: Item) -> tuple[int | None, float]:
    """The code whose label (bg or en) is closest to ``text``, however far: ``(code, score)``.

    >>> from ruse_research.data.codebook import load_codebook
    >>> cb = load_codebook("staff")
    >>> nearest("Мжъ", cb, cb.item("sex"))[0]
    1
    """
    best, best_code = -1.0, None
    for code, labels in codebook.scales[item.response_scale].all_codes().items():  # type: ignore[index]
        for label in labels.values():
            s = score(text, label)
            if s > best:
                best, best_code = s, code
    return best_code, max(best, 0.0)


def positional_codes(values: list[str], codebook: Codebook, item: Item) -> dict[str, int] | None:
    """LimeSurvey answer codes ``A1``, ``A2``, ... (or ``AO01``) read by position in the scale.

    LimeSurvey numbers a question's answer options in the order they were entered; a
    questionnaire typed from the codebook has them in the codebook's order. ``None`` when
    the values are not such codes.

    >>> from ruse_research.data.codebook import load_codebook
    >>> cb = load_codebook("staff")
    >>> positional_codes(["A1", "A4", "A6"], cb, cb.item("att_ben_1"))
    {'A1': 1, 'A4': 4, 'A6': 97}
    """
    found = [v for v in values if v]
    if not found or not all(re.fullmatch(r"A[O0]?\d+", v) for v in found):
        return None
    codes = list(codebook.scales[item.response_scale].all_codes())  # type: ignore[index]
    result = {}
    for v in sorted(set(found), key=lambda s: int(re.sub(r"\D", "", s))):
        k = int(re.sub(r"\D", "", v))
        if not 1 <= k <= len(codes):
            return None
        result[v] = codes[k - 1]
    return result


def flag_value(text: str) -> int | None:
    """1 for a ticked option (``Y``, ``1``, ``Yes``), 0 for an unticked one, else ``None``.

    >>> flag_value("Y"), flag_value(""), flag_value("0"), flag_value("maybe")
    (1, 0, 0, None)
    """
    folded = normalise(text)
    if folded in _SELECTED:
        return 1
    if folded in _NOT_SELECTED:
        return 0
    return None


def split_options(cell: str, options: list[str]) -> tuple[list[str], str]:
    """Split a Google Forms checkbox cell into the known options it lists, and the rest.

    Options may themselves hold commas, so known options are found by text (longest
    first) rather than by splitting at ``", "``.

    >>> split_options("по телефона, лично посещение", ["лично посещение", "по телефона"])
    (['лично посещение', 'по телефона'], '')
    >>> split_options("лично, с писмо", ["лично"])
    (['лично'], 'с писмо')
    """
    rest = f", {cell.strip()}, "
    found = []
    for option in sorted(options, key=len, reverse=True):
        token = f", {option.strip()}, "
        low = rest.casefold()
        at = low.find(token.casefold())
        if at >= 0:
            found.append(option)
            rest = rest[:at] + ", " + rest[at + len(token):]
    leftover = ", ".join(p.strip() for p in rest.split(", ") if p.strip())
    return [o for o in options if o in found], leftover
