"""Region profiles: the administration, its region and its project, read from data.

A profile is one YAML file, ``data/regions/<id>/profile.yaml``. It names the administration
and region in both languages, the municipalities with their codes, the waves, the margins
file, the sentences about sampling and reference data that reports state, and the project
identity shown in every report's title block. Nothing of one region is written in the code:
the bundled demonstration study is the profile ``ruse``.

The active profile is, in order: the ``name`` given to :func:`load`; the
``RUSE_RESEARCH_PROFILE`` environment variable (an id under ``data/regions/`` or a path to a
profile file); ``ruse``.

A profile also says where its files are: ``data_dir`` (its exports; default ``data/raw``) and
``margins`` (default ``data/reference/population_margins.csv``). A run parameter that names a
default location is read from the profile's own (:meth:`Profile.data_path`), so
``params/*.yaml`` and the notebooks stay the same for every region. Its ``demo`` section holds
the settings of the synthetic generator (:mod:`ruse_research.synthetic`).

Examples
--------
>>> p = load("ruse")
>>> p.id, p.text("administration", "en").startswith("Regional Administration")
('ruse', True)
>>> [m.code for m in p.municipalities][:3]
[1, 2, 3]
>>> p.municipality_label(2, "bg") == p.municipalities[1].label("bg")
True
>>> [w.wave for w in p.waves], all(w.year for w in p.waves)
([1, 2], True)
>>> p.data_path("data/raw/staff.csv")
'data/raw/staff.csv'
>>> load("atlantis")
Traceback (most recent call last):
...
ruse_research.data.profile.ProfileError: profile 'atlantis': no file data/regions/atlantis/profile.yaml; expected the id of a folder under data/regions/ (one of: ...) or a path to a profile.yaml
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruse_research import _yaml, paths
from ruse_research.errors import RuseError
from ruse_research.i18n import LANGUAGES

PROFILE_ENV = paths.PROFILE_ENV
DEFAULT_PROFILE = "ruse"
REGIONS_DIR = "data/regions"
#: The locations run parameters name by default; a profile may put its files elsewhere.
DEFAULT_DATA_DIR = "data/raw"
DEFAULT_MARGINS = "data/reference/population_margins.csv"

#: Keys a profile must give in every language.
TEXT_KEYS = ("administration", "administration_short", "region", "region_centre")
PROJECT_TEXT_KEYS = ("title", "beneficiary", "partner", "programme")


class ProfileError(RuseError):
    """A region profile that cannot be found or is incomplete."""


@dataclass(frozen=True)
class Municipality:
    code: int
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        return self.labels[lang]


@dataclass(frozen=True)
class Wave:
    wave: int
    year: int | None
    labels: dict[str, str]
    #: First and last fieldwork day (ISO dates), if the profile gives them.
    fieldwork: tuple[str, str] | None = None

    def label(self, lang: str) -> str:
        return self.labels[lang]


@dataclass(frozen=True)
class Profile:
    """One administration's study identity, as read from its ``profile.yaml``."""

    id: str
    source: Path
    texts: dict[str, dict[str, str]]
    municipalities: tuple[Municipality, ...]
    waves: tuple[Wave, ...]
    margins: str | None
    sampling: dict[str, dict[str, str]] = field(default_factory=dict)
    project: dict[str, Any] = field(default_factory=dict)
    data_dir: str = DEFAULT_DATA_DIR
    margins_notes: str | None = None
    demo: dict[str, Any] = field(default_factory=dict)

    def data_path(self, value: str) -> str:
        """Where a run reads ``value``: the default locations mapped to this profile's own.

        ``data/raw/<file>`` becomes ``<data_dir>/<file>`` and the default margins file becomes
        :attr:`margins`; every other path is returned unchanged.
        """
        text = str(value).replace("\\", "/")
        if self.margins and text == DEFAULT_MARGINS:
            return self.margins
        prefix = DEFAULT_DATA_DIR + "/"
        if text.rstrip("/") == DEFAULT_DATA_DIR:
            return self.data_dir
        if text.startswith(prefix) and self.data_dir != DEFAULT_DATA_DIR:
            return f"{self.data_dir.rstrip('/')}/{text[len(prefix):]}"
        return str(value)

    def text(self, key: str, lang: str) -> str:
        """A name of the administration or region (``TEXT_KEYS``) in ``lang``."""
        return self.texts[key][lang]

    def municipality_label(self, code: int, lang: str) -> str:
        for m in self.municipalities:
            if m.code == code:
                return m.label(lang)
        raise ProfileError(f"{self.source}: municipality code {code!r} is not listed; expected one of "
                           f"{', '.join(str(m.code) for m in self.municipalities)}")

    def project_text(self, key: str, lang: str) -> str:
        """A project field given per language (title, beneficiary, ...) in ``lang``; '' if absent."""
        value = self.project.get(key)
        if isinstance(value, dict):
            return str(value.get(lang, ""))
        return "" if value is None else str(value)

    def placeholders(self, lang: str) -> dict[str, str]:
        """The profile's names as ``str.format`` fields for a language catalog."""
        out = {key: self.text(key, lang) for key in TEXT_KEYS}
        out.update({f"project_{key}": self.project_text(key, lang) for key in PROJECT_TEXT_KEYS})
        out["project_code"] = self.project_text("code", lang)
        for w in self.waves:
            out[f"wave_{w.wave}_year"] = "" if w.year is None else str(w.year)
        out["n_municipalities"] = str(len(self.municipalities))
        out["margins_file"] = self.margins or ""
        out["margins_notes"] = self.margins_notes or self.margins or ""
        for key, value in self.sampling.items():
            out[f"sampling_{key}"] = value[lang]
        return out


