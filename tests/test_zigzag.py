"""Our cost model against ZigZag (zigzag-dse 3.9.1) on one hardware description: ResNet-18 conv/fc layers.

Reference figures: tests/data/zigzag_resnet18.csv, written by
``python benchmarks/compare_zigzag.py --write-reference`` (ZigZag run in its own venv). Tolerance:
15% on the network's total energy (leakage excluded: ZigZag has none) and total latency (issue 7).
"""

from pathlib import Path

import pandas as pd
import pytest

import benchmark_modules

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "zigzag_resnet18.csv"
TOLERANCE = 0.15
# ZIGZAG_PYTHON, else an interpreter on PATH that imports zigzag; without one the tests that run ZigZag
# skip and the stored-reference tests still run
ZIGZAG_PYTHON = benchmark_modules.load("compare_zigzag").zigzag_python()
NO_ZIGZAG = "zigzag-dse not found (optional: set ZIGZAG_PYTHON to the python of a venv with zigzag-dse==3.9.1 six)"


def _compare_module():
    return benchmark_modules.load("compare_zigzag")


@pytest.fixture(scope="module")
def joined():
    cz = _compare_module()
    ours = cz.our_layers(cz.spec_mod.parse(cz.DESIGN, "compare_zigzag.DESIGN"))
    ref = pd.read_csv(REFERENCE, comment="#")
    assert sorted(ref["layer"]) == sorted(ours["layer"])  # the reference covers every compute layer
    return cz.compare(ours, ref)


@pytest.mark.parametrize("quantity", ["energy_pj", "latency_cycles"])
def test_network_totals_within_15_percent_of_zigzag(joined, quantity):
    ours, theirs = joined[f"ours_{quantity}"].sum(), joined[f"zigzag_{quantity}"].sum()
    assert abs(ours / theirs - 1) <= TOLERANCE, f"ours {ours:.4g} vs ZigZag {theirs:.4g}"


def test_no_layer_is_wildly_off(joined):
    """Per layer the models may pick different loop orders; a factor of 2 would mean a modelling error."""
    assert joined["energy_ratio"].between(0.5, 2.0).all(), joined[["layer", "energy_ratio"]]
    assert joined["latency_ratio"].between(0.5, 2.0).all(), joined[["layer", "latency_ratio"]]


@pytest.mark.skipif(ZIGZAG_PYTHON is None, reason=NO_ZIGZAG)
def test_reference_reproduces_with_installed_zigzag():
    cz = _compare_module()
    spec = cz.spec_mod.parse(cz.DESIGN, "compare_zigzag.DESIGN")
    layers = ["layer2.0.downsample", "fc"]  # small layers: a few seconds of LOMA
    zz, _, _ = cz.run_zigzag(spec, ZIGZAG_PYTHON, only=layers)
    ref = pd.read_csv(REFERENCE, comment="#").set_index("layer").loc[layers]
    pd.testing.assert_series_equal(
        zz.set_index("layer")["zigzag_energy_pj"], ref["zigzag_energy_pj"], rtol=1e-6, check_names=False
    )
    pd.testing.assert_series_equal(
        zz.set_index("layer")["zigzag_latency_cycles"],
        ref["zigzag_latency_cycles"],
        rtol=1e-6,
        check_names=False,
    )


# --- ZigZag's shipped accelerators (tests/data/zigzag_accelerators.csv, from
# `python benchmarks/compare_zigzag.py --accelerators --write-reference`) against our equivalents ---
ACC_REFERENCE = ROOT / "tests" / "data" / "zigzag_accelerators.csv"
ACC_TOLERANCE = 0.10  # issue 13: network energy and latency within 10% on each accelerator
# Components (energy per level and operand, latency parts; compare_zigzag.component_table) that differ by
# more than COMPONENT_TOLERANCE of ZigZag's network total, with the difference measured on 2026-12-01
# and its reason. Any other component must agree within COMPONENT_TOLERANCE.
COMPONENT_TOLERANCE = 0.02
KNOWN_DIFFERENCES = {
    ("tpu_like", "on/off-loading"): "-10.4%: ZigZag loads a layer's whole input into its 2 MB SRAM before the first "
    "MAC (LOMA puts every loop below the SRAM, so the first tile is the layer: 25k cycles on layer1's convs); our "
    "DRAM tiling double buffers 64 tiles",
    ("tpu_like", "memory stall"): "+2.5%: the DRAM-bound layers (layer4, fc, downsamples) take the same cycles in "
    "both (within 1-2%), which ZigZag splits between stall and on/off-loading and ours counts as stall",
    # ("edge_tpu_like", "spad psum") was +3.3% (ZigZag's psum register is shared by the 8 PEs of an adder tree over
    # C; ours is per PE); since a partial sum's first contribution is written without a read (dse.dataflows,
    # INNER_ORDERS) it is +1.4% of the total (ours 36.3 M pJ against ZigZag's 9.2 M), inside the 2% tolerance
    ("edge_tpu_like", "glb ifmap"): "-11.6%: ZigZag's 4-D array broadcasts an input to 8 output channels (K 8), "
    "our 2-D 32 x 32 to 32 columns",
    ("edge_tpu_like", "glb psum"): "+17.6%: our 1-word filter spad per PE holds one tap, so partial sums spill to "
    "the GLB per filter tap; ZigZag keeps them in its psum registers while weights stream from its 32 KB weight "
    "SRAM, a level our template does not have",
    ("edge_tpu_like", "spatial under-use"): "+16.3%: the 1-word filter spads make 9 weight tiles per fold, each "
    "paying rows + cols of skew (ZigZag: OX 4 x OY 4 leave 7- and 14-pixel maps partly idle)",
    ("edge_tpu_like", "memory stall"): "-12.8%: layer4's DRAM-bound cycles (equal totals within 1%) counted as "
    "stall by ZigZag and as compute (that skew) by ours",
    ("edge_tpu_like", "on/off-loading"): "-8.9%: as tpu_like, ZigZag loads a layer's whole input before computing",
    ("eyeriss_like", "spad psum"): "-3.0%: ZigZag's LOMA puts FX above the psum RF (psums spill per filter "
    "column: 237M RF words to and from the 8 KB SRAM); our row stationary keeps a filter row in the PE",
    ("eyeriss_like", "spatial under-use"): "+3.2%: our row stationary adds a cycle per partial sum received from "
    "the PE below (1 / (q FX + 1) of compute; 384k cycles, 172k on conv1), which ZigZag does not model",
    ("eyeriss_like", "memory stall"): "-6.1%: the 8 KB psum SRAM's 128 bits / cycle limit those psum spills in "
    "ZigZag (43k cycles a layer on layer1); ours keep the psums in the PEs",
}


