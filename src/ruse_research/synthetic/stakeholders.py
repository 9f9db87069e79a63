"""Synthetic stakeholder survey (questionnaire B): citizens, NGOs, businesses, municipalities.

How the data come about
-----------------------
1. A finite **population** is built for each group. Citizens: the adults of the region, with
   sex, age group and municipality distributed exactly as the one-way margins of the region
   profile's margins file (:mod:`ruse_research.synthetic.region`) and independent of each
   other. Organisations: 700 NGOs, 5,000 businesses and
   450 municipal-administration employees.
2. Every member of every population answers every question, once per wave, from latent
   variables: perceived responsiveness ``R`` drives trust ``T`` (the planted driver of trust),
   and ``T`` feeds satisfaction, impartiality, public image and the mirror items. Group and
   wave shift the latent means (planted group differences and the improved public image).
3. The **planted truths** of the citizens are computed on their complete population
   (finite-population means, differences and OLS slopes; the slope with the item
   non-response of its score, see ``expected_score_moments``), so they are exactly what a
   correct design-based analysis estimates. The organisations' truths are the exact model
   means (``organisation_model_means``): their samples are 12 % of the NGOs and of the
   municipal employees, and an analysis that does not know the population sizes (no
   finite-population correction) estimates the model mean, not the finite one.
4. A **sample** is drawn per wave: citizens by quota per municipality (the centre over-sampled) with
   selection probability proportional to ``1.5`` for women and ``2.0`` for people aged 65+, so
   unweighted citizen estimates are biased and estimates raked to the margins are not;
   organisations by simple random sampling within group.
5. Fieldwork noise is added to the sample only: skipped items (blank), "don't know" (97) and
   "no answer" (99) completely at random; "not applicable" (98) by skip pattern; open answers.

Examples
--------
>>> import numpy as np
>>> frames, truth = generate(np.random.default_rng(20190118), Region.from_profile("ruse"))
>>> df = frames["stakeholders"]
>>> sorted(df["group"].unique().tolist()), sorted(df["wave"].unique().tolist())
([1, 2, 3, 4], [1, 2])
>>> truth["trust_driver"]["estimand"].startswith("population OLS slope")
True
>>> truth["wave_change"]["public_image_mean"]["difference"] > 0.2
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ruse_research.synthetic import texts
from ruse_research.synthetic.common import (
    LIKERT5_CUTS,
    NOT_APPLICABLE,
    binary,
    categorical,
    inject_nonresponse,
    largest_remainder,
    likert5,
    scale11,
)
from ruse_research.synthetic.region import Region

GROUPS = {"citizen": 1, "ngo": 2, "business": 3, "municipality": 4}
# The municipalities, their one-way population margins (sex; age 15-64 / 65+, survey bands 1-3
# fall in 15-64, band 4 = 65+; municipality), the quotas and the fieldwork days come from the
# region profile and its margins file: ruse_research.synthetic.region.Region.
# SYNTHETIC ASSUMPTION (no official figure used): split of the under-65 adults into the
# survey's bands 18-29 / 30-44 / 45-64. Raking uses only the 15-64 / 65+ margin.
UNDER65_BAND_SHARES = (0.20, 0.33, 0.47)

ORG_POPULATION = {"ngo": 700, "business": 5_000, "municipality": 450}
# Where organisations are based (share in the centre first, rest spread by population).
ORG_CENTRE_SHARE = {"ngo": 0.70, "business": 0.75}

# Sample design per wave (citizen quotas and municipal staff per administration: the Region).
SELECT_WOMEN = 1.5
SELECT_65PLUS = 2.0
ORG_SAMPLE = {"ngo": 85, "business": 110}

# Latent means (standard-deviation units) of trust T by group; wave shifts.
T_GROUP = {1: -0.25, 2: 0.2, 3: -0.3, 4: 0.9}
R_GROUP = {1: 0.0, 2: 0.25, 3: -0.2, 4: 0.8}
WAVE2_R = 0.15
WAVE2_T = 0.10
WAVE2_IMAGE = 0.45
WAVE2_AWARE = 0.55
DRIVER_R_TO_T = 0.6  # structural loading of trust on responsiveness
T_NOISE = 0.8  # sd of trust's own noise: with R's unit noise, organisations' T has variance 1
# trust_ra (0-10) = clip(round(TRUST_RA_CENTRE + TRUST_RA_SPREAD * item latent)), loading on T
TRUST_RA_LOADING, TRUST_RA_CENTRE, TRUST_RA_SPREAD = 0.92, 4.6, 2.0
# mirror items: latent MIR = MIR_ON_T * T + MIR_LEVEL + MIR_NOISE * e; 1-5 items, these shifts
MIR_ON_T, MIR_LEVEL, MIR_NOISE = 0.6, -0.1, 0.8
MIRROR_LOADING = 0.72
MIRROR_SHIFTS = (0.0, -0.25, -0.1, 0.3, -0.45)


def citizen_population(region: Region | None = None) -> pd.DataFrame:
    """The adult citizen population: one row per person, sex x age band x municipality.

    Cells are the product of the one-way shares (independence), rounded to whole people by
    largest remainder; the total is the age margin's population (aged 15+ in the census).
    ``region`` defaults to the active profile's.

    Examples
    --------
    >>> pop = citizen_population(Region.from_profile("ruse"))
    >>> len(pop), round(float((pop["age_band"] == 4).mean()), 4)  # census: 51,731 / 169,660
    (169660, 0.3049)
    """
    region = region or Region.from_profile()
    age_pop, sex_pop = region.age_group_population, region.sex_population
    total = sum(age_pop.values())
    sex_sh = np.array([sex_pop[1], sex_pop[2]], float)
    age_sh = np.array([*(age_pop[1] * np.array(UNDER65_BAND_SHARES)), age_pop[2]], float)
    mun_sh = np.array([region.municipality_population[m] for m in region.codes], float)
    joint = (sex_sh[:, None, None] / sex_sh.sum()) * (age_sh[None, :, None] / age_sh.sum()) \
        * (mun_sh[None, None, :] / mun_sh.sum())
    counts = largest_remainder(joint.ravel(), total)
    s, a, m = np.meshgrid([1, 2], [1, 2, 3, 4], np.array(region.codes), indexing="ij")
    return pd.DataFrame({
        "sex": np.repeat(s.ravel(), counts),
        "age_band": np.repeat(a.ravel(), counts),
        "municipality": np.repeat(m.ravel(), counts),
    })


def _org_population(rng: np.random.Generator, group: str, region: Region) -> pd.DataFrame:
    n = ORG_POPULATION[group]
    codes = np.array(region.codes)
    if group == "municipality":
        per = largest_remainder(list(region.municipal_staff_sample.values()), n)
        mun = np.repeat(codes, per)
    else:
        rest = np.array([region.municipality_population[m] for m in region.codes[1:]], float)
        probs = np.concatenate([[ORG_CENTRE_SHARE[group]], (1 - ORG_CENTRE_SHARE[group]) * rest / rest.sum()])
        mun = categorical(rng, n, probs, codes)
    return pd.DataFrame({
        "sex": categorical(rng, n, [0.45, 0.55] if group != "business" else [0.58, 0.42]),
        "age_band": categorical(rng, n, [0.12, 0.40, 0.43, 0.05]),
        "municipality": mun,
        "org_size": categorical(rng, n, [0.62, 0.28, 0.10]) if group != "municipality"
        else np.full(n, -1),
    })


def _answers(rng: np.random.Generator, frame: pd.DataFrame, group: int, wave: int,
             centre: int | None = None) -> dict:
    """Complete answers of everyone in ``frame`` (one group, one wave) plus their latents.

    ``centre`` is the code of the region's centre (default: the active profile's first).
    """
    if centre is None:
        centre = Region.from_profile().centre
    n = len(frame)
    w2 = float(wave == 2)
    age = frame["age_band"].to_numpy()
    sex = frame["sex"].to_numpy()
    mun = frame["municipality"].to_numpy()
    is_cit = group == 1
    # demographic gradients, citizens only (these create the bias that weighting removes)
    demo = np.zeros(n)
    if is_cit:
        demo = (np.select([age == 1, age == 2, age == 3, age == 4], [-0.30, -0.15, 0.0, 0.75])
                + 0.20 * (sex == 2) - 0.05 * (mun == centre))
    e = rng.standard_normal((n, 8))
    R = R_GROUP[group] + WAVE2_R * w2 + 0.5 * demo + e[:, 0]
    T = T_GROUP[group] + WAVE2_T * w2 + demo + DRIVER_R_TO_T * R + T_NOISE * e[:, 1]
    Tz = T - T_GROUP[group]  # centred: item cut-points handle the level
    IMP = 0.5 * T + 0.85 * e[:, 2]
    SAT = 0.45 * T + 0.2 * w2 + 0.9 * e[:, 3]
    IMG = 0.55 * T + WAVE2_IMAGE * w2 + 0.85 * e[:, 4]
    MIR = MIR_ON_T * T + MIR_LEVEL + MIR_NOISE * e[:, 5]
    IMPORT = e[:, 6]
    PART = 0.4 * R + e[:, 7]
    del Tz

    a: dict[str, np.ndarray] = {}
    aware_base = {1: -0.3, 2: 1.4, 3: 0.8, 4: 3.0}[group]
    a["aware_role"] = np.where(binary(rng, aware_base + WAVE2_AWARE * w2 + 0.25 * (age == 4), n) == 1, 1, 2)
    contact_base = {1: -1.3, 2: 0.4, 3: 0.0, 4: 2.2}[group]
    contact = binary(rng, contact_base + 0.2 * w2, n) == 1
    a["contact_12m"] = np.where(contact, 1, 2)
    for col, base in [("ch_person", 0.3), ("ch_phone", -0.1), ("ch_email", -0.6 + 1.0 * (group > 1)),
                      ("ch_online", -1.2 + 0.6 * w2)]:
        a[col] = np.where(contact, binary(rng, np.full(n, base)), NOT_APPLICABLE)
    old = age == 4
    src_probs = np.where(old[:, None], [0.40, 0.20, 0.04, 0.06, 0.18, 0.10, 0.02],
                         [0.18, 0.22, 0.12, 0.28, 0.12, 0.06, 0.02])
    if group > 1:
        src_probs = np.tile([0.08, 0.18, 0.34, 0.16, 0.10, 0.12, 0.02], (n, 1))
    cum = src_probs.cumsum(axis=1)
    a["info_source"] = (rng.random(n)[:, None] > cum).sum(axis=1) + 1
    a["visited_web"] = np.where(binary(rng, {1: -1.6, 2: 0.6, 3: 0.0, 4: 1.8}[group] + 0.3 * w2, n) == 1, 1, 2)

    a["trust_ra"] = scale11(rng, T, loading=TRUST_RA_LOADING, centre=TRUST_RA_CENTRE,
                            spread=TRUST_RA_SPREAD)
    a["trust_muni"] = scale11(rng, 0.5 * T + 0.3, loading=0.7, centre=4.8, spread=2.1)
    a["trust_civil"] = scale11(rng, 0.6 * T, loading=0.75, centre=4.0, spread=2.1)
    a["trust_gov"] = scale11(rng, 0.5 * T, loading=0.7, centre=3.2, spread=2.2)
    a["trust_people"] = scale11(rng, 0.2 * T, loading=0.4, centre=4.6, spread=2.0)
    a["eb_trust_local"] = np.where(0.6 * T + 0.8 * rng.standard_normal(n) > 0.15, 1, 2)

    sat_items = {"sat_overall": 0.0, "sat_time": -0.35, "sat_clarity": -0.05,
                 "sat_courtesy": 0.45, "sat_access": -0.15, "sat_competence": 0.25}
    for col, shift in sat_items.items():
        codes = likert5(rng, SAT, loading=0.72 if col != "sat_overall" else 0.85, shift=shift + 0.2)
        a[col] = np.where(contact, codes, NOT_APPLICABLE)
    for col, shift in {"imp_time": 1.3, "imp_clarity": 1.0, "imp_courtesy": 0.5,
                       "imp_access": 0.8, "imp_competence": 1.4}.items():
        a[col] = likert5(rng, IMPORT, loading=0.55, shift=shift)
    refused = contact & (rng.random(n) < 0.28)
    expl = np.where(0.5 * T + rng.standard_normal(n) > 0.3, 1,
                    np.where(0.5 * T + rng.standard_normal(n) > -0.4, 2, 3))
    a["refusal_explained"] = np.where(refused, expl, NOT_APPLICABLE)

    a["integ_1"] = likert5(rng, IMP, loading=0.7, shift=-0.2, reverse=True)
    a["integ_2"] = likert5(rng, IMP, loading=0.72, shift=-0.1)
    a["integ_3"] = likert5(rng, IMP, loading=0.7, shift=0.0)
    a["bribe_asked"] = np.where(binary(rng, np.full(n, -3.1) - 0.3 * IMP) == 1, 1, 2)

    for k in (1, 2, 3):
        a[f"resp_{k}"] = scale11(rng, R, loading=0.8, centre=4.2 - 0.3 * (k == 3), spread=2.1)

    pbase = {1: (-2.8, -2.2, -3.4, -1.5), 2: (0.2, 0.6, -0.3, -0.2),
             3: (-0.6, -0.8, -1.2, -1.8), 4: (0.8, 0.7, 0.9, -2.5)}[group]
    for col, base in zip(("part_comment", "part_discussion", "part_council", "part_petition"), pbase, strict=True):
        a[col] = binary(rng, base + 0.35 * PART, n)
    will = 0.6 * PART + rng.standard_normal(n)
    a["will_council"] = np.where(will > 0.9, 1, np.where(will > -0.3, 2, 3))
    a["barrier_info"] = binary(rng, -0.2 - 0.4 * w2 - 0.2 * R, n)
    a["barrier_time"] = binary(rng, -0.6 + 0.4 * (age == 2) - 0.6 * (age == 4), n)
    a["barrier_notcount"] = binary(rng, -0.4 - 0.7 * R)
    a["barrier_complex"] = binary(rng, np.full(n, -1.4) + 0.3 * (age == 4))
    a["barrier_distance"] = binary(rng, -2.6 + 1.3 * (mun != 1) + 0.5 * (age == 4))
    pref = 0.5 * PART + (0.5 if group > 1 else 0.0) + rng.standard_normal(n)
    a["pref_level"] = np.searchsorted([-0.6, 0.4, 1.1, 2.2], pref) + 1

    if group > 1:
        invited = binary(rng, np.full(n, {2: 0.0, 3: -0.9, 4: 1.4}[group]) + 0.3 * w2)
        a["org_invited"] = np.where(invited == 1, 1, 2)
        submitted = (a["part_comment"] == 1) | (invited == 1)
        fb = 0.5 * T + rng.standard_normal(n)
        a["org_feedback"] = np.where(submitted, np.where(fb > 0.8, 1, np.where(fb > -0.5, 2, 3)),
                                     NOT_APPLICABLE)
        a["org_period_ok"] = likert5(rng, T, loading=0.5, shift=-0.1)
        if group == 4:
            a["muni_coord"] = likert5(rng, T, loading=0.6, shift=-0.6)

    for k, shift in enumerate((-0.15, 0.1, -0.05, -0.35), start=1):
        a[f"img_{k}"] = likert5(rng, IMG, loading=0.72, shift=shift)
    for k, shift in enumerate(MIRROR_SHIFTS, start=1):
        a[f"mir_{k}"] = likert5(rng, MIR, loading=MIRROR_LOADING, shift=shift)
    return {"answers": a, "R": R, "T": T}


# ------------------------------------------------------------------ population truths
def _scale_mean(ans: dict, cols: list[str], reverse: tuple[str, ...] = ()) -> np.ndarray:
    m = np.column_stack([6 - ans[c] if c in reverse else ans[c] for c in cols]).astype(float)
    return m.mean(axis=1)


IMAGE_ITEMS = ["img_1", "img_2", "img_3", "img_4"]
MIRROR_ITEMS = ["mir_1", "mir_2", "mir_3", "mir_4", "mir_5"]
RESP_ITEMS = ["resp_1", "resp_2", "resp_3"]


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def organisation_model_means(group: int, wave: int) -> dict:
    """Model (superpopulation) means of an organisation group, exact, from the latent model.

    For NGOs, businesses and municipal administrations there is no demographic term, so
    ``R ~ N(R_GROUP + WAVE2_R * w2, 1)`` and ``T = T_GROUP + WAVE2_T * w2 + 0.6 R + 0.8 e``
    is normal with variance 1; an item's latent ``loading * latent + sqrt(1 - loading^2) *
    noise`` is then normal with variance 1 too, and the expected code follows from the
    normal distribution function at the item's cut-points. These are the values that
    estimates treating an organisation sample as a simple random sample from a large
    population (no finite-population correction; the population sizes are unknown to the
    analysis) are centred on, with standard errors that match.

    Examples
    --------
    >>> means = organisation_model_means(4, 1)
    >>> round(means["trust_ra_mean"], 2), round(means["admin_image_mean"], 2)
    (7.07, 3.4)
    """
    if group == GROUPS["citizen"]:
        raise ValueError("citizens have demographic terms; use their finite population")
    w2 = float(wave == 2)
    mu_r = R_GROUP[group] + WAVE2_R * w2
    mu_t = T_GROUP[group] + WAVE2_T * w2 + DRIVER_R_TO_T * mu_r
    var_t = DRIVER_R_TO_T**2 + T_NOISE**2
    # trust_ra: latent z = loading * T + unique noise; code = clip(rint(centre + spread z), 0, 10)
    m = TRUST_RA_LOADING * mu_t
    sd = math.sqrt(TRUST_RA_LOADING**2 * var_t + 1.0 - TRUST_RA_LOADING**2)
    upper = [_normal_cdf(((k + 0.5 - TRUST_RA_CENTRE) / TRUST_RA_SPREAD - m) / sd) for k in range(10)]
    # E[code] = sum over k = 0..9 of P(code > k)
    trust = sum(1.0 - u for u in upper)
    mu_mir = MIR_ON_T * mu_t + MIR_LEVEL
    var_mir = MIR_ON_T**2 * var_t + MIR_NOISE**2
    out = {"trust_ra_mean": trust}
    for k, shift in enumerate(MIRROR_SHIFTS, start=1):
        m = MIRROR_LOADING * mu_mir + shift
        sd = math.sqrt(MIRROR_LOADING**2 * var_mir + 1.0 - MIRROR_LOADING**2)
        # code = 1 + number of cut-points below the latent
        out[f"mir_{k}_mean"] = 1.0 + sum(1.0 - _normal_cdf((c - m) / sd) for c in LIKERT5_CUTS)
    out["admin_image_mean"] = float(np.mean([out[f"mir_{k}_mean"] for k in range(1, 6)]))
    return out


ORG_MODEL_KEYS = ("trust_ra_mean", "admin_image_mean", *(f"mir_{k}_mean" for k in range(1, 6)))
REFUSED_RATE = 0.003  # "no answer" (99) on a substantive item; demographics 0.012


def observed_probability(col: str) -> float:
    """Chance that item ``col`` carries an answer after the fieldwork noise of ``generate``
    (not blank, not "don't know", not "no answer"); the noise is independent of the answer."""
    dk, blank = NONRESPONSE.get(col, (0.0, 0.015))
    if col in NO_DK_SCALE:
        dk = 0.0
    return 1.0 - dk - blank - REFUSED_RATE


def expected_score_moments(ans: dict, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per person: expected scale score and expected squared score over the item non-response.

    The score is what ``ruse_research.stats.scales.score`` computes: the mean of the answered items,
    missing when fewer than half of them (rounded up) are answered. Items are missing
    independently with the rates of ``NONRESPONSE``, so averaging over every missingness
    pattern with at least half the items answered (probabilities renormalised to those
    patterns) gives the moments whose population averages a complete-case analysis of the
    sample estimates. With equal rates within a scale the expected score is the mean of all
    items; the expected square is larger (fewer items, more noise), which is what attenuates
    a regression slope on the score.
    """
    x = np.column_stack([ans[c] for c in cols]).astype(float)
    q = np.array([observed_probability(c) for c in cols])
    k = len(cols)
    needed = -(-k // 2)
    first = np.zeros(x.shape[0])
    second = np.zeros(x.shape[0])
    total = 0.0
    for pattern in range(1, 2**k):
        seen = np.array([(pattern >> j) & 1 for j in range(k)], dtype=bool)
        if seen.sum() < needed:
            continue
        p = float(np.prod(np.where(seen, q, 1.0 - q)))
        score = x[:, seen].mean(axis=1)
        first += p * score
        second += p * score**2
        total += p
    return first / total, second / total


def _summaries(ans: dict) -> dict:
    """Finite-population values of one group and wave, as a complete-case analysis of a
    sample with this module's item non-response estimates them (see
    ``expected_score_moments``); item means are unaffected by the non-response."""
    trust = ans["trust_ra"].astype(float)
    resp, resp_sq = expected_score_moments(ans, RESP_ITEMS)
    # trust_ra's own non-response is independent of resp, so it does not enter
    cov = float(np.mean(trust * resp) - trust.mean() * resp.mean())
    var_resp = float(resp_sq.mean() - resp.mean() ** 2)
    out = {
        "trust_ra_mean": float(trust.mean()),
        "aware_role_share_yes": float((ans["aware_role"] == 1).mean()),
        "public_image_mean": float(expected_score_moments(ans, IMAGE_ITEMS)[0].mean()),
        "admin_image_mean": float(expected_score_moments(ans, MIRROR_ITEMS)[0].mean()),
        "responsiveness_mean": float(resp.mean()),
        "trust_on_responsiveness_slope": cov / var_resp,
        "trust_responsiveness_correlation": cov / math.sqrt(var_resp * float(trust.var())),
    }
    for c in MIRROR_ITEMS:
        out[f"{c}_mean"] = float(ans[c].mean())
    return out


def _r(x: float) -> float:
    return round(float(x), 4)


def _rounded(d):
    if isinstance(d, dict):
        return {k: _rounded(v) for k, v in d.items()}
    if isinstance(d, float):
        return _r(d)
    return d


# ---------------------------------------------------------------------------- sampling
def _sample_citizens(rng: np.random.Generator, pop: pd.DataFrame, quotas: dict[int, int]) -> np.ndarray:
    """Quota per municipality; within it, selection prop. to 1.5 (women) x 2.0 (65+)."""
    weight = np.where(pop["sex"].to_numpy() == 2, SELECT_WOMEN, 1.0) * \
        np.where(pop["age_band"].to_numpy() == 4, SELECT_65PLUS, 1.0)
    chosen = []
    mun = pop["municipality"].to_numpy()
    for m, quota in quotas.items():
        idx = np.flatnonzero(mun == m)
        p = weight[idx] / weight[idx].sum()
        chosen.append(rng.choice(idx, size=quota + int(rng.integers(-2, 3)), replace=False, p=p))
    return np.concatenate(chosen)


def _expected_unweighted(pop: pd.DataFrame, values: np.ndarray, quotas: dict[int, int]) -> float:
    """Expected unweighted sample mean under the quota design (selection-probability weighted)."""
    weight = np.where(pop["sex"].to_numpy() == 2, SELECT_WOMEN, 1.0) * \
        np.where(pop["age_band"].to_numpy() == 4, SELECT_65PLUS, 1.0)
    mun = pop["municipality"].to_numpy()
    pi = np.zeros(len(pop))
    for m, quota in quotas.items():
        idx = mun == m
        pi[idx] = quota * weight[idx] / weight[idx].sum()
    return float((pi * values).sum() / pi.sum())


def _dates(rng: np.random.Generator, fieldwork: tuple[str, str], n: int) -> pd.Series:
    start, end = (pd.Timestamp(d) for d in fieldwork)
    days = rng.integers(0, (end - start).days + 1, n)
    return pd.Series(start + pd.to_timedelta(days, unit="D"))


ITEM_ORDER = [
    "resp_id", "wave", "interview_date", "group", "municipality", "sex", "age_band", "org_size",
    "aware_role", "contact_12m", "ch_person", "ch_phone", "ch_email", "ch_online", "info_source",
    "visited_web", "trust_ra", "trust_muni", "trust_civil", "trust_gov", "trust_people",
    "eb_trust_local", "sat_overall", "sat_time", "sat_clarity", "sat_courtesy", "sat_access",
    "sat_competence", "imp_time", "imp_clarity", "imp_courtesy", "imp_access", "imp_competence",
    "refusal_explained", "integ_1", "integ_2", "integ_3", "bribe_asked", "resp_1", "resp_2",
    "resp_3", "part_comment", "part_discussion", "part_council", "part_petition", "will_council",
    "barrier_info", "barrier_time", "barrier_notcount", "barrier_complex", "barrier_distance",
    "pref_level", "org_invited", "org_feedback", "org_period_ok", "muni_coord",
    *IMAGE_ITEMS, *MIRROR_ITEMS, "recommend",
]

# Item non-response: (don't-know rate, blank rate). Items not listed: 0 DK, 1.5 % blank.
NONRESPONSE = {
    "trust_ra": (0.06, 0.01), "trust_muni": (0.03, 0.01), "trust_civil": (0.05, 0.01),
    "trust_gov": (0.04, 0.01), "trust_people": (0.02, 0.01), "eb_trust_local": (0.07, 0.01),
    "aware_role": (0.05, 0.005), "visited_web": (0.02, 0.01), "bribe_asked": (0.03, 0.01),
    "integ_1": (0.12, 0.015), "integ_2": (0.10, 0.015), "integ_3": (0.12, 0.015),
    "resp_1": (0.07, 0.015), "resp_2": (0.06, 0.015), "resp_3": (0.07, 0.015),
    "pref_level": (0.05, 0.01), "org_period_ok": (0.06, 0.02), "muni_coord": (0.03, 0.02),
    **{c: (0.08, 0.015) for c in IMAGE_ITEMS}, **{c: (0.09, 0.015) for c in MIRROR_ITEMS},
    **{c: (0.02, 0.02) for c in ("sat_overall", "sat_time", "sat_clarity", "sat_courtesy",
                                 "sat_access", "sat_competence")},
    **{c: (0.02, 0.015) for c in ("imp_time", "imp_clarity", "imp_courtesy", "imp_access",
                                  "imp_competence")},
}
NO_DK_SCALE = {"contact_12m", "ch_person", "ch_phone", "ch_email", "ch_online", "part_comment",
               "part_discussion", "part_council", "part_petition", "barrier_info", "barrier_time",
               "barrier_notcount", "barrier_complex", "barrier_distance", "will_council",
               "refusal_explained", "org_feedback", "org_invited"}


def generate(rng: np.random.Generator, region: Region | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the stakeholder survey (every wave) and the planted population truths.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness; the same state gives the same frame and truth.
    region : Region, optional
        The region described (default: the active profile's, :mod:`ruse_research.synthetic.region`).

    Returns
    -------
    frames : dict
        ``{"stakeholders": DataFrame}`` with the columns of ``data/codebooks/stakeholders.yaml``
        in codebook order: codes as ``Int64``, ``interview_date`` as ``datetime64[ns]``,
        ``resp_id`` and ``recommend`` as ``string``.
    truth : dict
        Planted population values (see the module docstring and data/raw/README.md).

    See the module's example (one call: each builds the whole two-wave sample, about a second).
    """
    region = region or Region.from_profile()
    quotas, waves = region.citizen_quota, region.waves
    citizens = citizen_population(region)
    orgs = {g: _org_population(rng, g, region) for g in ORG_POPULATION}
    pops = {"citizen": citizens, **orgs}

    blocks = []
    pop_summary: dict = {}
    unweighted_expected: dict = {}
    for wave in waves:
        pop_summary[wave] = {}
        for gname, pop in pops.items():
            g = GROUPS[gname]
            res = _answers(rng, pop, g, wave, region.centre)
            ans = res["answers"]
            pop_summary[wave][gname] = _summaries(ans)
            if gname == "citizen":
                idx = _sample_citizens(rng, pop, quotas)
                unweighted_expected[wave] = {
                    "trust_ra_mean": _expected_unweighted(pop, ans["trust_ra"].astype(float), quotas),
                    "public_image_mean": _expected_unweighted(pop, _scale_mean(ans, IMAGE_ITEMS), quotas),
                    "aware_role_share_yes": _expected_unweighted(pop, (ans["aware_role"] == 1).astype(float),
                                                                 quotas),
                }
            elif gname == "municipality":
                mun = pop["municipality"].to_numpy()
                idx = np.concatenate([rng.choice(np.flatnonzero(mun == m), size=k, replace=False)
                                      for m, k in region.municipal_staff_sample.items()])
            else:
                idx = rng.choice(len(pop), size=ORG_SAMPLE[gname], replace=False)
            idx = np.sort(idx)
            block = pop.iloc[idx].reset_index(drop=True).copy()
            for col, values in ans.items():
                block[col] = values[idx]
            block["group"] = g
            block["wave"] = wave
            blocks.append(block)

    df = pd.concat(blocks, ignore_index=True)
    # interview order: shuffle within wave, then number respondents
    order = np.concatenate([rng.permutation(np.flatnonzero(df["wave"].to_numpy() == w)) for w in waves])
    df = df.iloc[order].reset_index(drop=True)
    n = len(df)
    df["resp_id"] = [f"B{w}-{i:04d}" for i, w in enumerate(df["wave"].to_numpy(), start=1)]
    df["interview_date"] = pd.NaT
    for w in waves:
        sel = df["wave"].to_numpy() == w
        df.loc[sel, "interview_date"] = _dates(rng, region.fieldwork[w], int(sel.sum())).to_numpy()
    df["interview_date"] = pd.to_datetime(df["interview_date"]).astype("datetime64[ns]")

    group = df["group"].to_numpy()
    # items asked of some groups only: blank for the others
    df["org_size"] = np.where(np.isin(group, [2, 3]), df["org_size"], -1)
    for col in ("org_invited", "org_feedback", "org_period_ok", "muni_coord"):
        if col not in df:
            df[col] = -1
        df[col] = df[col].fillna(-1).astype(np.int64)
    df.loc[group != 4, "muni_coord"] = -1

    # open recommendations: organisations write more, and about feedback and councils
    theme_names = list(texts.RECOMMEND_THEMES)
    base_p = np.array([0.22, 0.14, 0.12, 0.2, 0.1, 0.1, 0.12])
    org_p = np.array([0.2, 0.3, 0.25, 0.08, 0.1, 0.02, 0.05])
    probs = np.where((group > 1)[:, None], org_p, base_p)
    village = (df["municipality"].to_numpy() != region.centre)[:, None]
    probs = probs + village * np.eye(len(theme_names))[theme_names.index("villages")] * 0.15
    probs = probs / probs.sum(axis=1, keepdims=True)
    empty = 0.42
    answers, planted = texts.open_answers(rng, n, empty=empty, themes=texts.recommend_themes(region),
                                          local=region,
                                          theme_probs=probs, pii_rate=0.06, markup_rate=0.012)
    df["recommend"] = pd.array(answers, dtype="string")

    out = pd.DataFrame({"resp_id": pd.array(df["resp_id"], dtype="string")})
    for col in ITEM_ORDER[1:]:
        if col in ("resp_id", "interview_date", "recommend"):
            out[col] = df[col]
            continue
        values = df[col].to_numpy().astype(np.int64)
        asked = values >= 0
        if col in ("wave", "group", "municipality"):
            out[col] = pd.array(values, dtype="Int64")
            continue
        dk, blank = NONRESPONSE.get(col, (0.0, 0.015))
        if col in NO_DK_SCALE:
            dk = 0.0
        refused = 0.012 if col in ("sex", "age_band") else REFUSED_RATE
        eligible = asked & (values != NOT_APPLICABLE)
        arr = inject_nonresponse(rng, values, blank=blank, dont_know=dk, refused=refused,
                                 eligible=eligible)
        arr[~asked] = pd.NA
        out[col] = arr
    out["interview_date"] = out["interview_date"].astype("datetime64[ns]")

    # Organisations: the truths are the model means (see organisation_model_means); the
    # realised finite-population means of the 700 / 5,000 / 450 are kept for reference.
    finite_orgs = {w: {g: {k: pop_summary[w][g][k] for k in ORG_MODEL_KEYS}
                       for g in ORG_POPULATION} for w in waves}
    for w in waves:
        for gname in ORG_POPULATION:
            pop_summary[w][gname].update(organisation_model_means(GROUPS[gname], w))
    truth = _truth(pop_summary, unweighted_expected, out, planted, region)
    truth["organisations_finite_population"] = _rounded({
        "estimand": "realised finite-population means of the synthetic organisation "
                    "populations (700 NGOs, 5,000 businesses, 450 municipal employees), for "
                    "reference only: the planted organisation values are the model means",
        "values": {str(w): v for w, v in finite_orgs.items()},
    })
    return {"stakeholders": out}, truth


def _truth(pop_summary: dict, unweighted_expected: dict, out: pd.DataFrame, planted: list,
           region: Region) -> dict:
    ps = pop_summary
    waves = region.waves
    t: dict = {
        "population": {
            "citizen_adults": int(sum(region.age_group_population.values())),
            "organisations": dict(ORG_POPULATION),
            "note": "Citizens: synthetic adult population built from the one-way margins in "
                    "" + region.margins + " (independent sex x age x municipality); "
                    "their truths are finite-population values of the complete answers, with "
                    "the item non-response taken into account where it changes what a "
                    "complete-case analysis estimates (trust_driver). Organisations: synthetic "
                    "finite populations sampled at 2-12 %; their truths are the model means.",
            "selection": {"women": SELECT_WOMEN, "age_65plus": SELECT_65PLUS,
                          "citizen_quota_per_municipality": region.citizen_quota},
        },
        "trust_by_group": {
            "estimand": "mean of trust_ra (0-10) by group and wave. Citizens: finite-population "
                        f"mean of the {sum(region.age_group_population.values()):,} adults (needs survey weights, raked to sex, age "
                        "15-64/65+ and municipality). NGOs, businesses, municipal "
                        "administrations: model (superpopulation) mean, exact from the latent "
                        "model, which an analysis of their simple random samples without a "
                        "finite-population correction estimates (their population sizes are "
                        "not known to the analysis; the realised finite-population means are "
                        "under organisations_finite_population)",
            "values": {str(w): {g: ps[w][g]["trust_ra_mean"] for g in GROUPS} for w in waves},
            "difference_vs_citizen": {str(w): {g: ps[w][g]["trust_ra_mean"] - ps[w]["citizen"]["trust_ra_mean"]
                                               for g in ("ngo", "business", "municipality")}
                                      for w in waves},
        },
        "weighting_bias": {
            "estimand": "citizens, by wave: population value vs the expected UNWEIGHTED sample "
                        "mean under the quota design; a correct weighted estimate recovers the "
                        "population value, the unweighted one is biased",
            "values": {str(w): {k: {"population": ps[w]["citizen"][k],
                                    "expected_unweighted": unweighted_expected[w][k]}
                                for k in unweighted_expected[w]} for w in waves},
        },
        "wave_change": {
            "estimand": "citizens: population value in wave 2 minus wave 1 (independent "
                        "cross-sections; weighted estimates). aware_role share = share of 'yes' "
                        "among yes/no answers; public_image = mean of img_1..img_4 (1-5)",
            **{k: {"wave1": ps[1]["citizen"][k], "wave2": ps[2]["citizen"][k],
                   "difference": ps[2]["citizen"][k] - ps[1]["citizen"][k]}
               for k in ("aware_role_share_yes", "trust_ra_mean", "public_image_mean")
               if {1, 2} <= set(waves)},
        },
        "trust_driver": {
            "estimand": "population OLS slope of trust_ra (0-10) on the responsiveness score "
                        "(mean of the answered resp_1..resp_3, at least 2 answered, 0-10), "
                        "citizens, by wave (weighted regression, complete cases). The score's "
                        "item non-response is part of the estimand: a score from 2 items is "
                        "noisier, which attenuates the slope by about 2 % against complete "
                        "answers; the value is the exact expectation over the missingness "
                        "patterns, not a simulation",
            "slope": {str(w): ps[w]["citizen"]["trust_on_responsiveness_slope"] for w in waves},
            "correlation": {str(w): ps[w]["citizen"]["trust_responsiveness_correlation"] for w in waves},
            "structural_loading_latent": DRIVER_R_TO_T,
        },
        "mirror_population": {
            "estimand": "mean of each mirror item (1-5) and of the admin_image score (mean of "
                        "the answered mir_1..mir_5, at least 3) by group and wave: citizens' "
                        "finite-population mean, organisations' model mean (as trust_by_group)",
            "values": {str(w): {g: {k: v for k, v in ps[w][g].items()
                                    if k.startswith("mir_") or k == "admin_image_mean"}
                                for g in GROUPS} for w in waves},
        },
        "planted_text": {
            "column": "recommend",
            "items": [{"resp_id": str(out["resp_id"].iloc[i]), "kind": k, "value": v}
                      for i, k, v in planted],
        },
    }
    return _rounded(t)
