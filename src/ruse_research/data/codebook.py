"""Load and check survey codebooks (``data/codebooks/<name>.yaml``).

A codebook describes one instrument: its items (the columns of every export), their
question wording in Bulgarian and English (naming the region through the profile's fields,
``{region}``, ``{region_centre}`` ...; :mod:`ruse_research.data.region_text`), the response
scales with their codes and labels, the multi-item constructs with reverse keys, and the codes that mean
"don't know" or "no answer". The YAML schema is documented in ``docs/ARCHITECTURE.md``;
:func:`load_codebook` checks a file against it thoroughly and raises one
:class:`~ruse_research.errors.CodebookError` that names the file, the item and what was
expected.

Examples
--------
>>> from ruse_research.data.codebook import load_codebook
>>> cb = load_codebook("tests/fixtures/io/survey.yaml")
>>> cb.id_column
'resp_id'
>>> cb.construct_items("trust")
['trust_1', 'trust_2', 'trust_3']
>>> cb.reverse_keyed("trust")
['trust_3']
>>> cb.value_labels("trust_1", "en")[5]
'Strongly agree'
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ruse_research import _yaml, paths
from ruse_research._yaml import YamlError
from ruse_research.errors import CodebookError, DataError, Problem
from ruse_research.i18n import LANGUAGES, check_language

LANGS = LANGUAGES
ITEM_TYPES = ("id", "ordinal", "nominal", "numeric", "integer", "text", "date")
CODED_TYPES = ("ordinal", "nominal")
"""Item types whose cells are codes of a response scale."""

_TOP_KEYS = {"instrument", "title", "id_column", "response_scales", "constructs", "items"}
_TOP_REQUIRED = ("instrument", "title", "id_column", "items")
_ITEM_KEYS = {
    "id", "type", "text", "response_scale", "construct", "reverse", "source",
    "groups", "waves", "mirror", "range", "required",
}
_SCALE_KEYS = {"values", "dont_know", "missing"}
#: ``values: profile.municipalities`` in a codebook: the codes and labels of the region profile.
_FROM_PROFILE = {"profile.municipalities": "municipalities", "profile.waves": "waves"}
_CONSTRUCT_KEYS = {"label", "source"}
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Labels = dict[str, str]
"""A text in both languages: ``{"bg": ..., "en": ...}``."""


@dataclass(frozen=True)
class Scale:
    """A reusable response scale: valid codes, "don't know" codes and missing codes.

    Each mapping goes from an integer code to its :data:`Labels`, sorted by code.
    """

    name: str
    values: dict[int, Labels]
    dont_know: dict[int, Labels] = field(default_factory=dict)
    missing: dict[int, Labels] = field(default_factory=dict)

    def all_codes(self) -> dict[int, Labels]:
        """Valid, then "don't know", then missing codes with their labels."""
        return {**self.values, **self.dont_know, **self.missing}


@dataclass(frozen=True)
class Construct:
    """A multi-item scale (for example ``att_benefit``) with its label and source."""

    id: str
    label: Labels
    source: str | None = None


@dataclass(frozen=True)
class Item:
    """One question, i.e. one column of every export of the instrument."""

    id: str
    type: str
    text: Labels
    response_scale: str | None = None
    construct: str | None = None
    reverse: bool = False
    source: str | None = None
    groups: tuple[str, ...] | None = None
    waves: tuple[int, ...] | None = None
    mirror: str | None = None
    range: tuple[float, float] | None = None
    required: bool = False


@dataclass(frozen=True)
class Codebook:
    """A checked codebook. Build it with :func:`load_codebook`.

    Attributes
    ----------
    instrument : str
        Short name of the instrument, equal to the file stem (``staff``).
    title : dict
        ``{"bg": ..., "en": ...}``.
    id_column : str
        The column holding the unique respondent id.
    scales : dict[str, Scale]
        Response scales by name.
    constructs : dict[str, Construct]
        Multi-item constructs by id, in file order.
    items : tuple[Item, ...]
        Items in codebook order (the column order of :func:`ruse_research.data.io.read_survey`).
    path : pathlib.Path
        The YAML file the codebook was read from.
    """

    instrument: str
    title: Labels
    id_column: str
    scales: dict[str, Scale]
    constructs: dict[str, Construct]
    items: tuple[Item, ...]
    path: Path

    # ----------------------------------------------------------------- look-ups
    @property
    def item_ids(self) -> list[str]:
        """Item ids (column names) in codebook order.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.item_ids[:3]
        ['resp_id', 'group', 'gender']
        """
        return [it.id for it in self.items]

    def item(self, item_id: str) -> Item:
        """Return the item called ``item_id``; :class:`CodebookError` if there is none.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> load_codebook("tests/fixtures/io/survey.yaml").item("age").range
        (18.0, 99.0)
        """
        for it in self.items:
            if it.id == item_id:
                return it
        hint = _did_you_mean(item_id, self.item_ids)
        raise CodebookError(f"{self.path.name}: no item {item_id!r}{hint}")

    def scale(self, item_id: str) -> Scale:
        """Return the response scale of a coded (ordinal/nominal) item.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.scale("trust_1").name
        'agree5'
        """
        it = self.item(item_id)
        if it.response_scale is None:
            raise CodebookError(
                f"{self.path.name}: item {item_id!r} is of type {it.type!r} and has no "
                "response scale; expected an ordinal or nominal item"
            )
        return self.scales[it.response_scale]

    def valid_codes(self, item_id: str) -> list[int]:
        """Codes that are substantive answers (not "don't know" or missing), ascending.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.valid_codes("gender")
        [1, 2, 3]
        """
        return list(self.scale(item_id).values)

    def dont_know_codes(self, item_id: str) -> list[int]:
        """Codes meaning "don't know / cannot judge", ascending.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.dont_know_codes("trust_1")
        [8]
        """
        return list(self.scale(item_id).dont_know)

    def missing_codes(self, item_id: str) -> list[int]:
        """Codes meaning "no answer" (read as ``<NA>``), ascending.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.missing_codes("trust_1")
        [9]
        """
        return list(self.scale(item_id).missing)

    # -------------------------------------------------------------- constructs
    def _construct(self, construct: str) -> Construct:
        if construct not in self.constructs:
            hint = _did_you_mean(construct, list(self.constructs))
            raise CodebookError(f"{self.path.name}: no construct {construct!r}{hint}")
        return self.constructs[construct]

    def construct_items(self, construct: str) -> list[str]:
        """Ids of the items of ``construct``, in codebook order.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.construct_items("info")
        ['info_1', 'info_2']
        """
        self._construct(construct)
        return [it.id for it in self.items if it.construct == construct]

    def reverse_keyed(self, construct: str) -> list[str]:
        """Ids of the reverse-keyed items of ``construct``, in codebook order.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.reverse_keyed("trust")
        ['trust_3']
        """
        self._construct(construct)
        return [it.id for it in self.items if it.construct == construct and it.reverse]

    def construct_label(self, construct: str, lang: str) -> str:
        """Label of ``construct`` in ``lang`` (``"bg"`` or ``"en"``).

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.construct_label("trust", "bg")
        'Доверие'
        """
        return self._construct(construct).label[_lang(lang)]

    # ------------------------------------------------------------------ labels
    def label(self, item_id: str, lang: str) -> str:
        """Question text of ``item_id`` in ``lang``.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.label("age", "en")
        'Age'
        """
        return self.item(item_id).text[_lang(lang)]

    def value_labels(self, item_id: str, lang: str) -> dict[int, str]:
        """``{code: label}`` of a coded item: valid codes, then "don't know", then missing.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> load_codebook("tests/fixtures/io/survey.yaml").value_labels("gender", "en")
        {1: 'Woman', 2: 'Man', 3: 'Other', 9: 'No answer'}
        """
        lang = _lang(lang)
        return {code: labels[lang] for code, labels in self.scale(item_id).all_codes().items()}

    def labelled(self, df: pd.DataFrame, lang: str) -> pd.DataFrame:
        """Copy of ``df`` where each coded column holds its labels as a Categorical.

        Ordinal items become *ordered* Categoricals (categories in code order: valid codes,
        then "don't know"); nominal items keep that category order but are unordered,
        because their order carries no meaning. Missing codes ("no answer"), which
        :func:`~ruse_research.data.io.read_survey` already turns into ``<NA>``, become NaN
        here too. Other columns, and columns the codebook
        does not know, are copied unchanged. A code the scale does not define raises
        :class:`~ruse_research.errors.DataError`.

        Examples
        --------
        >>> import pandas as pd
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> df = pd.DataFrame({"trust_1": pd.array([5, 1, None], dtype="Int64")})
        >>> cb.labelled(df, "en")["trust_1"].tolist()
        ['Strongly agree', 'Strongly disagree', nan]
        """
        lang = _lang(lang)
        out = df.copy()
        problems: list[Problem] = []
        known = {it.id: it for it in self.items}
        for column in df.columns:
            it = known.get(column)
            if it is None or it.type not in CODED_TYPES:
                continue
            scale = self.scales[it.response_scale]  # type: ignore[index]
            mapping = {code: lab[lang] for code, lab in scale.all_codes().items()}
            categories = [scale.values[c][lang] for c in scale.values]
            categories += [scale.dont_know[c][lang] for c in scale.dont_know]
            codes = df[column]
            for value in codes:
                if not pd.isna(value) and value not in mapping:
                    problems.append(
                        Problem("DataFrame", None, column, _plain(value),
                                f"a code of scale {scale.name!r}: {sorted(mapping)}")
                    )
                    break
            # Missing codes ("no answer") are not categories: they become NaN.
            labels = [None if pd.isna(v) or v in scale.missing else mapping[v] for v in codes
                      if pd.isna(v) or v in mapping]
            if len(labels) != len(codes):  # an unknown code was reported above
                continue
            out[column] = pd.Categorical(
                labels, categories=categories, ordered=it.type == "ordinal"
            )
        if problems:
            raise DataError(problems)
        return out

    # --------------------------------------------------- groups, mirror, source
    def mirror_pairs(self, target: Codebook | None = None) -> dict[str, str]:
        """``{item: mirrored item}`` for items that repeat an item of another instrument.

        In the stakeholder codebook this maps each stakeholder item to the identically
        worded staff item. With ``target`` (e.g. the staff codebook), each mirrored id is
        checked to exist there and to use the same response scale.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> load_codebook("tests/fixtures/io/survey.yaml").mirror_pairs()
        {'info_1': 'staff_info_1'}
        """
        pairs = {it.id: it.mirror for it in self.items if it.mirror is not None}
        if target is not None:
            for own, other in pairs.items():
                if other not in target.item_ids:
                    raise CodebookError(
                        f"{self.path.name}: item {own!r} mirrors {other!r}; expected an item "
                        f"of {target.path.name}{_did_you_mean(other, target.item_ids)}"
                    )
                mine, theirs = self.item(own), target.item(other)
                if mine.response_scale and mine.response_scale != theirs.response_scale:
                    raise CodebookError(
                        f"{self.path.name}: item {own!r} uses scale {mine.response_scale!r} "
                        f"but mirrors {other!r} of {target.path.name} with scale "
                        f"{theirs.response_scale!r}; expected the same scale"
                    )
        return pairs

    def groups(self) -> list[str]:
        """Every respondent group named by some item's ``groups``, sorted.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.groups()
        ['business', 'citizen', 'ngo']
        """
        return sorted({g for it in self.items for g in (it.groups or ())})

    def items_for_group(self, group: str) -> list[str]:
        """Ids of the items asked of ``group`` (items without ``groups`` are asked of all).

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> [i for i in cb.items_for_group("ngo") if i.startswith("info")]
        ['info_2']
        """
        known = self.groups()
        if known and group not in known:
            raise CodebookError(
                f"{self.path.name}: unknown group {group!r}; expected one of {', '.join(known)}"
            )
        return [it.id for it in self.items if it.groups is None or group in it.groups]

    def source(self, item_id: str) -> str | None:
        """Where the item comes from: its own ``source``, else its construct's, else None.

        Examples
        --------
        >>> from ruse_research.data.codebook import load_codebook
        >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
        >>> cb.source("trust_3"), cb.source("info_1")
        ('new', 'new')
        """
        it = self.item(item_id)
        if it.source is not None:
            return it.source
        if it.construct is not None:
            return self.constructs[it.construct].source
        return None


# ====================================================================== loading
def codebook_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Where :func:`load_codebook` looks for ``name_or_path``.

    A bare name (no folder, no suffix) means ``data/codebooks/<name>.yaml`` under the
    project root; any other relative path is resolved from the project root
    (:func:`ruse_research.paths.resolve`), never from the current directory.

    Examples
    --------
    >>> from ruse_research.data.codebook import codebook_path
    >>> codebook_path("staff").parts[-3:]
    ('data', 'codebooks', 'staff.yaml')
    """
    text = os.fspath(name_or_path)
    p = Path(text)
    if not p.suffix and len(p.parts) == 1:
        return paths.codebook_dir() / f"{text}.yaml"
    return paths.resolve(p)


