"""A chunk task that kills its Dask worker process the first time it runs a chosen chunk.

Importable by name on the workers (they inherit this test session's sys.path), so tests can
swap it in for ``dse.sweep.evaluate_part``; the marker file makes the kill happen once only.
"""

import os
import signal
from pathlib import Path

from dse import sweep

REAL = sweep.evaluate_part


def kill_once(spec, wl, out_dir, index, fp, *args, **kwargs):
    marker = Path(out_dir).parent / f"killed-{index}"
    if index == int(os.environ.get("DSE_TEST_KILL_CHUNK", "-1")) and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-task, as a crashed machine would
    return REAL(spec, wl, out_dir, index, fp, *args, **kwargs)
