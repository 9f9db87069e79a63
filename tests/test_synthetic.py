"""The synthetic demonstration data: reproducible bytes, realistic sizes, visible planted effects.

The effect checks are deliberately loose (the data are one random draw); the exact planted
values live in data/raw/truth.json and are what the notebooks' CIs are compared against.
Everything about the region (its demo-data folder, margins, municipalities, file stamp) is
read from the active region profile, so the tests pass with ``RUSE_RESEARCH_PROFILE=gabrovo``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruse_research import paths
from ruse_research.data import profile
from ruse_research.stats import scales
from ruse_research.synthetic import (
    DEFAULT_SEED,
    SyntheticError,
    generate,
    is_synthetic,
    stakeholders,
    texts,
    write,
)
from ruse_research.synthetic import (
    staff as staff_module,
)
from ruse_research.synthetic.common import DONT_KNOW, inject_nonresponse
from ruse_research.synthetic.region import Region

PROFILE = profile.load()
REGION = Region.from_profile(PROFILE)
RAW = paths.resolve(PROFILE.data_dir)
MARGINS = paths.resolve(PROFILE.margins)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    write(out, seed=DEFAULT_SEED)
    return out


def _codes(path: Path) -> pd.DataFrame:
    """Read a UTF-8 CSV export independently of ruse_research.data.io; 97-99 become NaN."""
    df = pd.read_csv(path, dtype={"resp_id": str})
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].where(df[col] < 97)
    return df


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    return _codes(RAW / "staff.csv")


@pytest.fixture(scope="module")
def stake() -> pd.DataFrame:
    return _codes(RAW / "stakeholders.csv")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((RAW / "truth.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ reproducibility
@pytest.mark.slow  # writes the whole demo data set in every format (about 6 s of openpyxl)
def test_regenerating_reproduces_the_bundled_checksums(regenerated):
    fresh = (regenerated / "SHA256SUMS").read_text().splitlines()
    bundled = (RAW / "SHA256SUMS").read_text().splitlines()
    stale = sorted(set(fresh) ^ set(bundled))
    assert not stale, (f"{PROFILE.data_dir} is out of date with the generator; run "
                       f"`python -m ruse_research.synthetic --profile {PROFILE.id} --out {PROFILE.data_dir}` "
                       "and commit. "
                       f"Differing lines: {stale}")


@pytest.mark.slow  # uses the regenerated demo data (one whole write)
def test_same_seed_later_gives_identical_bytes_and_another_seed_other_data(regenerated, tmp_path):
    # the bundle was written when it was committed, `regenerated` in this session: the .sav
    # header and the xlsx properties would differ if they carried the time of writing
    names = [line.split("  ")[1] for line in (RAW / "SHA256SUMS").read_text().splitlines()]
    assert sorted(p.name for p in regenerated.iterdir()) == sorted([*names, "SHA256SUMS"])
    for name in [*names, "SHA256SUMS"]:
        assert (regenerated / name).read_bytes() == (RAW / name).read_bytes(), (
            f"{name}: regenerated now, it differs from the bundled file; either the generator"
            " changed (regenerate and commit) or its output depends on when it runs")
    other = write(tmp_path, seed=7, only=["panel", "monitoring"])
    assert {p.name for p in other} >= {"panel.csv", "monitoring_log.csv"}
    assert (tmp_path / "panel.csv").read_bytes() != (RAW / "panel.csv").read_bytes()
    assert (tmp_path / "monitoring_log.csv").read_bytes() != (RAW / "monitoring_log.csv").read_bytes()


def _bundled_profiles() -> list[str]:
    return sorted(p.parent.name for p in paths.resolve(profile.REGIONS_DIR).glob("*/profile.yaml"))


def _profiles_with_demo_data() -> list[str]:
    """Profiles whose data folder is marked synthetic (this generator's truth.json)."""
    from ruse_research.data.marker import is_synthetic

    return [n for n in _bundled_profiles() if is_synthetic(profile.load(n).data_dir)]


def test_every_bundled_data_folder_with_checksums_is_marked_synthetic():
    """A generator's folder (it writes SHA256SUMS) that lost its marker would drop out of the
    checksum and staleness tests below without failing them: it fails here instead."""
    generated = [n for n in _bundled_profiles() if (paths.resolve(profile.load(n).data_dir) / "SHA256SUMS").is_file()]
    assert generated and generated == _profiles_with_demo_data()


@pytest.mark.parametrize("name", _profiles_with_demo_data())
def test_every_profiles_bundled_files_match_their_checksums(name):
    import hashlib

    folder = paths.resolve(profile.load(name).data_dir)
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert lines
    for line in lines:
        digest, file = line.split("  ")
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, f"{name}: {file}"


@pytest.mark.slow  # one whole write per profile
@pytest.mark.parametrize("name", [n for n in _profiles_with_demo_data() if n != PROFILE.id])
def test_every_other_profiles_bundled_data_is_what_the_generator_writes(name, tmp_path):
    """The active profile's data are checked above; the others' (the fictional demo profile,
    whose data the notebooks' stored outputs show, among them) must not go stale either."""
    write(tmp_path, seed=DEFAULT_SEED, profile=name)
    folder = profile.load(name).data_dir
    stale = sorted(set((tmp_path / "SHA256SUMS").read_text().splitlines())
                   ^ set((paths.resolve(folder) / "SHA256SUMS").read_text().splitlines()))
    assert not stale, (f"{folder} is out of date with the generator; run `nox -s demo_data` "
                       f"(python -m ruse_research.synthetic --every-profile) and commit. Differing lines: {stale}")


def test_every_profile_is_written_into_its_own_folder_and_real_exports_are_skipped(tmp_path, monkeypatch):
    from ruse_research.synthetic import __main__ as cli

    demo = paths.resolve("data/regions/demo/profile.yaml").read_text(encoding="utf-8")
    for name, data_dir in (("alpha", "data/regions/alpha/raw"), ("beta", "data/private/beta"),
                           ("gamma", "data/private/gamma")):
        folder = tmp_path / "data" / "regions" / name
        folder.mkdir(parents=True)
        (folder / "profile.yaml").write_text(
            demo.replace("id: demo", f"id: {name}").replace("data_dir: data/regions/demo/raw", f"data_dir: {data_dir}"),
            encoding="utf-8")
        (tmp_path / data_dir).mkdir(parents=True)
    (tmp_path / "data/regions/alpha/raw/truth.json").write_text('{"synthetic": true}', encoding="utf-8")
    (tmp_path / "data/private/gamma/truth.json").write_text('{"synthetic": false}', encoding="utf-8")
    (tmp_path / "data/private/beta/staff.csv").write_text("real,exports\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(tmp_path))
    calls = []
    monkeypatch.setattr(cli, "write", lambda out, seed, profile: calls.append((Path(out), seed, profile)) or [1, 2])
    lines = cli.write_every_profile(seed=5)
    assert calls == [(tmp_path / "data/regions/alpha/raw", 5, "alpha")]
    assert lines == ["wrote alpha: 2 files into data/regions/alpha/raw",
                     *(f"skipped {n}: data/private/{n} is not marked synthetic (truth.json with "
                       '"synthetic": true), so it may hold real exports; write its demonstration data '
                       "with --profile ID --out DIR" for n in ("beta", "gamma"))]
    assert (tmp_path / "data/private/beta/staff.csv").read_text(encoding="utf-8") == "real,exports\n"


def test_two_profiles_sharing_a_data_folder_stop_every_profile_before_anything_is_written(tmp_path, monkeypatch):
    from ruse_research.synthetic import __main__ as cli

    demo = paths.resolve("data/regions/demo/profile.yaml").read_text(encoding="utf-8")
    for name in ("alpha", "beta"):  # both copied from one profile, its data_dir line kept
        (tmp_path / "data" / "regions" / name).mkdir(parents=True)
        (tmp_path / "data" / "regions" / name / "profile.yaml").write_text(
            demo.replace("id: demo", f"id: {name}").replace("data_dir: data/regions/demo/raw", "data_dir: data/raw"),
            encoding="utf-8")
    (tmp_path / "data/raw").mkdir()
    (tmp_path / "data/raw/truth.json").write_text('{"synthetic": true}', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    monkeypatch.setenv("RUSE_RESEARCH_ROOT", str(tmp_path))
    calls = []
    monkeypatch.setattr(cli, "write", lambda out, seed, profile: calls.append(profile) or [1])
    with pytest.raises(profile.ProfileError) as err:
        cli.write_every_profile(seed=5)
    assert calls == []
    assert str(err.value) == (f"{tmp_path / 'data/regions/beta/profile.yaml'}: data_dir data/raw is also "
                              "profile 'alpha''s; give each profile its own data folder (for example "
                              "data/regions/<id>/raw) and run again")


def test_checksum_file_is_sorted_sha256sum_format():
    lines = (RAW / "SHA256SUMS").read_text().splitlines()
    names = [line.split("  ")[1] for line in lines]
    assert names == sorted(names)
    assert {"staff.csv", "staff.cp1251.csv", "staff.xlsx", "staff.sav", "stakeholders.csv",
            "stakeholders.cp1251.csv", "stakeholders.xlsx", "stakeholders.sav", "panel.csv",
            "monitoring_log.csv", "truth.json"} <= set(names)
    assert all(len(line.split("  ")[0]) == 64 for line in lines)


def test_xlsx_and_sav_carry_no_wall_clock_time():
    with zipfile.ZipFile(RAW / "staff.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert REGION.stamp.strftime("%Y-%m-%dT%H:%M:%SZ") in core
    header = (RAW / "staff.sav").read_bytes()[:120]
    assert header[92:109] == REGION.stamp.strftime("%d %b %y%H:%M:%S").encode()


def test_cp1251_export_is_windows_1251_semicolon_crlf():
    data = (RAW / "staff.cp1251.csv").read_bytes()
    text = data.decode("cp1251")
    assert text.splitlines()[0].startswith("resp_id;unit;position")
    assert data.count(b"\r\n") == len(text.splitlines())
    with pytest.raises(UnicodeDecodeError):
        (RAW / "stakeholders.cp1251.csv").read_bytes().decode("utf-8")


# That every format (.csv, .cp1251.csv, .xlsx, .sav) reads into an equal frame is checked once,
# by tests/test_io.py::test_bundled_demo_exports_read_into_equal_frames (the same read_survey
# calls on the same bundled files; it also checks the ids and that reading changes no byte).


def test_bad_arguments_raise_one_line_errors(tmp_path, capsys):
    from ruse_research.errors import RuseError
    from ruse_research.synthetic import SyntheticError
    from ruse_research.synthetic.__main__ import main

    with pytest.raises(SyntheticError, match="seed -1 is not allowed"):
        write(tmp_path, seed=-1)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(RuseError, match="is a file; expected a folder"):
        write(a_file)
    assert main(["--out", str(a_file)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ------------------------------------------------------------------------ marking as synthetic
def test_is_synthetic(tmp_path):
    assert is_synthetic(RAW / "staff.csv")
    assert is_synthetic(RAW)
    assert not is_synthetic(tmp_path / "survey.csv")
    (tmp_path / "truth.json").write_text('{"synthetic": false}')
    assert not is_synthetic(tmp_path / "survey.csv")
    (tmp_path / "truth.json").write_text("not json")
    assert not is_synthetic(tmp_path / "survey.csv")


def test_one_synthetic_marker_for_generator_and_display():
    from ruse_research.data import marker
    from ruse_research.display import report

    assert is_synthetic is marker.is_synthetic
    assert report.is_synthetic is marker.is_synthetic
    assert marker.is_synthetic(f"{PROFILE.data_dir}/staff.csv")  # relative: from the project root


def test_truth_header(truth):
    assert truth["synthetic"] is True
    assert truth["seed"] == DEFAULT_SEED == 20190118
    assert truth["generator_version"]
    assert {"staff", "stakeholders", "panel", "monitoring", "perception_gap"} <= set(truth)


# ------------------------------------------------------------------------ sizes and coverage
def test_sizes(staff, stake):
    assert 80 <= len(staff) <= 120
    per_wave = stake.groupby("wave").size()
    assert list(per_wave.index) == [1, 2]
    assert per_wave.between(600, 1000).all()
    assert staff["resp_id"].is_unique and stake["resp_id"].is_unique


def test_all_groups_and_all_municipalities_of_the_profile_in_every_wave(stake):
    codes = {m.code for m in PROFILE.municipalities}
    assert set(stake["wave"]) == {w.wave for w in PROFILE.waves}
    for _, wave in stake.groupby("wave"):
        assert set(wave["group"]) == {1, 2, 3, 4}
        assert set(wave["municipality"]) == codes
        assert set(wave.loc[wave["group"] == 1, "municipality"]) == codes
        assert set(wave.loc[wave["group"] == 4, "municipality"]) == codes


def test_realistic_nonresponse(stake):
    raw = pd.read_csv(RAW / "stakeholders.csv")
    assert 0.02 < (raw["trust_ra"] == 97).mean() < 0.12   # don't know
    assert 0.0 < raw["trust_ra"].isna().mean() < 0.05     # skipped
    citizens = raw[raw["group"] == 1]
    assert citizens["org_invited"].isna().all()            # not asked of citizens
    no_contact = raw["contact_12m"] == 2
    assert (raw.loc[no_contact, "sat_overall"].dropna() == 98).all()  # skip pattern


def test_citizen_sample_is_skewed_so_weighting_matters(stake):
    margins = pd.read_csv(MARGINS)
    citizens = stake[stake["group"] == 1]
    women_share = (citizens["sex"] == 2).sum() / citizens["sex"].notna().sum()
    pop_women = margins.query("variable == 'sex' and category == 2")["share"].item()
    assert women_share > pop_women + 0.04
    old_share = (citizens["age_band"] == 4).sum() / citizens["age_band"].notna().sum()
    pop_old = margins.query("variable == 'age_group' and category == 2")["share"].item()
    assert old_share > pop_old + 0.05


def test_generator_margins_equal_the_reference_file():
    margins = pd.read_csv(MARGINS)
    for variable, constant in (("sex", REGION.sex_population),
                               ("age_group", REGION.age_group_population),
                               ("municipality", REGION.municipality_population)):
        rows = margins[margins["variable"] == variable]
        assert dict(zip(rows["category"], rows["population"], strict=True)) == constant
    pop = stakeholders.citizen_population(REGION)
    adults, old = sum(REGION.age_group_population.values()), REGION.age_group_population[2]
    assert len(pop) == adults
    assert abs((pop["age_band"] == 4).mean() - old / adults) < 1e-4
    if PROFILE.id == "ruse":  # the census figures of data/reference/README.md
        assert (adults, old) == (169_660, 51_731)


# ------------------------------------------------------------------------ planted effects
def _score(df, cols, reverse=()):
    m = df[cols].astype(float).copy()
    for c in reverse:
        m[c] = 6 - m[c]
    return m.mean(axis=1)


def test_training_effect_is_visible(staff, truth):
    pre = _score(staff, [f"comm_pre_{k}" for k in range(1, 6)])
    post = _score(staff, [f"comm_post_{k}" for k in range(1, 6)])
    diff = (post - pre).dropna()
    assert len(diff) >= 60
    planted = truth["staff"]["training_effect"]["mean_difference"]
    assert planted == pytest.approx(0.5, abs=0.03)
    assert diff.mean() == pytest.approx(planted, abs=0.25)
    # untrained staff are not asked after the training
    assert staff.loc[staff["trained"] == 2, "comm_post_1"].isna().all()


def test_attitude_practice_correlation_is_positive(staff, truth):
    att = _score(staff, [f"att_ben_{k}" for k in (1, 2, 3)] + [f"att_cost_{k}" for k in (1, 2, 3)],
                 reverse=("att_cost_1", "att_cost_2", "att_cost_3"))
    prac = _score(staff, [c for c in staff.columns if c.startswith("prac_")])
    r = att.corr(prac)
    assert truth["staff"]["attitude_practice"]["pearson_r"] == pytest.approx(0.4, abs=0.1)
    assert 0.15 < r < 0.65


def test_group_differences_in_trust(stake, truth):
    means = stake.groupby("group")["trust_ra"].mean()
    assert means[4] > means[2] > means[3]      # municipalities > NGOs > businesses
    assert means[4] - means[1] > 1.5
    planted = truth["stakeholders"]["trust_by_group"]["values"]["1"]
    assert planted["municipality"] > planted["ngo"] > planted["citizen"] > planted["business"]


def _rake(df, margins, iterations=50):
    df = df.assign(age_group=df["age_band"].map({1: 1, 2: 1, 3: 1, 4: 2}))
    df = df.dropna(subset=["sex", "age_group", "municipality"])
    w = np.ones(len(df))
    for _ in range(iterations):
        for variable in ("sex", "age_group", "municipality"):
            target = margins[margins["variable"] == variable].set_index("category")["share"]
            key = df[variable].astype(int)
            current = pd.Series(w, index=df.index).groupby(key).sum() / w.sum()
            w = w * key.map(target / current).to_numpy()
    return df, w


@pytest.mark.slow  # rakes the whole citizen sample
def test_weighted_citizen_trust_is_closer_to_the_truth_than_unweighted(stake, truth):
    margins = pd.read_csv(MARGINS)
    for wave in (1, 2):
        citizens = stake[(stake["group"] == 1) & (stake["wave"] == wave)]
        df, w = _rake(citizens, margins)
        ok = df["trust_ra"].notna().to_numpy()
        weighted = np.average(df["trust_ra"].to_numpy()[ok], weights=w[ok])
        unweighted = df["trust_ra"].mean()
        planted = truth["stakeholders"]["weighting_bias"]["values"][str(wave)]["trust_ra_mean"]
        assert planted["expected_unweighted"] - planted["population"] > 0.25
        assert abs(weighted - planted["population"]) < abs(unweighted - planted["population"])
        assert abs(weighted - planted["population"]) < 0.35


def test_public_image_and_awareness_improve_between_waves(stake, truth):
    citizens = stake[stake["group"] == 1]
    img = _score(citizens, ["img_1", "img_2", "img_3", "img_4"]).groupby(citizens["wave"]).mean()
    assert img[2] - img[1] > 0.15
    aware = citizens.groupby("wave")["aware_role"].apply(lambda s: (s == 1).sum() / s.notna().sum())
    assert aware[2] > aware[1]
    change = truth["stakeholders"]["wave_change"]
    assert change["public_image_mean"]["difference"] > 0.3
    assert change["aware_role_share_yes"]["difference"] > 0.1


def test_staff_rate_the_administration_better_than_stakeholders(staff, stake, truth):
    mirror = [f"mir_{k}" for k in range(1, 6)]
    gap = _score(staff, mirror).mean() - _score(stake[stake["group"] == 1], mirror).mean()
    assert gap > 0.4
    planted = truth["perception_gap"]["values"]["1"]["citizen"]["admin_image_mean"]
    assert planted == pytest.approx(0.7, abs=0.15)


def test_responsiveness_drives_trust(stake, truth):
    citizens = stake[stake["group"] == 1]
    resp = _score(citizens, ["resp_1", "resp_2", "resp_3"])
    ok = resp.notna() & citizens["trust_ra"].notna()
    slope = np.polyfit(resp[ok], citizens.loc[ok, "trust_ra"], 1)[0]
    planted = truth["stakeholders"]["trust_driver"]["slope"]["1"]
    assert slope == pytest.approx(planted, abs=0.2)


@pytest.mark.slow  # generates the demo data once whole and once per module
def test_generate_only_keeps_each_module_stream():
    full, truth = generate(11)
    part, part_truth = generate(11, only=["staff"])
    assert sorted(part) == ["staff"]
    pd.testing.assert_frame_equal(part["staff"], full["staff"])
    assert part_truth["staff"] == truth["staff"]
    assert "perception_gap" not in part_truth  # needs both surveys
    with pytest.raises(SyntheticError, match="unknown module"):
        generate(11, only=["staf"])


def test_write_only_gives_those_modules_files_as_a_full_write_does(tmp_path):
    written = write(tmp_path, seed=DEFAULT_SEED, only=["panel", "monitoring"])
    names = sorted(p.name for p in written)
    assert names == ["SHA256SUMS", "monitoring_log.csv", "panel.csv", "panel_weights.csv",
                     "truth.json"]
    for name in ("monitoring_log.csv", "panel.csv", "panel_weights.csv"):
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name
    partial = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    bundled = json.loads((RAW / "truth.json").read_text(encoding="utf-8"))
    assert sorted(partial) == ["generator_version", "monitoring", "note", "panel", "seed",
                               "synthetic"]
    assert {key: bundled[key] for key in partial} == partial


def test_staff_truth_scores_answers_as_the_package_does():
    # the Monte Carlo truths must use the notebooks' score: mean of the answered items,
    # at least half of them answered, reverse keys 6 - x
    rng = np.random.default_rng(4)
    answers = {c: np.where(rng.random(300) < 0.35, np.nan, rng.integers(1, 6, 300)).astype(float)
               for c in staff_module.ATT_ITEMS}
    ours = staff_module._score(answers, staff_module.ATT_ITEMS, staff_module.ATT_REVERSED)
    package = scales.score(pd.DataFrame(answers), staff_module.ATT_ITEMS,
                           reverse=staff_module.ATT_REVERSED, scale_min=1, scale_max=5)
    assert np.isnan(ours).sum() > 10  # the half rule is exercised
    np.testing.assert_allclose(ours, package.to_numpy(), equal_nan=True)


def test_trust_driver_truth_is_what_a_complete_case_analysis_estimates():
    # Independent check of the exact expectation over missingness patterns: put the
    # generator's own item non-response on a whole citizen population several times, score
    # with ruse_research.stats.scales.score (half rule), fit OLS on the complete cases.
    rng = np.random.default_rng(8)
    ans = stakeholders._answers(rng, stakeholders.citizen_population(), 1, 1)["answers"]
    planted = stakeholders._summaries(ans)["trust_on_responsiveness_slope"]
    trust = ans["trust_ra"].astype(float)
    complete = np.polyfit(stakeholders._scale_mean(ans, stakeholders.RESP_ITEMS), trust, 1)[0]
    slopes = []
    for _ in range(4):
        items = {}
        for col in stakeholders.RESP_ITEMS:
            dk, blank = stakeholders.NONRESPONSE[col]
            codes = inject_nonresponse(rng, ans[col], blank=blank, dont_know=dk,
                                       refused=stakeholders.REFUSED_RATE)
            values = codes.to_numpy(dtype=float, na_value=np.nan)
            items[col] = np.where(values >= DONT_KNOW, np.nan, values)
        score = scales.score(pd.DataFrame(items), stakeholders.RESP_ITEMS).to_numpy()
        ok = np.isfinite(score)
        slopes.append(np.polyfit(score[ok], trust[ok], 1)[0])
    simulated = float(np.mean(slopes))
    # the missing items attenuate the slope by about 0.01; the truth must carry that
    assert complete - simulated > 0.006
    assert simulated == pytest.approx(planted, abs=0.002)


@pytest.mark.slow  # simulates 200,000 members of each organisation
def test_organisation_model_means_match_a_large_simulated_population():
    # independent check of the closed form: simulate 200,000 members of each organisation
    # group with the generator's own answer model and compare the means
    rng = np.random.default_rng(12)
    n = 200_000
    frame = pd.DataFrame({"sex": np.ones(n, int), "age_band": np.full(n, 2),
                          "municipality": np.ones(n, int), "org_size": np.ones(n, int)})
    for group in (2, 3, 4):
        for wave in (1, 2):
            ans = stakeholders._answers(rng, frame, group, wave)["answers"]
            model = stakeholders.organisation_model_means(group, wave)
            # standard errors about 0.005 (trust, sd 2.2) and 0.002 (admin_image, sd 0.8)
            assert ans["trust_ra"].mean() == pytest.approx(model["trust_ra_mean"], abs=0.02)
            image = stakeholders._scale_mean(ans, stakeholders.MIRROR_ITEMS).mean()
            assert image == pytest.approx(model["admin_image_mean"], abs=0.008)
            assert ans["mir_5"].mean() == pytest.approx(model["mir_5_mean"], abs=0.01)


def test_organisation_truths_are_model_means(truth):
    planted = truth["stakeholders"]["trust_by_group"]["values"]["1"]
    assert planted["ngo"] == pytest.approx(
        stakeholders.organisation_model_means(2, 1)["trust_ra_mean"], abs=1e-4)
    finite = truth["stakeholders"]["organisations_finite_population"]["values"]["1"]
    # the realised finite populations scatter around the model means
    assert abs(finite["ngo"]["trust_ra_mean"] - planted["ngo"]) < 0.3


def test_scales_are_reliable(staff, stake):
    def alpha(df, cols, reverse=()):
        m = df[cols].astype(float).copy()
        for c in reverse:
            m[c] = 6 - m[c]
        m = m.dropna()
        k = m.shape[1]
        return k / (k - 1) * (1 - m.var(ddof=1).sum() / m.sum(axis=1).var(ddof=1))

    assert 0.7 <= alpha(staff, [f"att_ben_{k}" for k in (1, 2, 3)] + [f"att_cost_{k}" for k in (1, 2, 3)],
                        ("att_cost_1", "att_cost_2", "att_cost_3")) <= 0.92
    assert 0.7 <= alpha(staff, [f"comm_pre_{k}" for k in range(1, 6)]) <= 0.92
    assert 0.7 <= alpha(stake, ["img_1", "img_2", "img_3", "img_4"]) <= 0.92
    assert 0.7 <= alpha(stake, ["resp_1", "resp_2", "resp_3"]) <= 0.92


# ------------------------------------------------------------------------ open answers
def test_planted_personal_data_and_markup_are_in_the_text(stake, staff, truth):
    planted = truth["stakeholders"]["planted_text"]["items"]
    kinds = {p["kind"] for p in planted}
    assert {"email", "phone", "egn", "iban", "url", "name", "markup"} <= kinds
    by_id = stake.set_index("resp_id")["recommend"]
    for p in planted:
        assert p["value"] in by_id[p["resp_id"]]
        if p["kind"] == "egn":
            assert texts.egn_is_valid(p["value"])
        if p["kind"] == "iban":
            assert texts.iban_is_valid(p["value"])
    staff_by_id = staff.set_index("resp_id")
    for p in truth["staff"]["planted_text"]["items"]:
        assert p["value"] in staff_by_id.loc[p["resp_id"], p["column"]]


def test_open_answers_are_varied_and_some_empty(stake):
    text = stake["recommend"]
    assert 0.25 < text.isna().mean() < 0.6
    assert text.dropna().nunique() > 0.5 * text.notna().sum()


def test_egn_and_iban_checks_against_known_values():
    # EGN 7552010005 worked by hand: digits 7,5,5,2,0,1,0,0,0 x weights 2,4,8,5,10,9,7,3,6
    # = 14+20+40+10+0+9+0+0+0 = 93; 93 mod 11 = 5 -> check digit 5.
    assert texts.egn_is_valid("7552010005")
    assert not texts.egn_is_valid("7552010004")
    # 7501020018: 14+20+0+5+0+18+0+0+6 = 63; 63 mod 11 = 8 -> check digit 8.
    assert texts.egn_is_valid("7501020018")
    # Bulgarian IBAN example of the IBAN registry (Wikipedia "International Bank Account
    # Number", country format table): BG80 BNBG 9661 1020 3456 78
    assert texts.iban_is_valid("BG80BNBG96611020345678")
    assert not texts.iban_is_valid("BG81BNBG96611020345678")
