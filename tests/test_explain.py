"""`dse explain OUT --point ID` and layers.parquet: the mapping each layer got, consistent with the sweep."""

import numpy as np
import pandas as pd
import pytest

from dse import cli, results
from dse.actions import BREAKDOWN_COLUMNS
from dse.mapping import STALLS

SPEC = """version: 1
name: explain
workload: {network: mobilenetv2}
space:
  pe_type: [INT8]
  pe_rows: [12, 16]
  pe_cols: [14]
  glb_kib: [32, 256]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
mapping: {objective: edp}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("explain")
    (tmp / "s.yaml").write_text(SPEC)
    assert cli.main(["run", str(tmp / "s.yaml"), "--out", str(tmp / "out"), "--no-progress"]) == 0
    return tmp / "out"


def test_layers_parquet_has_every_layer_of_every_front_design(out):
    layers = pd.read_parquet(out / "layers.parquet")
    front = pd.read_csv(out / "pareto.csv")
    n_layers = layers.groupby("point_id").size()
    assert set(n_layers.index) == set(front["point_id"]) and (n_layers == n_layers.iloc[0]).all()
    # its per-layer figures add up to the sweep's totals of the same points
    res = results.load(out).set_index("point_id").loc[front["point_id"]]
    by_point = layers.groupby("point_id")[["energy_pj", "latency_cycles", "compute_cycles"]].sum()
    for col in by_point:
        np.testing.assert_allclose(by_point.loc[res.index, col], res[col], rtol=1e-9, err_msg=col)
    np.testing.assert_allclose(layers[list(BREAKDOWN_COLUMNS)].sum(axis=1), layers["energy_pj"], rtol=1e-9)
    np.testing.assert_allclose(layers[["compute_cycles", *STALLS]].sum(axis=1), layers["latency_cycles"], rtol=1e-9)


def test_described_folds_reproduce_the_chosen_compute_cycles(out):
    """The description is of the candidate that was priced: a systolic layer's folds x fold length (fill
    2R + C - 2 for WS / IS, R + C - 2 for OS, plus the streamed dimension) equal its compute cycles."""
    res = results.load(out).set_index("point_id")
    spec_rows = []
    for pid in res.index:
        if res.loc[pid, "dataflow"] in ("weight_stationary", "output_stationary", "input_stationary"):
            spec_rows.append(pid)
    assert spec_rows
    assert cli.main(["explain", str(out), "--point", str(spec_rows[0])]) == 0  # smoke: prints every layer
    from dse import explain, network
    from dse.commands.explain import load_run

    spec = load_run(out)
    rows = explain.layer_mappings(spec, network.prepare_workload(spec), spec_rows)
    rows = rows[rows["dataflow"].isin(["weight_stationary", "output_stationary", "input_stationary"])]
    assert len(rows) > 20
    num = lambda text, key: float(dict(part.rsplit(" ", 1) for part in text.split(" x "))[key])
    R = res.loc[rows["point_id"], "pe_rows"].to_numpy()
    C = res.loc[rows["point_id"], "pe_cols"].to_numpy()
    folds = np.array([num(f, "rows") * num(f, "cols") * num(f, "groups") for f in rows["folds"]])
    streamed = np.array([float(s.rsplit(" ", 1)[1]) for s in rows["streamed"]])
    fill = np.where(rows["dataflow"] == "output_stationary", R + C - 2, 2 * R + C - 2)
    np.testing.assert_allclose(folds * (streamed + fill), rows["compute_cycles"], rtol=1e-12)


def test_explain_prints_each_layer(out, capsys):
    assert cli.main(["explain", str(out), "--point", "0"]) == 0
    text = capsys.readouterr().out
    for word in ("spatial", "GLB tile", "dram read", "energy", "cycles", "features.0"):
        assert word in text, word


@pytest.mark.parametrize("argv, message", [
    (["--point", "999999"], "--point 999999: expected a point_id in 0..19"),
    (["--point", "0", "--missing"], None),
])
def test_explain_bad_input_is_one_line(out, capsys, argv, message):
    if message is None:
        with pytest.raises(SystemExit):
            cli.main(["explain", str(out), *argv])
        return
    assert cli.main(["explain", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_explain_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert cli.main(["explain", str(tmp_path), "--point", "0"]) == 2
    err = capsys.readouterr().err
    assert "manifest.json: not found" in err and len(err.strip().splitlines()) == 1
