"""Benchmarks that edit or narrow the model (benchmarks/quidam_whatif.py, benchmarks/tile_sets.py) still apply to it.

Both failed silently for a session while the README kept their old figures: quidam_whatif's edit target line had
moved (dse/hardware.py), and tile_sets' narrowed tile family did not take ``dataflows._tile_family``'s newer
arguments (``lane_low``, ``reduction``), so every variant's child process raised a TypeError.
"""

from __future__ import annotations

import sys

import numpy as np

import benchmark_modules


def test_quidam_whatif_edits_each_match_once():
    whatif = benchmark_modules.load("quidam_whatif")
    for key, (path, edits) in whatif.EDITS.items():
        text = (whatif.ROOT / path).read_text()
        for old, new in edits:
            assert text.count(old) == 1, (key, path, old)
            assert old != new, key


def test_tile_sets_narrowed_family_takes_every_argument_of_the_model():
    from dse import dataflows

    tile_sets = benchmark_modules.load("tile_sets")
    code = tile_sets.CHILD.format(root=str(tile_sets.ROOT), variant="pe_pow2", pairs=1, seed=1)
    setup = code.split("from exhaustive_mapper import fast")[0]  # the narrowing, not the 300-pair run
    original, path = dataflows._tile_family, list(sys.path)
    try:
        exec(setup, {})
        assert dataflows._tile_family is not original
        vals, _ = dataflows.tile_choices(np.array([7.0, 12.0]), np.array([7.0, 12.0]), lane_low=np.array([3.0, 5.0]),
                                         reduction=True)
    finally:
        dataflows._tile_family, sys.path[:] = original, path
    for row, d in zip(vals, (7, 12)):
        sizes = row[~np.isnan(row)]
        assert set(sizes) == {min(2**i, d) for i in range(6)}, (d, sizes)
