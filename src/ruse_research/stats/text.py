"""Bulgarian open answers: normalisation, lemmas, dictionary theme coding and theme frequencies.

The coding follows the offline recipe in the project's research notes: Unicode NFC +
``casefold``; tokens from a regular expression over Cyrillic and Latin letters; lemmas
from the ``simplemma`` dictionary (``lang="bg"``, shipped inside the wheel) with the
BulStem stemmer (Nakov 2003, ``bulstem`` package) for words the dictionary does not know;
multi-label matching against a YAML dictionary of lemma/stem patterns with a
"не е кодирано" / "not coded" bucket.

Personal data are scrubbed by :func:`ruse_research.stats.scrub.scrub`, and quotes are drawn by
:func:`ruse_research.stats.quotes.representative_quotes` (scrubbed, and only for themes named in
at least :data:`ruse_research.stats.disclosure.MIN_QUOTE` answers).

Examples
--------
>>> from ruse_research.stats import text
>>> text.tokens("Повече е-услуги и по-малко ОПАШКИ!")
['повече', 'е-услуги', 'и', 'по-малко', 'опашки']
>>> text.lemmas(["гражданите", "услугите"])
['гражданин', 'услуга']

The usual pipeline in a notebook (quotes then go to ``report.quote_list``):

>>> import pandas as pd
>>> from ruse_research.stats import disclosure
>>> answers = pd.Series(["Повече онлайн услуги"] * 12 + ["Корупция"] * 3 + ["Нищо"] * 6)
>>> themes = text.load_themes("recommendation_themes")
>>> coded = text.code_answers(answers, themes)
>>> freq = disclosure.suppress(text.theme_frequencies(coded), count_columns="n",
...                            group_columns=["theme"])
>>> shown = freq.set_index("theme").loc[["e_services", "corruption_integrity"]]
>>> shown["n"].tolist(), shown["suppressed"].tolist()
([12, <NA>], ['', 'primary'])
>>> from ruse_research.stats.quotes import representative_quotes
>>> len(representative_quotes(answers, coded, "e_services", k=3))
3
>>> representative_quotes(answers, coded, "corruption_integrity").empty  # < 10 answers
True
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ruse_research import _yaml, paths
from ruse_research.data import region_text
from ruse_research.errors import CodebookError, RuseError
from ruse_research.i18n import LANGUAGES, check_language
from ruse_research.memo import memoized

__all__ = [
    "NOT_CODED",
    "STOP_WORDS",
    "Theme",
    "ThemeSet",
    "TextError",
    "code_answers",
    "coding_agreement",
    "lemmas",
    "load_themes",
    "normalise",
    "theme_frequencies",
    "tokens",
]


class TextError(RuseError):
    """Bad input to a text-coding function (unknown theme, misaligned series, ...)."""


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

# Latin letters that look like Cyrillic ones. People (and OCR, and keyboards left in the wrong
# layout) type them inside Cyrillic words: "Aдминистрация" with a Latin A. Only letters whose
# glyphs are the same in common fonts are mapped, and only inside words that also contain a
# Cyrillic letter, so English words and e-mail addresses stay as they are.
_LATIN_TO_CYRILLIC = str.maketrans(
    {
        "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
        "P": "Р", "T": "Т", "X": "Х", "Y": "У",
        "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к",
    }
)  # fmt: skip
_CYRILLIC = "\u0400-\u04ff"
_WORD_WITH_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)
_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC}]")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphen, zero-width
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_ELONGATION = re.compile(r"([^\W\d_])\1{2,}")  # "мноооого" -> "много" (no bg word has 3 in a row)
_SPACES = re.compile(r"\s+")


def _fix_lookalikes(match: re.Match[str]) -> str:
    word = match.group(0)
    if _HAS_CYRILLIC.search(word) and re.search("[A-Za-z]", word):
        return word.translate(_LATIN_TO_CYRILLIC)
    return word


def normalise(s: object) -> str:
    """Normalise one answer for matching (not for display).

    Steps: Unicode NFC; soft hyphens and zero-width characters removed; Latin look-alike
    letters inside Cyrillic words mapped to Cyrillic ("Aдминистрация" with a Latin ``A``);
    ``casefold``; "ѝ" -> "и" and "ё" -> "е"; typographic dashes -> "-"; a letter typed three or
    more times in a row collapsed to one ("мноооого" -> "много"); runs of whitespace -> one
    space. Missing values (``None``, ``NaN``, ``pd.NA``) give ``""``.

    Parameters
    ----------
    s : object
        The answer; non-strings are converted with ``str``.

    Returns
    -------
    str

    Examples
    --------
    >>> normalise("  Aдминистрацията   е  мноооого БАВНА ")
    'администрацията е много бавна'
    >>> normalise(None)
    ''
    """
    if s is None or (not isinstance(s, str) and pd.isna(s)):
        return ""
    out = unicodedata.normalize("NFC", str(s))
    out = _INVISIBLE.sub("", out)
    out = _WORD_WITH_LETTERS.sub(_fix_lookalikes, out)
    out = out.casefold().replace("ѝ", "и").replace("ё", "е")
    out = _DASHES.sub("-", out)
    out = _ELONGATION.sub(r"\1", out)
    return _SPACES.sub(" ", out).strip()


# Letters: Latin a-z plus Latin-1 accented letters and the Cyrillic block, after casefold.
_TOKEN = re.compile(r"[a-zà-ÿ\u0430-\u045f]+(?:-[a-zà-ÿ\u0430-\u045f]+)*")


def _load_stop_words() -> frozenset[str]:
    # stopwords-iso Bulgarian list (259 words), MIT, https://github.com/stopwords-iso/stopwords-bg,
    # bundled in the `stopwordsiso` wheel, so no download happens at run time.
    import stopwordsiso

    return frozenset(normalise(w) for w in stopwordsiso.stopwords("bg"))


STOP_WORDS: frozenset[str] = _load_stop_words()
"""Bulgarian stop words from stopwords-iso (``stopwordsiso.stopwords("bg")``), normalised."""


def tokens(s: object, *, drop_stop_words: bool = False) -> list[str]:
    """Split an answer into normalised word tokens.

    A token is a run of Cyrillic or Latin letters, optionally joined by hyphens
    ("е-услуги", "по-бързо"); digits and punctuation separate tokens.

    Parameters
    ----------
    s : object
        The answer (normalised first with :func:`normalise`).
    drop_stop_words : bool, default False
        Drop the words in :data:`STOP_WORDS`. Theme coding keeps them: the stopwords-iso list
        contains content words such as "време" (time) that matter for some themes.

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokens("По-бързо обслужване, моля!!!")
    ['по-бързо', 'обслужване', 'моля']
    >>> tokens("Да има повече информация", drop_stop_words=True)
    ['информация']
    """
    found = _TOKEN.findall(normalise(s))
    if drop_stop_words:
        found = [t for t in found if t not in STOP_WORDS]
    return found


@lru_cache(maxsize=1)
def _stemmer():
    from bulstem.stem import BulStemmer

    # Rule set with context 1 and minimum rule frequency 2: Nakov's recommended setting.
    return BulStemmer.from_file("stem-context-1", min_freq=2, left_context=1)


@lru_cache(maxsize=65536)
def _lemma(token: str) -> str:
    import simplemma

    if simplemma.is_known(token, lang="bg"):
        return simplemma.lemmatize(token, lang="bg").casefold()
    if _HAS_CYRILLIC.search(token):
        return _stemmer().stem(token)
    return token


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    return _stemmer().stem(token) if _HAS_CYRILLIC.search(token) else token


def lemmas(toks: Iterable[str]) -> list[str]:
    """Lemmatise tokens: simplemma's Bulgarian dictionary, BulStem stems for unknown words.

    Parameters
    ----------
    toks : iterable of str
        Tokens, normally from :func:`tokens`.

    Returns
    -------
    list of str
        One lemma (or, for words simplemma does not know, one BulStem stem) per token.

    Examples
    --------
    >>> lemmas(["общините", "опашки", "електронни"])
    ['община', 'опашка', 'електронен']
    """
    return [_lemma(t) for t in toks]


# ---------------------------------------------------------------------------------------------
# Theme dictionary
# ---------------------------------------------------------------------------------------------

NOT_CODED = "not_coded"
"""Column name of the bucket for answers that match no theme."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class _Term:
    text: str
    prefix: bool
    fuzzy_from: int = 6  # shortest prefix that tolerates one typo (5 inside multi-word patterns)

    def matches(self, variants: tuple[tuple[str, str, str], ...]) -> bool:
        """``variants`` = (token, lemma, stem) triples of one word (see :func:`_forms`)."""
        n = len(self.text)
        if self.prefix:
            if any(f.startswith(self.text) for v in variants for f in v):
                return True
            # One typo tolerated in long prefixes, compared with the written word form.
            # (typos in the first letter are rare; checking it first keeps coding fast)
            return n >= self.fuzzy_from and any(
                v[0][:1] == self.text[:1] and _close(v[0][: n + d], self.text)
                for v in variants
                for d in (-1, 0, 1)
            )
        exact = [f for v in variants for f in v[:2]]
        return self.text in exact or (
            n >= 7 and any(f[:1] == self.text[:1] and _close(f, self.text) for f in exact)
        )


