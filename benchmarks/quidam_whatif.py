"""The QUIDAM study's figures with one of two open modelling choices edited out (README, QUIDAM study).

    python benchmarks/quidam_whatif.py psum   # the running partial sum stays in the PE's accumulator register
    python benchmarks/quidam_whatif.py noc    # NoC port registers not clocked every active cycle (a bound)
    python benchmarks/quidam_whatif.py both

It copies the committed tree (``git archive HEAD``) into a temporary folder, edits the copy's source
there (never this tree) and prints the four figures of ``benchmarks/quidam_study.py``:
- psum: every dataflow reads and writes the psum scratchpad on every MAC (Eyeriss's and Timeloop's
  convention) although our PE RTL has an accumulator register; the edit accesses the spad once per
  finished partial sum (row-stationary: per q x FX MACs; weight-stationary-local: per h_c x h_t),
  none in the systolic arrays (psums pass PE to PE in registers);
- noc: the NoC port registers (two stages of W + A + psum bits) clock every active PE-cycle; a
  valid-gated router clocks them per delivered word, which the edit bounds by leaving them out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITS = {
    "psum": ("dse/dataflows.py", [
        ("spad_p_rmw=m_ops + 0 * p,", "spad_p_rmw=m_ops / (q * L.fx) + 0 * p,"),
        ("spad_p_rmw=m_ops + 0 * tiles,", "spad_p_rmw=m_ops / (h_c * h_t) + 0 * tiles,"),
        ("spad_p_rmw=m_ops * one,", "spad_p_rmw=0 * m_ops * one,")]),
    "noc": ("dse/hardware.py", [("gated_words, NOC_REG_STAGES * reg_bits,", "gated_words, 0 * reg_bits,")]),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", choices=("psum", "noc", "both"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="quidam_whatif_") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for key in (("psum", "noc") if args.which == "both" else (args.which,)):
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
