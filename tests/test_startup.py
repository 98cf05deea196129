"""Start-up: `dse --help` and `dse zoo` import none of the heavy libraries; numba's cache location."""

import subprocess
import sys
from pathlib import Path

import pytest

import dse

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "matplotlib", "dask", "distributed", "onnx", "scipy", "pyarrow")
PROBE = """
import sys
from dse import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print("imported:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("argv, also_absent", [(["--help"], ("numpy", "networkx", "yaml")),
                                               (["run", "--help"], ("numpy", "networkx")),
                                               (["zoo"], ())])
def test_light_commands_import_no_heavy_library(argv, also_absent):
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY + also_absent), *argv], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    assert out[-1] == "imported:", f"dse {' '.join(argv)} {out[-1]}"


def test_numba_cache_goes_to_the_user_cache_when_installed(tmp_path):
    site = tmp_path / "lib" / "python3.11" / "site-packages" / "dse"
    site.mkdir(parents=True)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert dse.numba_cache_dir(site, env) == str(tmp_path / "cache" / "dse" / "numba")
    assert dse.numba_cache_dir(site, {**env, "NUMBA_CACHE_DIR": "/x"}) is None  # the user's choice wins
    checkout = tmp_path / "src" / "dse"
    checkout.mkdir(parents=True)
    assert dse.numba_cache_dir(checkout, env) is None  # a writable source tree: numba's default
