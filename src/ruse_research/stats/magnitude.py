"""Effect-size magnitudes: the one table of conventional thresholds, each with its source.

A report says what an effect size means ("a medium effect") by one published convention per
kind of effect size; the thresholds live only here. :func:`magnitude` maps a value to
``"negligible"``, ``"small"``, ``"medium"`` or ``"large"`` (for rater agreement:
``"poor"``, ``"moderate"``, ``"good"``, ``"excellent"``); the absolute value is used, so a
negative difference of the same size has the same magnitude. ``CONVENTIONS[kind].source`` is
the key of the reference-list entry (``locale/references.yaml``) the report cites.

=============  ====================  ================================================
kind           thresholds            convention
=============  ====================  ================================================
``d``          0.2 / 0.5 / 0.8       Cohen (1988): standardised mean difference (d, d_z, g)
``r``          0.1 / 0.3 / 0.5       Cohen (1988): correlation (r, ρ, rank-biserial r)
``eta2``       0.01 / 0.06 / 0.14    Cohen (1988): share of variance (η², ε²)
``icc``        0.5 / 0.75 / 0.9      Koo & Li (2016): intraclass correlation
=============  ====================  ================================================

Examples
--------
>>> magnitude("d", 0.56)
'medium'
>>> magnitude("r", -0.35), magnitude("eta2", 0.004), magnitude("icc", 0.93)
('medium', 'negligible', 'excellent')
>>> CONVENTIONS["d"].source
'cohen1988'
>>> magnitude("d", float("nan")) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ruse_research.errors import RuseError


class MagnitudeError(RuseError):
    """An effect-size kind without a convention."""


@dataclass(frozen=True)
class Convention:
    """Thresholds (ascending) of one effect-size kind, the labels they start, and the source."""

    thresholds: tuple[float, ...]
    labels: tuple[str, ...]
    source: str


_COHEN = ("negligible", "small", "medium", "large")

#: Every effect-size convention the reports use (see the module docstring).
CONVENTIONS: dict[str, Convention] = {
    "d": Convention((0.2, 0.5, 0.8), _COHEN, "cohen1988"),
    "r": Convention((0.1, 0.3, 0.5), _COHEN, "cohen1988"),
    "eta2": Convention((0.01, 0.06, 0.14), _COHEN, "cohen1988"),
    "icc": Convention((0.5, 0.75, 0.9), ("poor", "moderate", "good", "excellent"), "koo2016"),
}


def magnitude(kind: str, value: float) -> str | None:
    """The conventional magnitude of an effect size ``value`` of ``kind``; ``None`` for NaN.

    A value at a threshold takes the higher label (Cohen's "d = 0.5 is medium").
    """
    if kind not in CONVENTIONS:
        raise MagnitudeError(
            f"effect size kind {kind!r} has no magnitude convention; expected one of "
            + ", ".join(CONVENTIONS)
        )
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    convention = CONVENTIONS[kind]
    size = abs(float(value))
    level = sum(size >= t for t in convention.thresholds)
    return convention.labels[level]
