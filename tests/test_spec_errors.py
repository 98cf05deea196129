"""Bad specs: one line naming the file, the field and what is expected; exit 2; no output folder."""

from pathlib import Path

import pytest

from dse import cli

GOOD = """version: 1
name: tiny
workload: {network: resnet18}
space:
  pe_type: [INT8]
  pe_rows: 8
"""

CASES = [
    ("unknown top key", GOOD + "colour: red\n", "tiny.yaml: colour: unknown key"),
    ("unknown space key", GOOD.replace("pe_rows: 8", "pe_rowz: 8"), "space.pe_rowz: unknown key"),
    ("wrong type", GOOD.replace("pe_rows: 8", "pe_rows: eight"), "space.pe_rows: got 'eight'; expected an integer in [1, 4,096]"),
    ("negative size", GOOD.replace("pe_rows: 8", "glb_kib: [64, -8]"), "space.glb_kib[1]: got -8; expected a number in [0.125, 1,048,576] KiB"),
    ("zero size", GOOD.replace("pe_rows: 8", "spad_psum_words: 0"), "space.spad_psum_words: got 0"),
    ("fractional count", GOOD.replace("pe_rows: 8", "pe_rows: 8.5"), "space.pe_rows: got 8.5; expected an integer in [1, 4,096]"),
    ("unknown PE", GOOD.replace("[INT8]", "[INT8, INT3]"), "space.pe_type[1]: got 'INT3'; expected one of ['INT2'"),
    ("unknown tech", GOOD + "  glb_tech: PCRAM\n", "space.glb_tech: got 'PCRAM'; expected one of ['SRAM'"),
    ("unknown network", GOOD.replace("resnet18", "resnet19"), "workload.network: unknown network 'resnet19'"),
    ("both workloads", GOOD.replace("{network: resnet18}", "{network: resnet18, onnx: m.onnx}"), "exactly one of"),
    ("bad version", GOOD.replace("version: 1", "version: 2"), "version: got 2; expected 1"),
    ("not yaml", "name: [unclosed\n", "not valid YAML"),
    ("python tag", GOOD + "run: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    ("top not mapping", "- 1\n- 2\n", "expected a mapping"),
    ("missing name", GOOD.replace("name: tiny\n", ""), "missing required key 'name'"),
    ("bad objective", GOOD + "mapping: {objective: speed}\n", "mapping.objective: got 'speed'"),
    ("bad precision", GOOD + "precision: {default: {w: 0}}\n", "precision.default.w: expected an integer bit width"),
    ("bad pattern", GOOD + "precision: {layers: {'nope*': {w: 4}}}\n", "matches no compute layer"),
    ("bad policy", GOOD + "precision: {policy: always}\n", "precision.policy: got 'always'"),
    ("duplicates", GOOD.replace("pe_rows: 8", "pe_rows: [8, 8]"), "duplicate values"),
    ("unsupported node", GOOD + "  node_nm: 33\n", "space.node_nm: got 33; expected one of ['180'"),
    ("supply out of range", GOOD + "  vdd_v: [nominal, 0.3]\n", "space.vdd_v: vdd_v 0.3 outside 0.6-1.2 x"),
    ("supply not a number", GOOD + "  vdd_v: low\n", "space.vdd_v: got 'low'; expected 'nominal' or a number in [0.3, 2] V"),
    ("memory supply out of range", GOOD + "  node_nm: 65\n  memory_vdd_v: 1.3\n",
     "space.memory_vdd_v: memory_vdd_v 1.3 outside 0.5-1.5 x the 0.8 V of the memory roadmap at 65 nm"),
    ("memory supply near threshold", GOOD + "  node_nm: 65\n  memory_roadmap: lstp\n  memory_vdd_v: 0.65\n",
     "space.memory_vdd_v: memory_vdd_v 0.65 is below 0.674 V, the lstp roadmap's threshold at 65 nm plus 0.15 V"),
    ("GLB too small", GOOD + "  glb_kib: [64, 0.125]\n  glb_banks: 16\n", "space.glb_kib / space.glb_banks: no array organisation"),
]


@pytest.mark.parametrize("label,text,message", CASES, ids=[c[0] for c in CASES])
def test_bad_spec_exits_2_with_one_line(tmp_path, capsys, label, text, message):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(text)
    out = tmp_path / "out"
    assert cli.main(["run", str(spec), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("dse: error: ") and message in err, err
    assert str(spec) in err or "tiny.yaml" in err
    assert not out.exists()


def test_missing_spec_file(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "nope.yaml"), "--no-progress"]) == 2
    assert "nope.yaml: spec file not found" in capsys.readouterr().err


def test_missing_onnx_file_named(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(GOOD.replace("{network: resnet18}", "{onnx: missing.onnx}"))
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "missing.onnx" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_builtin_quickstart_is_the_repo_file():
    from importlib import resources

    packaged = resources.files("dse").joinpath("sweeps/quickstart.yaml").read_text()
    assert packaged == (Path(__file__).parents[1] / "sweeps" / "quickstart.yaml").read_text()
