"""Figures and report from bounded data: summary, human units, plot outputs, report.html in Chromium."""

import html
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dse import cli, plots, report, summary, units
from dse.network import ENERGY_PARTS
from dse.pareto import front_mask
from dse.precision_export import best_points
from pe_models.catalog import PE_TYPES

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
HOSTILE = "<script>alert(1)</script>"


def synthetic(n: int, seed: int = 0, pe_types=("INT8", "LightPE-2", "INT16", "INT2", "INT4")) -> pd.DataFrame:
    """A results-shaped table with physically plausible spreads (energy mJ-scale, latency ms-scale)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "point_id": np.arange(n), "pe_type": rng.choice(list(pe_types), n),
        "dataflow": rng.choice(["row_stationary", "weight_stationary", "output_stationary"], n),
        "pe_rows": rng.choice([8, 16], n), "pe_cols": rng.choice([8, 16], n), "spad_ifmap_words": 12,
        "spad_filter_words": rng.choice([112, 224], n), "spad_psum_words": 24,
        "glb_kib": rng.choice([64.0, 128.0], n), "glb_tech": rng.choice(["SRAM", "SOT-MRAM"], n),
        "dram_bw_gbps": 25.6, "clock_mhz_effective": 500.0,
    })
    df["latency_s"] = 10 ** rng.uniform(-2, -0.5, n)
    df["area_mm2"] = 10 ** rng.uniform(-0.5, 0.5, n)
    parts = rng.uniform(0.1, 1.0, (n, len(ENERGY_PARTS))) * 10 ** rng.uniform(8.5, 9.5, (n, 1))
    for i, c in enumerate(ENERGY_PARTS):
        df[c] = parts[:, i]
    df["energy_pj"] = parts.sum(axis=1)
    df["edp_pj_s"] = df["energy_pj"] * df["latency_s"]
    df["perf_per_area_gops_per_mm2"] = 3.6 / df["latency_s"] / df["area_mm2"]
    df["utilization"] = rng.uniform(0.1, 1, n)
    return df


# ---------------------------------------------------------------- human units


def test_human_units_pick_one_unit_per_column():
    assert units.human([5.316e9, 1.2e10], "energy_pj") == (["5.316", "12"], "mJ")
    assert units.human_one(0.017712, "latency_s") == "17.71 ms"
    assert units.human_one(0.879, "area_mm2") == "0.879 mm²"
    assert units.human_one(2.5e-7, "latency_s") == "250 ns"
    assert units.human_one(12_345_678, "latency_cycles") == "12.35 M cycles"
    assert units.human_one(float("nan"), "energy_pj") == "-"
    assert units.human([3.0], "utilization") == (["3"], "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-3, 1e15), min_size=1, max_size=6), st.sampled_from(["energy_pj", "latency_s",
                                                                                   "edp_pj_s", "power_mw"]))
def test_human_units_round_trip(values, column):
    """The printed number times the chosen unit is the value to 4 significant digits."""
    text, label = units.human(values, column)
    factor = dict((lab, f) for f, lab in units.display_unit(column))[label]
    np.testing.assert_allclose([float(t) * factor for t in text], values, rtol=6e-4)
    mag = float(np.median(values))
    assert mag / factor >= 1 or factor == units.display_unit(column)[0][0]  # the largest unit keeping >= 1


# ---------------------------------------------------------------- bounded summary


def test_summary_is_exact_bounded_and_order_independent():
    df = synthetic(20_000, seed=1)
    batches = [df.iloc[i:i + 3000] for i in range(0, len(df), 3000)]
    s = summary.summarize(batches)
    s_rev = summary.summarize(batches[::-1])
    full = df[front_mask(df[list(summary.FRONT_COLUMNS)].to_numpy())]
    assert sorted(s.front["point_id"]) == sorted(full["point_id"])  # exact front
    assert s.rows == len(df)
    counts = s.sample["pe_type"].value_counts()
    assert counts.max() == summary.SAMPLE_PER_GROUP and set(counts.index) == set(df["pe_type"])
    assert sorted(s.sample["point_id"]) == sorted(s_rev.sample["point_id"])  # bottom-k: order independent
    for plane in summary.PLANES:
        assert s.density[plane][1].sum() == len(df)
        xe, ye, grid = summary.density_grid(s, plane)
        assert grid.sum() == len(df) and xe[0] <= df[plane[0]].min() and ye[-1] >= df[plane[1]].max()
    expected = best_points(df)
    assert {k: int(r["point_id"]) for k, r in s.best.items()} == expected
    edp = df.loc[df.groupby("pe_type")["edp_pj_s"].idxmin(), "point_id"]
    assert sorted(s.best_per_pe["point_id"]) == sorted(edp)


def test_compiled_front_is_exact_with_ties_and_duplicates():
    rng = np.random.default_rng(7)
    v = np.round(rng.lognormal(size=(3_000, 3)), 1)  # rounded: many ties and duplicates
    v[::7] = v[3]
    le = np.all(v[None, :, :] <= v[:, None, :], axis=2)  # le[i, j]: row j <= row i everywhere
    lt = np.any(v[None, :, :] < v[:, None, :], axis=2)
    np.testing.assert_array_equal(front_mask(v), ~np.any(le & lt, axis=1))  # brute force, O(n^2)


@given(st.lists(st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.0, float("nan"), float("inf")]),
                          st.floats(-10, 10)), min_size=1, max_size=40), st.booleans(), st.randoms())
@settings(max_examples=60, deadline=None)
def test_best_row_is_the_first_of_a_lexsort(values, minimise, rnd):
    """The O(n) best row is the row a lexsort by (value, point_id) puts first: ties to the lowest
    point_id, NaN last."""
    ids = list(range(len(values)))
    rnd.shuffle(ids)
    df = pd.DataFrame({"point_id": ids, "v": values})
    v = df["v"].to_numpy(float)
    first = np.lexsort((df["point_id"].to_numpy(), v if minimise else -v))[0]
    assert summary._best_row(df, "v", minimise)["point_id"] == df["point_id"].iloc[first]


def test_plane_front_is_the_exact_2d_front():
    df = synthetic(4000, seed=2)
    s = summary.summarize([df])
    for name, f in plots.FIGURES.items():
        obj = np.column_stack([df[f.x] * (1 if f.minimise_x else -1), df[f.y] * (1 if f.minimise_y else -1)])
        assert sorted(plots.plane_front(s, name)["point_id"]) == sorted(df.loc[front_mask(obj), "point_id"]), name


def test_read_batches_streams_a_file_and_a_partitioned_dataset(tmp_path):
    df = synthetic(3000, seed=3)
    df.to_parquet(tmp_path / "results.parquet", index=False)
    a = summary.summarize(summary.read_batches(tmp_path, batch_rows=700))
    (tmp_path / "ds" / "results").mkdir(parents=True)
    for i in range(3):
        df.iloc[i * 1000:(i + 1) * 1000].to_parquet(tmp_path / "ds" / "results" / f"part-{i}.parquet", index=False)
    b = summary.summarize(summary.read_batches(tmp_path / "ds"))
    c = summary.summarize_dataset(tmp_path / "ds", batch_rows=500)  # light columns, full rows for candidates
    assert a.rows == b.rows == c.rows == 3000
    assert sorted(a.front["point_id"]) == sorted(b.front["point_id"]) == sorted(c.front["point_id"])
    assert sorted(a.sample["point_id"]) == sorted(c.sample["point_id"])
    assert {k: r["point_id"] for k, r in a.best.items()} == {k: r["point_id"] for k, r in c.best.items()}
    for plane in summary.PLANES:
        np.testing.assert_array_equal(a.density[plane][1], c.density[plane][1])
    pd.testing.assert_frame_equal(c.front.sort_values("point_id", ignore_index=True),
                                  df[df["point_id"].isin(c.front["point_id"])].reset_index(drop=True))
    with pytest.raises(Exception, match="no results"):
        list(summary.read_batches(tmp_path / "nothing"))


# ---------------------------------------------------------------- figures


def test_pe_order_follows_bit_width_from_the_catalogue():
    assert plots.pe_order(["INT16", "LightPE-2", "INT2", "FP16", "INT8", "LightPE-1", "INT4"]) == \
        ["INT2", "INT4", "INT8", "INT16", "LightPE-1", "LightPE-2", "FP16"]
    assert len({plots.pe_colour(p) for p in PE_TYPES}) == len(PE_TYPES)  # distinct colours


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_scatter_figure_legend_labels_ticks_units(name):
    s = summary.summarize([synthetic(5000, seed=4)])
    with plt.rc_context(plots._STYLE):
        fig = plots.draw_scatter(s, name, "test")
    try:
        ax = fig.axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        pes = [t for t in legend if t in PE_TYPES]
        assert pes == ["INT2", "INT4", "INT8", "INT16", "LightPE-2"]  # bit-width order
        assert any(t.startswith("Pareto front") for t in legend)
        front = plots.plane_front(s, name)
        labels = [t.get_text() for t in ax.texts]
        assert labels == plots.design_labels(plots._label_rows(front))  # front points labelled
        assert len(set(labels)) == len(labels) and all(lab.split()[0] in PE_TYPES for lab in labels)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(r) for t in ax.texts]
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])  # labels apart
        axb = ax.get_window_extent(r)
        assert all(b.x0 >= axb.x0 - 1 and b.x1 <= axb.x1 + 1 and b.y0 >= axb.y0 - 1 and b.y1 <= axb.y1 + 1
                   for b in boxes)
        for axis in (ax.xaxis, ax.yaxis):
            ticks = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            assert len(ticks) >= 2
            tb = [t.get_window_extent(r) for t in ticks]
            assert not any(_overlap(a, b) for i, a in enumerate(tb) for b in tb[i + 1:]), axis
            assert re.search(r"\((mJ|ms|µJ|s|GOPS/mm²)\)$", axis.get_label_text()), axis.get_label_text()
    finally:
        plt.close(fig)


def test_figure_files_png_200_dpi_svg_pdf(tmp_path):
    s = summary.summarize([synthetic(2000, seed=5)])
    files = plots.scatter_figure(s, "pareto", tmp_path / "pareto", "t")
    assert [p.suffix for p in files] == [".png", ".svg", ".pdf"]
    dpi = Image.open(tmp_path / "pareto.png").info["dpi"]
    assert dpi == pytest.approx((plots.PNG_DPI, plots.PNG_DPI), abs=0.1)
    assert ET.parse(tmp_path / "pareto.svg").getroot().tag.endswith("svg")
    assert (tmp_path / "pareto.pdf").read_bytes()[:5] == b"%PDF-"
    front = plots.plane_front(s, "pareto")
    files = plots.breakdown_figure(front, plots.design_labels(front), tmp_path / "breakdown", "t")
    assert all(p.stat().st_size > 1000 for p in files)


def test_every_energy_level_is_explained():
    levels = plots.energy_groups()
    assert set(levels) == set(report.EXPLAIN), "an energy level without its one-line explanation (or a stale one)"
    assert sum(len(v) for v in levels.values()) == len(ENERGY_PARTS)


# ---------------------------------------------------------------- report


def test_report_escapes_every_user_string(tmp_path):
    df = synthetic(300, seed=6, pe_types=(HOSTILE, "INT8"))
    df["glb_tech"] = HOSTILE
    s = summary.summarize([df])
    layers = pd.DataFrame({"point_id": [int(df["point_id"][0])], "layer": [HOSTILE], "op": ["conv"], "macs": [1],
                           "w_bits": [4], "a_bits": [8], "passes": [1], "energy_pj": [2.0], "energy_ref_pj": [3.0]})
    manifest = {"spec_name": HOSTILE, "workload": {"network": HOSTILE}, "rows": 300, "wall_time_s": 1.0,
                "points_per_second": 300.0, "dse_version": HOSTILE}
    names = report.write_outputs(tmp_path, s, manifest, layers)
    assert names == report.output_names()
    page = (tmp_path / "report.html").read_text()
    assert HOSTILE not in page and "&lt;script&gt;" in page
    data = re.search(r"<script type='application/json' id='pvdata'>(.*?)</script>", page, re.S).group(1)
    assert "<" not in data and json.loads(data)["tip"]
    assert "energy (mJ)" in page and "latency (ms)" in page and "area (mm²)" in page


def test_layer_bits_view_shows_savings_and_costs():
    layers = pd.DataFrame({"point_id": 7, "layer": ["a", "b", "pool"], "op": ["conv", "conv", "pool"],
                           "w_bits": [4, 8, 0], "a_bits": [4, 8, 8], "energy_pj": [1e6, 3e6, 1e3],
                           "energy_ref_pj": [2e6, 2.5e6, 1e3]})
    view = report._layer_bits_view(layers, 7)
    assert view.count("<tr>") == 3  # header + two compute layers (pool has no weights)
    assert "bsave" in view and "bcost" in view and "> -1000<" in view and "> +500<" in view and "8/8-bit: saves (green) / costs (red), nJ" in view
    assert "500 nJ less" in view


SPEC = """version: 1
name: small
workload: {network: resnet18}
precision:
  layers: {conv1: {w: 8, a: 8}}