def _close(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one edit (insert, delete, substitute, swap).

    Used to tolerate one typo in long words only (>= 6-7 letters), where a single edit rarely
    turns one Bulgarian word into another.
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@dataclass(frozen=True)
class Theme:
    """One theme: ``id``, bilingual ``label`` and its patterns.

    A pattern is one or more terms separated by spaces; a term ending in ``*`` matches any
    word form, lemma or stem that starts with it, other terms match a word form or lemma
    exactly. Multi-term patterns match consecutive words, stop words skipped.
    """

    id: str
    label: dict[str, str]
    patterns: tuple[tuple[_Term, ...], ...]
    description: dict[str, str] | None = None


@dataclass(frozen=True)
class ThemeSet:
    """The themes of one dictionary plus the label of the "not coded" bucket."""

    name: str
    title: dict[str, str]
    themes: tuple[Theme, ...]
    not_coded_label: dict[str, str]

    @property
    def ids(self) -> list[str]:
        """Theme ids in dictionary order, without the not-coded bucket.

        Examples
        --------
        >>> load_themes("recommendation_themes").ids[:2]
        ['e_services', 'transparency_information']
        """
        return [t.id for t in self.themes]

    def label(self, theme_id: str, lang: str = "en") -> str:
        """Label of a theme (or of :data:`NOT_CODED`) in ``lang`` ("bg" or "en").

        Examples
        --------
        >>> load_themes("recommendation_themes").label("not_coded", "bg")
        'Не е кодирано'
        """
        check_language(lang, where="theme label")
        if theme_id == NOT_CODED:
            return self.not_coded_label[lang]
        for t in self.themes:
            if t.id == theme_id:
                return t.label[lang]
        raise TextError(f"unknown theme {theme_id!r}; known: {', '.join(self.ids)}")

    def labels(self, lang: str = "en") -> dict[str, str]:
        """``{theme id: label}`` for every theme and the not-coded bucket.

        Examples
        --------
        >>> load_themes("recommendation_themes").labels("en")["e_services"]
        'E-services and online access'
        """
        return {i: self.label(i, lang) for i in [*self.ids, NOT_CODED]}


def _bilingual(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), str) and value[k].strip() for k in LANGUAGES
    ):
        raise CodebookError(f"{where}: needs a label with non-empty 'bg' and 'en' texts")
    return {"bg": value["bg"], "en": value["en"]}


