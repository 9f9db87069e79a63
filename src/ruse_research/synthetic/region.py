"""The region a synthetic data set describes, read from a region profile and its margins file.

Every fact about a place that the generator uses comes from here: the municipalities (the
first one is the region's centre), the one-way population margins of sex, age group and
municipality (the profile's ``margins`` file), the citizen quotas and the municipal
administrations' sample sizes, the fieldwork days of each wave, the project period, the
landline area code of the planted phone numbers and the time stamped into ``.xlsx``/``.sav``
headers. Settings the profile's ``demo`` section does not give are derived:

* ``citizen_quota`` - ``citizen_sample`` (default 520) interviews a wave; the centre gets
  ``centre_oversample`` (default 1.1) times its population share (at most 90 %), the other
  municipalities share the rest by population, rounded to an even number, at least
  ``min_quota`` (default 12) each. Raking then needs weights near 1 (the default bounds hold);
* ``municipal_staff_sample`` - ``centre_staff`` (default 14) employees of the centre's
  administration, ``staff_per_municipality`` (default 6) of every other one;
* ``stamp`` - noon of the last wave's last fieldwork day.

Examples
--------
>>> r = Region.from_profile("ruse")
>>> r.centre, r.codes[:3], r.label(r.centre) == region_profile.load("ruse").text("region_centre", "bg")
(1, (1, 2, 3), True)
>>> sum(r.age_group_population.values())
169660
>>> derived_quota({1: 51_881, 2: 7_674, 3: 29_652, 4: 9_180})
{1: 302, 2: 36, 3: 138, 4: 44}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ruse_research import paths
from ruse_research.data import profile as region_profile
from ruse_research.errors import RuseError


class RegionError(RuseError):
    """A region profile that lacks what the synthetic generator needs."""


def derived_quota(population: dict[int, int], *, citizen_sample: int = 520,
                  centre_oversample: float = 1.1, min_quota: int = 12) -> dict[int, int]:
    """Citizen quota per municipality: the centre (first code) over-sampled, the rest by population."""
    codes = list(population)
    total = sum(population.values())
    centre = round(citizen_sample * min(0.9, centre_oversample * population[codes[0]] / total))
    rest = sum(population[m] for m in codes[1:])
    out = {codes[0]: int(centre)}
    for m in codes[1:]:
        share = (citizen_sample - centre) * population[m] / rest
        out[m] = max(int(min_quota), 2 * round(share / 2))
    return out


@dataclass(frozen=True)
class Region:
    """What the generator needs to know about one region (see the module docstring)."""

    id: str
    codes: tuple[int, ...]
    labels: dict[int, str]
    sex_population: dict[int, int]
    age_group_population: dict[int, int]
    municipality_population: dict[int, int]
    citizen_quota: dict[int, int]
    municipal_staff_sample: dict[int, int]
    waves: tuple[int, ...]
    fieldwork: dict[int, tuple[str, str]]
    project_start: pd.Timestamp
    project_end: pd.Timestamp
    stamp: datetime
    phone_prefix: str
    margins: str

    @property
    def centre(self) -> int:
        return self.codes[0]

    @property
    def url_slug(self) -> str:
        """Lower-case id used in planted web addresses (``facebook.com/groups/<slug>123``)."""
        return self.id.lower()

    def label(self, code: int) -> str:
        """Bulgarian name of a municipality (the open answers are in Bulgarian)."""
        return self.labels[code]

    def smallest(self, k: int) -> list[int]:
        """The ``k`` least populous municipalities, smallest first."""
        return sorted(self.codes, key=lambda m: (self.municipality_population[m], m))[:k]

    @classmethod
    def from_profile(cls, name: str | region_profile.Profile | None = None) -> Region:
        """The region of profile ``name`` (an id, a path, a loaded profile; default the active one)."""
        prof = name if isinstance(name, region_profile.Profile) else region_profile.load(name)
        where = prof.source
        if not prof.margins:
            raise RegionError(f"{where}: no 'margins' file; the generator needs the population margins")
        margins = _margins(prof.margins)
        codes = tuple(m.code for m in prof.municipalities)
        mun = margins.get("municipality", {})
        if set(mun) != set(codes):
            raise RegionError(f"{prof.margins}: municipality codes {sorted(mun)} do not match the "
                              f"profile's {list(codes)} ({where}); give one margins row per municipality")
        for var, cats in (("sex", {1, 2}), ("age_group", {1, 2})):
            if set(margins.get(var, {})) != cats:
                raise RegionError(f"{prof.margins}: variable {var!r} needs categories {sorted(cats)}, "
                                  f"found {sorted(margins.get(var, {}))}")
        mun_pop = {m: mun[m] for m in codes}
        demo = prof.demo
        quota = demo.get("citizen_quota") or derived_quota(
            mun_pop, **{k: demo[k] for k in ("citizen_sample", "centre_oversample", "min_quota") if k in demo})
        staff = demo.get("municipal_staff_sample") or {
            m: int(demo.get("centre_staff", 14) if i == 0 else demo.get("staff_per_municipality", 6))
            for i, m in enumerate(codes)}
        for what, mapping in (("citizen_quota", quota), ("municipal_staff_sample", staff)):
            if set(mapping) != set(codes):
                raise RegionError(f"{where}: demo.{what} codes {sorted(mapping)} do not match the "
                                  f"municipalities {list(codes)}")
        fieldwork = {}
        for w in prof.waves:
            if w.fieldwork is None:
                raise RegionError(f"{where}: waves (wave {w.wave}): no fieldwork: [first day, last day]; "
                                  "the generator dates the interviews inside it")
            fieldwork[w.wave] = w.fieldwork
        project = prof.project
        if not project.get("start") or not project.get("end"):
            raise RegionError(f"{where}: project.start and project.end are needed (the monitoring log's period)")
        last = fieldwork[prof.waves[-1].wave][1]
        stamp = datetime.fromisoformat(str(demo.get("stamp") or f"{last}T12:00:00"))
        return cls(id=prof.id, codes=codes,
                   labels={m.code: m.label("bg") for m in prof.municipalities},
                   sex_population=margins["sex"], age_group_population=margins["age_group"],
                   municipality_population=mun_pop,
                   citizen_quota={m: int(quota[m]) for m in codes},
                   municipal_staff_sample={m: int(staff[m]) for m in codes},
                   waves=tuple(w.wave for w in prof.waves), fieldwork=fieldwork,
                   project_start=pd.Timestamp(str(project["start"])),
                   project_end=pd.Timestamp(str(project["end"])),
                   stamp=stamp, phone_prefix=str(demo.get("phone_prefix") or "02"),
                   margins=prof.margins)


def _margins(path: str) -> dict[str, dict[int, int]]:
    """``variable -> {category: population}`` of a margins CSV (columns variable, category, population)."""
    file = paths.resolve(path)
    if not file.is_file():
        raise RegionError(f"margins file {path} not found (looked in {file})")
    frame = pd.read_csv(file, dtype={"variable": str})
    missing = {"variable", "category", "population"} - set(frame.columns)
    if missing:
        raise RegionError(f"{path}: no column(s) {', '.join(sorted(missing))}; expected variable, "
                          "category, population")
    out: dict[str, dict[int, int]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(str(row.variable), {})[int(row.category)] = int(row.population)
    return out
