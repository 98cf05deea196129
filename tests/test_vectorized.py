"""Vectorized evaluation equals a per-point evaluation of the same points, in any order."""

import numpy as np
import pandas as pd

from dse import design, sweep
from dse import spec as spec_mod
from dse.network import evaluate

SPACE = """version: 1
name: vec
workload: {network: mobilenetv2}
precision: {layers: {classifier: {w: 8, a: 8}}}
space:
  pe_type: [INT2, INT4, INT8, INT16, LightPE-1, LightPE-2]
  pe_rows: [4, 8, 12, 16]
  pe_cols: [6, 14, 32]
  spad_ifmap_words: [4, 12]
  spad_filter_words: [16, 224]
  spad_psum_words: [8, 24]
  glb_kib: [8, 108, 512]
  glb_tech: [SRAM, STT-MRAM, SOT-MRAM]
  glb_banks: [1, 4]
  dram_type: [LPDDR4, HBM2]
  dram_bw_gbps: [4, 25.6]
  clock_mhz: [200, 1000]
mapping: {objective: energy}
"""


def test_batch_equals_per_point_reference(tmp_path):
    p = tmp_path / "vec.yaml"
    p.write_text(SPACE)
    spec = spec_mod.load(p)
    wl = sweep.prepare_workload(spec)
    ids = np.random.default_rng(7).choice(spec.n_points, size=40, replace=False)
    batch = evaluate(design.points(spec, ids), wl, spec.mapping_objective)
    single = pd.concat([evaluate(design.points(spec, [i]), wl, spec.mapping_objective) for i in ids],
                       ignore_index=True)
    num = batch.select_dtypes("number").columns
    np.testing.assert_allclose(batch[num].to_numpy(float), single[num].to_numpy(float), rtol=1e-12)
    assert (batch.select_dtypes(exclude="number") == single.select_dtypes(exclude="number")).all().all()
    shuffled = evaluate(design.points(spec, ids[::-1]), wl, spec.mapping_objective)
    np.testing.assert_allclose(shuffled[num].to_numpy(float)[::-1], batch[num].to_numpy(float), rtol=1e-12)
