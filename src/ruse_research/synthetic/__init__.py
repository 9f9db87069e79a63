"""Seeded generator of the SYNTHETIC demonstration fieldwork, with planted effects.

``python -m ruse_research.synthetic [--profile ID] --out DIR [--seed N]`` writes the demonstration
data of a region profile (default: the active one, :mod:`ruse_research.data.profile`); for the
``ruse`` profile and the default seed 20190118, exactly the files bundled in ``data/raw/``:

* ``staff.{csv,cp1251.csv,xlsx,sav}`` - questionnaire A (``data/codebooks/staff.yaml``);
* ``stakeholders.{csv,cp1251.csv,xlsx,sav}`` - questionnaire B, two waves;
* ``panel.csv``, ``panel_weights.csv`` and ``monitoring_log.csv`` - from
  :mod:`ruse_research.synthetic.panel` and :mod:`ruse_research.synthetic.monitoring`;
* ``truth.json`` - ``{"synthetic": true, "seed": N, "generator_version": ...}`` plus the
  planted effects of every module, each with its estimand spelled out;
* ``SHA256SUMS`` - checksums of the files above in ``sha256sum`` format, sorted by name.

``is_synthetic(path)`` (from :mod:`ruse_research.data.marker`, the one home of the rule) tells
whether a data file sits beside such a ``truth.json``. A relative ``out`` is resolved from the
project root (:func:`ruse_research.paths.resolve`). The region (municipalities, margins,
quotas, fieldwork days, project period) comes from the profile through
:class:`ruse_research.synthetic.region.Region`; the planted effects are the same for every region.

The same seed gives byte-identical files. Each module draws from its own child of
``numpy.random.SeedSequence(seed)``, so changing one module does not change the others' data.

Examples
--------
>>> frames, truth = generate(7, only=["panel"])   # one module's stream; write() does them all
>>> truth["synthetic"], sorted(frames)
(True, ['panel', 'panel_weights'])
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ruse_research.data.marker import MARKER_FILE, is_synthetic  # noqa: F401 (re-exported)
from ruse_research.errors import RuseError

GENERATOR_VERSION = "1.1.0"
DEFAULT_SEED = 20190118  # seed of the bundled demonstration data (data/raw/)
SURVEY_STEMS = ("staff", "stakeholders")
_STREAMS = ("staff", "stakeholders", "panel", "monitoring")


class SyntheticError(RuseError):
    """Bad arguments to the generator (a negative seed, an output path that is a file)."""


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SyntheticError(f"seed {seed!r} is not allowed; expected a whole number >= 0")
    return int(seed)


def generate(seed: int = DEFAULT_SEED, only=None, profile=None) -> tuple[dict[str, pd.DataFrame], dict]:
    """All synthetic frames (file stem -> frame) and the merged truth dict.

    Parameters
    ----------
    seed : int
        Seed of the ``numpy.random.SeedSequence`` whose children drive each module.
    only : iterable of str, optional
        Generate only these modules (``staff``, ``stakeholders``, ``panel``,
        ``monitoring``), for simulation studies. Each module keeps its own random stream,
        so its frames and truths are the same as in a full run. ``perception_gap`` needs
        both ``staff`` and ``stakeholders``.
    profile : str or Profile, optional
        The region profile (id, path or loaded profile); default the active one.

    Returns
    -------
    frames : dict
        ``staff``, ``stakeholders`` and the frames of the panel and monitoring modules.
    truth : dict
        ``synthetic``, ``seed``, ``generator_version`` and one entry per module.

    Examples
    --------
    >>> frames, truth = generate(1, only=["panel", "monitoring"])  # generate(1): every module
    >>> truth["synthetic"], sorted(frames)
    (True, ['monitoring_log', 'panel', 'panel_weights'])
    >>> sorted(truth)
    ['generator_version', 'monitoring', 'note', 'panel', 'seed', 'synthetic']
    """
    from ruse_research.synthetic import monitoring, panel, staff, stakeholders
    from ruse_research.synthetic.region import Region

    wanted = set(_STREAMS if only is None else only)
    unknown = sorted(wanted - set(_STREAMS))
    if unknown:
        raise SyntheticError(f"unknown module(s) {', '.join(unknown)}; expected some of "
                             f"{', '.join(_STREAMS)}")
    children = np.random.SeedSequence(_check_seed(seed)).spawn(len(_STREAMS))
    region = Region.from_profile(profile)
    rngs = {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)}
    frames: dict[str, pd.DataFrame] = {}
    truth: dict = {"synthetic": True, "seed": int(seed), "generator_version": GENERATOR_VERSION,
                   "note": "SYNTHETIC demonstration data: no real respondent is described. "
                           "See data/raw/README.md for the planted effects."}
    for name, module in (("staff", staff), ("stakeholders", stakeholders), ("panel", panel),
                         ("monitoring", monitoring)):
        if name not in wanted:
            continue
        module_frames, module_truth = (module.generate(rngs[name]) if module is panel
                                       else module.generate(rngs[name], region))
        clash = set(module_frames) & set(frames)
        if clash:
            raise RuntimeError(f"synthetic module {name} returns frames already written: {clash}")
        frames.update(module_frames)
        truth[name] = module_truth
    if {"staff", "stakeholders"} <= wanted:
        truth["perception_gap"] = _perception_gap(truth["staff"], truth["stakeholders"])
    return frames, truth


def _perception_gap(staff_truth: dict, stakeholder_truth: dict) -> dict:
    """Staff minus stakeholder-group mean of each mirror item and of the admin_image score."""
    staff_means = staff_truth["mirror_staff"]["values"]
    groups = stakeholder_truth["mirror_population"]["values"]
    return {
        "estimand": "staff expected mean minus the stakeholder group's population mean, per "
                    "mirror item (1-5) and for the admin_image score (mean of mir_1..mir_5), "
                    "by wave; positive = staff rate the administration better",
        "values": {wave: {group: {key: round(staff_means[key] - value, 4)
                                  for key, value in means.items()}
                          for group, means in by_group.items()}
                   for wave, by_group in groups.items()},
    }


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    raise TypeError(f"truth value of type {type(obj).__name__} is not JSON serialisable")


def write(out: str | os.PathLike[str], seed: int = DEFAULT_SEED, profile=None,
          only=None) -> list[Path]:
    """Generate and write every file of ``profile`` (default the active one) into ``out``.

    ``out`` is created if needed; the written paths are returned. ``only`` writes the files
    of these modules alone (see :func:`generate`), with their truths and checksums; each
    module's files are the bytes a full write gives them.

    Raises
    ------
    SyntheticError
        ``seed`` is negative or not a whole number, or ``out`` is an existing file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     names = sorted(p.name for p in write(d, seed=3, only=["panel", "monitoring"]))
    >>> names  # write(d, seed=3): the staff and stakeholder exports too
    ['SHA256SUMS', 'monitoring_log.csv', 'panel.csv', 'panel_weights.csv', 'truth.json']
    """
    from ruse_research import paths
    from ruse_research.data.codebook import load_codebook
    from ruse_research.paths import codebook_dir
    from ruse_research.synthetic import writers
    from ruse_research.synthetic.region import Region

    out = paths.resolve(out)
    if out.exists() and not out.is_dir():
        raise SyntheticError(f"--out {out} is a file; expected a folder to write into")
    region = Region.from_profile(profile)
    frames, truth = generate(seed, only=only, profile=profile)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, frame in frames.items():
        if stem in SURVEY_STEMS:
            cb = load_codebook(codebook_dir() / f"{stem}.yaml", profile=profile)
            written += writers.write_all_formats(frame, out, stem, cb, stamp=region.stamp)
        else:
            path = out / f"{stem}.csv"
            writers.write_csv(frame, path)
            written.append(path)
    truth_path = out / MARKER_FILE
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2, default=_json_default)
                          + "\n", encoding="utf-8")
    written.append(truth_path)
    sums = out / "SHA256SUMS"
    sums.write_text(writers.sha256sums(out, [p.name for p in written]), encoding="utf-8")
    written.append(sums)
    return written
