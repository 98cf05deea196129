"""Self-contained ``report.html`` of a sweep, and the figure files beside it, from bounded data.

Inputs (never the full results table): a ``dse.summary.Summary`` (front, bounded sample, density,
best rows), the run's manifest, and a per-layer table of the reported designs. Interface:

- ``write_outputs(out_dir, s: Summary, manifest: dict, layers: pd.DataFrame | None) -> list[str]``:
  the figures (``plots.FIGURES`` and ``breakdown``, each .png/.svg/.pdf) and ``report.html``; returns
  the file names written. The same in two steps, for a caller that draws the figures elsewhere (a
  Dask run's workers): ``figure_jobs(out_dir, s, manifest)``, then ``write_html(..., files)`` (the
  files, or jobs that give them: the page is rendered before they are waited for);
- ``layer_costs(spec, wl, point_ids) -> pd.DataFrame``: the per-layer table (``point_id, layer, op,
  macs, w_bits, a_bits, passes, energy_pj, latency_cycles, utilization, energy_ref_pj``) of the given
  designs: each layer at its chosen bits and, in ``energy_ref_pj``, the same design with every
  compute layer at ``REF_BITS``/``REF_BITS`` (the uniform 8-bit baseline quantization papers
  compare with). A precision search may supply its own table with these columns;
- ``layer_points(s) -> list[int]``: the designs whose per-layer tables the report shows;
- ``render(s, manifest, layers, figures) -> str`` the page itself, with a slot per figure that
  ``write_html`` fills with the figure's SVG.

The page works offline: figures are inlined (SVG as data URIs), the interactive Pareto view is a
small hand-written script (below). Every string from the user or a model file (spec, network,
layer and PE names) is HTML-escaped, or placed with ``textContent`` by the script; the data the
script reads is JSON with ``<``, ``>`` and ``&`` escaped.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from dse import plots, units
from dse.network import ENERGY_PARTS, Workload
from dse.io import write_text
from dse.precision_export import OBJECTIVES
from dse.spec import PARAMS
from dse.summary import Summary
from pe_models.catalog import PE_TYPES

BITS_FULL_BAR = max(max(t.w_bits, t.a_bits) for t in PE_TYPES.values())
REF_BITS = 8  # per-layer precision deltas are against uniform 8-bit weights and activations
MAX_LAYER_DESIGNS = 12  # front designs whose per-layer precision view the report shows
INTERACTIVE_PER_GROUP = 200  # sample points per PE type in the interactive view (plus the whole front)

# One line per energy level of the breakdown (levels come from dse.network.ENERGY_PARTS).
EXPLAIN = {
    "mac": "MAC/ALU: the PEs' multiply-accumulate datapath; energy per operation from our gate-level "
           "characterization of each PE type (pe_models).",
    "spad": "Scratchpads: the per-PE register files holding weights, input activations and partial sums "
            "(reads and writes).",
    "noc": "NoC: the on-chip network carrying data between the global buffer and the PEs, per bit and hop "
           "of wire.",
    "glb": "GLB: the shared global buffer (SRAM, STT- or SOT-MRAM macro), per read and write access.",
    "dram": "DRAM: off-chip traffic (weights and input activations read, outputs written), energy per "
            "bit of the interface.",
    "leakage": "Leakage: static power of the PEs, scratchpads and global buffer, over the whole latency.",
    "clock": "Clock network (dse/clock.py): clock, every cycle of latency: the clock tree to each PE's clock "
             "gate and that gate; clock_pe, per MAC: what an active PE's gate feeds (its registers, scratchpad "
             "word gates, NoC pipeline registers and its own clock wire; idle PEs are gated); clock_spad and "
             "clock_noc: the gated registers a scratchpad access or a NoC bit-hop loads (address counters, "
             "operand registers, word-gating trees, NoC port registers), priced with that access; each with the "
             "clock tree's buffers. Not modelled: PE control/FIFO registers.",
}

DESIGN_COLS = ["pe_type", "dataflow", "pe_rows", "pe_cols", "spad_ifmap_words", "spad_filter_words",
               "spad_psum_words", "glb_kib", "glb_tech", "dram_bw_gbps", "clock_mhz_effective"]
METRIC_COLS = ["energy_pj", "latency_s", "area_mm2", "edp_pj_s", "perf_per_area_gops_per_mm2", "utilization"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1.5em 2em;max-width:1180px;
 color:#222;line-height:1.4}
h1{font-size:21px}h2{font-size:16px;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:14px}
.scroll{overflow-x:auto;width:fit-content;max-width:100%;margin:0.4em 0 1.2em;border:1px solid #e4e4e4}
table{border-collapse:collapse;font-size:12px;white-space:nowrap}
td,th{border-bottom:1px solid #eee;padding:2px 7px;text-align:right}
th{background:#f5f5f5;position:sticky;top:0}td.s,th.s{text-align:left}
img.fig{width:100%;max-width:980px;height:auto;display:block;margin:0.5em 0}
.note{color:#555;font-size:13px}
.explain{font-size:13px}.explain dt{font-weight:600;float:left;clear:left;width:6.5em}
.explain dd{margin:0 0 3px 7em}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle;border-radius:2px}
#pv{position:relative;border:1px solid #ddd;user-select:none}
#pv svg{display:block;width:100%;height:440px;cursor:crosshair}
#pvtip{position:absolute;pointer-events:none;background:#fff;border:1px solid #999;padding:4px 6px;font-size:12px;
 white-space:pre;display:none;box-shadow:0 1px 4px rgba(0,0,0,.2)}
#pvlegend{font-size:12px;margin:4px 0}#pvlegend span{margin-right:12px}
.bar{display:inline-block;height:9px;vertical-align:middle}
.bw{background:#332288}.ba{background:#88CCEE}.bsave{background:#117733}.bcost{background:#CC6677}
td.barcell{text-align:left;min-width:120px}
details{margin:0.3em 0}summary{cursor:pointer;font-size:13px}
"""

