"""The sentences of the stakeholder report that depend on the design in the data.

Which sentences a report states depends on what the data allow: the weights' design
effects per wave, the findings whose numbers exist (no change with one wave, no gap without
a staff file) and the notes that say what could not be estimated and why
(:class:`ruse_research.studies.stakeholders.Note`). The texts come from the study's
catalog through a :class:`~ruse_research.studies.stakeholder_tables.Labels` (its ``t``
and label sets); this module imports no display code.

Examples
--------
>>> from ruse_research.studies.stakeholders import Note
>>> class T:
...     lang = "en"
...     def __call__(self, key, **values):
...         return f"{key}: {values}"
...     def __contains__(self, key):
...         return True
>>> from ruse_research.studies.stakeholder_tables import Labels
>>> names = Labels(T(), {"group": {2: "NGOs"}, "wave_short": {1: "W1"}})
>>> note_text(Note("estimates", "note_groups_absent", (2,)), names)
"note_groups_absent: {'groups': 'NGOs'}"
"""

from __future__ import annotations

from ruse_research.studies.keyfinding import KeyFinding
from ruse_research.studies.stakeholders import KeyFindings, Note, StakeholderResults

__all__ = ["all_notes", "figure_captions", "findings", "key_findings", "note_text", "notes",
           "weights_sentences"]


def _join(items) -> str:
    return ", ".join(str(i) for i in items)


def note_text(note: Note, names) -> str:
    """The sentence of one note in the catalog's language."""
    t, v = names.t, note.values
    groups = names.sets.get("group", {})
    waves = names.sets.get("wave_short", {})
    municipalities = names.sets.get("municipality", {})
    if note.key == "note_groups_absent":
        return t(note.key, groups=_join(groups.get(g, g) for g in v))
    if note.key == "note_own_weights":
        return t(note.key, column=v[0])
    if note.key == "note_pooled_strata":
        cells = _join(f"{municipalities.get(int(m), m) if str(m).isdigit() else m} "
                      f"({waves.get(w, w)})" for w, m in v)
        return t(note.key, cells=cells)
    if note.key == "note_sparse_municipalities":
        wave, codes = v
        return t(note.key, wave=waves.get(wave, wave),
                 municipalities=_join(municipalities.get(c, c) for c in codes))
    if note.key == "note_contrast_reference":
        return t(note.key, reference=groups.get(v[0], v[0]))
    if note.key == "note_trim_failed":
        return t(note.key, lower=v[0], upper=v[1])
    if note.key == "note_one_wave":
        return t(note.key, wave=waves.get(v[0], v[0]))
    if note.key == "note_first_latest":
        return t(note.key, first=waves.get(v[0], v[0]), latest=waves.get(v[1], v[1]))
    return t(note.key)


def notes(results: StakeholderResults, section: str, names) -> list[str]:
    """The notes of one report section, as sentences."""
    return [note_text(n, names) for n in results.notes_for(section)]


def all_notes(results: StakeholderResults, names) -> list[str]:
    """Every note once, in report order: what the report could not estimate and why."""
    seen: dict[str, None] = {}
    for note in results.notes:
        seen.setdefault(note_text(note, names))
    return list(seen)


def weights_sentences(results: StakeholderResults, names) -> list[str]:
    """The design effect and effective n of the citizens' weights, for every wave."""
    t, diag = names.t, results.diagnostics.set_index("wave")
    if diag.empty:
        return []
    waves = list(diag.index)
    if len(waves) == 2:
        first, second = waves
        return [t("weights_text", deff_1=t.num(diag.loc[first, "deff"]),
                  deff_2=t.num(diag.loc[second, "deff"]),
                  neff_1=t.int(round(diag.loc[first, "n_effective"])),
                  neff_2=t.int(round(diag.loc[second, "n_effective"])))]
    short = names.sets.get("wave_short", {})
    values = _join(f"{short.get(w, w)}: {t.num(diag.loc[w, 'deff'])} "
                   f"({t.int(round(diag.loc[w, 'n_effective']))})" for w in waves)
    return [t("weights_text_waves", values=values)]


def findings(key: KeyFindings, names) -> list[str]:
    """The findings sentences whose numbers the design gave (``None`` numbers are left
    out; the notes say why)."""
    return [item.text for item in key_findings(key, names)]


