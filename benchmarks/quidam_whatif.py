"""The QUIDAM study's figures with an open modelling choice edited out (README, QUIDAM study).

    python benchmarks/quidam_whatif.py noc    # no NoC port registers at all (a bound)

It copies the committed tree (``git archive HEAD``) into a temporary folder, edits the copy's source
there (never this tree) and prints the four figures of ``benchmarks/quidam_study.py``:
- noc: the NoC port registers (two stages per operand port, clock gated: one ICG per bank every active
  PE-cycle, the flops per bit-hop; dse.clock) left out, a bound for a router without port registers.
The former ``noc`` what-if (the port registers not clocked every active cycle) is the model now: load-enabled
registers are clock gated (dse.clock). The former ``psum`` what-if (the running partial sum kept in the
accumulator) is the model too: the PE's inner loop is a mapping choice (dse.dataflows.INNER_ORDERS).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITS = {
    "noc": ("dse/hardware.py", [("noc_reg_stages=np.full(len(d), float(NOC_REG_STAGES)),",
                                 "noc_reg_stages=np.zeros(len(d)),")]),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", choices=tuple(EDITS))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="quidam_whatif_") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for key in (args.which,):
            path, edits = EDITS[key]
            text = (Path(tmp) / path).read_text()
            for old, new in edits:
                if text.count(old) != 1:
                    print(f"quidam_whatif: {path}: the line to edit ({old!r}) is not there once; the model moved",
                          file=sys.stderr)
                    return 2
                text = text.replace(old, new)
            (Path(tmp) / path).write_text(text)
        code = ("import sys; sys.path.insert(0, 'benchmarks'); import quidam_study as q\n"
                "for k, v in q.figures(q.evaluate()).items():\n"
                "    print(f'{k:48s} {v:8.2f} {q.PUBLISHED[k][0]:>12s}')\n")
        print(f"what-if {args.which} (edited copy of HEAD):")
        return subprocess.run([sys.executable, "-c", code], cwd=tmp).returncode


if __name__ == "__main__":
    sys.exit(main())