def load_if_any() -> Profile | None:
    """The active profile, or ``None`` in a project without one (no ``RUSE_RESEARCH_PROFILE``
    and no ``data/regions/ruse/profile.yaml``): the runner then leaves paths and titles as given.
    A project with no ``data/regions/`` at all (a test fixture, a body that needs no profile)
    has none either, whatever the environment says; in a project with profiles, one named by
    the environment variable that cannot be found is an error.
    """
    if not paths.resolve(REGIONS_DIR).is_dir():
        return None
    if not os.environ.get(PROFILE_ENV) and not paths.resolve(f"{REGIONS_DIR}/{DEFAULT_PROFILE}/profile.yaml").is_file():
        return None
    return load()


def selector() -> str | None:
    """What selects the active profile again (``RUSE_RESEARCH_PROFILE``): its id when it is a
    folder under ``data/regions/``, else its file's path from the project root; ``None`` in a
    project without profiles, and for a profile file outside the project (its local path would
    select nothing on another machine). An executed notebook records it
    (``metadata.ruse.profile``) so that nbval re-executes it under the profile its stored
    outputs were written with.

    >>> selector() == load().id
    True
    """
    if load_if_any() is None:
        return None
    path = profile_path().resolve()
    if path.name == "profile.yaml" and path.parent.parent == paths.resolve(REGIONS_DIR).resolve():
        return path.parent.name
    try:
        return path.relative_to(paths.project_root().resolve()).as_posix()
    except ValueError:
        return None


def resolve(path: str | os.PathLike[str]) -> Path:
    """The file a study reads for ``path``: :func:`ruse_research.paths.resolve` of the active
    profile's own location when ``path`` is a default one (``data/raw/...``, the default margins
    file; see :meth:`Profile.data_path`), so a notebook opened in JupyterLab, a test and the
    runner read the same files for the same profile.
    """
    region = load_if_any()
    text = os.fspath(path)
    return paths.resolve(region.data_path(text) if region is not None else text)


def place_names(lang: str = "bg") -> list[str]:
    """Names of the region centres and municipalities of every profile under ``data/regions/``
    and of the active one, longest first (place names that are not personal names).

    A profile that cannot be read is skipped here; :func:`load` reports it.
    """
    profiles = []
    for name in [*_available(), None]:
        try:
            profiles.append(load(name))
        except (ProfileError, OSError, ValueError):  # reported by load() where it matters
            continue
    names = {p.text("region_centre", lang) for p in profiles}
    names.update(m.label(lang) for p in profiles for m in p.municipalities)
    return sorted(names, key=lambda n: (-len(n), n))


def _available() -> list[str]:
    base = paths.resolve(REGIONS_DIR)
    return sorted(p.parent.name for p in base.glob("*/profile.yaml")) if base.is_dir() else []


