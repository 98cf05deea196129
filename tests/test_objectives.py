"""The objective registry (dse.objectives): the spec chooses the Pareto front's objectives from it, the
mapping search takes its codes, the precision export ranks by every entry; a new entry needs no
other change."""

import numpy as np
import pandas as pd
import pytest
import yaml

from dse import objectives, precision_export
from dse import spec as spec_mod
from dse.errors import UserError
from dse.mapping import OBJECTIVE_CODES
from dse.pareto import front_mask

BASE = "version: 1\nname: o\nworkload: {network: alexnet}\n"


def parse(extra: str):
    return spec_mod.parse(yaml.safe_load(BASE + extra), "o.yaml")


def test_default_front_is_energy_latency_and_spec_chooses_others():
    assert parse("").pareto_objectives == ("energy", "latency")
    s = parse("pareto: {objectives: [energy, latency, area, perf_per_area]}")
    assert s.pareto_objectives == ("energy", "latency", "area", "perf_per_area")


@pytest.mark.parametrize("extra, message", [
    ("pareto: {objectives: [energy]}", "pareto.objectives: got ['energy']; expected a list of 2 to 4"),
    ("pareto: {objectives: [energy, latency, area, edp, perf_per_area]}", "expected a list of 2 to 4"),
    ("pareto: {objectives: [energy, speed]}", "pareto.objectives[1]: got 'speed'; expected one of"),
    ("pareto: {objectives: [energy, energy]}", "pareto.objectives: duplicate objectives"),
    ("pareto: {objectives: energy}", "pareto.objectives: got 'energy'"),
    ("mapping: {objective: area}", "mapping.objective: got 'area'; expected one of ['energy', 'latency', 'edp']"),
])
def test_bad_objectives_one_line(extra, message):
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(extra)


def test_mapping_codes_come_from_the_registry():
    assert OBJECTIVE_CODES == {n: o.mapping_code for n, o in objectives.OBJECTIVES.items()
                               if o.mapping_code is not None} == {"energy": 0, "latency": 1, "edp": 2}
    assert spec_mod.OBJECTIVES == tuple(OBJECTIVE_CODES)


def test_front_negates_maximised_objectives():
    df = pd.DataFrame({"energy_pj": [1.0, 2.0, 3.0], "perf_per_area_gops_per_mm2": [1.0, 5.0, 4.0]})
    np.testing.assert_array_equal(objectives.front(df, ["energy", "perf_per_area"]), [True, True, False])
    np.testing.assert_array_equal(objectives.front(df, ["energy", "perf_per_area"]),
                                  front_mask(np.c_[df["energy_pj"], -df["perf_per_area_gops_per_mm2"]]))


def test_a_new_objective_is_one_registry_entry(monkeypatch):
    """E.g. quant's quant_error: registered, it is accepted in the spec and ranked in the export."""
    new = objectives.Objective("quant_error", "quant_error", "", objectives.MIN, "accuracy loss")
    monkeypatch.setitem(objectives.OBJECTIVES, "quant_error", new)
    assert precision_export.OBJECTIVES["quant_error"] == ("quant_error", True)  # the report's view
    assert parse("pareto: {objectives: [energy, quant_error]}").pareto_objectives == ("energy", "quant_error")
    df = pd.DataFrame({"point_id": [7, 8, 9], "energy_pj": [3.0, 2.0, 1.0], "latency_s": [1.0, 1.0, 1.0],
                       "edp_pj_s": [3.0, 2.0, 1.0], "area_mm2": [1.0, 1.0, 1.0],
                       "perf_per_area_gops_per_mm2": [1.0, 1.0, 1.0], "quant_error": [0.1, 0.3, 0.2]})
    assert precision_export.best_points(df)["quant_error"] == 7
    np.testing.assert_array_equal(objectives.front(df, ["energy", "quant_error"]), [True, False, True])
