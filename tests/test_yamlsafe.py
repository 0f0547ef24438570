"""The safe YAML loader: data, line mapping, and refusal of hostile or malformed input."""

from __future__ import annotations

import threading

import pytest

from lineage.errors import ConfigError
from lineage.yamlsafe import MAX_DEPTH, YamlError, load_yaml

SPEC = """\
version: 1
datasets:
  - id: wiki
    role: origin
  -
    id: drive
    columns:
      - {name: title}
      - name: body
        type: text
flows:
  - {from: [wiki], through: chunker, to: [chunks]}
"""


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _error(text: str | bytes, **limits: int) -> YamlError:
    with pytest.raises(YamlError) as caught:
        load_yaml(text, "specs/p.yaml", **limits)
    return caught.value


def test_loads_plain_data_from_text_and_bytes() -> None:
    from_text, _ = load_yaml(SPEC, "p.yaml")
    from_bytes, _ = load_yaml(SPEC.encode(), "p.yaml")
    assert from_text == from_bytes
    assert isinstance(from_text, dict)
    assert from_text["datasets"][1]["columns"][1] == {"name": "body", "type": "text"}


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ((), 1),
        (("version",), 1),
        (("datasets",), 2),
        (("datasets", 0), 3),
        (("datasets", 0, "role"), 4),
        (("datasets", 1, "id"), 6),
        (("datasets", 1, "columns", 1), 9),
        (("datasets", 1, "columns", 1, "type"), 10),
        (("flows", 0, "through"), 12),
    ],
)
def test_locator_maps_paths_to_lines(path: tuple[str | int, ...], line: int) -> None:
    _, where = load_yaml(SPEC, "p.yaml")
    assert where.line(path) == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("datasets", 0, "no_such_key"), 3),
        (("datasets", 7, "role"), 2),
        (("datasets", 1, "columns", 1, "type", "deeper"), 10),
        (("datasets", "not-an-index"), 2),
        (("missing",), 1),
    ],
)
def test_locator_falls_back_to_the_nearest_ancestor(path: tuple[str | int, ...], line: int) -> None:
    _, where = load_yaml(SPEC, "p.yaml")
    assert where.line(path) == line


def test_empty_document_loads_as_none() -> None:
    data, where = load_yaml("# nothing here\n", "p.yaml")
    assert data is None
    assert where.line(("anything",)) == 1


def test_scalars_follow_the_yaml_1_2_core_schema() -> None:
    data, _ = load_yaml(
        "region: NO\nflag: on\nok: true\nwhen: 2024-01-01\nclock: 1:30\nzero: 012\n"
        "hex: 0x1f\nnum: 1.5\nexp: 1e3\nnothing: ~\n",
        "p.yaml",
    )
    assert data == {
        "region": "NO", "flag": "on", "ok": True, "when": "2024-01-01", "clock": "1:30", "zero": "012",
        "hex": 31, "num": 1.5, "exp": 1000.0, "nothing": None,
    }


def test_aliases_within_the_limit_are_expanded() -> None:
    data, where = load_yaml("base: &b {x: 1, y: [2, 3]}\ncopy: *b\nmerged:\n  <<: *b\n  y: 4\n", "p.yaml")
    assert isinstance(data, dict)
    assert data["copy"] == {"x": 1, "y": [2, 3]}
    assert data["merged"] == {"x": 1, "y": 4}
    assert where.line(("merged", "y")) == 5
    assert where.line(("merged", "x")) == 1  # a merged key points at its anchor


def test_small_bomb_under_the_limit_loads() -> None:
    data, _ = load_yaml(_bomb(3, width=3), "p.yaml", max_nodes=1_000)
    assert isinstance(data, dict)
    assert len(data["a3"][0][0]) == 3


def _without_expanding(text: str) -> YamlError:
    """The error for `text`, from a thread given two minutes: loading that expanded the aliases
    would never end, so a refusal that returns at all was made without expanding them."""
    errors: list[YamlError] = []
    worker = threading.Thread(target=lambda: errors.append(_error(text)), daemon=True)
    worker.start()
    worker.join(120)
    assert errors, "no refusal within two minutes (still loading, or loaded without one)"
    return errors[0]