def load_codebook(name_or_path: str | os.PathLike[str] | Codebook, profile: Any = None) -> Codebook:
    """Read and check a codebook.

    Parameters
    ----------
    name_or_path : str, path or Codebook
        ``"staff"`` for ``data/codebooks/staff.yaml``, or the path of a YAML file (see
        :func:`codebook_path`). A :class:`Codebook` is returned unchanged.
    profile : str or Profile, optional
        The region profile whose municipalities/waves fill ``values: profile.municipalities``
        (``profile.waves``) scales and whose fields fill ``{region}``, ``{region_centre}`` ...
        in every text (:mod:`ruse_research.data.region_text`); default the active one
        (:mod:`ruse_research.data.profile`).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        The file is missing, is not valid YAML, or breaks the schema. The one-line message
        names the file, the item (or scale/construct) and what was expected; when there
        are several problems they are all listed, separated by ``;``.

    Examples
    --------
    >>> from ruse_research.data.codebook import load_codebook
    >>> cb = load_codebook("tests/fixtures/io/survey.yaml")
    >>> cb.instrument, len(cb.items)
    ('survey', 14)
    """
    if isinstance(name_or_path, Codebook):
        return name_or_path
    path = codebook_path(name_or_path)
    if not path.is_file():
        raise CodebookError(f"{path}: no such codebook file; expected a YAML codebook")
    try:
        raw = _yaml.load_file(path, kind="codebook")
    except YamlError as err:  # duplicate key, invalid YAML, not UTF-8, unreadable: one line
        raise CodebookError(str(err)) from None
    return _Builder(path, profile).build(raw)


