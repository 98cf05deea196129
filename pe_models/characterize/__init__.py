"""Gate-level characterization of the PE variants with open tools (yosys, iverilog, OpenSTA).

``python -m pe_models.characterize --liberty LIB[@NODE_NM] ...`` synthesizes every variant
(pe_models/rtl/) to each Liberty library, measures area, leakage, switching energy per
operation (from simulated activity on random operands) and the critical path, writes the raw
per-library table, and derives the 45 nm table (Stillmaker & Baas scaling from the first
library) that ``pe_models.fit`` fits. See ``__main__.py`` for the options.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

# Node of the open libraries we know, by library-name prefix (override with LIB@NODE_NM).
KNOWN_NODES_NM = {"sg13g2": 130.0, "gf180mcu": 180.0, "asap7": 7.0}

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RAW_CSV = DATA_DIR / "characterization_raw.csv"
CSV_45NM = DATA_DIR / "characterization_45nm.csv"
# The activation-width-accumulator INT PEs (variant set "narrow", rtl/int_mac_narrow_pe.v), run apart:
# python -m pe_models.characterize --liberty pe_models/data/liberty/sg13g2_stdcell_typ_1p20V_25C.lib.gz
#   --variants narrow --jobs 2 --raw-csv pe_models/data/characterization_narrow_raw.csv
#   --csv-45nm pe_models/data/characterization_narrow_45nm.csv
NARROW_RAW_CSV = DATA_DIR / "characterization_narrow_raw.csv"
NARROW_CSV_45NM = DATA_DIR / "characterization_narrow_45nm.csv"
# Our characterization of the check set against the Nangate 45 nm Open Cell Library (typical Liberty as shipped in
# OpenSTA, examples/nangate45_typ.lib.gz, sha256 7ee6c11d0c8964f9971ba28b879a6cad28e178f86911adda71ac0672ce00f7ef;
# not in this repo): python -m pe_models.characterize --liberty nangate45_typ.lib.gz@45 --variants check --jobs 1
#   --raw-csv pe_models/data/characterization_nangate45_raw.csv --csv-45nm /tmp/unused.csv
# The direct 45 nm measurement the IHP-derived 45 nm table is tested against (tests/test_pe_area.py).
NANGATE45_RAW_CSV = DATA_DIR / "characterization_nangate45_raw.csv"
CSV_45NM_NODE_NM = 45.0  # the node CSV_45NM is scaled to (at its nominal supply)
# The two 45 nm cells area is counted in (Nangate 45 nm Open Cell Library, the FreePDK45 cell library; typical
# Liberty as shipped in OpenSTA, examples/nangate45_typ.lib.gz, sha256 above; pe_models/data/LIBRARIES.md):
# the smallest NAND2 (NAND2_X1) for combinational gate equivalents, and the D flip-flop without reset (DFF_X1)
# a register bit is priced at (__main__.to_45nm; dse.hardware's NoC port registers; pe_models.horowitz).
NAND2_45NM_UM2 = 0.798
DFF_45NM_UM2 = 4.522


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def node_of(library_name: str, path: str) -> float:
    """Node of a library from an explicit ``@NODE`` suffix or its known name prefix."""
    for prefix, node in KNOWN_NODES_NM.items():
        if library_name.startswith(prefix):
            return node
    raise ValueError(
        f"{path}: unknown library {library_name!r}; give its node as PATH@NODE_NM "
        f"(known prefixes: {sorted(KNOWN_NODES_NM)})"
    )


def split_spec(spec: str) -> tuple[str, float | None]:
    """'lib.lib@130' -> ('lib.lib', 130.0); 'lib.lib' -> ('lib.lib', None)."""
    m = re.fullmatch(r"(.+?)@([0-9.]+)", spec)
    return (m.group(1), float(m.group(2))) if m else (spec, None)
