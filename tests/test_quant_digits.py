"""Issue 11 part 4 on real data: a classifier trained on scikit-learn's bundled digits, its
sensitivity measured with labels, mixed precision chosen by the ILP on a fixed INT4 accelerator,
written by `dse quantize` and measured with onnxruntime on held-out images
(benchmarks/quant_digits.py prints the table)."""

from __future__ import annotations

import pytest

import benchmark_modules

pytest.importorskip("sklearn")


def test_mixed_precision_beats_uniform_on_digits(tmp_path, monkeypatch):
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path / "cache"))
    quant_digits = benchmark_modules.load("quant_digits")

    rows = {r["name"]: r for r in quant_digits.run(tmp_path, ladder=5)}
    u8, u4 = rows["uniform 8"], rows["uniform 4"]
    assert u8["acc"] > 0.95 and u4["energy"] < u8["energy"]
    # equal energy: within uniform 4's energy the mixed choice is at least as accurate as uniform 4
    same = rows["mixed, energy <= uniform 4"]
    assert same["energy"] <= u4["energy"] * (1 + 1e-9) and same["acc"] >= u4["acc"]
    # equal accuracy: a mixed choice as accurate as uniform 8 costs less energy
    match = rows["mixed, accuracy >= uniform 8"]
    assert match["acc"] >= u8["acc"] and match["energy"] < u8["energy"]