def _parse_pattern(raw: object, where: str) -> tuple[_Term, ...]:
    if not isinstance(raw, str) or not normalise(raw):
        raise CodebookError(f"{where}: pattern must be a non-empty string, got {raw!r}")
    terms = []
    for word in normalise(raw).split(" "):
        prefix = word.endswith("*")
        core = word.rstrip("*")
        if not _TOKEN.fullmatch(core):
            raise CodebookError(f"{where}: pattern term {word!r} must be letters (and a final *)")
        terms.append(_Term(core, prefix))
    if len(terms) > 1:  # the neighbouring word makes a typo match safe for shorter prefixes
        terms = [_Term(t.text, t.prefix, fuzzy_from=5) for t in terms]
    return tuple(terms)


def load_themes(path_or_name: str | os.PathLike[str] = "recommendation_themes") -> ThemeSet:
    """Read a theme dictionary YAML.

    Parameters
    ----------
    path_or_name : str or path-like, default "recommendation_themes"
        A bare name is looked up as ``data/codebooks/<name>.yaml``; anything else is a path
        (relative paths resolved from the project root).

    Returns
    -------
    ThemeSet

    Raises
    ------
    CodebookError
        The file is missing or malformed (duplicate ids, missing labels, empty patterns).

    Examples
    --------
    >>> themes = load_themes("recommendation_themes")
    >>> themes.label("e_services", "bg")
    'Електронни услуги и онлайн достъп'
    """
    p = Path(path_or_name)
    if p.suffix == "" and len(p.parts) == 1:
        p = paths.codebook_dir() / f"{p.name}.yaml"
    p = paths.resolve(p)
    if not p.is_file():
        raise CodebookError(f"{p}: theme dictionary not found")
    try:
        doc = _yaml.load_file(p, name=str(p))
    except _yaml.YamlError as exc:
        raise CodebookError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("themes"), list) or not doc["themes"]:
        raise CodebookError(f"{p}: needs a non-empty 'themes' list")
    try:  # labels and title may name the region through the profile's {fields}
        doc = region_text.fill_texts(doc)
    except region_text.PlaceholderError as exc:
        raise CodebookError(f"{p.name}: {exc}") from None
    themes: list[Theme] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["themes"]):
        where = f"{p.name}: themes[{i}]"
        if not isinstance(entry, dict):
            raise CodebookError(f"{where}: must be a mapping")
        tid = entry.get("id")
        if not isinstance(tid, str) or not _ID.match(tid) or tid == NOT_CODED:
            raise CodebookError(
                f"{where}: id {tid!r} must match [a-z][a-z0-9_]* and not be {NOT_CODED!r}"
            )
        if tid in seen:
            raise CodebookError(f"{where}: duplicate theme id {tid!r}")
        seen.add(tid)
        pats = entry.get("patterns")
        if not isinstance(pats, list) or not pats:
            raise CodebookError(f"{where} ({tid}): needs a non-empty 'patterns' list")
        desc = entry.get("description")
        themes.append(
            Theme(
                id=tid,
                label=_bilingual(entry.get("label"), f"{where} ({tid})"),
                patterns=tuple(_parse_pattern(x, f"{where} ({tid})") for x in pats),
                description=_bilingual(desc, f"{where} ({tid}) description") if desc else None,
            )
        )
    return ThemeSet(
        name=str(doc.get("name", p.stem)),
        title=_bilingual(doc.get("title"), f"{p.name}: title"),
        themes=tuple(themes),
        not_coded_label=_bilingual(doc.get("not_coded"), f"{p.name}: not_coded"),
    )