def test_yaml_bomb_is_refused_without_expanding_it() -> None:
    error = _without_expanding(_bomb(30))  # 9**30 nodes once expanded
    assert "expands to more than" in error.reason
    assert error.line == 7  # a6 = 9**7 nodes is the first anchor over the limit, not the end of the file


def test_node_limit_counts_expanded_aliases() -> None:
    text = _bomb(2, width=10)  # about 1,100 nodes once expanded, 40 as written
    load_yaml(text, "p.yaml", max_nodes=5_000)
    assert "expands to more than 500 nodes" in _error(text, max_nodes=500).reason


def test_merge_key_bomb_is_refused() -> None:
    lines = ["m0: &m0 {k0: v, k1: v}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}, *m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)]
    assert "expands to more than" in _without_expanding("\n".join(lines) + "\n").reason


def test_recursive_alias_is_refused() -> None:
    error = _error("a: &a [1, *a]\n")
    assert "contains it" in error.reason


def test_oversized_input_is_refused_before_parsing() -> None:
    error = _error("a: " + "x" * 100, max_bytes=50)
    assert (error.line, "over the limit of 50 bytes" in error.reason) == (1, True)


def test_oversized_text_counts_utf8_bytes() -> None:
    assert "bytes" in _error("a: " + "é" * 30, max_bytes=40).reason


def test_binary_garbage_is_refused_with_its_line() -> None:
    error = _error(b"a: 1\nb: 2\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert isinstance(error, ConfigError)
    assert str(error) == "specs/p.yaml:5: binary data (a NUL byte), not YAML text"


def test_control_characters_are_refused() -> None:
    error = _error("a: 1\nb: \x07bell\n")
    assert (error.line, "U+0007" in error.reason) == (2, True)


def test_invalid_utf8_is_refused_with_its_line() -> None:
    error = _error(b"a: 1\nb: caf\xe9\n")
    assert (error.line, "UTF-8" in error.reason) == (2, True)


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert load_yaml(b"\xef\xbb\xbfa: 1\n", "p.yaml")[0] == {"a": 1}


def test_duplicate_keys_name_both_lines() -> None:
    error = _error("datasets:\n  - id: a\n    role: origin\n    name: x\n    role: store\n")
    assert str(error) == "specs/p.yaml:5: duplicate key 'role' (first at line 3)"


def test_multiple_documents_are_refused() -> None:
    error = _error("a: 1\n---\nb: 2\n")
    assert error.line == 2
    assert "second YAML document" in error.reason


@pytest.mark.parametrize(
    ("text", "shown"),
    [("1: one\n", "'1'"), ("null: x\n", "'null'"), ("true: x\n", "'true'"), ("? [a, b]\n: x\n", "sequence")],
)
def test_non_string_keys_are_refused(text: str, shown: str) -> None:
    error = _error(text)
    assert shown in error.reason
    assert error.line == 1


def test_yaml_1_1_booleans_are_string_keys() -> None:
    assert load_yaml("on: push\nno: 1\n", "p.yaml")[0] == {"on": "push", "no": 1}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !!python/name:os.system\n",
        "a: !!binary aGVsbG8=\n",
        "a: !Ref Bucket\n",
        "a: !!set {x, y}\n",
    ],
)
def test_unsafe_and_non_json_tags_are_refused(text: str) -> None:
    assert "is not supported" in _error(text).reason


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    error = _error("a: " + "[" * 10_000 + "]" * 10_000)
    assert f"deeper than {MAX_DEPTH}" in error.reason


def test_syntax_error_gives_file_and_line() -> None:
    error = _error("a: 1\nb: [1, 2\nc: 3\n")
    assert str(error).startswith("specs/p.yaml:")
    assert "invalid YAML" in error.reason
    assert error.line >= 2


def test_undefined_alias_is_an_error_with_its_line() -> None:
    error = _error("a: 1\nb: *nope\n")
    assert (error.line, "nope" in error.reason) == (2, True)
