"""Self-contained HTML report: tables and the plots inlined as base64 PNG.

Every string that comes from the user or a model file (spec, network and layer names)
goes through ``html.escape``; tables are rendered by pandas with ``escape=True``.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from dse.evaluate import ENERGY_PARTS

_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}
h1{font-size:22px}h2{font-size:17px;margin-top:1.6em}img{max-width:100%}.meta td{text-align:left}"""

SUMMARY_COLS = ["point_id", "pe_type", "dataflow", "pe_rows", "pe_cols", "spad_filter_words", "glb_kib", "glb_tech",
                "dram_bw_gbps", "clock_mhz_effective", "energy_pj", "latency_s", "area_mm2", "edp_pj_s",
                "perf_per_area_gops_per_mm2", "utilization"]


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4g}", border=0)


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def energy_breakdown(row: pd.Series) -> pd.DataFrame:
    """One design's energy parts (``dse.evaluate.ENERGY_PARTS``) with their share of its total."""
    parts = [c for c in ENERGY_PARTS if c in row.index]
    return pd.DataFrame({"component": [c[len("energy_"):-len("_pj")] for c in parts],
                         "energy_pj": row[parts].to_numpy(dtype=float),
                         "share": row[parts].to_numpy(dtype=float) / float(row["energy_pj"])})


def render(*, spec_name: str, network: str, manifest: dict, results: pd.DataFrame, front: pd.DataFrame,
           best: dict[str, int], layers: pd.DataFrame, plots: dict[str, Path]) -> str:
    e = html.escape
    by_id = results.set_index("point_id", drop=False)
    best_rows = pd.DataFrame([{"objective": k, **by_id.loc[v, SUMMARY_COLS].to_dict()} for k, v in best.items()])
    per_pe = (results.loc[results.groupby("pe_type")["edp_pj_s"].idxmin(), SUMMARY_COLS]
              .sort_values("edp_pj_s"))
    edp_id = best["edp"]
    breakdown = energy_breakdown(by_id.loc[edp_id])
    layer_rows = layers[layers["point_id"] == edp_id].drop(columns=["point_id"])
    meta = pd.DataFrame({"field": ["spec", "network", "design points", "wall time (s)", "points per second",
                                   "dse version"],
                         "value": [spec_name, network, manifest["rows"], f"{manifest['wall_time_s']:.2f}",
                                   f"{manifest['points_per_second']:.0f}", manifest["dse_version"]]})
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>dse: {e(spec_name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>dse sweep <code>{e(spec_name)}</code> on <code>{e(network)}</code></h1>",
        f"<div class='meta'>{_table(meta)}</div>",
        "<h2>Energy vs latency</h2>", _img(plots["pareto"], "Pareto plot"),
        "<h2>Performance per area</h2>", _img(plots["perf_per_area"], "performance per area"),
        "<h2>Best design per objective</h2>", _table(best_rows),
        "<h2>Best design (EDP) per PE type</h2>", _table(per_pe),
        f"<h2>Pareto front (energy, latency): {len(front)} designs</h2>",
        _table(front[SUMMARY_COLS].sort_values("latency_s")),
        f"<h2>Energy breakdown of the best-EDP design (point {edp_id})</h2>", _table(breakdown),
        f"<h2>Per-layer cost of the best-EDP design (point {edp_id})</h2>", _table(layer_rows),
        "</body></html>",
    ]
    return "\n".join(parts)