_DOUBLED = re.compile(r"([^\W\d_])\1")


@lru_cache(maxsize=65536)
def _forms(token: str) -> tuple[tuple[str, str, str], ...]:
    """(token, lemma, stem) of a word, plus the same for variants people mean by it.

    Variants: the base word of a comparative ("по-бързо", "най-бързо" -> "бързо") and the
    word with a doubled letter undoubled ("ообщини" -> "общини", a common typo).
    """
    words = [token]
    for prefix in ("по-", "най-"):
        if token.startswith(prefix) and len(token) > len(prefix) + 1:
            words.append(token[len(prefix) :])
    words += [_DOUBLED.sub(r"\1", w) for w in words if _DOUBLED.search(w)]
    return tuple((w, _lemma(w), _stem(w)) for w in dict.fromkeys(words))


def _word_tokens(answer: object) -> list[tuple[str, bool]]:
    """(token, is stop word) for each token of an answer."""
    return [(t, t in STOP_WORDS) for t in tokens(answer)]


@functools.lru_cache(maxsize=8)
def _hits_table(terms: tuple[_Term, ...]) -> dict[str, frozenset[int]]:
    """The word -> matching term indices table of a dictionary's ``terms``, filled by
    :meth:`_Matcher.hits`. Which terms a word matches depends only on the terms, so the matchers
    of one dictionary (the waves, languages and tests that code with it) share one table."""
    return {}


