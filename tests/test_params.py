"""The parameter schema (dse.params): the README's table is generated from it, absurd values are refused
in one line naming the file, the field, the value and the range, and every accepted value yields
finite, positive energy, latency and area."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dse import cli, design, params, sweep
from dse import spec as spec_mod
from dse.errors import UserError
from dse.network import evaluate

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_parameter_table_is_the_schema():
    text = README.read_text()
    start = text.index("| parameter | meaning | values | default | range from |")
    end = text.index("\n\n", start) + 1
    assert text[start:end] == params.markdown_table()


def test_every_numeric_parameter_has_a_sourced_range():
    for p in params.SPACE.values():
        if not p.choices:
            assert p.minimum is not None and p.maximum is not None and p.minimum <= p.maximum, p.name
            assert p.bound, p.name


SPEC = "version: 1\nname: absurd\nworkload: {{network: alexnet{workload}}}\nspace:\n  pe_type: INT8\n{space}"
ABSURD = ["1.0e-300", "1.0e+308", str(2**63), ".nan", ".inf", "-.inf", "true", "-1", "0", "10" * 30]


@pytest.mark.parametrize("field", ["clock_mhz", "dram_bw_gbps", "pe_rows", "glb_kib", "spad_psum_words",
                                   "glb_banks", "batch"])
@pytest.mark.parametrize("value", ABSURD)
def test_absurd_values_get_one_line_with_file_field_value_and_range(tmp_path, capsys, field, value):
    if field == "batch":
        text = SPEC.format(workload=f", batch: {value}", space="")
        where, p = "workload.batch", params.BATCH
    else:
        text = SPEC.format(workload="", space=f"  {field}: {value}\n")
        where, p = f"space.{field}", params.SPACE[field]
    path = tmp_path / "absurd.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    assert cli.main(["run", str(path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert f"absurd.yaml: {where}: got " in err, err
    assert p.expected() in err, err  # the range, with its unit
    shown = re.search(r"got (.*?); expected", err).group(1)
    assert len(shown) <= params.MAX_SHOWN_CHARS, shown
    assert not out.exists()


def _value(p: params.Param):
    """A strategy over the values ``p`` accepts: its range end points and log-uniform values between."""
    if p.choices:
        return st.sampled_from(p.choices)
    if p.allowed:
        return st.sampled_from(p.allowed)
    lo, hi = max(p.minimum, 1e-6), p.maximum
    inner = st.floats(math.log(lo), math.log(hi)).map(math.exp).map(lambda x: min(max(x, p.minimum), hi))
    if p.kind is int:
        inner = inner.map(lambda x: min(max(round(x), int(p.minimum)), int(hi)))
    return st.one_of(st.sampled_from([p.minimum, p.maximum]), inner).map(p.kind)


NUMERIC = [n for n, p in params.SPACE.items() if not p.choices and n not in ("vdd_v", "memory_vdd_v")]  # relative to the node / roadmap


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=4, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({n: _value(params.SPACE[n]) for n in names})),
    st.sampled_from(params.SPACE["dataflow"].choices), st.sampled_from(["INT2", "INT8", "FP16", "LightPE-1"]),
    st.integers(1, 8))
def test_every_accepted_spec_yields_finite_positive_costs(values, dataflow, pe_type, batch):
    raw = {"version": 1, "name": "prop", "workload": {"network": "alexnet", "batch": batch},
           "space": {**values, "dataflow": dataflow, "pe_type": pe_type}}
    spec = spec_mod.parse(raw, "prop.yaml")
    try:
        sweep.preflight(spec)  # the memory model may still refuse a GLB organisation: not accepted
    except UserError:
        assume(False)
    t = evaluate(design.batch(spec), sweep.prepare_workload(spec), spec.mapping_objective)
    for col in ("energy_pj", "latency_cycles", "latency_s", "area_mm2"):
        x = t[col].to_numpy()
        assert np.all(np.isfinite(x)) and np.all(x > 0), (col, values, x)
