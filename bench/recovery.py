"""Recovery study (issue #8): do the package's estimators recover the planted effects?

Over many seeds of the synthetic generator (in memory, no files written) every planted effect
in ``truth.json`` is estimated with the estimators the study notebooks call, and the share of
seeds whose 95 % confidence interval holds the truth is printed (the coverage). A correct
estimator with a correct truth gives about 95 %; the goal of the issue is 93-97 % for every
planted effect.

What is estimated, and how (the notebook calls)
-----------------------------------------------
Staff (``notebooks/01_staff_attitudes.ipynb``): answers typed as ``io.read_survey`` types
them ("don't know" and missing codes -> NA); scale scores ``scales.score`` (mean of the
answered items, at least half answered, reverse keys from the codebook);

* training effect: ``compare.paired_t`` of comm_pre -> comm_post among trained staff (t CI);
* attitude-practice link: ``compare.spearman`` of att_participation with practice
  (Fisher z, Bonett-Wright SE);
* practice grid: ``compare.means`` of each prac_* item (t CI), pooled over the 20 cells;
* staff admin_image mean: ``compare.means`` of the score.

Stakeholders (notebook 02): citizens of each wave are raked with ``weighting.rake`` to the
three one-way margins of ``data/reference/population_margins.csv`` (``share`` scaled to the
number of raked citizens, age collapsed to 15-64/65+ via ``survey_codes``); citizens who did
not give sex or age are dropped. The design has strata = wave x municipality for citizens
(the quota strata) and wave x group for organisations (simple random samples, weight 1).

* trust_ra by group and wave: ``weighting.estimate`` (by wave and group);
* group minus citizens, trust_ra: ``weighting.compare_means`` within a wave;
* citizens' weighted means (trust_ra, public_image, admin_image) and share aware of the
  RA's role (``kind="proportion"``, logit CI) by wave: ``weighting.estimate``; the same
  with unit weights and no strata for contrast (expected to miss the truth);
* wave change (wave 2 - wave 1) of those citizens' values: ``weighting.compare_means`` on
  the two independent samples (aware = 0/1 indicator of "yes" among yes/no);
* perception gap: staff admin_image mean minus the group's weighted mean, with
  ``se = sqrt(se_staff^2 + se_group^2)`` (independent samples) and a normal quantile;
* trust driver: ``weighting.linear_model`` of trust_ra on the responsiveness score,
  citizens, by wave (slope).

Run::

    python bench/recovery.py [--seeds 200] [--first 1] [--jobs N]

The last line is ``coverage_min=<..> coverage_max=<..> effects=<k> seeds=<n>`` over the
planted effects and weighted means (the unweighted contrast rows are left out).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research import codebook, compare, paths, scales, synthetic, weighting

GROUPS = {1: "citizen", 2: "ngo", 3: "business", 4: "municipality"}
LEVELS = ("info", "consult", "dialogue", "partner")
STAGES = ("agenda", "draft", "decision", "implement", "monitor")
Z95 = float(stats.norm.ppf(0.975))

_BOOKS: dict = {}


def _book(name: str):
    if name not in _BOOKS:
        _BOOKS[name] = codebook.load_codebook(name)
    return _BOOKS[name]


def typed(frame: pd.DataFrame, book) -> pd.DataFrame:
    """The frame as ``io.read_survey(..., dont_know="na")`` returns it: "don't know" and
    declared missing codes -> NA (the generator's frames hold the raw codes)."""
    out = frame.copy()
    for item_id in book.item_ids:
        item = book.item(item_id)
        if item.response_scale is None or item_id not in out:
            continue
        codes = book.dont_know_codes(item_id) + book.missing_codes(item_id)
        if codes:
            out[item_id] = out[item_id].mask(out[item_id].isin(codes))
    return out


def reference_margins() -> dict[str, dict]:
    """``{survey column -> {category: share}}`` and the code map of each raking column."""
    ref = pd.read_csv(paths.resolve("data/reference/population_margins.csv"))
    margins: dict[str, dict] = {}
    for variable, rows in ref.groupby("variable", sort=True):
        shares = rows.set_index("category")["share"].astype(float)
        recode = {int(code): int(cat) for cat, codes in zip(rows["category"], rows["survey_codes"],
                                                               strict=True)
                  for code in str(codes).split()}
        margins[variable] = {"source": rows["survey_variable"].iloc[0], "recode": recode,
                             "shares": (shares / shares.sum()).to_dict()}
    return margins


def rake_citizens(citizens: pd.DataFrame, margins: dict) -> pd.DataFrame:
    """Citizens of one wave with a ``weight`` column raked to the reference margins."""
    sources = [m["source"] for m in margins.values()]
    keep = citizens.dropna(subset=sources).copy()
    for variable, m in margins.items():
        keep[variable] = keep[m["source"]].astype(int).map(m["recode"])
    total = float(len(keep))
    targets = {variable: {cat: share * total for cat, share in m["shares"].items()}
               for variable, m in margins.items()}
    keep["weight"] = weighting.rake(keep, targets).to_numpy()
    return keep


def _row(rows: list, section: str, effect: str, truth: float, estimate: float, low: float,
         high: float) -> None:
    rows.append({"section": section, "effect": effect, "truth": float(truth),
                 "estimate": float(estimate), "ci_low": float(low), "ci_high": float(high)})


def staff_rows(frame: pd.DataFrame, truth: dict, rows: list) -> pd.DataFrame:
    book = _book("staff")
    answers = typed(frame, book)
    keys = scales.codebook_keys(book)
    scored = pd.concat([answers, scales.score(answers, **keys.kwargs())], axis=1)
    t = truth["staff"]

    trained = scored[answers["trained"] == 1]
    paired = compare.paired_t(trained, "comm_pre", "comm_post").iloc[0]
    _row(rows, "staff", "training_effect: mean change comm score (paired t)",
         t["training_effect"]["mean_difference"], paired["mean_diff"], paired["ci_low"],
         paired["ci_high"])

    rho = compare.spearman(scored, "att_participation", "practice").iloc[0]
    _row(rows, "staff", "attitude_practice: Spearman rho (Fisher z, Bonett-Wright)",
         t["attitude_practice"]["spearman_rho"], rho["rho"], rho["ci_low"], rho["ci_high"])

    cells = compare.means(answers, [f"prac_{lv}_{st}" for lv in LEVELS for st in STAGES])
    for cell in cells.itertuples():
        _, lv, st = cell.column.split("_")
        _row(rows, "staff", "practice_grid: item means, 20 cells pooled (t)",
             t["practice_grid_means"]["values"][lv][st], cell.mean, cell.ci_low, cell.ci_high)

    staff_image = compare.means(scored, ["admin_image"]).iloc[0]
    _row(rows, "staff", "mirror_staff: admin_image mean (t)",
         t["mirror_staff"]["values"]["admin_image_mean"], staff_image["mean"],
         staff_image["ci_low"], staff_image["ci_high"])
    return staff_image


def stakeholder_rows(frame: pd.DataFrame, truth: dict, staff_image, rows: list,
                     margins: dict) -> None:
    book = _book("stakeholders")
    answers = typed(frame, book)
    scores = [scales.score(answers, **scales.codebook_keys(book, [c]).kwargs())
              for c in ("responsiveness", "admin_image", "public_image")]  # 0-10 and 1-5 scales
    answers = pd.concat([answers, *scores], axis=1)
    answers["aware_yes"] = answers["aware_role"].map({1: 1.0, 2: 0.0}).astype("Float64")
    st = truth["stakeholders"]

    citizens = pd.concat([rake_citizens(answers[(answers["group"] == 1) & (answers["wave"] == w)],
                                        margins) for w in (1, 2)], ignore_index=True)
    orgs = answers[answers["group"] != 1].copy()
    orgs["weight"] = 1.0
    both = pd.concat([citizens, orgs], ignore_index=True)
    both["stratum"] = np.where(both["group"] == 1, both["municipality"], 10 * both["group"]) \
        + 100 * both["wave"]
    citizens = both[both["group"] == 1].copy()

    # trust_ra by group and wave
    by_group = weighting.estimate(both, "trust_ra", "weight", strata="stratum", by=["wave", "group"])
    for r in by_group.itertuples():
        g = GROUPS[int(r.group)]
        section = "weighted mean" if g == "citizen" else "stakeholders"
        _row(rows, section, f"trust_by_group: trust_ra {g}, wave {int(r.wave)}",
             st["trust_by_group"]["values"][str(int(r.wave))][g], r.estimate, r.ci_low, r.ci_high)
    for w in (1, 2):
        diffs = weighting.compare_means(both[both["wave"] == w], "trust_ra", "group", "weight",
                                        strata="stratum", reference=1)
        for r in diffs.itertuples():
            g = GROUPS[int(r.group)]
            _row(rows, "stakeholders", f"trust_by_group: trust_ra {g} - citizen, wave {w}",
                 st["trust_by_group"]["difference_vs_citizen"][str(w)][g], r.difference,
                 r.ci_low, r.ci_high)

    # citizens' weighted (and, for contrast, unweighted) means by wave
    bias = st["weighting_bias"]["values"]
    mirror = st["mirror_population"]["values"]
    cases = [("public_image", "public_image_mean", lambda w: bias[w]["public_image_mean"]["population"]),
             ("admin_image", "admin_image", lambda w: mirror[w]["citizen"]["admin_image_mean"])]
    unit = citizens.assign(unit_weight=1.0)
    for variable, label, true in cases:
        for name, est in (("weighted mean", weighting.estimate(citizens, variable, "weight",
                                                               strata="stratum", by="wave")),
                          ("unweighted mean (contrast)", weighting.estimate(unit, variable,
                                                                            "unit_weight", by="wave"))):
            for r in est.itertuples():
                _row(rows, name, f"citizen {label}, wave {int(r.wave)}", true(str(int(r.wave))),
                     r.estimate, r.ci_low, r.ci_high)
    unweighted_trust = weighting.estimate(unit, "trust_ra", "unit_weight", by="wave")
    for r in unweighted_trust.itertuples():
        _row(rows, "unweighted mean (contrast)", f"citizen trust_ra, wave {int(r.wave)}",
             bias[str(int(r.wave))]["trust_ra_mean"]["population"], r.estimate, r.ci_low, r.ci_high)
    for name, data, wcol, strata in (("weighted mean", citizens, "weight", "stratum"),
                                     ("unweighted mean (contrast)", unit, "unit_weight", None)):
        share = weighting.estimate(data, "aware_role", wcol, strata=strata, by="wave",
                                   kind="proportion")
        for r in share[share["category"] == 1].itertuples():
            _row(rows, name, f"citizen share aware_role yes (logit CI), wave {int(r.wave)}",
                 bias[str(int(r.wave))]["aware_role_share_yes"]["population"], r.estimate,
                 r.ci_low, r.ci_high)

    # wave change
    change = st["wave_change"]
    for variable, key in (("aware_yes", "aware_role_share_yes"), ("trust_ra", "trust_ra_mean"),
                          ("public_image", "public_image_mean")):
        r = weighting.compare_means(citizens, variable, "wave", "weight", strata="stratum",
                                    reference=1).iloc[0]
        _row(rows, "stakeholders", f"wave_change: citizen {key}, wave 2 - 1",
             change[key]["difference"], r.difference, r.ci_low, r.ci_high)

    # perception gap: staff minus each group's (weighted) admin_image mean
    gap = truth["perception_gap"]["values"]
    images = weighting.estimate(both, "admin_image", "weight", strata="stratum", by=["wave", "group"])
    for r in images.itertuples():
        g, w = GROUPS[int(r.group)], str(int(r.wave))
        if g != "citizen":
            _row(rows, "stakeholders", f"admin_image {g}, wave {w} (unweighted)",
                 mirror[w][g]["admin_image_mean"], r.estimate, r.ci_low, r.ci_high)
        diff = staff_image["mean"] - r.estimate
        se = math.hypot(staff_image["se"], r.se)
        _row(rows, "stakeholders", f"perception_gap: staff - {g}, wave {w}",
             gap[w][g]["admin_image_mean"], diff, diff - Z95 * se, diff + Z95 * se)

    # driver of trust
    for w in (1, 2):
        model = weighting.linear_model(citizens[citizens["wave"] == w], "trust_ra",
                                       ["responsiveness"], "weight", strata="stratum")
        slope = model[model["term"] == "responsiveness"].iloc[0]
        _row(rows, "stakeholders", f"trust_driver: slope trust_ra on responsiveness, wave {w}",
             st["trust_driver"]["slope"][str(w)], slope["estimate"], slope["ci_low"],
             slope["ci_high"])


def one_seed(seed: int) -> list[dict]:
    """Every estimate of one seed, with its truth and 95 % CI."""
    warnings.simplefilter("ignore")
    frames, truth = synthetic.generate(seed, only=["staff", "stakeholders"])
    rows: list[dict] = []
    staff_image = staff_rows(frames["staff"], truth, rows)
    stakeholder_rows(frames["stakeholders"], truth, staff_image, rows, reference_margins())
    for r in rows:
        r["seed"] = seed
    return rows


SECTIONS = ("staff", "stakeholders", "weighted mean", "unweighted mean (contrast)")


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage and diagnostics per effect (rows in the order first seen, by section)."""
    r = results.assign(
        covered=(results["ci_low"] <= results["truth"]) & (results["truth"] <= results["ci_high"]),
        below=results["truth"] < results["ci_low"],
        error=results["estimate"] - results["truth"],
        half=(results["ci_high"] - results["ci_low"]) / 2,
    )
    g = r.groupby(["section", "effect"], sort=False)
    out = pd.DataFrame({
        "n": g.size(),
        "truth": g["truth"].mean(),
        "bias": g["error"].mean(),
        "sd_est": g["error"].std(ddof=1),
        "half_over_1.96sd": g["half"].mean() / (Z95 * g["error"].std(ddof=1)),
        "below": g["below"].mean(),
        "coverage": g["covered"].mean(),
    }).reset_index()
    out["mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["n"])
    out["in_93_97"] = out["coverage"].between(0.93, 0.97)
    out["section"] = pd.Categorical(out["section"], SECTIONS, ordered=True)
    return out.sort_values("section", kind="stable").reset_index(drop=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="number of seeds (default 200)")
    parser.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: all CPUs)")
    parser.add_argument("--save", help="optional CSV of every estimate (one row per seed x effect)")
    args = parser.parse_args(argv)
    seeds = list(range(args.first, args.first + args.seeds))
    start = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for done, seed_rows in enumerate(pool.map(one_seed, seeds, chunksize=1), start=1):
            rows.extend(seed_rows)
            if done % 25 == 0:
                print(f"  {done}/{len(seeds)} seeds, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
    results = pd.DataFrame(rows)
    if args.save:
        results.to_csv(args.save, index=False)
    table = summarise(results)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70,
                           "display.max_rows", 500, "display.float_format", "{:.4f}".format):
        print(table.to_string(index=False))
    counted = table[table["section"] != "unweighted mean (contrast)"]
    elapsed = time.perf_counter() - start
    print(f"seeds {seeds[0]}..{seeds[-1]}, {args.jobs} process(es), {elapsed:.0f} s; coverage "
          f"Monte Carlo SE about {math.sqrt(0.95 * 0.05 / len(seeds)):.3f}; "
          f"{int((~counted['in_93_97']).sum())} of {len(counted)} effects outside 93-97 %")
    print(f"coverage_min={counted['coverage'].min():.3f} coverage_max={counted['coverage'].max():.3f} "
          f"effects={len(counted)} seeds={len(seeds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