class _Matcher:
    """Decides each (term, word) pair once per process: answers repeat the same words.

    The first time a word is seen, every distinct term of the dictionary is tried on it and
    the indices of the terms it matches are kept; a pattern is then a scan of set look-ups,
    and one whose first term matches no word of the answer is passed over at once.
    """

    def __init__(self, themes: ThemeSet) -> None:
        index: dict[tuple[str, bool, int], int] = {}
        self._terms: list[_Term] = []
        for theme in themes.themes:
            for pattern in theme.patterns:
                for term in pattern:
                    key = (term.text, term.prefix, term.fuzzy_from)
                    if key not in index:
                        index[key] = len(self._terms)
                        self._terms.append(term)
        #: per theme, its patterns as tuples of term indices
        self.themes = [[tuple(index[(t.text, t.prefix, t.fuzzy_from)] for t in pattern)
                        for pattern in theme.patterns] for theme in themes.themes]
        self._hits = _hits_table(tuple(self._terms))
        # a term matches a word only through a form (word, lemma or stem) that begins with the
        # term's first letter (prefix, exact and one-typo matches alike): try only those terms
        self._by_initial: dict[str, list[int]] = {}
        for i, term in enumerate(self._terms):
            self._by_initial.setdefault(term.text[:1], []).append(i)

    def hits(self, token: str) -> frozenset[int]:
        """Indices of the terms that match ``token``."""
        found = self._hits.get(token)
        if found is None:
            forms = _forms(token)
            initials = {"", *(form[:1] for variant in forms for form in variant)}
            candidates = sorted(i for initial in initials for i in self._by_initial.get(initial, ()))
            found = self._hits[token] = frozenset(
                i for i in candidates if self._terms[i].matches(forms))
        return found

    @staticmethod
    def pattern(pattern: tuple[int, ...], hits: list[frozenset[int]], stop: list[bool],
                seen: set[int]) -> bool:
        """True when the terms match consecutive words, stop words in between skipped.

        ``hits[i]`` are the terms word ``i`` matches, ``stop[i]`` whether it is a stop word and
        ``seen`` the union of ``hits``.
        """
        first, rest = pattern[0], pattern[1:]
        if first not in seen:
            return False
        n = len(hits)
        for start in range(n):
            if first not in hits[start]:
                continue
            j, ok = start, True
            for term in rest:
                j += 1
                while j < n and stop[j] and term not in hits[j]:
                    j += 1
                if j >= n or term not in hits[j]:
                    ok = False
                    break
            if ok:
                return True
        return False


def _is_missing(answer: object) -> bool:
    return answer is None or (not isinstance(answer, str) and pd.isna(answer)) or not tokens(answer)