@pytest.fixture(scope="module")
def accelerators():
    cz = _compare_module()
    ref = pd.read_csv(ACC_REFERENCE, comment="#")
    return cz, {name: ref[ref["accelerator"] == name].reset_index(drop=True) for name in cz.ACCELERATORS}


@pytest.mark.parametrize("name", ["tpu_like", "edge_tpu_like", "eyeriss_like"])
def test_shipped_accelerator_totals(accelerators, name):
    cz, refs = accelerators
    ref = refs[name]
    df = cz.compare(cz.our_accelerator(name), ref)
    assert len(df) == len(ref) == 21  # every conv / fc layer of ResNet-18
    e = df["ours_energy_pj"].sum() / df["zigzag_energy_pj"].sum() - 1
    lat = df["ours_latency_cycles"].sum() / df["zigzag_latency_cycles"].sum() - 1
    assert abs(e) <= ACC_TOLERANCE and abs(lat) <= ACC_TOLERANCE, f"{name}: energy {e:+.1%}, latency {lat:+.1%}"


@pytest.mark.parametrize("name", ["tpu_like", "edge_tpu_like", "eyeriss_like"])
def test_shipped_accelerator_components(accelerators, name):
    """Component by component: MAC energy and DRAM weight reads identical (both tools read each weight
    once); every other component within 2% of the total unless it is a known, explained difference."""
    cz, refs = accelerators
    table = cz.component_table(name, refs[name])
    comp = table.set_index("component")
    assert comp.loc["mac", "ours_value"] == pytest.approx(comp.loc["mac", "zigzag_value"], rel=1e-9)
    assert comp.loc["dram weight", "ours_value"] == pytest.approx(comp.loc["dram weight", "zigzag_value"], rel=1e-3)
    energy = table[table["quantity"] == "energy"]  # the components add up to both totals
    assert energy["zigzag_value"].sum() == pytest.approx(refs[name]["zigzag_energy_pj"].sum(), rel=1e-9)
    assert energy["ours_value"].sum() == pytest.approx(cz.our_accelerator(name)["ours_energy_pj"].sum(), rel=1e-9)
    off = {(name, r.component): r.diff_of_total for r in table.itertuples()
           if abs(r.diff_of_total) > COMPONENT_TOLERANCE}
    unexplained = {k: f"{v:+.1%}" for k, v in off.items() if k not in KNOWN_DIFFERENCES}
    assert not unexplained, f"components off by more than {COMPONENT_TOLERANCE:.0%} of the total: {unexplained}"
    stale = [k for k in KNOWN_DIFFERENCES if k[0] == name and k not in off]  # an explained gap that closed
    assert not stale, f"no longer off by more than {COMPONENT_TOLERANCE:.0%}: {stale}"


def test_eyeriss_like_reference_used_our_spatial_mapping(accelerators):
    """ZigZag ships no eyeriss_like mapping, so each layer was given our row stationary's spatial unrolling;
    if our choice changes, the stored reference is stale (rerun the command in its header)."""
    cz, refs = accelerators
    ref = refs["eyeriss_like"].set_index("layer")["spatial_mapping"]
    for layer, sm in cz.our_spatial("eyeriss_like").items():
        want = "{" + ", ".join(f"{d}: {{" + ", ".join(e.replace(",", ":") for e in sm[d]) + "}" for d in ("D1", "D2")) + "}"
        assert ref[layer] == want, f"{layer}: reference ZigZag ran {ref[layer]}, ours now maps {want}"


@pytest.mark.skipif(ZIGZAG_PYTHON is None, reason=NO_ZIGZAG)
@pytest.mark.parametrize("name", ["tpu_like", "edge_tpu_like", "eyeriss_like"])
def test_accelerator_reference_reproduces_with_installed_zigzag(accelerators, name):
    cz, refs = accelerators
    zz, _, _ = cz.run_zigzag_accelerator(name, ZIGZAG_PYTHON, only=["fc"])  # the smallest LOMA space
    ref = refs[name].set_index("layer").loc[["fc"]]
    for col in ("zigzag_energy_pj", "zigzag_latency_cycles", "mac_pj", "dram_W_pj"):
        assert zz[col].iloc[0] == pytest.approx(ref[col].iloc[0], rel=1e-6), col