def profile_path(name: str | os.PathLike[str] | None = None) -> Path:
    """The file of profile ``name`` (an id or a path), of the environment's, or of ``ruse``."""
    name = name if name is not None else (os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE)
    text = os.fspath(name)
    if text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:
        path = paths.resolve(text)
        if path.is_dir():
            path = path / "profile.yaml"
    else:
        path = paths.resolve(f"{REGIONS_DIR}/{text}/profile.yaml")
    if not path.is_file():
        where = text if text.endswith((".yaml", ".yml")) else f"{REGIONS_DIR}/{text}/profile.yaml"
        raise ProfileError(f"profile {text!r}: no file {where}; expected the id of a folder under "
                           f"{REGIONS_DIR}/ (one of: {', '.join(_available()) or 'none'}) or a path to a profile.yaml")
    return path


def _texts(raw: dict, key: str, where: str) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value.get(lang)
                                          for lang in LANGUAGES):
        raise ProfileError(f"{where}: {key!r} must give a text in each of {', '.join(LANGUAGES)}; "
                           f"found {value!r}")
    return {lang: value[lang] for lang in LANGUAGES}


def load(name: str | os.PathLike[str] | None = None) -> Profile:
    """Read and check a profile (see the module docstring for which one)."""
    path = profile_path(name)
    try:
        where = path.relative_to(paths.project_root()).as_posix()
    except ValueError:
        where = str(path)
    raw = _yaml.load_file(path, dates=False, kind="profile")
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: expected a mapping of profile fields, found {type(raw).__name__}")
    texts = {key: _texts(raw, key, where) for key in TEXT_KEYS}
    munis = []
    for i, m in enumerate(raw.get("municipalities") or [], start=1):
        if not isinstance(m, dict) or not isinstance(m.get("code"), int):
            raise ProfileError(f"{where}: municipalities[{i}]: expected {{code: <integer>, bg: ..., en: ...}}, found {m!r}")
        missing = [lang for lang in LANGUAGES if not m.get(lang)]
        if missing:
            raise ProfileError(f"{where}: municipalities[{i}] (code {m['code']}): no label in {', '.join(missing)}")
        munis.append(Municipality(m["code"], {lang: str(m[lang]) for lang in LANGUAGES}))
    if not munis:
        raise ProfileError(f"{where}: 'municipalities' is empty; expected at least one {{code, bg, en}}")
    codes = [m.code for m in munis]
    if len(set(codes)) != len(codes):
        raise ProfileError(f"{where}: municipality codes repeat ({codes}); expected each code once")
    waves = []
    for i, w in enumerate(raw.get("waves") or [], start=1):
        if not isinstance(w, dict) or not isinstance(w.get("wave"), int):
            raise ProfileError(f"{where}: waves[{i}]: expected {{wave: <integer>, year: ..., bg: ..., en: ...}}, found {w!r}")
        fieldwork = w.get("fieldwork")
        if fieldwork is not None and (not isinstance(fieldwork, list) or len(fieldwork) != 2):
            raise ProfileError(f"{where}: waves[{i}].fieldwork: expected [first day, last day] as "
                               f"ISO dates, found {fieldwork!r}")
        waves.append(Wave(w["wave"], w.get("year"), {lang: str(w.get(lang, w["wave"])) for lang in LANGUAGES},
                          None if fieldwork is None else (str(fieldwork[0]), str(fieldwork[1]))))
    if not waves:
        raise ProfileError(f"{where}: 'waves' is empty; expected at least one {{wave, year, bg, en}}")
    sampling = {key: _texts(raw["sampling"], key, f"{where}: sampling") for key in (raw.get("sampling") or {})}
    project = dict(raw.get("project") or {})
    for key in PROJECT_TEXT_KEYS:
        if key in project:
            project[key] = _texts(project, key, f"{where}: project")
    demo = raw.get("demo") or {}
    if not isinstance(demo, dict):
        raise ProfileError(f"{where}: demo: expected a mapping of generator settings, found {demo!r}")
    return Profile(id=str(raw.get("id") or path.parent.name), source=path, texts=texts,
                   municipalities=tuple(munis), waves=tuple(waves),
                   margins=raw.get("margins", DEFAULT_MARGINS), sampling=sampling, project=project,
                   data_dir=str(raw.get("data_dir") or DEFAULT_DATA_DIR),
                   margins_notes=raw.get("margins_notes"), demo=dict(demo))