# the bg and en runs of a study share it (ruse_research.memo); the lemmas and stems come from these
@memoized(libraries=("simplemma", "bulstem", "stopwordsiso"))
def code_answers(series: pd.Series, themes: ThemeSet) -> pd.DataFrame:
    """Code open answers into themes (multi-label).

    Parameters
    ----------
    series : pandas.Series
        One answer per respondent.
    themes : ThemeSet
        From :func:`load_themes`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``series``; one nullable-boolean column per theme id in dictionary
        order, then :data:`NOT_CODED` (True for an answer that matches no theme). Blank or
        missing answers (no letters at all) are ``<NA>`` in every column, so they drop out of
        shares.

    Examples
    --------
    >>> th = load_themes("recommendation_themes")
    >>> coded = code_answers(pd.Series(["Повече електронни услуги и по-кратки опашки", "", "Нищо"]), th)
    >>> coded.loc[0, ["e_services", "speed_queues_deadlines", "not_coded"]].tolist()
    [True, True, False]
    >>> bool(coded.loc[2, "not_coded"]), coded.loc[1, "not_coded"] is pd.NA
    (True, True)
    """
    if not isinstance(series, pd.Series):
        raise TextError(
            f"code_answers needs a pandas Series of answers, got {type(series).__name__}"
        )
    if not isinstance(themes, ThemeSet):
        raise TextError("code_answers needs a ThemeSet from text.load_themes")
    columns = [*themes.ids, NOT_CODED]
    rows = []
    matcher = _Matcher(themes)
    for answer in series.tolist():
        if _is_missing(answer):
            rows.append([pd.NA] * len(columns))
            continue
        words = _word_tokens(answer)
        hits = [matcher.hits(token) for token, _ in words]
        stop = [is_stop for _, is_stop in words]
        seen = set().union(*hits)
        found = [any(matcher.pattern(p, hits, stop, seen) for p in patterns)
                 for patterns in matcher.themes]
        rows.append([*found, not any(found)])
    return pd.DataFrame(rows, index=series.index, columns=columns, dtype="boolean")


def theme_frequencies(
    coded: pd.DataFrame, by: str | Sequence[str] | pd.Series | pd.DataFrame | None = None
) -> pd.DataFrame:
    """How many answers mention each theme, overall or by group.

    Parameters
    ----------
    coded : pandas.DataFrame
        Output of :func:`code_answers` (may carry extra columns used in ``by``).
    by : str, list of str, Series, DataFrame or None
        Grouping: column name(s) of ``coded`` or row-aligned Series/DataFrame.

    Returns
    -------
    pandas.DataFrame
        Tidy columns ``[*groups, "theme", "n", "n_answers", "share"]``: ``n`` answers coded
        with the theme, ``n_answers`` non-blank answers in the group, ``share = n / n_answers``.
        Sorted by group then theme in dictionary order. Apply
        :func:`ruse_research.stats.disclosure.suppress` before publishing.

    Examples
    --------
    >>> coded = pd.DataFrame({"a": [True, False, pd.NA], "not_coded": [False, True, pd.NA]},
    ...                      dtype="boolean")
    >>> theme_frequencies(coded)
           theme  n  n_answers  share
    0          a  1          2    0.5
    1  not_coded  1          2    0.5
    """
    theme_cols = [c for c in coded.columns if str(coded[c].dtype) == "boolean"]
    if NOT_CODED not in theme_cols:
        raise TextError(f"coded frame has no {NOT_CODED!r} column: pass the output of code_answers")
    if by is None:
        groups = pd.DataFrame(index=coded.index)
    elif isinstance(by, pd.Series):
        groups = by.to_frame(by.name if by.name is not None else "group")
    elif isinstance(by, pd.DataFrame):
        groups = by
    else:
        names = [by] if isinstance(by, str) else list(by)
        missing = [n for n in names if n not in coded.columns]
        if missing:
            raise TextError(f"grouping column(s) not in the coded frame: {', '.join(missing)}")
        groups = coded[names]
    if not groups.index.equals(coded.index):
        raise TextError("grouping is not row-aligned with the coded answers (different index)")
    group_cols = list(groups.columns)
    answered = coded[theme_cols[0]].notna()
    long = coded.loc[:, theme_cols].astype("Int64").fillna(0)
    long["_answered"] = answered.astype("int64")
    for g in group_cols:
        long[g] = groups[g]
    if group_cols:
        sums = long.groupby(group_cols, observed=True, sort=True, dropna=False).sum()
    else:
        sums = long.sum().to_frame().T
    out = []
    for key, row in sums.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        for theme in theme_cols:
            n_answers = int(row["_answered"])
            n = int(row[theme])
            rec = dict(zip(group_cols, key, strict=False)) if group_cols else {}
            rec.update(
                theme=theme,
                n=n,
                n_answers=n_answers,
                share=(n / n_answers) if n_answers else np.nan,
            )
            out.append(rec)
    result = pd.DataFrame(out, columns=[*group_cols, "theme", "n", "n_answers", "share"])
    return result.astype({"n": "int64", "n_answers": "int64", "share": "float64"})