_UNREAD = object()  # the builder has not looked up its region profile yet


class _Builder:
    """Turns parsed YAML into a :class:`Codebook`, collecting every schema problem."""

    def __init__(self, path: Path, profile: Any = None):
        self.profile = profile
        self.path = path
        self.problems: list[str] = []
        self._region: Any = _UNREAD

    def region_text(self, where: str, text: str, lang: str, what: str) -> str:
        """``text`` with the region profile's ``{fields}`` filled in (:mod:`.region_text`)."""
        if "{" not in text:
            return text
        from ruse_research.data import region_text

        if self._region is _UNREAD:
            self._region = region_text.ACTIVE if self.profile is None else self.profile
        try:
            return region_text.fill(text, lang, self._region)
        except region_text.PlaceholderError as exc:
            self.fail(where, f"{what} '{lang}': {exc}")
            return text

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    # ---------------------------------------------------------- small checks
    def labels(self, where: str, value: Any, what: str) -> Labels:
        if not isinstance(value, dict):
            self.fail(where, f"{what} is {value!r}; expected a mapping with 'bg' and 'en' texts")
            return {lang: "" for lang in LANGS}
        for lang in LANGS:
            text = value.get(lang)
            if isinstance(text, bool) or text is None and lang in value:
                self.fail(
                    where,
                    f"{what} '{lang}' is {text!r}; expected text in quotes "
                    "(YAML reads unquoted yes/no/on/off/null as booleans or null)",
                )
            elif lang not in value:
                self.fail(where, f"{what} has no '{lang}' text; expected both 'bg' and 'en'")
            elif not isinstance(text, str) or not text.strip():
                self.fail(where, f"{what} '{lang}' is {text!r}; expected non-empty text")
        extra = sorted(str(k) for k in value if k not in LANGS)
        if extra:
            self.fail(where, f"{what} has unknown language(s) {extra}; expected only 'bg' and 'en'")
        return {lang: self.region_text(where, str(value.get(lang, "")), lang, what) for lang in LANGS}

    def keys(self, where: str, mapping: dict, allowed: set[str]) -> None:
        for key in mapping:
            if key not in allowed:
                hint = _did_you_mean(str(key), sorted(allowed))
                self.fail(where, f"unknown key {key!r}{hint}; expected one of {sorted(allowed)}")

    def name(self, where: str, value: Any, what: str) -> bool:
        if not isinstance(value, str) or not _NAME_RE.match(value):
            self.fail(where, f"{what} {value!r}; expected a name of letters, digits and _")
            return False
        return True

    # ------------------------------------------------------------- sections
    def build(self, raw: Any) -> Codebook:
        name = self.path.name
        if not isinstance(raw, dict):
            raise CodebookError(
                f"{name}: the file holds {type(raw).__name__ if raw is not None else 'nothing'}; "
                "expected a mapping with instrument, title, id_column, response_scales, "
                "constructs and items"
            )
        self.keys("", raw, _TOP_KEYS)
        for key in _TOP_REQUIRED:
            if key not in raw:
                self.fail("", f"missing key {key!r}")
        instrument = raw.get("instrument")
        if "instrument" in raw and instrument != self.path.stem:
            self.fail("", f"instrument is {instrument!r}; expected {self.path.stem!r} (the file name)")
        title = self.labels("title", raw.get("title"), "title") if "title" in raw else {}
        scales = self.scales(raw.get("response_scales") or {})
        constructs = self.constructs(raw.get("constructs") or {})
        items = self.items(raw.get("items"), scales, constructs)
        id_column = raw.get("id_column")
        ids = {it.id: it for it in items}
        if "id_column" in raw:
            if id_column not in ids:
                self.fail("", f"id_column {id_column!r} is not an item; expected the id of an "
                              f"item of type 'id'{_did_you_mean(str(id_column), list(ids))}")
            elif ids[id_column].type != "id":
                self.fail(f"item {id_column!r}", f"is the id_column but has type "
                          f"{ids[id_column].type!r}; expected type 'id'")
        for it in items:
            if it.type == "id" and it.id != id_column:
                self.fail(f"item {it.id!r}", f"has type 'id' but id_column is {id_column!r}; "
                          "expected exactly one id item, named by id_column")
        used = {it.construct for it in items}
        for cid in constructs:
            if cid not in used:
                self.fail(f"construct {cid!r}", "no item uses it; expected at least one item "
                          f"with construct: {cid}")
                continue
            # Scoring and reverse keys (low + high - x) need one scale per construct.
            kinds = sorted({(it.type, it.response_scale or "") for it in items
                            if it.construct == cid
                            and (it.response_scale is None or it.response_scale in scales)})
            if len(kinds) > 1:
                shown = ", ".join(f"{t} {s}".strip() for t, s in kinds)
                self.fail(f"construct {cid!r}", f"its items mix {shown}; expected every item "
                          "of a construct of one type on one response scale")
        if self.problems:
            shown = self.problems[:12]
            more = len(self.problems) - len(shown)
            tail = f"; and {more} more" if more else ""
            count = f"{len(self.problems)} problems: " if len(self.problems) > 1 else ""
            error = CodebookError(f"{name}: {count}{'; '.join(shown)}{tail}")
            error.problems = list(self.problems)  # type: ignore[attr-defined]
            raise error
        return Codebook(
            instrument=str(instrument),
            title=title,
            id_column=str(id_column),
            scales=scales,
            constructs=constructs,
            items=tuple(items),
            path=self.path,
        )

    def codes(self, where: str, value: Any, what: str, required: bool) -> dict[int, Labels]:
        if value is None and not required:
            return {}
        if isinstance(value, str) and value in _FROM_PROFILE:
            # the region's municipalities or waves, read from the active region profile
            from ruse_research.data import profile

            region = self.profile if isinstance(self.profile, profile.Profile) else profile.load(self.profile)
            return {x.code if hasattr(x, "code") else x.wave: self.labels(where, x.labels, what)
                    for x in getattr(region, _FROM_PROFILE[value])}
        if not isinstance(value, dict) or (required and not value):
            self.fail(where, f"{what} is {value!r}; expected a mapping of integer codes to "
                             "{bg, en} labels")
            return {}
        out: dict[int, Labels] = {}
        for code, labels in value.items():
            if isinstance(code, bool) or not isinstance(code, int):
                self.fail(where, f"{what} code {code!r}; expected a whole number such as 1")
                continue
            out[code] = self.labels(where, labels, f"{what} code {code} label")
        return dict(sorted(out.items()))

    def scales(self, raw: Any) -> dict[str, Scale]:
        if not isinstance(raw, dict):
            self.fail("response_scales", f"is {raw!r}; expected a mapping of scale names")
            return {}
        scales: dict[str, Scale] = {}
        for sname, body in raw.items():
            where = f"response scale {sname!r}"
            if not self.name(where, sname, "name"):
                continue
            if not isinstance(body, dict):
                self.fail(where, f"is {body!r}; expected a mapping with values (and "
                                 "optionally dont_know, missing)")
                continue
            self.keys(where, body, _SCALE_KEYS)
            values = self.codes(where, body.get("values"), "values", required=True)
            dont_know = self.codes(where, body.get("dont_know"), "dont_know", required=False)
            missing = self.codes(where, body.get("missing"), "missing", required=False)
            for a, b, amap, bmap in (
                ("values", "dont_know", values, dont_know),
                ("values", "missing", values, missing),
                ("dont_know", "missing", dont_know, missing),
            ):
                both = sorted(set(amap) & set(bmap))
                if both:
                    self.fail(where, f"code(s) {both} are in both {a} and {b}; "
                                     "expected each code in one place")
            scales[sname] = Scale(sname, values, dont_know, missing)
        return scales

    def constructs(self, raw: Any) -> dict[str, Construct]:
        if not isinstance(raw, dict):
            self.fail("constructs", f"is {raw!r}; expected a mapping of construct ids")
            return {}
        out: dict[str, Construct] = {}
        for cid, body in raw.items():
            where = f"construct {cid!r}"
            if not self.name(where, cid, "id"):
                continue
            if not isinstance(body, dict):
                self.fail(where, f"is {body!r}; expected a mapping with label and source")
                continue
            self.keys(where, body, _CONSTRUCT_KEYS)
            label = self.labels(where, body.get("label"), "label")
            source = body.get("source")
            if source is not None and not isinstance(source, str):
                self.fail(where, f"source is {source!r}; expected text")
                source = None
            out[cid] = Construct(cid, label, source)
        return out

    def items(self, raw: Any, scales: dict[str, Scale], constructs: dict[str, Construct]):
        if not isinstance(raw, list) or not raw:
            self.fail("items", f"is {raw!r}; expected a non-empty list of items")
            return []
        items: list[Item] = []
        first_seen: dict[str, int] = {}
        for number, body in enumerate(raw, start=1):
            if not isinstance(body, dict) or "id" not in body:
                self.fail(f"item #{number}", f"is {_short(body)}; expected a mapping with id, "
                          "type, text")
                continue
            iid = body["id"]
            where = f"item {iid!r}"
            if not self.name(where, iid, "id"):
                continue
            if iid in first_seen:
                self.fail(where, f"duplicate item id (items #{first_seen[iid]} and #{number}); "
                                 "expected unique ids")
                continue
            first_seen[iid] = number
            item = self.item(where, body, scales, constructs)
            if item is not None:
                items.append(item)
        return items

    def item(self, where: str, body: dict, scales: dict[str, Scale],
             constructs: dict[str, Construct]) -> Item | None:
        self.keys(where, body, _ITEM_KEYS)
        itype = body.get("type")
        if itype not in ITEM_TYPES:
            self.fail(where, f"type {itype!r}{_did_you_mean(str(itype), list(ITEM_TYPES))}; "
                             f"expected one of {', '.join(ITEM_TYPES)}")
            return None
        text = self.labels(where, body.get("text"), "text")
        scale = body.get("response_scale")
        if itype in CODED_TYPES:
            if scale is None:
                self.fail(where, f"is {itype} but has no response_scale; expected one of "
                                 f"{', '.join(scales) or '(no scales defined)'}")
            elif scale not in scales:
                self.fail(where, f"response_scale {scale!r} does not exist"
                                 f"{_did_you_mean(str(scale), list(scales))}; "
                                 f"expected one of {', '.join(scales) or '(no scales defined)'}")
        elif scale is not None:
            self.fail(where, f"has response_scale {scale!r} but type {itype!r}; expected "
                             "response_scale only on ordinal or nominal items")
            scale = None
        construct = body.get("construct")
        if construct is not None and construct not in constructs:
            self.fail(where, f"construct {construct!r} is not defined"
                             f"{_did_you_mean(str(construct), list(constructs))}; expected one of "
                             f"{', '.join(constructs) or '(no constructs defined)'}")
        reverse = body.get("reverse", False)
        if not isinstance(reverse, bool):
            self.fail(where, f"reverse is {reverse!r}; expected true or false")
            reverse = False
        elif reverse and construct is None:
            self.fail(where, "is reverse keyed but belongs to no construct; expected a construct")
        elif reverse and itype != "ordinal" and body.get("range") is None:
            self.fail(where, f"is reverse keyed but of type {itype!r} without range; expected an "
                             "ordinal item or a range to reverse within")
        required = body.get("required", False)
        if not isinstance(required, bool):
            self.fail(where, f"required is {required!r}; expected true or false")
            required = False
        source = body.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            self.fail(where, f"source is {source!r}; expected text (or \"new\")")
            source = None
        groups = body.get("groups")
        if groups is not None:
            if (not isinstance(groups, list) or not groups
                    or not all(isinstance(g, str) and _NAME_RE.match(g) for g in groups)
                    or len(set(groups)) != len(groups)):
                self.fail(where, f"groups is {groups!r}; expected a non-empty list of distinct "
                                 "group names such as [citizen, ngo]")
                groups = None
            else:
                groups = tuple(groups)
        waves = body.get("waves")
        if waves is not None:
            if (not isinstance(waves, list) or not waves
                    or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1
                               for w in waves)
                    or len(set(waves)) != len(waves)):
                self.fail(where, f"waves is {waves!r}; expected a non-empty list of distinct "
                                 "wave numbers such as [1, 2]")
                waves = None
            else:
                waves = tuple(waves)
        mirror = body.get("mirror")
        if mirror is not None and not (isinstance(mirror, str) and _NAME_RE.match(mirror)):
            self.fail(where, f"mirror is {mirror!r}; expected the id of one item of the "
                             "mirrored instrument")
            mirror = None
        bounds = body.get("range")
        if bounds is not None:
            if itype not in ("numeric", "integer"):
                self.fail(where, f"has range but type {itype!r}; expected range only on "
                                 "numeric or integer items")
                bounds = None
            elif (not isinstance(bounds, list) or len(bounds) != 2
                  or not all(isinstance(b, int | float) and not isinstance(b, bool)
                             for b in bounds)
                  or bounds[0] > bounds[1]):
                self.fail(where, f"range is {bounds!r}; expected [low, high] numbers with "
                                 "low <= high")
                bounds = None
            else:
                bounds = (float(bounds[0]), float(bounds[1]))
        return Item(
            id=body["id"], type=itype, text=text, response_scale=scale, construct=construct,
            reverse=reverse, source=source, groups=groups, waves=waves, mirror=mirror,
            range=bounds, required=required,
        )


# ====================================================================== helpers
def _lang(lang: str) -> str:
    return check_language(lang)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (for readable messages)."""
    return value.item() if hasattr(value, "item") else value


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
