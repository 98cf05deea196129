"""What the Liberty wire-load model would add to a PE's characterized energy (issue 12: "wire load inside
the PE netlists").

Our characterization (pe_models.characterize.flow) prices every net at the sum of its input-pin
capacitances: the netlist is not placed. The IHP SG13G2 Liberty carries the statistical wire-load
models a synthesis tool applies before placement (``wire_load`` groups: a length per fanout, a
capacitance per unit length, picked by the design's cell area through ``wire_load_selection``
"4_metls_routing", mode "top"). This re-runs one variant through the flow, then prices each net again
with that wire capacitance added to its pins (internal energies read at the new loads; the gate delays,
hence the glitches simulated, stay those of the unloaded netlist), and prints both splits:

    PYTHONPATH=. python benchmarks/pe_wire_load.py intn_w16a16 int_w8a8

at 130 nm 1.2 V and moved to 65 nm 1.0 V (Eyeriss) with the sweeps' scaling. It changes no model.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pe_models import scaling  # noqa: E402
from pe_models.characterize import flow, liberty, variants  # noqa: E402

LIBERTY = Path(__file__).resolve().parents[1] / "pe_models" / "data" / "liberty" / "sg13g2_stdcell_typ_1p20V_25C.lib.gz"


def wire_loads(text: str) -> tuple[dict[str, dict], list[tuple[float, float, str]]]:
    """The Liberty's wire_load groups ({name: capacitance_pf_per_um, slope, [(fanout, length_um)]}) and its
    default wire_load_selection rows (area_lo, area_hi, name)."""
    models = {}
    for name, body in re.findall(r'wire_load\s*\("([^"]+)"\)\s*\{(.*?)\}', text, flags=re.S):
        models[name] = {
            "cap": float(re.search(r"capacitance\s*:\s*([0-9.eE+-]+)", body).group(1)),
            "slope": float(re.search(r"slope\s*:\s*([0-9.eE+-]+)", body).group(1)),
            "lengths": [(float(f), float(v)) for f, v in re.findall(r"fanout_length\s*\(\s*([0-9.]+)\s*,\s*([0-9.eE+-]+)", body)],
        }
    default = re.search(r'default_wire_load_selection\s*:\s*"([^"]+)"', text).group(1)
    sel = re.search(r'wire_load_selection\s*\("' + re.escape(default) + r'"\)\s*\{(.*?)\}', text, flags=re.S).group(1)
    rows = [(float(lo), float(hi), name) for lo, hi, name in
            re.findall(r"wire_load_from_area\s*\(\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*,\s*\"?([^\s\")]+)\"?\s*\)", sel)]
    return models, rows


def wire_pf(model: dict, fanout: np.ndarray) -> np.ndarray:
    """Wire capacitance of nets of ``fanout`` sinks: length interpolated in the fanout table, extrapolated
    past its last point with the model's slope (Liberty wire_load semantics)."""
    f, length = np.array(model["lengths"]).T
    out = np.interp(fanout, f, length)
    out = np.where(fanout > f[-1], length[-1] + model["slope"] * (fanout - f[-1]), out)
    return model["cap"] * out


def measure(name: str, lib, models, rows, cycles: int) -> dict:
    v = next(x for x in variants.all_variants() + variants.narrow_variants() if x.name == name)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        top = flow.synthesize(v, lib, work)
        loads = flow.net_loads(top, lib)
        toggles = flow.simulate(v, top, v.module, lib, work, cycles, 1, flow.cell_delays_ps(top, lib, loads[0]))
    base = flow.energy_area(top, lib, toggles, cycles, loads)
    fanout: dict[int, int] = defaultdict(int)
    for c in top["cells"].values():
        cell = lib.cells[c["type"]]
        for pin_name, bits in c["connections"].items():
            pin = cell.pins.get(pin_name)
            if pin is not None and pin.direction == "input":
                for b in bits:
                    if isinstance(b, int):
                        fanout[b] += 1
    wl = next(n for lo, hi, n in rows if lo <= base.area_um2 < hi)
    bits = np.array(list(fanout))
    extra = dict(zip(bits.tolist(), wire_pf(models[wl], np.array([fanout[b] for b in bits], float)).tolist()))
    load_pf, comb_pf = loads
    loaded = ({b: c + extra.get(b, 0.0) for b, c in load_pf.items()},
              {b: c + extra[b] for b, c in comb_pf.items() if c > 0})
    wired = flow.energy_area(top, lib, toggles, cycles, loaded)
    return {"variant": name, "area_um2": base.area_um2, "wire_load": wl, "base": base, "wired": wired}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("variants", nargs="*", default=["intn_w16a16", "int_w8a8"])
    p.add_argument("--cycles", type=int, default=1000)
    args = p.parse_args(argv)
    lib = liberty.load(LIBERTY)
    models, rows = wire_loads(lib.text_path.read_text())
    to65 = scaling.energy_factor(130.0, 1.2, 65.0, 1.0)
    print(f"{LIBERTY.name}: wire loads by cell area {[(lo, hi, n) for lo, hi, n in rows]}")
    print(f"{'variant':>12s} {'area um2':>9s} {'WLM':>4s}  pJ/op at 130 nm 1.2 V: datapath / reg data / reg clock "
          f"(unplaced -> with WLM)   datapath + reg data at 65 nm 1.0 V")
    for name in args.variants:
        r = measure(name, lib, models, rows, args.cycles)
        b, w = r["base"], r["wired"]
        print(f"{name:>12s} {r['area_um2']:9.0f} {r['wire_load']:>4s}  {b.comb_pj:.3f} -> {w.comb_pj:.3f} / "
              f"{b.reg_data_pj:.3f} -> {w.reg_data_pj:.3f} / {b.reg_clock_pj:.3f} -> {w.reg_clock_pj:.3f}   "
              f"{(b.comb_pj + b.reg_data_pj) * to65:.3f} -> {(w.comb_pj + w.reg_data_pj) * to65:.3f} pJ "
              f"(x{(w.comb_pj + w.reg_data_pj) / (b.comb_pj + b.reg_data_pj):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