def coding_agreement(auto: pd.DataFrame, manual: pd.DataFrame) -> pd.DataFrame:
    """Agreement between dictionary coding and a hand-coded sample, theme by theme.

    The usual check of a coding dictionary: a person codes a sample of answers by hand
    (same theme columns, True/False), and each theme's agreement is reported as percent
    agreement and Cohen's kappa (``statsmodels.stats.inter_rater.cohens_kappa``, with its
    asymptotic 95% CI), plus the dictionary's precision and recall against the hand coding.

    Parameters
    ----------
    auto : pandas.DataFrame
        Output of :func:`code_answers`.
    manual : pandas.DataFrame
        Hand coding of some of the same rows (index a subset of ``auto``'s), one boolean
        column per theme compared; rows with a missing value in either are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``["theme", "n", "both", "auto_only", "manual_only", "neither",
        "agreement", "kappa", "ci_low", "ci_high", "precision", "recall"]``, themes in
        ``manual``'s column order. ``kappa`` is NaN when both codings are constant (kappa is
        undefined); precision/recall are NaN when their denominator is 0.

    Examples
    --------
    >>> auto = pd.DataFrame({"a": [True] * 25 + [False] * 25}, dtype="boolean")
    >>> manual = pd.DataFrame({"a": [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15})
    >>> row = coding_agreement(auto, manual).iloc[0]
    >>> [round(float(row[c]), 3) for c in ("kappa", "agreement", "precision", "recall")]
    [0.4, 0.7, 0.8, 0.667]
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    missing = [c for c in manual.columns if c not in auto.columns]
    if missing:
        raise TextError(f"hand-coded theme(s) not in the dictionary coding: {', '.join(missing)}")
    if not manual.index.isin(auto.index).all():
        raise TextError("hand-coded rows must be rows of the dictionary coding (same index labels)")
    rows = []
    for theme in manual.columns:
        pair = pd.DataFrame({"auto": auto.loc[manual.index, theme], "manual": manual[theme]})
        pair = pair.dropna().astype(bool)
        both = int((pair["auto"] & pair["manual"]).sum())
        auto_only = int((pair["auto"] & ~pair["manual"]).sum())
        manual_only = int((~pair["auto"] & pair["manual"]).sum())
        neither = int((~pair["auto"] & ~pair["manual"]).sum())
        n = len(pair)
        kappa = low = high = np.nan
        table = np.array([[both, auto_only], [manual_only, neither]])
        expected = (
            (
                (both + auto_only) * (both + manual_only)
                + (manual_only + neither) * (auto_only + neither)
            )
            / n**2
            if n
            else 1.0
        )
        if expected < 1.0:  # kappa is undefined when both codings are constant
            result = cohens_kappa(table)
            kappa, low, high = float(result.kappa), float(result.kappa_low), float(result.kappa_upp)
        rows.append(
            {
                "theme": theme,
                "n": n,
                "both": both,
                "auto_only": auto_only,
                "manual_only": manual_only,
                "neither": neither,
                "agreement": (both + neither) / n if n else np.nan,
                "kappa": kappa,
                "ci_low": low,
                "ci_high": high,
                "precision": both / (both + auto_only) if both + auto_only else np.nan,
                "recall": both / (both + manual_only) if both + manual_only else np.nan,
            }
        )
    return pd.DataFrame(rows)