def key_findings(key: KeyFindings, names) -> list[KeyFinding]:
    """The key findings the design gives, with n, 95% CIs, effect sizes and their tables."""
    t, groups = names.t, names.sets["group"]
    short = names.sets.get("wave_short", {})
    first, latest = short.get(key.first_wave, key.first_wave), short.get(key.latest_wave,
                                                                          key.latest_wave)
    n, std = key.n, key.std

    def count(name):
        return t.int(n[name]) if name in n else "–"

    out = []
    if key.unweighted_trust is not None and key.weighted_trust is not None:
        out.append(KeyFinding(
            t("finding_weighting" if key.unweighted_trust > key.weighted_trust else "finding_weighting_under",
              first=first, unweighted=t.num(key.unweighted_trust), weighted=t.num(key.weighted_trust),
              n=count("weighting")), "table:weighting_sensitivity"))
    contrast = ("d", std["top_contrast"]) if "top_contrast" in std else None
    out.append(KeyFinding(
        t("finding_groups", latest=latest, top_group=groups[key.top_group], top=t.ci(*key.top),
          n_top=count("top"), low_group=groups[key.low_group], low=t.ci(*key.low), n_low=count("low"),
          diff=t.ci(*key.top_contrast) if key.top_contrast else "–"),
        "figure:trust_by_group", contrast))
    if key.image_change is not None and key.aware_change is not None:
        effect = ("d", std["image_change"]) if "image_change" in std else None
        out.append(KeyFinding(
            t("finding_change", diff=t.ci(*key.image_change), n1=count("change_1"), n2=count("change_2"),
              aware=t.ci(*(100 * v for v in key.aware_change), digits=1)),
            "table:change_between_waves", effect))
    if key.slope is not None:
        out.append(KeyFinding(t("finding_driver", latest=latest, slope=t.ci(*key.slope), n=count("slope")),
                              "table:driver_trust_slope"))
    if key.trust_odds is not None:
        period = first if key.first_wave == key.latest_wave else f"{first}–{latest}"
        out.append(KeyFinding(t("finding_ordinal", odds=t.ci(*key.trust_odds), period=period,
                                n=count("ordinal")), "table:driver_trust_ordinal"))
    if key.citizen_gap is not None:
        gap, gap_low, gap_high = key.citizen_gap
        sign = 1 if gap >= 0 else -1  # the sentence states the direction in words
        muni = t.ci(*key.municipality_gap) if key.municipality_gap is not None else "–"
        out.append(KeyFinding(
            t("finding_gap" if sign > 0 else "finding_gap_negative", latest=latest,
              gap=t.ci(sign * gap, *sorted([sign * gap_low, sign * gap_high])), gap_muni=muni,
              n_staff=count("staff"), n_citizens=count("citizens")),
            "table:perception_gap"))
    out.append(KeyFinding(t("finding_theme", theme=names.sets["theme"][key.top_theme],
                            share=t.pct(key.top_theme_share), n=count("theme")),
                          "table:recommendation_themes"))
    return out


def _latest(frame, value: str):
    """The rows of the latest wave that have a ``value``, highest first."""
    rows = frame.dropna(subset=[value])
    if rows.empty:
        return rows
    return rows[rows["wave"] == rows["wave"].max()].sort_values(value, ascending=False)


def _top_low(results: StakeholderResults, variable: str, names) -> str | None:
    """The groups with the highest and lowest estimate of ``variable`` in the latest wave."""
    t, groups = names.t, names.sets["group"]
    short = names.sets.get("wave_short", {})
    rows = _latest(results.estimates[results.estimates["variable"] == variable], "estimate")
    if len(rows) < 2:
        return None
    top, low = rows.iloc[0], rows.iloc[-1]
    return t("caption_top_low", wave=short.get(top["wave"], top["wave"]),
             top_group=groups.get(top["group"], top["group"]), top=t.num(top["estimate"]),
             low_group=groups.get(low["group"], low["group"]), low=t.num(low["estimate"]))


def _ipa_takeaway(results: StakeholderResults, names) -> str | None:
    """The aspect whose performance falls furthest short of its importance."""
    ipa = results.ipa.dropna(subset=["importance", "performance"])
    if ipa.empty:
        return None
    row = ipa.loc[(ipa["importance"] - ipa["performance"]).idxmax()]
    t = names.t
    return t("caption_ipa", aspect=names.sets["aspect"].get(row["aspect"], row["aspect"]),
             importance=t.num(row["importance"]), performance=t.num(row["performance"]))


def _gap_takeaway(results: StakeholderResults, names) -> str | None:
    """The group whose admin_image differs most from the staff's, in the latest wave."""
    gaps = results.gaps
    if gaps.empty:
        return None
    rows = _latest(gaps[gaps["variable"] == "admin_image"], "difference")
    if rows.empty:
        return None
    row = rows.loc[rows["difference"].abs().idxmax()]
    t, short = names.t, names.sets.get("wave_short", {})
    return t("caption_gap", wave=short.get(row["wave"], row["wave"]),
             group=names.sets["group"].get(row["group"], row["group"]),
             gap=t.ci(row["difference"], row["ci_low"], row["ci_high"]))


def figure_captions(results: StakeholderResults, names) -> dict[str, str]:
    """Every figure's caption: what it shows (from the results) and then what is plotted.

    A figure whose takeaway the design does not give (one group, no staff file) keeps the
    plain description.
    """
    t = names.t
    takeaways = {
        "trust_by_group": (_top_low(results, "trust_ra", names), "trust_figure_caption"),
        "image_by_wave": (_top_low(results, "public_image", names), "change_figure_caption"),
        "importance_performance": (_ipa_takeaway(results, names), "ipa_figure_caption"),
        "perception_gap_score": (_gap_takeaway(results, names), "gap_figure_caption"),
    }
    return {name: t(key) if text is None else t("caption_with_takeaway", say=text, fig=t(key))
            for name, (text, key) in takeaways.items()}