# The interactive Pareto view. Hand-written (about 120 lines) rather than a plotting library: no
# JavaScript plotting library ships inside a Python package we depend on; plotly's bundled
# plotly.min.js (the `plotly` wheel) would add a ~15 MB dependency and ~3.5 MB inlined into every
# report (it must be inlined to work offline), for a view that needs log axes, hover, zoom and pan only.
_JS = r"""
(function(){
const D = JSON.parse(document.getElementById('pvdata').textContent);
const svg = document.querySelector('#pv svg'), tip = document.getElementById('pvtip');
const NS = 'http://www.w3.org/2000/svg', M = {l: 62, r: 14, t: 10, b: 42};
const lx = D.x.map(Math.log10), ly = D.y.map(Math.log10);
function ext(a){let lo = Math.min(...a), hi = Math.max(...a); const p = 0.04 * (hi - lo || 1); return [lo - p, hi + p];}
const home = {x: ext(lx), y: ext(ly)}; let view = {x: home.x.slice(), y: home.y.slice()};
const SHAPES = {o: (x, y, r) => `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`,
  '^': (x, y, r) => `M${x},${y - r * 1.2}L${x + r * 1.1},${y + r * 0.8}L${x - r * 1.1},${y + r * 0.8}Z`,
  s: (x, y, r) => `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}Z`,
  D: (x, y, r) => `M${x},${y - r * 1.3}L${x + r * 1.1},${y}L${x},${y + r * 1.3}L${x - r * 1.1},${y}Z`};
function el(name, attrs, parent){const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]); parent.appendChild(e); return e;}
function size(){const r = svg.getBoundingClientRect(); return [r.width, r.height];}
function sx(v, w){return M.l + (v - view.x[0]) / (view.x[1] - view.x[0]) * (w - M.l - M.r);}
function sy(v, h){return h - M.b - (v - view.y[0]) / (view.y[1] - view.y[0]) * (h - M.t - M.b);}
function ticks(lo, hi){const span = hi - lo, subs = span <= 2.2 ? [1, 2, 5] : [1], out = [];
  for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) for (const s of subs){const v = d + Math.log10(s);
    if (v >= lo && v <= hi) out.push(v);}
  if (out.length < 2 && span < 1) for (const s of [1.5, 3, 4, 7]) for (let d = Math.floor(lo); d <= Math.ceil(hi); d++){
    const v = d + Math.log10(s); if (v >= lo && v <= hi) out.push(v);}
  return out.sort((a, b) => a - b);}
function label(v){const x = Math.pow(10, v); return x >= 1e5 || x < 1e-3 ? x.toExponential(0) : String(+x.toPrecision(3));}
let screen = [];
function draw(){
  const [w, h] = size(); while (svg.firstChild) svg.removeChild(svg.firstChild);
  el('rect', {x: M.l, y: M.t, width: w - M.l - M.r, height: h - M.t - M.b, fill: '#fff', stroke: '#bbb'}, svg);
  for (const v of ticks(view.x[0], view.x[1])){const X = sx(v, w);
    el('line', {x1: X, x2: X, y1: M.t, y2: h - M.b, stroke: '#eee'}, svg);
    el('text', {x: X, y: h - M.b + 14, 'text-anchor': 'middle', 'font-size': 11}, svg).textContent = label(v);}
  for (const v of ticks(view.y[0], view.y[1])){const Y = sy(v, h);
    el('line', {x1: M.l, x2: w - M.r, y1: Y, y2: Y, stroke: '#eee'}, svg);
    el('text', {x: M.l - 5, y: Y + 4, 'text-anchor': 'end', 'font-size': 11}, svg).textContent = label(v);}
  el('text', {x: (w + M.l) / 2, y: h - 6, 'text-anchor': 'middle', 'font-size': 12}, svg).textContent = D.xlabel;
  el('text', {x: 14, y: (h - M.b) / 2, 'text-anchor': 'middle', 'font-size': 12,
    transform: `rotate(-90 14 ${(h - M.b) / 2})`}, svg).textContent = D.ylabel;
  const g = el('g', {}, svg); const clip = [M.l, w - M.r, M.t, h - M.b]; screen = [];
  const order = D.x.map((_, i) => i).sort((a, b) => D.front[a] - D.front[b]);
  const fx = [];
  for (const i of order){const X = sx(lx[i], w), Y = sy(ly[i], h);
    if (X < clip[0] || X > clip[1] || Y < clip[2] || Y > clip[3]) continue;
    const f = D.front[i], shape = SHAPES[D.marker[D.m[i]]] || SHAPES.o;
    el('path', {d: shape(X, Y, f ? 5 : 2.6), fill: D.colours[D.c[i]], 'fill-opacity': f ? 1 : 0.6,
      stroke: f ? '#000' : 'none', 'stroke-width': 0.8}, g);
    screen.push([X, Y, i]); if (f) fx.push([X, Y]);}
  fx.sort((a, b) => a[0] - b[0]);
  if (fx.length > 1){let d = `M${fx[0][0]},${fx[0][1]}`;
    for (let k = 1; k < fx.length; k++) d += `H${fx[k][0]}V${fx[k][1]}`;
    el('path', {d: d, fill: 'none', stroke: '#000', 'stroke-width': 1}, g);}
  document.body.dataset.paretoPoints = String(screen.length);
}
function nearest(mx, my){let best = null, bd = 81;
  for (const [X, Y, i] of screen){const d = (X - mx) ** 2 + (Y - my) ** 2; if (d < bd){bd = d; best = i;}}
  return best;}
function pos(ev){const r = svg.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top];}
let drag = null;
svg.addEventListener('mousemove', ev => {const [mx, my] = pos(ev);
  if (drag){const [w, h] = size();
    const dx = (mx - drag.mx) / (w - M.l - M.r) * (drag.v.x[1] - drag.v.x[0]);
    const dy = (my - drag.my) / (h - M.t - M.b) * (drag.v.y[1] - drag.v.y[0]);
    view = {x: [drag.v.x[0] - dx, drag.v.x[1] - dx], y: [drag.v.y[0] + dy, drag.v.y[1] + dy]}; draw(); return;}
  const i = nearest(mx, my);
  if (i === null){tip.style.display = 'none'; return;}
  tip.textContent = D.tip[i]; tip.style.display = 'block';
  const [w] = size(); tip.style.left = (mx > w / 2 ? mx - tip.offsetWidth - 12 : mx + 12) + 'px';
  tip.style.top = Math.max(0, my - 10) + 'px';});
svg.addEventListener('mousedown', ev => {const [mx, my] = pos(ev); drag = {mx: mx, my: my, v: {x: view.x.slice(), y: view.y.slice()}};});
window.addEventListener('mouseup', () => {drag = null;});
svg.addEventListener('mouseleave', () => {tip.style.display = 'none';});
svg.addEventListener('wheel', ev => {ev.preventDefault(); const [mx, my] = pos(ev), [w, h] = size();
  const k = ev.deltaY > 0 ? 1.25 : 0.8;
  const cx = view.x[0] + (mx - M.l) / (w - M.l - M.r) * (view.x[1] - view.x[0]);
  const cy = view.y[0] + (h - M.b - my) / (h - M.t - M.b) * (view.y[1] - view.y[0]);
  view = {x: [cx + (view.x[0] - cx) * k, cx + (view.x[1] - cx) * k], y: [cy + (view.y[0] - cy) * k, cy + (view.y[1] - cy) * k]};
  draw();}, {passive: false});
svg.addEventListener('dblclick', () => {view = {x: home.x.slice(), y: home.y.slice()}; draw();});
window.addEventListener('resize', draw);
draw();
})();
"""

