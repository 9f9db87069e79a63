"""The wording of the shared data files names the active region, never another one.

Codebooks (``data/codebooks/``) and models (``data/model/``) serve every profile: where they
name the region they name a profile field (``{region_centre}``, ``{region}`` ...), filled in
when the file is read (``ruse_research.data.region_text``). Under whichever profile is active
(``RUSE_RESEARCH_PROFILE``), the texts read from them name that profile's region and no other
profile's region centre or administration; an unknown field stops with one line naming the
file and the place.
"""

from __future__ import annotations

import pytest

from ruse_research import paths
from ruse_research.data import profile, region_text
from ruse_research.data.codebook import load_codebook
from ruse_research.errors import CodebookError
from ruse_research.stats.text import load_themes
from ruse_research.studies.participation_checklist import load_checklist
from ruse_research.studies.participation_model import ModelError, load_model

ACTIVE = profile.load()
OTHERS = [profile.load(p.parent.name) for p in sorted(paths.resolve(profile.REGIONS_DIR).glob("*/profile.yaml"))
          if p.parent.name != ACTIVE.id]
CODEBOOKS = sorted(p.stem for p in paths.codebook_dir().glob("*.yaml") if p.stem != "recommendation_themes")


def _texts() -> dict[str, str]:
    """Everything read from the shared data files, as text (one entry per file)."""
    out = {f"codebook {name}": repr(load_codebook(name)) for name in CODEBOOKS}
    out["themes"] = repr(load_themes("recommendation_themes"))
    out["participation model"] = repr(load_model())
    out["good-practice checklist"] = repr(load_checklist())
    return out


def _names(prof: profile.Profile) -> set[str]:
    return {prof.text(key, lang) for key in ("region_centre", "administration", "region") for lang in ("bg", "en")}


def test_there_is_another_profile_to_compare_with():
    assert OTHERS, "the repository holds a second region profile"


def test_shared_texts_name_the_active_region_only():
    texts = _texts()
    leftovers = {where: sorted(n for p in OTHERS for n in _names(p) if n in text)
                 for where, text in texts.items()}
    assert not {w: n for w, n in leftovers.items() if n}, "another profile's region named"
    unfilled = {where for where, text in texts.items() if region_text.PLACEHOLDER.search(text)}
    assert not unfilled, f"placeholders left unfilled in {sorted(unfilled)}"
    centre = {lang: ACTIVE.text("region_centre", lang) for lang in ("bg", "en")}
    stakeholders = load_codebook("stakeholders")
    assert stakeholders.title == {
        "bg": f"Областна администрация {centre['bg']} през погледа на гражданите и организациите",
        "en": f"Regional Administration {centre['en']} through the eyes of citizens and organisations"}
    model = load_model()
    hearing = next(m for m in model.mechanisms if m["key"] == "public_hearing")
    assert hearing["recommendation"]["en"] == (
        f"Hold public hearings on major drafts in every municipality of {ACTIVE.text('region', 'en')}, "
        f"not only in {centre['en']}.")


def test_a_codebook_text_naming_no_profile_field_gives_one_line(tmp_path):
    text = paths.resolve("data/codebooks/staff.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "staff.yaml"
    bad.write_text(text.replace("{region_centre} към", "{regoin_centre} към", 1), encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(bad)
    message = str(err.value)
    assert message.startswith("staff.yaml: title: title 'bg': placeholder {regoin_centre} is not a "
                              "field of the region profile; expected one of {administration}, ")
    assert "\n" not in message and "{region_centre}" in message


def test_a_model_text_naming_no_profile_field_names_the_file(tmp_path):
    text = paths.resolve("data/model/participation_model.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "model.yaml"
    bad.write_text(text.replace("not only in {region_centre}", "not only in {town}", 1), encoding="utf-8")
    with pytest.raises(ModelError, match=r"model\.yaml: placeholder \{town\} is not a field of the region profile"):
        load_model(bad)


def test_the_texts_of_a_named_profile_are_that_profiles():
    for other in OTHERS:
        book = load_codebook("stakeholders", profile=other)
        assert other.text("region_centre", "bg") in book.title["bg"]
        assert ACTIVE.text("region_centre", "bg") not in book.title["bg"]