space:
  pe_type: [INT4, INT8, LightPE-1]
  pe_rows: [8, 12]
  glb_kib: [64, 128]
  dataflow: [row_stationary, weight_stationary]
"""


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("figrun")
    (root / "small.yaml").write_text(SPEC)
    assert cli.main(["run", str(root / "small.yaml"), "--out", str(root / "out"), "--no-progress"]) == 0
    return root / "out"


def test_run_writes_report_and_vector_figures(small_run):
    manifest = json.loads((small_run / "manifest.json").read_text())
    for name in report.output_names():
        assert (small_run / name).stat().st_size > 0 and name in manifest["outputs"]
    page = (small_run / "report.html").read_text()
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # offline
    assert page.count("<details") >= 1 and "vs 8/8-bit" in page


def test_dse_report_rebuilds_the_same_report_from_results_alone(small_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(small_run, out)
    original = (out / "report.html").read_bytes()
    for name in report.output_names():
        (out / name).unlink()
    assert cli.main(["report", str(out)]) == 0
    assert (out / "report.html").read_bytes() == original
    assert all((out / n).exists() for n in report.output_names())


def test_dse_report_bad_folder_is_one_line(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "manifest.json" in err


PROBE = """<html><body><iframe id="f" src="REPORT_URL" width="1200" height="2400"></iframe><script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const d = f.contentDocument, w = f.contentWindow, out = {};
  try {
    const svg = d.querySelector('#pv svg'), tip = d.getElementById('pvtip');
    const at = (type, x, y, extra) => svg.dispatchEvent(new w.MouseEvent(type, Object.assign(
      {clientX: x, clientY: y, bubbles: true}, extra || {})));
    const front = [...svg.querySelectorAll('path[stroke="#000"]')].filter(p => p.getAttribute('fill') !== 'none');
    const r = front[0].getBoundingClientRect();
    at('mousemove', r.x + r.width / 2, r.y + r.height / 2);
    out.tip = tip.textContent; out.shown = tip.style.display;
    out.before = +d.body.dataset.paretoPoints;
    const s = svg.getBoundingClientRect(), cx = s.x + s.width / 2, cy = s.y + s.height / 2;
    for (let i = 0; i < 5; i++) svg.dispatchEvent(new w.WheelEvent('wheel', {deltaY: -100, clientX: cx, clientY: cy,
      bubbles: true, cancelable: true}));
    out.zoomed = +d.body.dataset.paretoPoints;
    at('dblclick', cx, cy);
    out.reset = +d.body.dataset.paretoPoints;
    out.unpanned = svg.querySelector('line').getAttribute('x1');
    at('mousedown', cx, cy); at('mousemove', cx + 150, cy); w.dispatchEvent(new w.MouseEvent('mouseup', {}));
    out.panned = svg.querySelector('line').getAttribute('x1');
    at('mousemove', s.x + 2, s.y + 2);
    out.hidden = tip.style.display;
  } catch (e) { out.error = String(e); }
  document.body.setAttribute('data-result', JSON.stringify(out));
});
</script></body></html>"""


def _chromium(args, tmp_path, url):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'u'}",
           "--enable-logging=stderr", "--v=0", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs the Debian package)")
def test_report_loads_in_headless_chromium_without_console_errors(small_run, tmp_path):
    url = (small_run / "report.html").as_uri()
    res = _chromium(["--dump-dom", "--virtual-time-budget=5000"], tmp_path, url)
    assert res.returncode == 0, res.stderr[-2000:]
    console = [line for line in res.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    body = re.search(r"<body[^>]*>", res.stdout).group(0)
    assert "data-js-errors" not in body, body
    drawn = int(re.search(r'data-pareto-points="(\d+)"', body).group(1))  # the interactive view drew
    assert drawn > 0
    # interaction, driven from a page that frames the report: hover a front point, zoom, reset, pan
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE.replace("REPORT_URL", url))
    res = _chromium(["--dump-dom", "--virtual-time-budget=5000", "--allow-file-access-from-files"], tmp_path,
                    probe.as_uri())
    out = json.loads(html.unescape(re.search(r'data-result="([^"]*)"', res.stdout).group(1)))
    assert "error" not in out, out
    front = pd.read_csv(small_run / "pareto.csv")
    pid = int(re.match(r"#(\d+) ", out["tip"]).group(1))
    assert out["shown"] == "block" and pid in set(front["point_id"])  # hover shows that design's parameters
    row = front.set_index("point_id").loc[pid]
    assert f"{row['pe_type']} {row['dataflow']}" in out["tip"] and units.human_one(row["energy_pj"], "energy_pj") \
        in out["tip"] and f"pe_rows: {row['pe_rows']}" in out["tip"]
    assert out["zoomed"] < out["before"] == out["reset"]  # wheel zooms in (fewer points in view), dblclick resets
    assert out["panned"] != out["unpanned"]  # drag moves the axes
    assert out["hidden"] == "none"  # away from every point the tooltip hides
    shot = tmp_path / "report.png"
    res = _chromium(["--screenshot=" + str(shot), "--window-size=1280,2400", "--hide-scrollbars"], tmp_path, url)
    assert shot.stat().st_size > 10_000