# Installed before any other script: records uncaught errors on the page (read by the browser test).
_ERROR_HOOK = ("window.addEventListener('error',function(e){var b=document.body||document.documentElement;"
               "b.dataset.jsErrors=(b.dataset.jsErrors||'')+String(e.message)+';';});")


def _quantity(column: str) -> str:
    """``energy_pj`` -> ``energy``: the column name without its unit suffix, words spaced."""
    for suffix in sorted(units.DISPLAY_UNITS, key=len, reverse=True):
        if column.endswith(suffix) and len(column) > len(suffix):
            column = column[: -len(suffix)]
            break
    return column.replace("_", " ")


# columns whose unit is not their suffix: shown as the quantity named here
_ALIASES = {"clock_mhz_effective": "clock_mhz"}
_BITS_HEADERS = {"w_bits": "weight bits", "a_bits": "activation bits", "o_bits": "output bits"}


def _same_value(v, column: str) -> str:
    if isinstance(v, (int, float, np.integer, np.floating)) and units.display_unit(column):
        return units.human_one(float(v), column)
    return _value(v)


def _designs(df: pd.DataFrame, first: list[str]) -> str:
    """A table of designs: ``first`` columns, the metrics, then the design columns that differ
    between rows (those equal in every row are listed once, under the table)."""
    design = [c for c in DESIGN_COLS if c in df.columns and c not in first]
    same = [c for c in design if len(df) > 1 and df[c].nunique() == 1]
    table = _table(df, [*first, *METRIC_COLS, *(c for c in design if c not in same)])
    if not same:
        return table
    note = ", ".join(f"{_quantity(_ALIASES.get(c, c))} {_same_value(df[c].iloc[0], _ALIASES.get(c, c))}"
                     for c in same)
    return f"{table}<p class='note'>Same in every row: {html.escape(note)}.</p>"


