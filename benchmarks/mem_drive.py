"""MRAM cells sized for their write current (memory_models.drive): the write device's width, the cell area and
whether it was upsized, per node and device roadmap at the roadmap's supply (or refused).

    PYTHONPATH=. python benchmarks/mem_drive.py                    # the table
    PYTHONPATH=. python benchmarks/mem_drive.py --golden PATH      # store today's costs (a golden file)

``--golden`` wrote tests/data/mem_drive_golden.json with the memory models of 4fd834d, before the sizing
existed (this script's grid and fields; tests/test_mem_drive.py compares against it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import memory_models as mm  # noqa: E402
from memory_models import Tech, array  # noqa: E402
from memory_models import technology as tk  # noqa: E402
from memory_models.errors import CellDriveError  # noqa: E402

NODES = [7.0, 10.0, 16.0, 22.0, 32.0, 45.0, 65.0, 90.0]
# the golden grid: every technology at two capacities, buffer (64-bit words) and cache (64 B lines), at the
# roadmap's supply (None) and at 0.9x / 1.1x of it
GOLDEN_CAPS = [16384.0, 1048576.0]
GOLDEN_VDD_REL = [None, 0.9, 1.1]


def golden_key(kind: str, roadmap: str, node: float, rel) -> str:
    return f"{kind}/{roadmap}/{node:g}/{rel}"


def golden_costs(kind: str, roadmap: str, node: float, rel) -> mm.MemoryCosts:
    """One golden entry's costs: every technology x GOLDEN_CAPS (technology-major). Caches read one way,
    as the models of the golden file did (memory_models.model.cache's sensed_ways)."""
    t, c = (a.ravel() for a in np.meshgrid([int(x) for x in Tech], GOLDEN_CAPS, indexing="ij"))
    v = None if rel is None else float(tk.vdd_v(node, roadmap)) * rel
    if kind == "buffer":
        return mm.buffer(t, c, 64, node, roadmap=roadmap, vdd_v=v)
    return mm.cache(t, c, 64, node, roadmap=roadmap, vdd_v=v, sensed_ways=1)


def write_golden(path: Path) -> None:
    out = {"command": "PYTHONPATH=. python benchmarks/mem_drive.py --golden tests/data/mem_drive_golden.json "
           "with memory_models of 4fd834d (before memory_models.drive)", "costs": {}}
    for roadmap in tk.ROADMAPS:
        for node in NODES:
            for rel in GOLDEN_VDD_REL:
                for kind in ("buffer", "cache"):
                    costs = golden_costs(kind, roadmap, node, rel)
                    out["costs"][golden_key(kind, roadmap, node, rel)] = {
                        f: np.asarray(getattr(costs, f)).tolist() for f in mm.COST_FIELDS}
    path.write_text(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--golden", type=Path, help="write the golden file here instead of printing the table")
    args = p.parse_args()
    if args.golden:
        write_golden(args.golden)
        return
    print("write device width F / cell area F^2 (* upsized), 1 MiB buffer at the roadmap's supply")
    print(f"{'node':>5} {'roadmap':>7} {'V_dd':>5}  {'STT-MRAM 1T1MTJ':>22}  {'SOT-MRAM write device':>22}")
    for roadmap in tk.ROADMAPS:
        for node in NODES:
            cols = []
            for tech in (Tech.STT_MRAM, Tech.SOT_MRAM):
                try:
                    c = array.evaluate(int(tech), 2.0**20, 64, node, roadmap=roadmap)
                    cols.append(f"{float(c.access_width_f):6.2f} / {float(c.cell_area_f2):6.1f}"
                                f"{' *' if c.access_upsized else '  '}")
                except CellDriveError:
                    cols.append("refused")
            vdd = float(tk.vdd_v(node, roadmap))
            print(f"{node:5g} {roadmap:>7} {vdd:5.2f}  {cols[0]:>22}  {cols[1]:>22}")


if __name__ == "__main__":
    main()
