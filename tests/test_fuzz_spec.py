"""Fuzzing `dse run` with mutated specs: hostile values, deleted fields, duplicate keys, bad paths.

Whatever the mutation, the run ends with exit 0 and a complete folder, or exit 2 with exactly one
``dse: error:`` line on stderr, no traceback, and no folder that looks complete (manifest.json
is written last). The space stays tiny (AlexNet, one or two points) so each example is fast.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dse import cli

BASE = {
    "version": 1,
    "name": "fuzz",
    "workload": {"network": "alexnet", "batch": 1},
    "precision": {"policy": "pe", "default": {"w": 8, "a": 8}},
    "space": {"pe_type": ["INT8"], "pe_rows": 12, "pe_cols": [14], "glb_kib": 108, "clock_mhz": 200,
              "dram_bw_gbps": 25.6, "glb_tech": "SRAM", "node_nm": 45, "vdd_v": "nominal"},
    "mapping": {"objective": "edp"},
    "run": {"chunk_points": 100000},
}

HOSTILE = st.one_of(
    st.sampled_from([None, "", "x" * 300, "../../etc/passwd", "a\0b", "INT8", "nominal", True, [], {},
                     [None], [1, 1], {"a": 1}, 0, -1, 1, 2, 8, 0.5, 7.5]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
# Physically absurd magnitudes (issue 15's first class): the parameter schema of dse/params.py
# (the core engineer's) refuses them with one line; until it is on main they end in tracebacks.
EXTREMES = st.sampled_from([1.0e-300, 1.0e308, 2**63, 2**31, 1e30, 5e-324, -0.0, 4097, 10**6])
PARAM_SCHEMA = importlib.util.find_spec("dse.params") is not None
BAD_PATHS = st.sampled_from(["missing.onnx", ".", "/dev/null", "/dev/null/x.onnx", "spec.yaml", "dir",
                             "\0.onnx", "a" * 300 + ".onnx"])


# Each example runs `dse run` in-process; DSE_FUZZ_EXAMPLES=500 fuzzes harder outside the suite.
SLOW_OK = {"deadline": None,
           "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


def _paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))


def _set(tree, path, value):
    for k in path[:-1]:
        tree = tree[k]
    tree[path[-1]] = value


def _delete(tree, path):
    for k in path[:-1]:
        tree = tree[k]
    del tree[path[-1]]


@st.composite
def mutated_specs(draw, values=HOSTILE):
    spec = copy.deepcopy(BASE)
    paths = [p for p in _paths(spec) if p]
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(spec) if p]
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "replace", "delete", "onnx"]))
        try:
            if kind == "delete":
                _delete(spec, path)
            elif kind == "onnx":
                spec["workload"] = {"onnx": draw(BAD_PATHS)}
            else:
                _set(spec, path, draw(values))
        except (KeyError, TypeError):
            pass  # the path went away with an earlier mutation
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    if draw(st.booleans()) and lines:  # a duplicated line: a duplicate key at its level
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i + 1, lines[i])
    return "\n".join(lines) + "\n"


@settings(max_examples=int(os.environ.get("DSE_FUZZ_EXAMPLES", 40)), **SLOW_OK)
@given(text=mutated_specs())
def test_mutated_spec_is_one_line_or_a_complete_run(tmp_path_factory, text):
    _check_run(tmp_path_factory, text)


def _check_run(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("fz")
    (folder / "dir").mkdir()
    spec = folder / "spec.yaml"
    spec.write_text(text)
    out = folder / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            contextlib.chdir(folder):
        code = cli.main(["run", str(spec), "--out", str(out), "--no-progress"])
    err = stderr.getvalue()
    assert "Traceback" not in err
    if code == 0:
        assert (out / "manifest.json").is_file(), err
        return
    lines = [line for line in err.splitlines() if not line.startswith("dse: warning: ")]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("dse: error: "), err
    assert not (out / "manifest.json").exists()


@pytest.mark.skipif(not PARAM_SCHEMA, reason="the physical-range schema (dse/params.py) is not on main yet")
@settings(max_examples=int(os.environ.get("DSE_FUZZ_EXAMPLES", 20)), **SLOW_OK)
@given(text=mutated_specs(values=st.one_of(EXTREMES, HOSTILE)))
def test_physical_extremes_are_one_line_or_a_complete_run(tmp_path_factory, text):
    _check_run(tmp_path_factory, text)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=BAD_PATHS)
def test_bad_spec_paths(tmp_path_factory, path):
    folder = tmp_path_factory.mktemp("fp")
    (folder / "dir").mkdir()
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.chdir(folder):
        code = cli.main(["run", path, "--out", str(folder / "out"), "--no-progress"])
    lines = stderr.getvalue().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("dse: error: "), stderr.getvalue()


def test_the_base_spec_runs(tmp_path: Path):
    """The unmutated spec is valid, so the fuzz examples start from a run that completes."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(BASE))
    with contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert (tmp_path / "out" / "manifest.json").is_file()
