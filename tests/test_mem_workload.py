"""`dse mem --compare --workload NET`: access counts come from the cost model, not a fixed profile."""

import csv
import io

import pytest

from dse import design, hardware, sweep
from dse import spec as spec_mod
from dse.cli import main
from dse.network import evaluate


def test_compare_uses_cost_model_counts(capsys):
    assert main(["mem", "--compare", "--capacity", "2MiB", "--kind", "buffer", "--node-nm", "22",
                 "--workload", "mobilenetv2", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["technology"] for r in rows] == ["SRAM", "STT-MRAM", "SOT-MRAM"]
    spec = spec_mod.parse({"version": 1, "name": "x", "workload": {"network": "mobilenetv2"},
                           "space": {"node_nm": 22, "glb_tech": "SRAM"}})
    ref = evaluate(design.batch(spec), sweep.prepare_workload(spec), spec.mapping_objective).iloc[0]
    word = hardware.GLB_BANK_WORD_BITS
    # the CSV prints 4 significant digits
    assert float(rows[0]["reads"]) == pytest.approx(ref.glb_read_bits / word, rel=1e-3)
    assert float(rows[0]["writes"]) == pytest.approx(ref.glb_write_bits / word, rel=1e-3)
    assert float(rows[0]["runtime_s"]) == pytest.approx(ref.latency_s, rel=1e-3)


def test_unknown_workload_is_one_line(capsys):
    assert main(["mem", "--compare", "--workload", "resnet19"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown network 'resnet19'" in err


def test_compare_refuses_tech_it_would_ignore(capsys):
    assert main(["mem", "--compare", "--tech", "SRAM"]) == 2
    assert "--tech: --compare always sets all three technologies" in capsys.readouterr().err
