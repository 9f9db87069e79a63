"""ruse_research._yaml keeps parsed texts per process: copies that callers may change, by content."""

from __future__ import annotations

import json

import pytest

from ruse_research import _yaml, _yaml_strict


def test_a_second_load_is_an_equal_independent_copy(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("items:\n  - id: a\n    labels: {bg: а, en: a}\nwhen: 2019-01-18\n", encoding="utf-8")
    first = _yaml.load_file(path, dates=False)
    first["items"][0]["id"] = "changed by the caller"
    second = _yaml.load_file(path, dates=False)
    assert second == {"items": [{"id": "a", "labels": {"bg": "а", "en": "a"}}], "when": "2019-01-18"}
    assert second is not first and second["items"] is not first["items"]
    import datetime

    assert _yaml.load_file(path)["when"] == datetime.date(2019, 1, 18)  # dates=True parsed apart


def test_an_edited_file_is_parsed_again_even_of_the_same_size(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert _yaml.load_file(path) == {"a": 1}
    path.write_text("a: 2\n", encoding="utf-8")
    assert _yaml.load_file(path) == {"a": 2}


def test_errors_name_each_file_every_time(tmp_path):
    for name in ("x.yaml", "y.yaml"):
        (tmp_path / name).write_text("a: 1\na: 2\n", encoding="utf-8")
        with pytest.raises(_yaml.YamlError, match=rf"^{name}: line 2: key 'a' appears twice"):
            _yaml.load_file(tmp_path / name)


def test_anchors_stay_shared_within_one_document():
    value = _yaml.load("base: &b {x: 1}\nother: *b\n")
    assert value["base"] is value["other"]  # as PyYAML builds it


def test_a_stricter_alias_limit_refuses_a_text_parsed_before(tmp_path, monkeypatch):
    """The limits are part of both caches' keys: a text cached under the old limit is checked again."""
    text = "base: &b {x: 1}\none: *b\ntwo: *b\n"
    _yaml.use_parse_cache(tmp_path / "yaml.json")
    try:
        assert _yaml.load(text)["two"] == {"x": 1}
        _yaml.save_parse_cache()
        monkeypatch.setattr(_yaml, "MAX_ALIASES", 1)
        with pytest.raises(_yaml.YamlError, match="more than 1 YAML aliases"):
            _yaml.load(text, source="t.yaml")
    finally:
        _yaml.use_parse_cache(None)


def test_a_parse_cache_of_another_parser_is_not_used(tmp_path, monkeypatch):
    """A new PyYAML or a changed strict loader (another parser_identity) parses every text again."""
    cache_file = tmp_path / "yaml.json"
    text = "a: 1\n"
    _yaml.use_parse_cache(cache_file)
    try:
        _yaml._PARSED.clear()
        assert _yaml.load(text) == {"a": 1}
        _yaml.save_parse_cache()
        assert json.loads(cache_file.read_text(encoding="utf-8"))["parser"] == _yaml.parser_identity()
        parsed = []
        real_parse = _yaml_strict.parse
        monkeypatch.setattr(_yaml_strict, "parse", lambda *a: parsed.append(a) or real_parse(*a))
        for identity, expect_parsed in ((_yaml.parser_identity(), 0), ("0" * 64, 1)):
            monkeypatch.setattr(_yaml, "parser_identity", lambda identity=identity: identity)
            _yaml._PARSED.clear()
            _yaml.use_parse_cache(cache_file)
            assert _yaml.load(text) == {"a": 1}
            assert len(parsed) == expect_parsed
    finally:
        _yaml.use_parse_cache(None)
        _yaml._PARSED.clear()
