"""dse.yaml_safe: duplicate keys, alias bombs, encodings and unreadable files are one line each."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import yaml_safe
from dse.errors import UserError

KEY = st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True)
SCALAR = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.from_regex(r"[a-z]{1,6}", fullmatch=True))
DOC = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(KEY, inner, max_size=4)), max_leaves=20)


def _one_line(exc: pytest.ExceptionInfo, *parts: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, msg
    return msg


@settings(max_examples=60, deadline=None)
@given(DOC)
def test_round_trip_of_any_document_without_duplicates(doc):
    """Whatever PyYAML writes, the checked loader reads back unchanged (no false refusals)."""
    text = yaml.safe_dump(doc)
    assert yaml_safe.load(text, "d.yaml") == doc


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(KEY, SCALAR, min_size=1, max_size=6), st.data())
def test_any_duplicated_key_is_refused_with_both_lines(mapping, data):
    """A key written twice, at any depth, names the path and both line numbers."""
    key = data.draw(st.sampled_from(sorted(mapping)))
    depth = data.draw(st.integers(0, 2))
    lines = [f"{k}: {yaml.safe_dump(v).splitlines()[0]}" for k, v in mapping.items()]
    lines.append(f"{key}: 1")  # the duplicate, last
    prefix = ""
    for level in range(depth):
        prefix += f"n{level}."
    indent = "  " * depth
    head = [f"{'  ' * i}n{i}:" for i in range(depth)]
    text = "\n".join(head + [indent + line for line in lines]) + "\n"
    first = depth + 1 + list(mapping).index(key)
    with pytest.raises(UserError) as exc:
        yaml_safe.load(text, "s.yaml")
    _one_line(exc, "s.yaml", f"duplicate key '{prefix}{key}'", f"at line {len(head) + len(lines)}",
              f"first at line {first}")


def test_merge_keys_may_be_overridden():
    text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n"
    assert yaml_safe.load(text, "m.yaml")["d"] == {"x": 3, "y": 2}


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.integers(1, 30))
def test_alias_expansion_is_bounded_and_refused_quickly(width, depth):
    """An alias chain is refused exactly when its expansion exceeds the bound, in well under a second,
    with a short message; below the bound it loads."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, depth)]
    text = "\n".join(lines) + "\n"
    sizes = [1 + width]  # nodes of l_i with its aliases expanded: the list plus its items
    for _ in range(1, depth):
        sizes.append(1 + width * sizes[-1])
    total = 1 + sum(1 + s for s in sizes)  # the top mapping, each key and each value
    t0 = time.perf_counter()
    if total <= yaml_safe.MAX_EXPANDED_NODES:
        assert len(yaml_safe.load(text, "b.yaml")) == depth
        return
    with pytest.raises(UserError) as exc:
        yaml_safe.load(text, "b.yaml")
    assert time.perf_counter() - t0 < 1.0
    msg = _one_line(exc, "b.yaml", "aliases expand to more than")
    assert len(msg) < 200


def test_recursive_alias_and_deep_nesting():
    with pytest.raises(UserError) as exc:
        yaml_safe.load("a: &x [1, *x]\n", "r.yaml")
    _one_line(exc, "r.yaml", "recursive alias")
    with pytest.raises(UserError) as exc:
        yaml_safe.load("a: " + "[" * 5000 + "]" * 5000 + "\n", "d.yaml")
    _one_line(exc, "d.yaml", "nested too deeply")


def test_brief_never_expands():
    x: list = ["lol"] * 9
    for _ in range(30):  # 9**30 leaves if expanded
        x = [x] * 9
    assert len(yaml_safe.brief(x)) < 100
    assert len(yaml_safe.brief("y" * 10**6)) < 100


@settings(max_examples=30, deadline=None)
@given(DOC, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_unicode_encodings_with_a_bom_read_the_same(doc, codec):
    text = yaml.safe_dump(doc, allow_unicode=True) + "# caf\u00e9 \u00b5m\n"
    assert yaml_safe.load(yaml_safe.decode(text.encode(codec), "e.yaml"), "e.yaml") == doc


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_any_bytes_are_text_or_one_line(data):
    """Arbitrary bytes (latin-1, UTF-16 without BOM, control characters): a value or one UserError."""
    try:
        yaml_safe.load(yaml_safe.decode(data, "x.yaml"), "x.yaml")
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("x.yaml: ")


@pytest.mark.parametrize(
    "data, expected",
    [
        ("name: caf\u00e9\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at line 1, column 10)"),
        ("name: a\n".encode("utf-16-le"), "NUL byte in the text (UTF-16 without a byte-order mark?"),
        (b"name: a\x07\n", "line 1: not valid YAML (character #x0007 is not allowed"),
    ],
)
def test_encoding_errors(data, expected):
    with pytest.raises(UserError) as exc:
        yaml_safe.load(yaml_safe.decode(data, "e.yaml"), "e.yaml")
    _one_line(exc, "e.yaml: ", expected)


def test_file_hazards(tmp_path: Path, monkeypatch):
    with pytest.raises(UserError) as exc:
        yaml_safe.load_file(tmp_path, "spec file")
    _one_line(exc, f"{tmp_path}: is a directory; expected a spec file")
    with pytest.raises(UserError) as exc:
        yaml_safe.load_file(tmp_path / "none.yaml", "spec file")
    _one_line(exc, "none.yaml: spec file not found")
    spec = tmp_path / "locked.yaml"
    spec.write_text("a: 1\n")

    def denied(self):  # the suite may run as root, for whom chmod 000 still reads
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(UserError) as exc:
        yaml_safe.load_file(spec, "spec file")
    _one_line(exc, "locked.yaml: cannot read the spec file: Permission denied")
