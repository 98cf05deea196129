"""dse from Python (a notebook user's first cells): a small sweep, its Pareto front, the per-layer
table of its best design, the same sweep re-opened from disk, and one design evaluated alone.

    python examples/python_api.py [OUT_DIR]
"""

import sys

import dse

out = sys.argv[1] if len(sys.argv) > 1 else "dse-out/api-example"
spec = {
    "version": 1,
    "name": "api-example",
    "workload": {"network": "resnet18"},
    "space": {"pe_type": ["INT2", "INT4", "INT8"], "pe_rows": [8, 16, 32], "pe_cols": [8, 16, 32],
              "glb_kib": [64, 128], "dataflow": ["row_stationary", "weight_stationary"]},
    "pareto": {"objectives": ["energy", "latency"]},
}
sweep = dse.run(spec, out=out, force=True)
print(sweep)
cols = ["point_id", "pe_type", "pe_rows", "pe_cols", "glb_kib", "dataflow", "energy_pj", "latency_s", "area_mm2"]
print(sweep.results[cols].head(3).to_string(index=False))

front = sweep.pareto(["energy", "area"])
print(f"\nPareto front (energy, area): {len(front)} designs")
print(front[cols].to_string(index=False))

best = sweep.best("edp")
print(f"\nbest EDP: point {best.point_id}, {best.pe_type} {best.pe_rows}x{best.pe_cols}, "
      f"{best.energy_pj / 1e9:.3f} mJ, {best.latency_s * 1e3:.3f} ms")
layers = sweep.layers(best.point_id)
print(layers[["layer", "op", "w_bits", "a_bits", "energy_pj", "latency_cycles", "utilization"]].head(5)
      .to_string(index=False))

again = dse.load(out)  # the same sweep from its output folder
same = again.pareto(["energy", "area"]).point_id.tolist() == front.point_id.tolist()
print(f"\nreloaded {len(again.results)} rows; same front: {same}")

one = dse.evaluate({"pe_type": "INT4", "pe_rows": 16, "pe_cols": 16, "glb_kib": 64}, "resnet18")
t = one.totals
print(f"\none design: {t.energy_pj / 1e9:.3f} mJ, {t.latency_s * 1e3:.3f} ms, {t.area_mm2:.3f} mm2, "
      f"{len(one.layers)} layers")

try:
    dse.evaluate({"clock_mhz": 1e-300}, "resnet18")
except dse.DseError as exc:
    print(f"refused: {exc}")