def _table(df: pd.DataFrame, cols: list[str] | None = None, headers: dict[str, str] | None = None) -> str:
    """An HTML table in human units (one unit per column, in its header), inside a scrolling box."""
    cols = [c for c in (cols or list(df.columns)) if c in df.columns]
    headers = headers or {}
    head, body = [], []
    cells = {}
    for c in cols:
        v = df[c]
        numeric = pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
        if c in _BITS_HEADERS:  # precision widths, not data volumes
            text, title = [f"{int(x)}" for x in v], _BITS_HEADERS[c]
        elif numeric and units.display_unit(_ALIASES.get(c, c)):
            text, unit = units.human(v.to_numpy(float), _ALIASES.get(c, c))
            title = f"{_quantity(_ALIASES.get(c, c))} ({unit})"
        elif numeric and pd.api.types.is_integer_dtype(v):
            text = [f"{int(x)}" if c == "point_id" else f"{int(x):,}" for x in v]
            title = c.replace("_", " ")
        elif numeric:
            text, _ = units.human(v.to_numpy(float), c)
            title = c.replace("_", " ")
        else:
            text, title = [str(x) for x in v], c.replace("_", " ")
        cls = "" if numeric else " class='s'"
        cells[c] = (text, cls)
        head.append(f"<th{cls}>{html.escape(headers.get(c, title))}</th>")
    for i in range(len(df)):
        body.append("<tr>" + "".join(f"<td{cells[c][1]}>{html.escape(cells[c][0][i])}</td>" for c in cols) + "</tr>")
    return (f"<div class='scroll'><table><thead><tr>{''.join(head)}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _img(path: Path, alt: str) -> str:
    """The figure's SVG embedded; ``render`` leaves a slot (``_slot``) that ``write_html`` fills once
    the figure is drawn, so the page is assembled while the figures draw."""
    return f'<img class="fig" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{_slot(path)}">'


def _slot(path: Path) -> str:
    return f"\0dse-figure:{Path(path).name}\0"


def _embed(page: str, path: Path) -> str:
    return page.replace(_slot(path), base64.b64encode(Path(path).read_bytes()).decode())


def _json(obj) -> str:
    return (json.dumps(obj, separators=(",", ":"), default=float)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def energy_breakdown(row: pd.Series) -> pd.DataFrame:
    """One design's energy parts (``dse.network.ENERGY_PARTS``) with their share of its total."""
    parts = [c for c in ENERGY_PARTS if c in row.index]
    return pd.DataFrame({"component": [c[len("energy_"):-len("_pj")] for c in parts],
                         "energy_pj": row[parts].to_numpy(dtype=float),
                         "share": row[parts].to_numpy(dtype=float) / float(row["energy_pj"])})


def _value(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _tip(row: dict, params: list[str]) -> str:
    lines = [f"#{int(row['point_id'])}  " + " ".join(str(row[c]) for c in ("pe_type", "dataflow") if c in row)]
    lines.append("  ".join(f"{_quantity(c)} {units.human_one(row[c], c)}" for c in ("energy_pj", "latency_s",
                                                                                     "area_mm2") if c in row))
    lines += [f"{p}: {_value(row[p])}" for p in params if p not in ("pe_type", "dataflow")]
    return "\n".join(lines)


def _interactive(s: Summary, front: pd.DataFrame) -> str:
    f = plots.FIGURES["pareto"]
    sample = s.sample.groupby("pe_type", sort=False).head(INTERACTIVE_PER_GROUP) if len(s.sample) else s.sample
    sample = sample[~sample["point_id"].isin(front["point_id"])] if len(sample) else sample
    pts = pd.concat([sample, front], ignore_index=True)
    fx, ux = units.display_factor(pts[f.x].to_numpy(float), f.x)
    fy, uy = units.display_factor(pts[f.y].to_numpy(float), f.y)
    pes = plots.pe_order(pts["pe_type"])
    varying = [p for p in PARAMS if p in pts and pts[p].nunique() > 1]  # the others are listed once, below
    fixed = [p for p in PARAMS if p in pts and pts[p].nunique() == 1]
    flows = sorted(set(pts["dataflow"]))
    data = {"x": (pts[f.x] / fx).tolist(), "y": (pts[f.y] / fy).tolist(),
            "c": [pes.index(str(p)) for p in pts["pe_type"]], "colours": [plots.pe_colour(p) for p in pes],
            "m": [flows.index(d) for d in pts["dataflow"]], "marker": [plots.dataflow_marker(d) for d in flows],
            "front": [0] * len(sample) + [1] * len(front), "tip": [_tip(r, varying) for r in pts.to_dict("records")],
            "xlabel": f"{f.x_label} ({ux})", "ylabel": f"{f.y_label} ({uy})"}
    legend = "".join(f"<span><i class='sw' style='background:{plots.pe_colour(p)}'></i>{html.escape(p)}</span>"
                     for p in pes)
    legend += "".join(f"<span>{plots.MARKER_GLYPHS.get(plots.dataflow_marker(d), '')} "
                      f"{html.escape(d.replace('_', ' '))}</span>" for d in flows)
    return (f"<p class='note'>Hover a point for its design; scroll to zoom, drag to pan, double-click to reset. "
            f"Black-edged: the {len(front)} Pareto-front designs; others: a sample of at most "
            f"{INTERACTIVE_PER_GROUP} designs per PE type of the {s.rows:,} evaluated.</p>"
            f"<div id='pvlegend'>{legend}</div><div id='pv'><svg role='img' aria-label='interactive Pareto view'>"
            f"</svg><div id='pvtip'></div></div>"
            f"<script type='application/json' id='pvdata'>{_json(data)}</script>"
            f"<p class='note'>Same for every design shown: "
            + html.escape(", ".join(f"{p} = {_value(pts[p].iloc[0])}" for p in fixed)) + "</p>")


def _bar(value: float, scale: float, cls: str, text: str) -> str:
    width = 0 if scale <= 0 or not np.isfinite(value) else abs(value) / scale * 110
    return f"<span class='bar {cls}' style='width:{width:.1f}px'></span> {html.escape(text)}"


def _layer_bits_view(layers: pd.DataFrame, pid: int) -> str:
    """A bar per layer: its weight and activation bits, and the energy that choice saves or costs
    against every compute layer at REF_BITS on the same design."""
    rows = layers[(layers["point_id"] == pid) & (layers["w_bits"] > 0)]
    if rows.empty:
        return "<p class='note'>no compute layers</p>"
    # bars on one scale for every design: the widest PE operand of the catalogue (16 bits) is full width
    bits_max = float(max(rows["w_bits"].max(), rows["a_bits"].max(), BITS_FULL_BAR))
    has_ref = "energy_ref_pj" in rows and rows["energy_ref_pj"].notna().all()
    delta = (rows["energy_pj"] - rows["energy_ref_pj"]).to_numpy(float) if has_ref else np.zeros(len(rows))
    dtext, dunit = units.human(delta, "energy_pj")
    etext, eunit = units.human(rows["energy_pj"].to_numpy(float), "energy_pj")
    dmax = float(np.abs(delta).max()) if has_ref else 0.0
    head = (f"<tr><th class='s'>layer</th><th class='s'>weight bits</th><th class='s'>activation bits</th>"
            f"<th>energy ({html.escape(eunit)})</th>"
            + (f"<th class='s'>vs {REF_BITS}/{REF_BITS}-bit: saves (green) / costs (red), {html.escape(dunit)}</th>"
               if has_ref else "") + "</tr>")
    body = []
    for k, r in enumerate(rows.itertuples()):
        cells = [f"<td class='s'>{html.escape(str(r.layer))}</td>",
                 f"<td class='barcell'>{_bar(r.w_bits, bits_max, 'bw', str(int(r.w_bits)))}</td>",
                 f"<td class='barcell'>{_bar(r.a_bits, bits_max, 'ba', str(int(r.a_bits)))}</td>",
                 f"<td>{html.escape(etext[k])}</td>"]
        if has_ref:
            sign = "+" if delta[k] > 0 else ""
            cells.append(f"<td class='barcell'>{_bar(delta[k], dmax, 'bcost' if delta[k] > 0 else 'bsave', sign + dtext[k])}"
                         "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    total = ""
    if has_ref:
        t = float(delta.sum())
        how = ("the same energy as" if t == 0 else
               f"{units.human_one(abs(t), 'energy_pj')} {'more' if t > 0 else 'less'} than")
        total = (f"<p class='note'>All layers together: {html.escape(how)} every compute layer at "
                 f"{REF_BITS}/{REF_BITS} bits on this design.</p>")
    return f"{total}<div class='scroll'><table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"


def layer_points(s: Summary) -> list[int]:
    """The designs with a per-layer view: up to MAX_LAYER_DESIGNS front designs, and the best per objective."""
    front = plots.plane_front(s, "pareto")
    picked = plots._label_rows(front).head(MAX_LAYER_DESIGNS) if len(front) else front
    ids = [int(p) for p in picked.get("point_id", [])] + [int(r["point_id"]) for r in s.best.values()]
    return sorted(set(ids))


def layer_costs(spec, wl: Workload, point_ids: list[int]) -> pd.DataFrame:
    """Per-layer table of ``point_ids`` at their chosen bits, with ``energy_ref_pj`` at REF_BITS."""
    from dse.precision_export import per_layer
    from workloads.precision import BitsOverride, PrecisionOverrides

    chosen = per_layer(spec, wl, point_ids)
    graph = PrecisionOverrides(default=BitsOverride(w=REF_BITS, a=REF_BITS)).apply(wl.graph)
    ref_wl = Workload(graph, False, frozenset(layer.name for layer in graph.compute_layers()))
    ref = per_layer(spec, ref_wl, point_ids)[["point_id", "layer", "energy_pj"]]
    return chosen.merge(ref.rename(columns={"energy_pj": "energy_ref_pj"}), on=["point_id", "layer"], how="left")


def render(s: Summary, manifest: dict, layers: pd.DataFrame | None, figures: dict[str, Path]) -> str:
    e = html.escape
    spec_name = str(manifest.get("spec_name", "?"))
    network = str(manifest.get("workload", {}).get("network", "?"))
    front = plots.plane_front(s, "pareto")
    front = front.assign(design=plots.design_labels(front)) if len(front) else front
    best = pd.DataFrame([{"objective": k, **r.to_dict()} for k, r in s.best.items()])
    meta = pd.DataFrame({"field": ["spec", "network", "design points", "wall time", "points per second",
                                   "dse version"],
                         "value": [spec_name, network, f"{int(manifest.get('rows', s.rows)):,}",
                                   units.human_one(float(manifest.get("wall_time_s", np.nan)), "wall_time_s"),
                                   f"{float(manifest.get('points_per_second', np.nan)):,.0f}",
                                   str(manifest.get("dse_version", "?"))]})
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>dse: {e(spec_name)}</title>",
        f"<script>{_ERROR_HOOK}</script><style>{_CSS}</style></head><body>",
        f"<h1>dse sweep <code>{e(spec_name)}</code> on <code>{e(network)}</code></h1>",
        _table(meta),
        "<h2>Energy vs latency: interactive</h2>", _interactive(s, front) if len(front) else "<p>no designs</p>",
        "<h2>Energy vs latency</h2>", _img(figures["pareto"], "energy vs latency, Pareto front labelled"),
        "<h2>Performance per area</h2>", _img(figures["perf_per_area"], "performance per area vs energy"),
        "<p class='note'>Figures as PNG (200 dpi), SVG and PDF beside this report: "
        + ", ".join(f"<code>{e(Path(p).stem)}.{{png,svg,pdf}}</code>" for p in figures.values()) + ".</p>",
        "<h2>Best design per objective</h2>",
        _designs(best, ["objective", "point_id"]),
        "<h2>Best design (EDP) per PE type</h2>",
        _designs(s.best_per_pe.assign(_k=[plots._pe_key(str(p)) for p in s.best_per_pe["pe_type"]])
                 .sort_values("_k"), ["pe_type", "point_id"]) if len(s.best_per_pe) else "",
        f"<h2>Pareto front (energy, latency): {len(front)} designs</h2>",
        _designs(front, ["design", "point_id"]),
        "<h2>Energy breakdown of the front designs</h2>", _img(figures["breakdown"], "energy breakdown"),
        "<dl class='explain'>" + "".join(
            f"<dt><i class='sw' style='background:{plots.BREAKDOWN_COLOURS[i % len(plots.BREAKDOWN_COLOURS)]}'>"
            f"</i>{e(k)}</dt><dd>{e(EXPLAIN.get(k, ''))}</dd>" for i, k in enumerate(plots.energy_groups())) + "</dl>",
    ]
    if "edp" in s.best:
        row = s.best["edp"]
        parts += [f"<h3>Breakdown of the best-EDP design (point {int(row['point_id'])})</h3>",
                  _table(energy_breakdown(row).assign(share=lambda d: [f"{x:.1%}" for x in d["share"]]))]
    if layers is not None and len(layers):
        parts.append(f"<h2>Per-layer precision of the front designs</h2><p class='note'>Weight and activation "
                     f"bits each compute layer runs at, and the energy each layer's choice saves or costs against "
                     f"the same design with every compute layer at {REF_BITS}/{REF_BITS} bits.</p>")
        shown = [int(p) for p in front["point_id"] if int(p) in set(layers["point_id"])] if len(front) else []
        labels = dict(zip(front["point_id"], front["design"])) if len(front) else {}
        for k, pid in enumerate(shown):
            parts.append(f"<details{' open' if k == 0 else ''}><summary>#{pid} {e(labels[pid])}: "
                         f"{e(units.human_one(front.set_index('point_id').loc[pid, 'energy_pj'], 'energy_pj'))}"
                         f"</summary>{_layer_bits_view(layers, pid)}</details>")
        if "edp" in s.best:
            pid = int(s.best["edp"]["point_id"])
            lr = layers[layers["point_id"] == pid].drop(columns=["point_id"])
            parts += [f"<h2>Per-layer cost of the best-EDP design (point {pid})</h2>",
                      _table(lr, headers={"energy_ref_pj": f"energy at {REF_BITS}/{REF_BITS} bits "
                                                           f"({units.human(lr['energy_ref_pj'], 'energy_ref_pj')[1]})"}
                             if "energy_ref_pj" in lr else None)]
    parts += [f"<script>{_JS}</script>", "</body></html>"]
    return "\n".join(parts)


def output_names() -> list[str]:
    """The files ``write_outputs`` writes."""
    return [f"{n}.{fmt}" for n in (*plots.FIGURES, "breakdown") for fmt in plots.FORMATS] + ["report.html"]


def figure_jobs(out_dir: Path, s: Summary, manifest: dict) -> dict[str, tuple]:
    """Each figure as ``name -> (function, args)``: called wherever it runs (here, or on a Dask worker
    seeing ``out_dir``), it draws the figure and writes its files, returning their paths."""
    out_dir = Path(out_dir)
    title = f"{manifest.get('spec_name', '')}: {manifest.get('workload', {}).get('network', '')}, {s.rows:,} designs"
    jobs = {name: (plots.scatter_figure, (s, name, out_dir / name, title)) for name in plots.FIGURES}
    front = plots.plane_front(s, "pareto")
    jobs["breakdown"] = (plots.breakdown_figure, (front, plots.design_labels(front) if len(front) else [],
                                                  out_dir / "breakdown",
                                                  f"energy breakdown of the {len(front)} front designs"))
    return jobs


def write_html(out_dir: Path, s: Summary, manifest: dict, layers: pd.DataFrame | None,
               files: dict) -> list[str]:
    """report.html from the figures' files (``figure_jobs``' results, or jobs with ``.result()`` giving
    them: a Dask run's futures, waited for once the rest of the page is rendered); returns every file
    name written."""
    page = render(s, manifest, layers, {name: Path(out_dir) / f"{name}.svg" for name in files})
    files = {name: f.result() if hasattr(f, "result") else f for name, f in files.items()}
    for paths in files.values():
        page = _embed(page, next(p for p in paths if p.suffix == ".svg"))
    written = [p for paths in files.values() for p in paths]
    written.append(write_text(Path(out_dir) / "report.html", page))
    return [p.name for p in written]


def write_outputs(out_dir: Path, s: Summary, manifest: dict, layers: pd.DataFrame | None) -> list[str]:
    """Figures and report.html into ``out_dir``, drawn here; returns the file names written."""
    files = {name: fn(*args) for name, (fn, args) in figure_jobs(out_dir, s, manifest).items()}
    return write_html(out_dir, s, manifest, layers, files)
