"""Decoder sweeps: tokens/s and energy per token of one design against GLB technology, KV-cache width
and context length (``decode.csv``; issue 16's study, sweeps/llm_decode.yaml).

The reference design is the sweep's best-EDP point; the table holds every point of the sweep that
equals it in all other parameters, so each row differs from it only in the GLB technology (and the
capacity an iso-area budget gives it), the KV width or the context length.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dse.spec import PARAMS

# what the table varies; everything else is held at the reference design's value
VARIED = ("kv_len", "glb_tech", "kv_bits")
COLUMNS = ("point_id", "kv_len", "glb_tech", "glb_kib", "kv_bits", "kv_cache_bytes", "kv_resident",
           "tokens_per_s", "energy_pj_per_token", "energy_dram_weight_pj", "energy_glb_weight_pj",
           "energy_leakage_pj", "area_mm2")


def table(batches: Iterable[pd.DataFrame], best: pd.Series | None) -> pd.DataFrame | None:
    """The decode table from the results (``batches``: e.g. ``dse.results.scan``, read batch by batch)
    and the best-EDP row; None for networks that are not decoders."""
    if best is None or "tokens_per_s" not in best:
        return None
    # glb_kib follows the technology under an iso-area budget, so it is held only without one
    fixed = [p for p in PARAMS if p not in VARIED and p in best
             and not (p == "glb_kib" and best.get("glb_area_mm2", 0) > 0)]
    rows = [b.loc[(b[fixed] == best[fixed]).all(axis=1), [c for c in COLUMNS if c in b]] for b in batches]
    return pd.concat(rows, ignore_index=True).sort_values(list(VARIED)).reset_index(drop=True)


def reference_design(best: pd.Series) -> dict:
    """The reference design's fixed parameters (a few, for a one-line description)."""
    keep = ("pe_type", "pe_rows", "pe_cols", "glb_area_mm2", "glb_banks", "dram_type", "dram_bw_gbps",
            "clock_mhz", "node_nm", "dataflow", "memory_roadmap")
    return {k: best[k].item() if hasattr(best[k], "item") else best[k] for k in keep if k in best}
